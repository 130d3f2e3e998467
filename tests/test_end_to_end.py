"""Build from the real snapshot, query every public view, render the first dashboard page."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from registry.build import build
from registry.export import export_views
from registry.views import PUBLIC_VIEWS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def con(snapshot_registry: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(snapshot_registry), read_only=True)
    yield connection
    connection.close()


def test_end_to_end_build_reports_counts(snapshot_build: tuple[Path, str]) -> None:
    _, output = snapshot_build
    assert re.search(r"\d+ new documents", output)
    assert "trial_registration:" in output and "publication:" in output


@pytest.mark.parametrize("view", PUBLIC_VIEWS)
def test_end_to_end_every_public_view_answers(con: duckdb.DuckDBPyConnection, view: str) -> None:
    rows = con.execute(f"SELECT * FROM {view}").fetchall()
    if view in ("documents", "trials", "tissue_sources", "routes", "events"):
        assert rows, f"{view} is empty after a build from the real snapshot"


def test_end_to_end_documents_match_versions(con: duckdb.DuckDBPyConnection) -> None:
    docs = con.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
    ids = con.execute("SELECT count(DISTINCT doc_id) FROM document_versions").fetchone()[0]
    assert docs == (ids, ids)
    assert con.execute("SELECT count(*) FROM documents WHERE setting IS NULL").fetchone()[0] == 0


@pytest.mark.parametrize("view", ["tissue_sources", "donors", "routes", "doses", "events"])
def test_end_to_end_evidence_offsets_point_at_the_text(
    con: duckdb.DuckDBPyConnection, view: str
) -> None:
    rows = con.execute(
        f"""SELECT v.text, v.start, v."end", v.sentence, coalesce(c.title, '') || chr(10) || chr(10)
                   || coalesce(c.text, '')
            FROM {view} v JOIN current_versions c USING (doc_id)
            WHERE v.start IS NOT NULL"""
    ).fetchall()
    for text, start, end, sentence, full in rows:
        assert full[start:end] == text
        assert sentence is None or text in sentence


def test_end_to_end_rebuild_is_a_no_op(
    snapshot_registry: Path, snapshot_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.duckdb"
    copy.write_bytes(snapshot_registry.read_bytes())
    summary = build(copy, snapshot=snapshot_dir)
    assert (summary.ingest.inserted, summary.ingest.new_versions) == (0, 0)
    assert summary.extracted == 0


def _dictionary_sections() -> dict[str, set[str]]:
    text = (ROOT / "docs" / "data_dictionary.md").read_text("utf-8")
    sections: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^###\s+`(\w+)`", line)
        if heading:
            current = heading.group(1)
            sections[current] = set()
        elif line.startswith("#"):
            current = None
        elif current and line.startswith("| ") and not line.startswith("| column"):
            sections[current].add(line.split("|")[1].strip())
    return sections


def test_end_to_end_data_dictionary_documents_every_column(
    con: duckdb.DuckDBPyConnection,
) -> None:
    sections = _dictionary_sections()
    for view in export_views():
        columns = {row[0] for row in con.execute(f"DESCRIBE {view}").fetchall()}
        assert view in sections, f"{view} missing from docs/data_dictionary.md"
        assert columns == sections[view], f"{view}: columns differ from the dictionary"


def test_end_to_end_first_page_renders(
    snapshot_registry: Path, con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CELLVIGIL_DB", str(snapshot_registry))
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=60).run()
    assert not at.exception
    per_source = next(
        df.value
        for df in at.dataframe
        if {"source", "source_kind", "documents"} <= set(df.value.columns)
    )
    shown = per_source.groupby("source_kind")["documents"].sum().to_dict()
    expected = dict(
        con.execute("SELECT source_kind, count(*) FROM documents GROUP BY 1").fetchall()
    )
    assert shown == expected


def test_end_to_end_readme_names_every_command() -> None:
    from typer.main import get_command

    from cellvigil.cli import app

    readme = (ROOT / "README.md").read_text("utf-8")
    for name in get_command(app).commands:
        assert f"cellvigil {name}" in readme, f"README does not document `cellvigil {name}`"
