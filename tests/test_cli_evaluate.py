"""`cellvigil evaluate --gold A B` (a shell glob) scores every file named, like repeated flags."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from cellvigil.cli import app

runner = CliRunner()


def _tp(output: str, field: str) -> int:
    match = re.search(rf"^{field}\s+[\d.]+\s+[\d.]+\s+[\d.]+\s+(\d+)", output, re.MULTILINE)
    assert match, output
    return int(match.group(1))


def test_evaluate_accepts_several_files_after_one_flag(gold_files: list[Path]) -> None:
    two = [str(p) for p in gold_files[:2]]
    glob_form = runner.invoke(app, ["evaluate", "--gold", *two, "--no-misses"])
    repeated = runner.invoke(app, ["evaluate", "--gold", two[0], "--gold", two[1], "--no-misses"])
    single = [runner.invoke(app, ["evaluate", "--gold", p, "--no-misses"]) for p in two]
    assert glob_form.exit_code == 0, glob_form.output
    assert glob_form.output == repeated.output
    assert _tp(glob_form.output, "routes") == sum(_tp(r.output, "routes") for r in single)
