"""The anchored matcher behind cv_events and cv_context finds what a plain Matcher finds."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.matcher import Matcher

import nlp.sentences  # noqa: F401  (registers cv_sentences)
from nlp.context import Cue, Stops, TokenChars, load_context_rules
from nlp.events import build_matchers, load_event_rules
from nlp.fast_matching import (
    AnchoredMatcher,
    around_windows,
    merge_windows,
    sentence_window,
)
from nlp.scope import sentence_starts
from nlp.sections import (
    HEADER_RE,
    INLINE_HEADER_RE,
    SECTION_KINDS,
    Sections,
    find_sections,
)
from nlp.word_tests import anchor_reach, required_tests, starts_anchored, token_reach

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


# --- the faster paths give what the plain ones gave -------------------------------------------


def test_events_test_reach_bounds_each_required_token() -> None:
    pattern = [
        {"LOWER": "deep", "OP": "?"},
        {"LOWER": "vein"},
        {"IS_ALPHA": True, "OP": "{0,2}"},
        {"LOWER": {"IN": ["thrombosis"]}},
    ]
    # "vein": at most 1 token before it, 3 after; "thrombosis": 4 before, none after
    assert anchor_reach(pattern) == [(1, 3), (4, 0)]
    assert len(anchor_reach(pattern)) == len(required_tests(pattern)[0])


def test_events_around_windows_clip_and_join() -> None:
    assert around_windows([2, 4, 20], 1, 2, (0, 22)) == [(1, 7), (19, 22)]


def test_events_single_token_rules_match_without_a_matcher() -> None:
    pipe = spacy.blank("en")
    plain, anchored = Matcher(pipe.vocab), AnchoredMatcher(pipe.vocab)
    rules = {
        "regex": [{"LOWER": {"REGEX": "^thromb(us|i)$"}}],
        "orth": [{"ORTH": {"IN": ["PE", "DVT"]}}],
        "lower": [{"LOWER": "stroke"}],
    }
    for key, pattern in rules.items():
        plain.add(key, [pattern])
        anchored.add(key, pattern)
    assert all(rule.fixed for rule in anchored.rules)
    doc = pipe("Thrombi, a PE, no pe, a DVT and a Stroke; THROMBUS. strokes")
    assert set(anchored(doc)) == _plain(doc, plain)
    assert len(anchored(doc)) == 5


def test_events_word_masks_accept_a_list_or_a_set() -> None:
    pipe = spacy.blank("en")
    matcher = AnchoredMatcher(pipe.vocab)
    matcher.add("clot", [{"LOWER": "blood"}, {"LOWER": {"REGEX": "^clots?$"}}])
    doc = pipe("blood clots and a blood clot")
    orths = [t.orth for t in doc]
    assert matcher.masks.passing(orths) == matcher.masks.passing(set(orths))
    assert set(matcher.masks.passing(orths)) == {
        pipe.vocab.strings[w] for w in ("blood", "clots", "clot")
    }


def test_events_phrase_rules_as_token_rules_match_like_a_phrase_matcher(shared: Path) -> None:
    pipe = spacy.blank("en")
    pipe.add_pipe("cv_sentences")
    rules = [r for r in load_event_rules() if isinstance(r.pattern, str)]
    assert rules
    as_tokens, _ = build_matchers(pipe, rules, "test", phrases_as_tokens=True)
    _, phrases = build_matchers(pipe, rules, "test")
    texts = _texts(shared / "gold") + [r.pattern.upper() + " and " + r.pattern for r in rules]
    for text in texts:
        doc = pipe(text)
        expected = {(pipe.vocab.strings[k], s, e) for k, s, e in phrases(doc)}
        assert set(as_tokens(doc)) == expected, text[:80]


def _finditer_sections(text: str) -> Sections:
    found: dict[int, str] = {}
    for regex in (HEADER_RE, INLINE_HEADER_RE):
        for match in regex.finditer(text):
            found[match.start("name")] = SECTION_KINDS[match.group("name").lower()]
    starts = sorted(found)
    return Sections(tuple(starts), tuple(found[s] for s in starts))


def test_context_sections_found_where_headers_can_start(shared: Path) -> None:
    pieces = ["\n", "\n\n", ". ", "! ", "?\t", " ", "*", "# ", "[", "]", ":", "-", "x", "word"]
    names = [*list(SECTION_KINDS)[:12], "Exclusion Criteria", "RESULTS", "Conclusions"]
    rng = random.Random(7)
    texts = _texts(shared / "gold")
    for _ in range(2000):
        texts.append("".join(rng.choice(pieces + names) for _ in range(rng.randint(1, 14))))
    for text in texts:
        assert find_sections(text) == _finditer_sections(text), repr(text[:80])


def test_context_line_breaks_and_cue_text_read_from_offsets(nlp_and_matchers) -> None:
    pipe = nlp_and_matchers[0]
    text = "Title line\n\nNo DVT was seen.\nA stroke  occurred;\n- PE: none \n"
    doc = pipe(text)
    expected = [t.i for t in doc if "\n" in t.text]
    assert expected
    stops = Stops(doc, text, [], frozenset({"absent"}))  # no terminator: line breaks alone
    for first in range(len(doc) + 1):
        for end in range(first, len(doc) + 1):
            assert stops.blocked("absent", first, end) == any(first <= i < end for i in expected)
    chars = TokenChars(text, doc)
    rule = load_context_rules()[0]
    for start in range(len(doc)):
        for end in range(start + 1, min(len(doc), start + 4) + 1):
            assert chars.text_of(Cue(start, end, rule)) == doc[start:end].text
