"""Runs one researcher query through the registry's SQL sandbox, in a child process.

A separate process keeps the sandbox's locked, memory-capped DuckDB configuration apart from
the dashboard's own connection (DuckDB allows one configuration per file and process), and a
runaway query can never stall the server. Usage: ``python -m dashboard.sql_worker DB MAX_ROWS``
with the query on stdin; the result comes back as an Arrow IPC stream on stdout, a refusal or
failure as text on stderr with exit status 3.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa

REFUSED_EXIT = 3


class QueryRejected(Exception):
    """The sandbox refused the query or DuckDB could not run it; the message says why."""


def run_user_sql(db_path: Path, sql: str, max_rows: int = 10_000) -> pd.DataFrame:
    """Run a researcher's query through the registry's sandbox, in a child process.

    Raises ``QueryRejected`` with the sandbox's message (naming the rule) on a refusal, and
    ``ModuleNotFoundError`` while ``registry.sql_sandbox`` is not installed.
    """
    if importlib.util.find_spec("registry.sql_sandbox") is None:
        raise ModuleNotFoundError("registry.sql_sandbox")
    try:
        done = subprocess.run(
            [sys.executable, "-m", "dashboard.sql_worker", str(db_path), str(max_rows)],
            input=sql.encode("utf-8"),
            capture_output=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise QueryRejected("time_limit: the query did not finish within 30 s") from exc
    if done.returncode != 0:
        raise QueryRejected(
            done.stderr.decode("utf-8", "replace").strip()[-2000:]
            or f"the sandbox exited with status {done.returncode}"
        )
    table = pa.ipc.open_stream(done.stdout).read_all()
    df = table.to_pandas()
    df.attrs["truncated"] = (table.schema.metadata or {}).get(b"truncated") == b"True"
    return df


def main(argv: list[str]) -> int:
    from registry.sql_sandbox import SandboxError, run_query

    db, max_rows = argv[0], int(argv[1])
    try:
        df = run_query(db, sys.stdin.read(), timeout_s=10, max_rows=max_rows)
    except (SandboxError, FileNotFoundError) as exc:
        sys.stderr.write(str(exc))
        return REFUSED_EXIT
    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(
        {**(table.schema.metadata or {}), b"truncated": str(df.attrs.get("truncated")).encode()}
    )
    with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
