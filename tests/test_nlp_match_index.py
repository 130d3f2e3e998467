"""The shortcuts of the shared match pass give what the plain computations give: the regex
candidates (leading literals of case-sensitive rules, the word ending every match) against
``finditer``, and the per-run longest-match choice against the greedy choice over all matches,
on the real documents of the shared folder and on generated inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_documents import pipeline_text, shared_records

from nlp.extract import get_nlp
from nlp.match_index import (
    LiteralFinder,
    RegexRule,
    WordFinder,
    _case_sensitive_words,
    _leading_words,
    _word_tail,
    longest_first,
    longest_first_plain,
    shared_index,
)
from nlp.rules import Rule
from nlp.scope import CASE_TRAPS

SETTINGS = settings(max_examples=300, deadline=None)


def _texts(shared: Path) -> list[str]:
    """Title and text of every gold and snapshot document (``shared``: skip when absent)."""
    return [pipeline_text(record) for record in shared_records()]


def _regex_rules() -> list[RegexRule]:
    index = shared_index(get_nlp())
    return [regex for rules in index.regexes.values() for regex in rules]


def test_match_index_shortcuts_cover_the_rules_they_were_made_for() -> None:
    by_id = {regex.rule.id: regex for regex in _regex_rules()}
    cell = by_id["anchor-cell-regex-msc-sc-mnc-s-b"]
    assert cell.scan is None and cell.literals is not None
    own = by_id["donor-autologous-regex-b-patient-patients-participant-par"]
    assert own.words is None and own.tail is not None and own.tail[0] == "own"


def test_match_index_regex_spans_equal_finditer_on_real_documents(shared: Path) -> None:
    automaton = shared_index(get_nlp())._words_automaton()
    for text in _texts(shared):
        lowered = text.lower()
        lower_ok = len(lowered) == len(text) and not any(c in text for c in CASE_TRAPS)
        words = WordFinder(lowered, automaton) if lower_ok else None
        for regex in _regex_rules():
            expected = [m.span() for m in regex.exact.finditer(text)]
            assert regex.spans(text, words) == expected, (regex.rule.id, text[:80])


def _rule(regex: str, case_sensitive: bool = False) -> RegexRule:
    flags = 0 if case_sensitive else re.IGNORECASE
    pattern = {"regex": regex}
    compiled = re.compile(regex, flags)
    return RegexRule(Rule("r", "x", pattern, case_sensitive=case_sensitive, compiled=compiled))


# Shortcut-shaped patterns (and near misses that must not take a shortcut), on texts made of
# their own pieces, where candidates, overlaps and boundaries crowd together.
PATTERNS = [
    (r"(?:MSC|SC|MNC)s?\b", True),
    (r"(?:aba|ab)a?", True),
    (r"(?:AB|B)C|BCD", True),
    (r"\b(?:his|her|patient)(?:'s)?\s+own\b", False),
    (r"\b(?:a|an)\s+(?:b|ab)\s+own\b", False),
    (r"\bx\s*own\b", False),
]
PIECES = [
    "MSC",
    "SC",
    "MNC",
    "s",
    "S",
    "aba",
    "ab",
    "a",
    "B",
    "BC",
    "BCD",
    "AB",
    "x",
    "his",
    "her",
    "patient",
    "'s",
    " ",
    "  ",
    "\n",
    "own",
    "OWN",
    "known",
    "owns",
    "an",
    "b",
    "-",
    "ſ",
    "_",
]


@pytest.mark.parametrize("regex, case_sensitive", PATTERNS)
@SETTINGS
@given(pieces=st.lists(st.sampled_from(PIECES), max_size=25))
def test_match_index_shortcut_spans_equal_finditer_on_generated_texts(
    regex: str, case_sensitive: bool, pieces: list[str]
) -> None:
    rule = _rule(regex, case_sensitive)
    text = "".join(pieces)
    lowered = text.lower()
    lower_ok = len(lowered) == len(text) and not any(c in text for c in CASE_TRAPS)
    expected = [m.span() for m in rule.exact.finditer(text)]
    assert rule.spans(text, WordFinder(lowered) if lower_ok else None) == expected


def test_match_index_pattern_analysis_refuses_what_it_cannot_cover() -> None:
    assert _leading_words("(?:patient|subject)s?\\b") == ("patient", "subject")
    assert _leading_words("(?:patient|subject)s?|other") is None  # a whole-pattern alternative
    assert _case_sensitive_words(re.compile("(?:MSC|SC)|NK")) is None
    assert _case_sensitive_words(re.compile("(?:MSC|SC)s", re.IGNORECASE)) is None
    assert _word_tail("(?:his|her)\\s+own\\b") is not None
    assert _word_tail("his|her\\s+own\\b") is None
    assert _word_tail("his\\\\s+own\\b") is None  # an escaped backslash, then 's+'
    assert _word_tail("(?:his\\s+own)\\b") is None


@SETTINGS
@given(
    literals=st.lists(st.text("abS", min_size=1, max_size=3), min_size=1, max_size=4),
    text=st.text("abS", max_size=30),
)
def test_match_index_literal_finder_finds_every_occurrence(literals: list[str], text: str) -> None:
    expected = sorted({i for w in literals for i in range(len(text)) if text.startswith(w, i)})
    assert LiteralFinder(literals).starts(text) == expected


def test_match_index_longest_first_equals_plain_on_real_documents(shared: Path) -> None:
    nlp = get_nlp()
    index = shared_index(nlp)
    for text in _texts(shared)[:400]:
        doc = nlp(text)
        for source in index.sources:
            found = index.matches(doc, source)
            assert longest_first(found) == longest_first_plain(found)


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 12), st.integers(0, 4), st.integers(0, 3)),
        max_size=12,
    )
)
def test_match_index_longest_first_equals_plain_on_generated_matches(raw: list) -> None:
    found = [(start, start + length, f"rule{rule}") for start, length, rule in raw]
    assert longest_first(found) == longest_first_plain(found)
