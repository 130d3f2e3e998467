"""Read-only, sandboxed SQL over the registry: one function for ``cellvigil sql`` and the dashboard.

Two layers. Before running, DuckDB's own parser checks the text: exactly one statement, of type
SELECT, starting with a query keyword (``PRAGMA`` parses as a SELECT), and no file-reading table
function. Then the query runs on a connection opened read-only with external access disabled
and the configuration locked (so nothing can re-enable it), under a memory limit, and a timer
thread interrupts it after ``timeout_s``. A refusal raises ``QueryRefused`` naming its rule.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from registry.db import RegistryMissing

DEFAULT_TIMEOUT_S = 10.0
DEFAULT_MAX_ROWS = 10_000
# Room for the dashboard's queries at scale: at 1GB they spilled and hit DuckDB temp-file errors.
MEMORY_LIMIT = "4GB"

# Statement types other than SELECT, each refused by a named rule.
TYPE_RULES: dict[str, str] = {
    "COPY": "no_copy",
    "EXPORT": "no_export",
    "ATTACH": "no_attach",
    "DETACH": "no_attach",
    "LOAD": "no_extensions",
    "SET": "no_settings",
    "VARIABLE_SET": "no_settings",
    "PRAGMA": "no_settings",
    "CALL": "no_call",
    "INSERT": "read_only",
    "UPDATE": "read_only",
    "DELETE": "read_only",
    "CREATE": "read_only",
    "DROP": "read_only",
    "ALTER": "read_only",
    "TRANSACTION": "read_only",
    "CREATE_FUNC": "read_only",
    "VACUUM": "read_only",
    "ANALYZE": "read_only",
    "MERGE_INTO": "read_only",
    "UPDATE_EXTENSIONS": "no_extensions",
}
# A SELECT-typed statement must start with one of these (PRAGMA x is rewritten into a SELECT).
QUERY_KEYWORDS = {
    "select",
    "with",
    "from",
    "values",
    "table",
    "describe",
    "show",
    "summarize",
    "(",
    "pivot",
    "unpivot",
}
LEADING_RULES = {
    "pragma": "no_settings",
    "call": "no_call",
    "set": "no_settings",
    "reset": "no_settings",
    "use": "no_settings",
    "checkpoint": "read_only",
}
# Table/scalar functions that read files or run nested SQL; refused before running (the engine
# would refuse the file ones anyway, with external access disabled).
FILE_FUNCTIONS = {
    "read_csv",
    "read_csv_auto",
    "read_text",
    "read_blob",
    "read_json",
    "read_json_auto",
    "read_json_objects",
    "read_json_objects_auto",
    "read_ndjson",
    "read_ndjson_auto",
    "read_ndjson_objects",
    "read_parquet",
    "parquet_scan",
    "parquet_metadata",
    "parquet_schema",
    "parquet_file_metadata",
    "parquet_kv_metadata",
    "parquet_bloom_probe",
    "glob",
    "sniff_csv",
    "read_xlsx",
    "iceberg_scan",
    "delta_scan",
    "sqlite_scan",
    "sqlite_attach",
    "postgres_scan",
    "mysql_scan",
    "query",
    "query_table",
    "read_duckdb",
}


class SandboxError(Exception):
    """Base class: the query produced no result."""


class QueryRefused(SandboxError):
    """The sandbox refused the query; ``rule`` names the rule that refused it."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"refused by rule '{rule}': {message}")
        self.rule = rule
        self.message = message


class QueryFailed(SandboxError):
    """An allowed query that DuckDB could not run (unknown column, type error...)."""


@dataclass(frozen=True)
class CheckedQuery:
    """A query that passed the static checks, as DuckDB parsed it."""

    sql: str
    first_keyword: str


def _tokens(sql: str) -> list[tuple[str, str]]:
    """(text, kind) of every token, comments skipped, using DuckDB's own tokenizer."""
    found = duckdb.tokenize(sql)
    out: list[tuple[str, str]] = []
    for i, (start, kind) in enumerate(found):
        end = found[i + 1][0] if i + 1 < len(found) else len(sql)
        out.append((sql[start:end].strip(), str(kind).rsplit(".", 1)[-1]))
    return out


def check_query(sql: str) -> CheckedQuery:
    """Static checks with DuckDB's parser; raise ``QueryRefused`` naming the rule broken."""
    if not sql or not sql.strip():
        raise QueryRefused("single_statement", "the query is empty")
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise QueryRefused("syntax", f"DuckDB cannot parse the query: {exc}") from exc
    if len(statements) != 1:
        raise QueryRefused("single_statement", f"one statement per query, got {len(statements)}")
    kind = statements[0].type.name
    if kind != "SELECT":
        rule = TYPE_RULES.get(kind, "select_only")
        raise QueryRefused(rule, f"{kind} statements are not allowed; only SELECT queries run")
    tokens = _tokens(sql)
    first = tokens[0][0].lower() if tokens else ""
    if first not in QUERY_KEYWORDS:
        rule = LEADING_RULES.get(first, "select_only")
        raise QueryRefused(rule, f"{first.upper()} is not allowed; only SELECT queries run")
    for i, (text, kind_name) in enumerate(tokens):
        name = text.strip('"').lower()
        followed_by_paren = i + 1 < len(tokens) and tokens[i + 1][0].startswith("(")
        if name in FILE_FUNCTIONS and followed_by_paren and kind_name != "string_const":
            raise QueryRefused(
                "no_file_access", f"{name}() reads files or runs nested SQL; not allowed here"
            )
    return CheckedQuery(sql=sql, first_keyword=first)


def sandbox_connection(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection with no file or network access and a locked configuration."""
    path = Path(db_path)
    if not path.exists():
        raise RegistryMissing(
            f"no registry at {path}: build one with `cellvigil build --db {path}`"
        )
    return duckdb.connect(
        str(path),
        read_only=True,
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "memory_limit": MEMORY_LIMIT,
            "lock_configuration": True,
        },
    )


def run_query(
    db_path: str | Path,
    sql: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> pd.DataFrame:
    """Run one read-only SELECT on the registry and return at most ``max_rows`` rows.

    ``df.attrs["truncated"]`` says whether rows were cut. Raises ``QueryRefused`` (rule named),
    ``QueryFailed`` (DuckDB error on an allowed query) or ``RegistryMissing``.
    """
    checked = check_query(sql)
    con = sandbox_connection(db_path)
    timer = threading.Timer(timeout_s, con.interrupt)
    timer.daemon = True
    timer.start()
    try:
        relation = con.sql(checked.sql)
        if relation is None:
            raise QueryRefused("select_only", "the statement returns no rows")
        df = relation.limit(max_rows + 1).df()
    except duckdb.InterruptException as exc:
        raise QueryRefused(
            "time_limit", f"the query ran longer than {timeout_s:g} s and was interrupted"
        ) from exc
    except duckdb.PermissionException as exc:
        raise QueryRefused("no_external_access", f"file and network access are off: {exc}") from exc
    except duckdb.InvalidInputException as exc:
        if "read-only" in str(exc) or "locked" in str(exc):
            raise QueryRefused("read_only", str(exc)) from exc
        raise QueryFailed(str(exc)) from exc
    except duckdb.OutOfMemoryException as exc:
        raise QueryRefused("memory_limit", f"the query needs more than {MEMORY_LIMIT}") from exc
    except duckdb.Error as exc:
        raise QueryFailed(str(exc)) from exc
    finally:
        timer.cancel()
        con.close()
    truncated = len(df) > max_rows
    if truncated:
        df = df.iloc[:max_rows]
    df.attrs["truncated"] = truncated
    return df
