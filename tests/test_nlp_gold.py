"""The whole pipeline on the dev gold sets meets the F1 targets (skipped without shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.evaluate import evaluate_files

TARGETS = {
    "tissue_sources": 0.90,
    "routes": 0.90,
    "donor": 0.90,
    "setting": 0.80,
    "doses": 0.85,
    "events": 0.80,
    "present_events": 0.85,
}


@pytest.fixture(scope="module")
def gold_scores(gold_files: list[Path]):
    if not gold_files:
        pytest.skip("no gold files in the shared folder")
    return evaluate_files(gold_files)


@pytest.mark.parametrize("field, target", sorted(TARGETS.items()))
def test_gold_f1_meets_target(gold_scores, field: str, target: float) -> None:
    score = gold_scores[field]
    misses = "\n".join(f"{d}: FN={fn} FP={fp}" for d, fn, fp in score.misses)
    assert score.f1 >= target, f"{field} F1 {score.f1:.3f} < {target}\n{misses}"
