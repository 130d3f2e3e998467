"""Setting classification against the `setting` field of the dev gold set, with the reasons."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from registry.build import build

DOC_KEYS = ("id", "source_kind", "url", "title", "text", "year", "country")
FLOOR = 0.80


def _gold_docs(gold_files: list[Path]) -> list[dict]:
    docs = [
        json.loads(line)
        for path in gold_files
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    assert docs, "no gold documents"
    return docs


@pytest.fixture(scope="module")
def gold(gold_files: list[Path]) -> dict[str, str]:
    docs = _gold_docs(gold_files)
    return {d["id"]: d["gold"]["setting"] for d in docs if d["gold"].get("setting")}


@pytest.fixture(scope="module")
def gold_registry(tmp_path_factory: pytest.TempPathFactory, gold_files: list[Path]) -> Path:
    """The gold documents alone, as a snapshot folder: text only, no structured trial record."""
    folder = tmp_path_factory.mktemp("gold_snapshot")
    with open(folder / "documents.jsonl", "w", encoding="utf-8") as fh:
        for doc in _gold_docs(gold_files):
            fh.write(json.dumps({k: doc.get(k) for k in DOC_KEYS}, ensure_ascii=False) + "\n")
    db = folder.parent / "gold.duckdb"
    build(db, snapshot=folder, extract=False)
    return db


def _settings(db: Path) -> dict[str, tuple[str, str, str]]:
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        """SELECT d.doc_id, d.setting, s.setting_rule, s.setting_reason
           FROM documents d JOIN document_settings s USING (doc_id)"""
    ).fetchall()
    con.close()
    return {r[0]: r[1:] for r in rows}


def _score(gold: dict[str, str], got: dict[str, tuple[str, str, str]]) -> tuple[float, list[str]]:
    """Micro F1 over the labelled documents (one label each: equals accuracy)."""
    tp = sum(got.get(i, ("",))[0] == g for i, g in gold.items())
    misses = [
        f"{i}: gold {g}, got {got.get(i, ('missing',))[0]} ({got.get(i, ('', '', ''))[2]})"
        for i, g in gold.items()
        if got.get(i, ("",))[0] != g
    ]
    return tp / len(gold), misses


def test_settings_gold_text_only(gold, gold_registry, record_property) -> None:
    micro_f1, misses = _score(gold, _settings(gold_registry))
    record_property("setting_micro_f1_text_only", micro_f1)
    print(f"\nsetting micro F1 on {len(gold)} gold documents (text only): {micro_f1:.3f}")
    print("\n".join(misses))
    assert micro_f1 >= FLOOR, misses


def test_settings_gold_with_snapshot_records(gold, snapshot_registry, record_property) -> None:
    """The same documents as the real snapshot holds them (structured trial records included)."""
    got = _settings(snapshot_registry)
    held = {i: g for i, g in gold.items() if i in got}
    assert len(held) >= 0.9 * len(gold)
    micro_f1, misses = _score(held, got)
    record_property("setting_micro_f1_snapshot", micro_f1)
    print(f"\nsetting micro F1 on {len(held)} gold documents (snapshot records): {micro_f1:.3f}")
    print("\n".join(misses))
    assert micro_f1 >= 0.90, misses


def test_settings_every_document_has_one_with_reasons(gold_registry) -> None:
    got = _settings(gold_registry)
    assert got and all(s and rule and reason for s, rule, reason in got.values())
    kinds = Counter(s for s, _, _ in got.values())
    assert set(kinds) <= {
        "approved_product",
        "regulated_trial",
        "registered_unverified",
        "clinic_direct_to_consumer",
        "regulatory_action",
        "unknown",
    }


@pytest.mark.parametrize(
    ("doc_id", "setting", "rule", "reason"),
    [
        (
            "nct:NCT05152290",
            "registered_unverified",
            "trial.pay_to_participate",
            "pay-to-participate",
        ),
        (
            "nct:NCT05210309",
            "approved_product",
            "trial.approved_product",
            "Alofisel (EU 2018, withdrawn)",
        ),
        (
            "nct:NCT01920867",
            "registered_unverified",
            "trial.text_commercial_link",
            "commercial website",
        ),
        ("nct:NCT02849613", "regulated_trial", "trial.text_trial_wording", "trial phase"),
    ],
)
def test_settings_gold_examples_with_reasons(gold_registry, doc_id, setting, rule, reason) -> None:
    got = _settings(gold_registry)[doc_id]
    assert got[0] == setting and got[1] == rule and reason in got[2]


@pytest.mark.parametrize(
    ("doc_id", "setting", "rule", "reason"),
    [
        ("nct:NCT04573270", "registered_unverified", "trial.seller_sponsor", "seller"),
        (
            "nct:NCT01920867",
            "registered_unverified",
            "trial.seller_sponsor",
            "sponsor's own website",
        ),
        ("nct:NCT05322057", "approved_product", "trial.approved_product", "Alofisel"),
        ("nct:NCT02338375", "regulated_trial", "trial.record_phase", "EARLY_PHASE1"),
        ("nct:NCT04735185", "regulated_trial", "trial.accountable_without_phase", "Johns Hopkins"),
    ],
)
def test_settings_snapshot_examples_with_reasons(
    snapshot_registry, doc_id, setting, rule, reason
) -> None:
    got = _settings(snapshot_registry)[doc_id]
    assert got[0] == setting and got[1] == rule and reason in got[2]
