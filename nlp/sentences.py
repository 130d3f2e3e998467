"""Sentence boundaries that survive biomedical text (i.v., et al., Fig. 2, ×10^6) and line lists."""

from __future__ import annotations

import re

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.rules import load_lexicon
from nlp.scope import doc_text, note_sentences

LEXICON_FILE = "sentences.json"

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
    for match in _STOP.finditer(text):
        stop = match.start()
        if text[stop] == ".":
            word_start = max(text.rfind(" ", 0, stop), text.rfind("\n", 0, stop)) + 1
            word = text[word_start:stop].lstrip("([\"'“‘").lower()
            if word in abbreviations:
                continue
        starts.add(match.end())
    for match in _BREAK.finditer(text):
        starts.add(match.end())
    starts.discard(0)
    return sorted(s for s in starts if s < len(text))


class SentenceSplitter:
    """Sets ``is_sent_start`` on every token from rules on the raw text (no model)."""

    def __init__(self, nlp: Language, name: str, lexicon_file: str) -> None:
        self.name = name
        self.abbreviations = frozenset(load_lexicon(lexicon_file)["abbreviations"])

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        flags = np.full((n, 1), -1, dtype="int64")
        flags[0, 0] = 1
        offsets = boundary_offsets(doc_text(doc), self.abbreviations)
        starts = [0]
        if offsets:
            token_starts = doc.to_array([IDX]).astype("int64")
            found = np.unique(np.searchsorted(token_starts, offsets, side="left"))
            found = found[(found > 0) & (found < n)]
            flags[found, 0] = 1
            starts.extend(found.tolist())
        doc.from_array([SENT_START], flags.astype("uint64"))
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
