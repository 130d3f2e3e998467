"""``cellvigil run`` falls back to the snapshot without a network and says so plainly."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cellvigil.cli import app
from crawler import commands as crawl_commands

runner = CliRunner()


def _snapshot(folder: Path) -> Path:
    folder.mkdir()
    doc = {
        "id": "url:https://clinic.example/iv",
        "source_kind": "clinic_ad",
        "url": "https://clinic.example/iv",
        "title": "IV stem cell therapy",
        "text": "Our clinic infuses umbilical cord MSCs intravenously.",
        "year": 2024,
        "country": "MX",
    }
    (folder / "documents.jsonl").write_text(json.dumps(doc) + "\n", encoding="utf-8")
    return folder


def test_run_without_network_builds_from_the_snapshot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crawl_commands, "network_available", lambda *a, **k: False)
    db = tmp_path / "r.duckdb"
    result = runner.invoke(
        app, ["run", "--no-serve", "--db", str(db), "--snapshot", str(_snapshot(tmp_path / "snap"))]
    )
    assert result.exit_code == 0, result.output
    assert "no network" in result.output
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT doc_id FROM documents").fetchall() == [
        ("url:https://clinic.example/iv",)
    ]
    con.close()


def test_run_without_network_or_snapshot_fails_clearly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(crawl_commands, "network_available", lambda *a, **k: False)
    result = runner.invoke(
        app,
        [
            "run",
            "--no-serve",
            "--db",
            str(tmp_path / "r.duckdb"),
            "--snapshot",
            str(tmp_path / "missing"),
        ],
    )
    assert result.exit_code == 2
    assert "nothing to build from" in result.output
    assert not (tmp_path / "r.duckdb").exists()


def test_help_lists_only_built_stages() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "serve", "run", "crawl", "extract", "evaluate"):
        assert command in result.output
