"""Score extracted facts against gold files: P/R/F1 per field, micro-averaged, with the misses."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIELDS = ("tissue_sources", "donor", "routes", "doses", "events", "present_events", "setting")


@dataclass
class Score:
    """Counts for one field, plus the misses per document id."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[tuple[str, list[str], list[str]]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def dose_matches(gold: list[dict[str, Any]], pred: list[dict[str, Any]]) -> tuple[int, list, list]:
    """Greedy matching: same per_kg and cells equal within 1% relative."""
    left = list(pred)
    tp, missed = 0, []
    for g in gold:
        cells = float(g["cells"])
        hit = next(
            (
                p
                for p in left
                if bool(p["per_kg"]) == bool(g["per_kg"])
                and abs(float(p["cells"]) - cells) <= 0.01 * abs(cells)
            ),
            None,
        )
        if hit is None:
            missed.append(g)
        else:
            left.remove(hit)
            tp += 1
    return tp, missed, left


def _dose_label(d: dict[str, Any]) -> str:
    return f"{float(d['cells']):g}{'/kg' if d['per_kg'] else ''}"


def _as_set(name: str, facts: dict[str, Any]) -> set[str] | None:
    if name == "events":
        return {f"{e['term']}:{e['status']}" for e in facts.get("events") or []}
    if name == "present_events":
        return {e["term"] for e in facts.get("events") or [] if e["status"] == "present"}
    if name == "setting":
        return {facts["setting"]} if facts.get("setting") else None
    return set(facts.get(name) or [])


def score(pairs: Iterable[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Score]:
    """Pairs of (gold labels, predicted facts) -> one Score per field."""
    scores = {name: Score() for name in FIELDS}
    for gold, pred in pairs:
        doc_id = str(pred.get("id"))
        for name in FIELDS:
            s = scores[name]
            if name == "doses":
                tp, missed, extra = dose_matches(gold.get("doses") or [], pred.get("doses") or [])
                s.tp, s.fn, s.fp = s.tp + tp, s.fn + len(missed), s.fp + len(extra)
                if missed or extra:
                    s.misses.append(
                        (doc_id, [_dose_label(d) for d in missed], [_dose_label(d) for d in extra])
                    )
                continue
            gold_set = _as_set(name, gold)
            if gold_set is None:  # setting is scored only where the gold has one
                continue
            pred_set = _as_set(name, pred) or set()
            s.tp += len(gold_set & pred_set)
            s.fn += len(gold_set - pred_set)
            s.fp += len(pred_set - gold_set)
            if gold_set != pred_set:
                s.misses.append((doc_id, sorted(gold_set - pred_set), sorted(pred_set - gold_set)))
    return scores


def read_gold(paths: Iterable[Path]) -> list[dict[str, Any]]:
    """Gold records from JSONL files, in file order."""
    records = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            records.extend(json.loads(line) for line in fh if line.strip())
    return records


def evaluate_files(paths: Iterable[Path], n_process: int = 1) -> dict[str, Score]:
    """Run the extractor on gold files and score it."""
    from nlp.extract import extract_records

    records = read_gold(paths)
    predictions = extract_records(records, n_process=n_process)
    return score((r.get("gold") or {}, p) for r, p in zip(records, predictions, strict=True))


def report(scores: dict[str, Score], misses: bool = True) -> str:
    """A plain-text table of P/R/F1 per field, then the misses (FN / FP per doc id)."""
    lines = [f"{'field':16} {'P':>6} {'R':>6} {'F1':>6} {'tp':>5} {'fp':>5} {'fn':>5}"]
    for name, s in scores.items():
        lines.append(
            f"{name:16} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f} "
            f"{s.tp:5d} {s.fp:5d} {s.fn:5d}"
        )
    if misses:
        for name, s in scores.items():
            for doc_id, fn, fp in s.misses:
                lines.append(f"  miss {name}: {doc_id} FN={fn} FP={fp}")
    return "\n".join(lines)
