"""Words the scope only needs the presence of (eligibility headings, other-study cue keys) are
read from the shared match pass's automaton scan (:func:`present_words`): that must answer as
a substring search does."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from shared_documents import pipeline_text, shared_records
from spacy.tokens import Doc

from nlp.extract import get_nlp
from nlp.scope import (
    _cues_by_last_word,
    doc_lower,
    doc_memo,
    eligibility_ranges,
    lexicon,
    presence_words,
    present_words,
    remember_text,
)

HEADINGS = lexicon()["eligibility_headings"]
CUE_KEYS = [key for key in _cues_by_last_word() if key.isascii()]


def _processed(text: str) -> Doc:
    nlp = get_nlp()
    return nlp(remember_text(nlp.make_doc(text), text))


def _check(doc: Doc) -> None:
    lowered = doc_lower(doc)
    for words in (HEADINGS, CUE_KEYS, sorted(presence_words())):
        assert present_words(doc, words) == {w for w in words if w in lowered}
    text = doc.text
    assert eligibility_ranges(text, lowered, present_words(doc, HEADINGS)) == eligibility_ranges(
        text, lowered
    )


def test_presence_words_cover_headings_and_cue_keys() -> None:
    assert set(HEADINGS) | set(CUE_KEYS) <= presence_words()


def test_present_words_match_substring_search_on_real_documents(shared: Path) -> None:
    seen: set[str] = set()
    for record in shared_records():
        doc = _processed(pipeline_text(record))
        _check(doc)
        scanned, found = doc_memo(doc)["found_words"]  # the match pass's scan answered
        assert presence_words() <= scanned
        seen |= found & presence_words()
    assert len(seen) >= 5  # the corpus holds several of the words: the check is not vacuous


def test_present_words_search_the_text_without_a_scan_or_for_unscanned_words() -> None:
    nlp = get_nlp()
    text = "Inclusion criteria: adults. In previous studies MSCs were safe."
    bare = nlp.make_doc(text)  # no match pass ran on this Doc: nothing noted
    assert "found_words" not in doc_memo(bare)
    assert present_words(bare, HEADINGS) == {h for h in HEADINGS if h in text.lower()}
    assert present_words(bare, HEADINGS)  # "inclusion criteria" is one of them
    doc = _processed(text)
    assert present_words(doc, ["adults", "a word no rule scans for"]) == {"adults"}


_PIECES = [*HEADINGS, *CUE_KEYS, "MSCs", "were", "infused", "Criteria", "STUDIES", "\n", ": "]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=30), st.sampled_from([" ", ""]))
def test_present_words_match_substring_search_on_made_up_texts(pieces: list[str], sep: str) -> None:
    _check(_processed(sep.join(pieces)))
