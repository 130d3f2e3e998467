"""Every SQL query the dashboard runs, over one cached read-only connection to the registry.

Pages never write SQL of their own: they call these functions, which return DataFrames.
The connection is reopened when the registry file is replaced by a new build.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from cellvigil.paths import DB_ENV, default_db
from registry.db import RegistryMissing, connect_readonly


def registry_path() -> Path:
    """The registry the dashboard shows (``$CELLVIGIL_DB``, set by ``cellvigil serve``)."""
    return Path(os.environ.get(DB_ENV) or default_db())


def _file_key(path: Path) -> tuple[str, int, float]:
    stat = path.stat()
    return (str(path), stat.st_ino, stat.st_mtime)


@st.cache_resource(max_entries=2)
def _connection(key: tuple[str, int, float]) -> duckdb.DuckDBPyConnection:
    return connect_readonly(key[0])


def _query(sql: str, params: list | None = None) -> pd.DataFrame:
    path = registry_path()
    if not path.exists():
        raise RegistryMissing(f"no registry at {path}")
    cursor = _connection(_file_key(path)).cursor()
    try:
        return cursor.execute(sql, params or []).df()
    finally:
        cursor.close()


def registry_status() -> str | None:
    """None when the registry is usable, else a sentence saying what to run."""
    path = registry_path()
    if not path.exists():
        return (f"No registry at `{path}`. Build one with `cellvigil build --snapshot "
                f"../shared/snapshot --db {path}` or run the main job with `cellvigil run`.")
    try:
        count = _query("SELECT count(*) AS n FROM documents")["n"].iloc[0]
    except duckdb.Error as exc:
        return f"The registry at `{path}` cannot be read ({exc}). Rebuild it with `cellvigil build`."
    if count == 0:
        return f"The registry at `{path}` holds no documents yet. Run `cellvigil build` or `cellvigil run`."
    return None


@st.cache_data(ttl=300)
def documents_by_source_kind() -> pd.DataFrame:
    """Number of current documents per source kind."""
    return _query(
        """SELECT source_kind, count(*) AS documents
           FROM documents GROUP BY source_kind ORDER BY documents DESC"""
    )


@st.cache_data(ttl=300)
def trials_by_start_year_and_tissue() -> pd.DataFrame:
    """MSC trials per start year and extracted tissue source ('not stated' when none)."""
    return _query(
        """SELECT t.start_year, coalesce(ts.tissue_source, 'not stated') AS tissue_source,
                  count(DISTINCT t.nct_id) AS trials
           FROM trials t
           LEFT JOIN (SELECT DISTINCT doc_id, tissue_source FROM tissue_sources) ts
             USING (doc_id)
           WHERE t.start_year IS NOT NULL
           GROUP BY ALL ORDER BY t.start_year"""
    )


@st.cache_data(ttl=300)
def last_build() -> pd.DataFrame:
    """When the registry was last built or loaded, and from what."""
    return _query(
        """SELECT kind, input, finished_at, extractor_version
           FROM build_runs ORDER BY finished_at DESC LIMIT 1"""
    )
