"""Sentence boundaries that survive biomedical text (i.v., et al., Fig. 2, ×10^6) and line lists."""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.rules import load_lexicon
from nlp.scope import doc_text, note_sentences, token_column

LEXICON_FILE = "sentences.json"
_NOT_START = np.iinfo(np.uint64).max  # SENT_START -1 ("not a start"), as the uint64 it is stored as

# A stop, then optional closing quotes/brackets, whitespace, and a capital (maybe after an opener).
_STOP = re.compile(r"[.!?](?P<close>[\"'”’)\]]*)\s+(?=[\"“‘'(\[]?[A-Z])")
# A blank line, or one line break before a line that does not start in lower case; or a line
# ending with a colon (a heading such as "Inclusion Criteria:"). One scan: every alternative
# ends where the next line's text starts, so overlaps cannot hide a boundary.
_BREAK = re.compile(
    r"\n[ \t\r\f\v]*\n\s*(?=\S)"
    r"|\n[ \t\r\f\v]*(?=[^\sa-z])"
    r"|:[ \t]*\n\s*(?=\S)"
)


def boundary_offsets(text: str, abbreviations: frozenset[str]) -> list[int]:
    """Character offsets where a new sentence starts (not including 0)."""
    starts: set[int] = set()
    reach = max(map(len, abbreviations), default=0) + 1  # a longer word is no abbreviation
    for match in _STOP.finditer(text):
        stop = match.start()
        if text[stop] == ".":
            word_start = _word_start(text, stop, reach)
            word = text[word_start:stop].lstrip("([\"'“‘").lower()
            if word in abbreviations:
                continue
        starts.add(match.end())
    for match in _BREAK.finditer(text):
        starts.add(match.end())
    starts.discard(0)
    return sorted(s for s in starts if s < len(text))


def _word_start(text: str, stop: int, reach: int) -> int:
    """Start of the word ending at ``stop``: after the last space or line break before it.
    Looked for in the ``reach`` characters before first (a full search back to the previous
    line break costs a scan of the whole paragraph); the whole text only if none is there."""
    lo = max(0, stop - reach)
    found = max(text.rfind(" ", lo, stop), text.rfind("\n", lo, stop))
    if found < 0 and lo > 0:
        found = max(text.rfind(" ", 0, lo), text.rfind("\n", 0, lo))
    return found + 1


class SentenceSplitter:
    """Sets ``is_sent_start`` on every token from rules on the raw text (no model)."""

    def __init__(self, nlp: Language, name: str, lexicon_file: str) -> None:
        self.name = name
        self.abbreviations = frozenset(load_lexicon(lexicon_file)["abbreviations"])

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        flags = np.full(n, _NOT_START, dtype="uint64")
        flags[0] = 1
        starts = [0]
        offsets = boundary_offsets(doc_text(doc), self.abbreviations)
        if offsets:
            # offsets are sorted: so are the tokens they fall on (each kept once)
            found = np.searchsorted(token_column(doc, IDX), offsets, side="left").tolist()
            previous = [0, *found[:-1]]
            starts.extend(t for t, prev in zip(found, previous, strict=True) if prev < t < n)
            flags[starts] = 1
        doc.from_array(SENT_START, flags)
        note_sentences(doc, starts)
        return doc


@Language.factory(
    "cv_sentences",
    assigns=["token.is_sent_start"],
    default_config={"lexicon_file": LEXICON_FILE},
)
def make_sentence_splitter(nlp: Language, name: str, lexicon_file: str) -> SentenceSplitter:
    """spaCy factory for :class:`SentenceSplitter`."""
    return SentenceSplitter(nlp, name, lexicon_file)
