"""Cached read-only access to the registry: one connection per registry file, and an in-memory
copy of the slices the pages read, so a filter change costs milliseconds, not a view rebuild.

The registry's public views are computed on every query (the current version of each document
is a window over all versions); at a million events one such query takes over a second. The
dashboard therefore copies the columns it needs once per registry file into an in-memory DuckDB
("mart") and runs every page query there. Both are rebuilt when the file is replaced (new inode
or mtime), so a new build shows up on the next page load.
"""

from __future__ import annotations

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from cellvigil.paths import DB_ENV, default_db
from registry.db import RegistryMissing, connect_readonly

log = logging.getLogger(__name__)
FileKey = tuple[str, int, float]
# (mart table, SELECT on the registry, relation the registry must hold or None)
TableSpec = tuple[str, str, str | None]


def registry_path() -> Path:
    """The registry the dashboard shows (``$CELLVIGIL_DB``, set by ``cellvigil serve``)."""
    return Path(os.environ.get(DB_ENV) or default_db())


def file_key(path: Path | None = None) -> FileKey:
    """Identity of the registry file's current content; raises ``RegistryMissing``."""
    path = path or registry_path()
    try:
        stat = path.stat()
    except FileNotFoundError as exc:
        raise RegistryMissing(f"no registry at {path}") from exc
    return (str(path), stat.st_ino, stat.st_mtime)


@st.cache_resource(max_entries=2, show_spinner=False)
def registry_connection(key: FileKey) -> duckdb.DuckDBPyConnection:
    """The registry opened read-only (the SQL page's sandbox runs in its own process)."""
    return connect_readonly(key[0])


def relations(key: FileKey) -> set[str]:
    """Names of the registry's tables and views."""
    cursor = registry_connection(key).cursor()
    try:
        rows = cursor.execute(
            "SELECT view_name FROM duckdb_views() UNION SELECT table_name FROM duckdb_tables()"
        ).fetchall()
    finally:
        cursor.close()
    return {r[0] for r in rows}


def _fetch(key: FileKey, sql: str) -> Any:
    cursor = registry_connection(key).cursor()
    try:
        return cursor.execute(sql).to_arrow_table()
    finally:
        cursor.close()


@st.cache_resource(max_entries=1, show_spinner="Loading the registry…")
def mart(
    key: FileKey, tables: tuple[TableSpec, ...], derived: tuple[str, ...] = ()
) -> duckdb.DuckDBPyConnection:
    """The in-memory copy of ``tables`` (fetched in parallel; optional ones the registry lacks are
    skipped), then the ``derived`` statements run on it."""
    started = time.perf_counter()
    present = relations(key)
    wanted = [(name, sql) for name, sql, needs in tables if needs is None or needs in present]
    with ThreadPoolExecutor(max_workers=4) as pool:
        fetched = list(pool.map(lambda spec: (spec[0], _fetch(key, spec[1])), wanted))
    con = duckdb.connect(":memory:")
    for name, arrow in fetched:
        con.register("_cv_arrow", arrow)
        con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM _cv_arrow')
        con.unregister("_cv_arrow")
    for statement in derived:
        con.execute(statement)
    log.info("dashboard mart of %s loaded in %.1f s", key[0], time.perf_counter() - started)
    return con


def run(
    sql: str,
    params: dict[str, Any] | None,
    tables: tuple[TableSpec, ...],
    derived: tuple[str, ...] = (),
) -> pd.DataFrame:
    """Run one query on the mart of the current registry file (one cursor per query)."""
    cursor = mart(file_key(), tables, derived).cursor()
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()
