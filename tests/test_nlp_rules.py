"""Rule files: every vocabulary key has a rule, and bad rules fail loudly naming the rule."""

from __future__ import annotations

import json

import pytest

from cellvigil.vocabulary import keys
from nlp import rules
from nlp.rules import RuleError, load_rules


@pytest.mark.parametrize(
    "vocabulary, rules_file",
    [
        ("tissue_sources", "tissue_patterns.jsonl"),
        ("donor", "donor_patterns.jsonl"),
        ("routes", "route_patterns.jsonl"),
        ("settings", "setting_patterns.jsonl"),
    ],
)
def test_rules_cover_every_vocabulary_key(vocabulary: str, rules_file: str) -> None:
    vocab = keys(vocabulary)
    labels = {r.label for r in load_rules(rules_file, frozenset([*vocab, "none"]))}
    missing = set(vocab) - labels - {"unknown"}
    assert not missing, f"{rules_file} has no rule for {sorted(missing)}"


def _load_text(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(rules, "read_data_text", lambda name: text)
    load_rules.cache_clear()


@pytest.mark.parametrize(
    "line, message",
    [
        ({"id": "r1", "label": "spleen", "pattern": "spleen"}, "unknown label 'spleen'"),
        ({"id": "r2", "label": "adipose", "pattern": ""}, "'pattern' must be"),
        ({"id": "r3", "label": "adipose", "pattern": "fat", "colour": "red"}, "unknown keys"),
        ({"label": "adipose", "pattern": "fat"}, "without a string 'id'"),
    ],
)
def test_rules_bad_rule_names_the_rule(
    monkeypatch: pytest.MonkeyPatch, line: dict, message: str
) -> None:
    _load_text(monkeypatch, json.dumps(line))
    with pytest.raises(RuleError, match=message) as info:
        load_rules("bad.jsonl", frozenset(keys("tissue_sources")))
    if "id" in line:
        assert line["id"] in str(info.value)
    load_rules.cache_clear()


def test_rules_empty_file_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    _load_text(monkeypatch, "\n")
    with pytest.warns(UserWarning, match="holds no rules"):
        assert load_rules("empty.jsonl", frozenset(keys("donor"))) == ()
    load_rules.cache_clear()


def test_rules_duplicate_id_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    line = json.dumps({"id": "same", "label": "adipose", "pattern": "fat"})
    _load_text(monkeypatch, f"{line}\n{line}")
    with pytest.raises(RuleError, match="duplicate id"):
        load_rules("dup.jsonl", frozenset(keys("tissue_sources")))
    load_rules.cache_clear()
