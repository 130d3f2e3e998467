"""The sentence splitter's fast paths against its plain form, on real documents and generated text.

``_plain_offsets`` and ``_plain_split`` below are the splitter as first written: two regex
passes, the abbreviation check in Python on every "." match, a fresh flag array per Doc. The
fast one (literal-led passes, abbreviations looked for by look-behinds, pooled flag arrays)
must set the same ``is_sent_start`` on every token and note the same sentences.
"""

from __future__ import annotations

import re
import threading
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shared_documents import shared_records
from spacy.attrs import IDX, SENT_START
from spacy.tokens import Doc

from cellvigil.paths import shared_dir
from nlp import sentences as s
from nlp.rules import load_lexicon
from nlp.scope import doc_memo, doc_text, note_sentences, remember_text, token_column

ABBREVIATIONS = frozenset(load_lexicon(s.LEXICON_FILE)["abbreviations"])
_NOT_START = np.iinfo(np.uint64).max

_PLAIN_STOP = re.compile(r"[.!?](?P<close>[\"'”’)\]]*)\s+(?=[\"“‘'(\[]?[A-Z])")
_PLAIN_BREAK = re.compile(
    r"\n[ \t\r\f\v]*\n\s*(?=\S)"
    r"|\n[ \t\r\f\v]*(?=[^\sa-z])"
    r"|:[ \t]*\n\s*(?=\S)"
)


def _plain_offsets(text: str, abbreviations: frozenset[str]) -> list[int]:
    starts: set[int] = set()
    reach = max(map(len, abbreviations), default=0) + 1  # a longer word is no abbreviation
    for match in _PLAIN_STOP.finditer(text):
        stop = match.start()
        if text[stop] == ".":
            word_start = _plain_word_start(text, stop, reach)
            word = text[word_start:stop].lstrip("([\"'“‘").lower()
            if word in abbreviations:
                continue
        starts.add(match.end())
    for match in _PLAIN_BREAK.finditer(text):
        starts.add(match.end())
    starts.discard(0)
    return sorted(start for start in starts if start < len(text))


def _plain_word_start(text: str, stop: int, reach: int) -> int:
    lo = max(0, stop - reach)
    found = max(text.rfind(" ", lo, stop), text.rfind("\n", lo, stop))
    if found < 0 and lo > 0:
        found = max(text.rfind(" ", 0, lo), text.rfind("\n", 0, lo))
    return found + 1


def _plain_split(doc: Doc, abbreviations: frozenset[str] = ABBREVIATIONS) -> Doc:
    n = len(doc)
    if n == 0:
        return doc
    flags = np.full(n, _NOT_START, dtype="uint64")
    flags[0] = 1
    starts = [0]
    offsets = _plain_offsets(doc_text(doc), abbreviations)
    if offsets:
        found = np.searchsorted(token_column(doc, IDX), offsets, side="left").tolist()
        previous = [0, *found[:-1]]
        starts.extend(t for t, prev in zip(found, previous, strict=True) if prev < t < n)
        flags[starts] = 1
    doc.from_array(SENT_START, flags)
    note_sentences(doc, starts)
    return doc


@cache
def _nlp():
    from nlp.pipeline import build_nlp

    return build_nlp()  # its tokenizer, as in production


@cache
def _splitter() -> s.SentenceSplitter:
    return s.SentenceSplitter(_nlp(), "cv_sentences", s.LEXICON_FILE)


def _make_doc(text: str) -> Doc:
    return remember_text(_nlp().make_doc(text), text)


def _split_both(text: str) -> tuple[tuple, tuple]:
    """(annotation, noted sentences) from the fast splitter and from the plain one."""
    results = []
    for split in (_splitter(), _plain_split):
        doc = split(_make_doc(text))
        noted = doc_memo(doc).get("sentences")
        results.append((doc.to_array(SENT_START).tolist() if len(doc) else [], noted))
    return results[0], results[1]


def _assert_same(text: str) -> None:
    fast, plain = _split_both(text)
    assert fast == plain, text
    assert s.boundary_offsets(text, ABBREVIATIONS) == _plain_offsets(text, ABBREVIATIONS), text


def _real_texts() -> list[str]:
    texts = []
    for record in shared_records():
        title, body = record.get("title") or "", record.get("text") or ""
        texts += [body, f"{title}\n\n{body}" if title else body]
    return texts


def test_same_sentences_on_real_documents() -> None:
    texts = _real_texts()
    if not texts:
        pytest.skip(f"no documents under {shared_dir().resolve()} (set CELLVIGIL_SHARED)")
    for text in texts:
        _assert_same(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "\n",
        ".",
        "vs. A test.",  # an abbreviation at the very start (no character before it)
        "e.g. Cells. Then",
        "No. 3 was fine. No. 4 too.",
        "p. A",
        *("x(vs. A", "(vs. A", "((e.g. A", "“i.v. B", "a\tvs. B", "\tvs. B"),
        *("WK. Then", "W\u212a. Then", "wk. Then"),  # the Kelvin sign lower-cases to k
        *("İ.v. Then", "ı.v. Then", "ſt. Then"),  # not the ASCII letters they resemble
        *("et al. Then", "al. Then", "Et Al. Then"),
        *("done.\n\nNext", "done. \n  Next", "done.\n next", "done.\u2028Next"),
        *("Criteria:\nage", "Criteria: \t\nage", "Criteria: \n\n age", "Criteria:\r\nage"),
        *("a \nb", "a:\n", "Stop! Go? Yes.", "Really?!  No.", "(n = 3). Patients"),
        *("Fig. 2.\n\nTable. 3 vs. 4? A", "“Done.” Then", "(done.) Then", "done.] [Then"),
        "x" * 3000 + ". Then " * 700,  # longer than the pooled flag array
    ],
)
def test_same_sentences_on_edge_cases(text: str) -> None:
    _assert_same(text)


_ABBREVIATION_PIECES = sorted(ABBREVIATIONS)
_PIECES = [
    *".!?:;,",
    *(" ", "  ", "\n", "\n\n", "\t", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\xa0", "\u2028"),
    *"\"'”’)]([“‘",
    *"ABCKXZabckxz0123456789",
    *("\u212a", "İ", "ı", "ſ", "Σ", "é", "Cells", "were", "given", "MSCs", "×10^6"),
    *_ABBREVIATION_PIECES,
    *[a.upper() for a in _ABBREVIATION_PIECES],
    *[a.title() for a in _ABBREVIATION_PIECES],
]
_texts = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


@settings(max_examples=600, deadline=None)
@given(_texts)
def test_same_sentences_on_generated_text(text: str) -> None:
    _assert_same(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=".!?: \n\t\"'()[]“‘”’AaBbVvSsIiEeGg\u212a1", max_size=80))
def test_same_sentences_on_generated_characters(text: str) -> None:
    _assert_same(text)


_odd_words = st.text(alphabet='abkAKvs.( \n"“é\u212aİi\u0307', max_size=4)


@settings(max_examples=300, deadline=None)
@given(st.frozensets(_odd_words, max_size=6), st.lists(st.sampled_from(_PIECES), max_size=40))
def test_same_offsets_with_any_abbreviations(abbreviations: frozenset[str], pieces) -> None:
    # empty, capitalised, non-ASCII, spaced or opener-led abbreviations: the look-behinds
    # are built for any lexicon (or every "." is checked in Python)
    pieces = [*pieces, *abbreviations, *[a.upper() for a in abbreviations]]
    for text in ("".join(pieces), ". ".join(pieces), " ".join(pieces) + ". A"):
        assert s.boundary_offsets(text, abbreviations) == _plain_offsets(text, abbreviations)


def test_same_sentences_from_several_threads() -> None:
    # the flag arrays are lent to one call at a time
    texts = [t for t in _real_texts()[:60] if t] or ["One. Two.\n\nThree: four"] * 60
    expected = [_split_both(text)[1] for text in texts]
    docs = [[_make_doc(text) for text in texts] for _ in range(4)]
    results: list[list] = [[] for _ in docs]

    def run(k: int) -> None:
        for doc in docs[k]:
            _splitter()(doc)
            results[k].append(doc.to_array(SENT_START).tolist() if len(doc) else [])

    threads = [threading.Thread(target=run, args=(k,)) for k in range(len(docs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for result in results:
        assert result == [annotation for annotation, _ in expected]
