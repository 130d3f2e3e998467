"""The anchored matcher behind cv_events and cv_context finds what a plain Matcher finds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.matcher import Matcher

import nlp.sentences  # noqa: F401  (registers cv_sentences)
from nlp.context import load_context_rules
from nlp.events import load_event_rules
from nlp.fast_matching import (
    AnchoredMatcher,
    merge_windows,
    required_tests,
    sentence_starts,
    sentence_window,
    starts_anchored,
    token_reach,
)

SAMPLES = [
    "Two patients developed deep-vein thrombosis; no PE was seen. D-dimer levels were markedly "
    "increased after infusion, while thrombin–antithrombin complexes remained stable.",
    "Exclusion Criteria:\n- History of DVT or PE\n- Prior stroke within 6 months",
    "We did not observe any case of pulmonary thrombo-embolism, and thrombosis has not been "
    "reported with this product. Previous reports described microthrombi in the lungs.",
    "Jung et al. reported an infarct in the right middle cerebral artery territory.",
    "",
    "thrombosis",
]


def _token_rules() -> list[tuple[str, list[dict]]]:
    rules = [(r.id, r.pattern) for r in load_event_rules() if not isinstance(r.pattern, str)]
    rules += [(r.id, r.pattern) for r in load_context_rules() if not isinstance(r.pattern, str)]
    return rules


@pytest.fixture(scope="module")
def nlp_and_matchers() -> tuple[Language, Matcher, AnchoredMatcher]:
    pipe = spacy.blank("en")
    pipe.add_pipe("cv_sentences")
    plain, anchored = Matcher(pipe.vocab), AnchoredMatcher(pipe.vocab)
    for key, pattern in _token_rules():
        plain.add(key, [pattern])
        anchored.add(key, pattern)
    return pipe, plain, anchored


def _plain(doc: spacy.tokens.Doc, matcher: Matcher) -> set[tuple[str, int, int]]:
    return {(doc.vocab.strings[k], s, e) for k, s, e in matcher(doc)}


def _texts(shared_gold: Path | None) -> list[str]:
    texts = list(SAMPLES)
    if shared_gold is not None:
        for path in sorted(shared_gold.glob("*.jsonl")):
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    texts.append((row.get("title") or "") + "\n\n" + (row.get("text") or ""))
    return texts


def test_events_anchored_matcher_equals_plain_matcher(nlp_and_matchers, shared: Path) -> None:
    pipe, plain, anchored = nlp_and_matchers
    for text in _texts(shared / "gold"):
        doc = pipe(text)
        assert set(anchored(doc)) == _plain(doc, plain), text[:80]


def test_events_anchored_matcher_regions_keep_only_inner_matches(nlp_and_matchers) -> None:
    pipe, plain, anchored = nlp_and_matchers
    doc = pipe(SAMPLES[0])
    region = (0, 12)
    inside = {m for m in _plain(doc, plain) if region[0] <= m[1] and m[2] <= region[1]}
    assert set(anchored(doc, [region])) == inside


def test_events_unanchored_pattern_runs_everywhere() -> None:
    pipe = spacy.blank("en")
    matcher = AnchoredMatcher(pipe.vocab)
    matcher.add("any_number", [{"LIKE_NUM": True}, {"LOWER": "cells", "OP": "?"}])
    matcher.add("unbounded", [{"LOWER": "clot"}, {"IS_ALPHA": True, "OP": "+"}])
    doc = pipe("5 cells and a clot formed quickly")
    assert ("any_number", 0, 2) in matcher(doc)
    assert ("unbounded", 4, 7) in matcher(doc)


@pytest.mark.parametrize(
    ("op", "reach"),
    [(None, (1, 1)), ("?", (0, 1)), ("{0,4}", (0, 4)), ("{2}", (2, 2)), ("{1,}", (1, 10**9))],
)
def test_events_token_reach(op: str | None, reach: tuple[int, int]) -> None:
    token = {"LOWER": "x"} if op is None else {"LOWER": "x", "OP": op}
    assert token_reach(token) == reach


def test_events_required_tests_skip_optional_and_untestable_tokens() -> None:
    pattern = [{"LOWER": "deep", "OP": "?"}, {"IS_ALPHA": True}, {"LOWER": {"IN": ["dvt"]}}]
    tests, longest = required_tests(pattern)
    assert len(tests) == 1 and tests[0].words == frozenset({"dvt"}) and longest == 3
    assert required_tests([{"IS_ALPHA": True}]) is None


def test_events_merge_windows_clips_and_joins() -> None:
    assert merge_windows([2, 4, 20], 3, (0, 22)) == [(0, 7), (18, 22)]


def test_events_sentence_bounds_read_once(nlp_and_matchers) -> None:
    pipe = nlp_and_matchers[0]
    doc = pipe("One sentence here. Another one follows. A third.")
    starts = sentence_starts(doc)
    assert [doc[s].text for s in starts] == ["One", "Another", "A"]
    first, end = sentence_window(starts, len(doc), 5)
    assert doc[first:end].text == "Another one follows."


@pytest.mark.parametrize(
    ("pattern", "anchored"),
    [("^(a|b)$", True), ("^a|b", False), ("a$", False), (r"^[|(]x", True), (r"^\(|x", False)],
)
def test_events_regex_anchor_detection(pattern: str, anchored: bool) -> None:
    assert starts_anchored(pattern) is anchored
