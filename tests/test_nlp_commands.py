"""``cellvigil extract`` and ``cellvigil evaluate`` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from nlp.commands import register

runner = CliRunner()


def app() -> typer.Typer:
    cli = typer.Typer()
    register(cli)
    return cli


GOLD = [
    {
        "id": "g1",
        "source_kind": "trial_registration",
        "title": "UC-MSC for ARDS",
        "text": "A phase 1 trial. Allogeneic UC-MSCs (1 x 10^6 cells/kg) were infused "
        "intravenously.",
        "gold": {
            "tissue_sources": ["umbilical_cord"],
            "donor": ["allogeneic"],
            "routes": ["intravenous"],
            "doses": [{"cells": 1e6, "per_kg": True}],
            "events": [],
            "setting": "regulated_trial",
        },
    },
    {
        "id": "g2",
        "source_kind": "publication",
        "title": "Knee OA",
        "text": "Autologous AD-MSCs were injected into the knee joint.",
        "gold": {
            "tissue_sources": ["adipose"],
            "donor": ["autologous"],
            "routes": ["intradiscal"],
            "doses": [],
            "events": [],
        },
    },
]


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def test_commands_extract_writes_one_line_per_input(tmp_path: Path) -> None:
    src = tmp_path / "docs.jsonl"
    write_jsonl(src, GOLD)
    with open(src, "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    out = tmp_path / "facts.jsonl"
    result = runner.invoke(app(), ["extract", "--in", str(src), "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in lines] == ["g1", "g2", None]
    assert lines[0]["routes"] == ["intravenous"]
    assert "error" in lines[2]
    assert "wrote 3 lines" in result.output


def test_commands_evaluate_prints_scores_and_misses(tmp_path: Path) -> None:
    gold = write_jsonl(tmp_path / "gold.jsonl", GOLD)
    result = runner.invoke(app(), ["evaluate", "--gold", str(gold)])
    assert result.exit_code == 0, result.output
    for field in (
        "tissue_sources",
        "donor",
        "routes",
        "doses",
        "events",
        "present_events",
        "setting",
    ):
        assert field in result.output
    assert "miss routes: g2 FN=['intradiscal'] FP=['intra_articular']" in result.output


def test_commands_help_is_docstring() -> None:
    result = runner.invoke(app(), ["extract", "--help"])
    assert result.exit_code == 0
    assert "Extract tissue, donor, route" in result.output
