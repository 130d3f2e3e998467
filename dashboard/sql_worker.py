"""Runs one researcher query through the registry's SQL sandbox in a child process.

A separate process keeps the sandbox's locked, memory-capped DuckDB configuration apart from
the dashboard's own connection (DuckDB allows one configuration per file and process), and a
runaway query can never stall the server. Usage: ``python -m dashboard.sql_worker DB MAX_ROWS``
with the query on stdin; the result comes back as an Arrow IPC stream on stdout, a refusal or
failure as text on stderr with exit status 3.
"""

from __future__ import annotations

import sys

import pyarrow as pa

REFUSED_EXIT = 3


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
        {**(table.schema.metadata or {}), b"truncated": str(df.attrs.get("truncated")).encode()})
    with pa.ipc.new_stream(sys.stdout.buffer, table.schema) as writer:
        writer.write_table(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
