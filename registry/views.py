"""Vocabulary tables and the SQL views (``registry/views/*.sql``), applied in file-name order."""

from __future__ import annotations

from importlib import resources

import duckdb

from cellvigil.vocabulary import vocabulary
from registry.reference import create_reference_tables
from registry.store import insert_rows

PUBLIC_VIEWS = ("documents", "tissue_sources", "donors", "routes", "doses", "events", "trials")


def create_vocabulary_tables(con: duckdb.DuckDBPyConnection) -> None:
    """``vocab_<name>`` tables (key, label and codes) from ``data/vocabulary.json``."""
    for name, entries in vocabulary().items():
        table = f"vocab_{name}"
        columns = sorted({c for entry in entries.values() for c in entry})
        con.execute(f'DROP TABLE IF EXISTS "{table}"')
        cols_sql = ", ".join(f'"{c}" INTEGER' if c == "rank" else f'"{c}" VARCHAR' for c in columns)
        con.execute(f'CREATE TABLE "{table}" (key VARCHAR PRIMARY KEY, {cols_sql})')
        insert_rows(
            con, table, [{"key": k, **{c: e.get(c) for c in columns}} for k, e in entries.items()]
        )


def view_files() -> list[tuple[str, str]]:
    """(file name, SQL) of every view file, in order."""
    folder = resources.files("registry").joinpath("views")
    files = sorted((p for p in folder.iterdir() if p.name.endswith(".sql")), key=lambda p: p.name)
    return [(p.name, p.read_text("utf-8")) for p in files]


def create_views(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)create the vocabulary tables and every view; a failing file is named in the error."""
    create_vocabulary_tables(con)
    create_reference_tables(con)
    for name, sql in view_files():
        try:
            con.execute(sql)
        except duckdb.Error as exc:
            raise RuntimeError(f"registry/views/{name}: {exc}") from exc
