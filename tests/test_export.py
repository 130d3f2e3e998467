"""Export: every public view as Parquet and CSV plus the data dictionary that documents them."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from registry.export import (
    ANALYTIC_VIEWS,
    ExportError,
    dictionary_path,
    export_registry,
    export_views,
)
from registry.sample import build_sample_registry


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample_registry(tmp_path_factory.mktemp("export") / "sample.duckdb")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_export_writes_every_view_and_dictionary(registry: Path, tmp_path: Path, fmt: str) -> None:
    report = export_registry(registry, tmp_path, fmt)
    assert set(report.files) == set(export_views())
    con = duckdb.connect()
    reader = "read_parquet" if fmt == "parquet" else "read_csv"
    for view, path in report.files.items():
        assert path == tmp_path / f"{view}.{fmt}" and path.is_file()
        if report.rows[view]:
            n = con.execute(f"SELECT count(*) FROM {reader}('{path}')").fetchone()[0]
            assert n == report.rows[view], view
    assert report.dictionary is not None
    assert report.dictionary.read_text("utf-8") == dictionary_path().read_text("utf-8")
    assert report.rows["signals"] > 0 and report.rows["event_reports"] == 13


def test_export_parquet_keeps_lists_csv_writes_json(registry: Path, tmp_path: Path) -> None:
    export_registry(registry, tmp_path / "p", "parquet")
    export_registry(registry, tmp_path / "c", "csv")
    con = duckdb.connect()
    parquet = tmp_path / "p" / "event_reports.parquet"
    p = con.execute(
        f"SELECT tissue_sources FROM read_parquet('{parquet}') WHERE doc_id LIKE '%sample.00'"
    ).fetchall()
    assert p[0][0] == ["bone_marrow"]
    c = con.execute(
        f"SELECT tissue_sources FROM read_csv('{tmp_path}/c/event_reports.csv', "
        "all_varchar=true) WHERE doc_id LIKE '%sample.00'"
    ).fetchall()
    assert c[0][0] == '["bone_marrow"]'


def test_export_refuses_unknown_format(registry: Path, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="format"):
        export_registry(registry, tmp_path, "xlsx")


def _documented_columns() -> dict[str, list[str]]:
    """view -> columns listed in its table in docs/data_dictionary.md."""
    text = dictionary_path().read_text("utf-8")
    found: dict[str, list[str]] = {}
    for block in re.split(r"^### ", text, flags=re.M)[1:]:
        name = re.match(r"`([a-z_]+)`", block)
        if name:
            found[name.group(1)] = re.findall(r"^\| ([a-z_0-9]+) \| [A-Z]", block, flags=re.M)
    return found


@pytest.mark.parametrize("view", ANALYTIC_VIEWS)
def test_export_dictionary_documents_every_column(registry: Path, view: str) -> None:
    con = duckdb.connect(str(registry), read_only=True)
    columns = [
        r[0]
        for r in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [view],
        ).fetchall()
    ]
    con.close()
    assert columns, view
    assert _documented_columns().get(view) == columns
