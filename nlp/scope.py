"""Where a mention sits (sentence, eligibility list, history, other study) decides if it counts."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
from spacy.attrs import SENT_START
from spacy.tokens import Doc, Span

from nlp.rules import load_lexicon

LEXICON_FILE = "attachment.json"
CELL_KEYS = ("cell", "product", "tissue")


@cache
def lexicon() -> dict[str, frozenset[str] | tuple[str, ...]]:
    """The attachment word lists, as sets (single words) or tuples (phrases)."""
    raw = load_lexicon(LEXICON_FILE)
    return {
        "admin_words": frozenset(raw["admin_words"]),
        "agents": frozenset(raw["agents"]),
        "history_cues": frozenset(raw["history_cues"]),
        "other_study_cues": raw["other_study_cues"],
        "eligibility_headings": raw["eligibility_headings"],
        "comparator_cues": frozenset(raw["comparator_cues"]),
        "negation_cues": frozenset(raw["negation_cues"]),
    }


@cache
def _eligibility_re() -> re.Pattern[str]:
    heads = "|".join(re.escape(h) for h in lexicon()["eligibility_headings"])
    return re.compile(rf"(?im)^[ \t*#\-•]*(?:{heads})\b[^\n]*$")


# A paragraph that ends an eligibility list: a blank line, then a line that is neither a list
# item nor another criteria heading, long enough to be prose.
_LIST_END = re.compile(r"\n[ \t]*\n(?=[ \t]*[A-Z][^\n]{120,})")


def eligibility_ranges(text: str) -> list[tuple[int, int]]:
    """Character ranges of eligibility (inclusion/exclusion criteria) sections."""
    ranges: list[tuple[int, int]] = []
    for match in _eligibility_re().finditer(text):
        start = match.start()
        if ranges and start < ranges[-1][1]:
            continue
        end_match = _LIST_END.search(text, match.end())
        ranges.append((start, end_match.start() if end_match else len(text)))
    return ranges


class DocScope:
    """Per-document lookups: sentence of a token, cell anchors, eligibility ranges."""

    def __init__(self, doc: Doc) -> None:
        self.doc = doc
        n = len(doc)
        # to_array, not doc.has_annotation: the latter walks every token in Python.
        flags = doc.to_array([SENT_START]).astype("int64") if n else np.zeros(0, dtype="int64")
        self.sent_starts = np.flatnonzero(flags == 1)
        if not len(self.sent_starts) or self.sent_starts[0] != 0:
            self.sent_starts = np.concatenate([[0], self.sent_starts]).astype("int64")
        self.sent_ends = np.append(self.sent_starts[1:], n)
        self.anchor_tokens: set[int] = set()
        for key in CELL_KEYS:
            for span in doc.spans.get(key, []):
                self.anchor_tokens.update(range(span.start, span.end))
        self.eligibility = eligibility_ranges(doc.text)
        self.matched_tokens: set[int] = set()
        self.cell_doc = len(self.anchor_tokens) >= 3 or self._title_has_anchor()

    def _title_has_anchor(self) -> bool:
        """The title (text before the first blank line) names a cell product."""
        title_end = self.doc.text.find("\n\n")
        if title_end <= 0:
            return False
        title = self.doc.char_span(0, title_end, alignment_mode="expand")
        return title is not None and any(i in self.anchor_tokens for i in range(title.end))

    def sentence_bounds(self, i: int) -> tuple[int, int]:
        """Token range ``(start, end)`` of the sentence holding token ``i``."""
        k = int(np.searchsorted(self.sent_starts, i, side="right")) - 1
        return int(self.sent_starts[k]), int(self.sent_ends[k])

    def sentence(self, i: int) -> Span:
        """The sentence holding token ``i``."""
        start, end = self.sentence_bounds(i)
        return self.doc[start:end]

    def near_cell(self, span: Span, window: int = 12) -> bool:
        """A cell or product mention in the same sentence, within ``window`` tokens."""
        s_start, s_end = self.sentence_bounds(span.start)
        lo, hi = max(s_start, span.start - window), min(s_end, span.end + window)
        return any(i in self.anchor_tokens for i in range(lo, hi) if not span.start <= i < span.end)

    def cell_in_sentence(self, span: Span) -> bool:
        """Any cell or product mention in the mention's sentence."""
        s_start, s_end = self.sentence_bounds(span.start)
        return any(i in self.anchor_tokens for i in range(s_start, s_end))

    def previous_sentence(self, i: int) -> Span | None:
        """The sentence before the one holding token ``i`` (None for the first)."""
        start, _ = self.sentence_bounds(i)
        if start == 0:
            return None
        return self.sentence(start - 1)

    def in_eligibility(self, span: Span) -> bool:
        """The mention sits in an inclusion/exclusion criteria list."""
        return any(a <= span.start_char < b for a, b in self.eligibility)

    def after_history_cue(self, span: Span, window: int = 4) -> bool:
        """'prior bone marrow transplant', 'history of ...' just before the mention."""
        s_start, _ = self.sentence_bounds(span.start)
        cues = lexicon()["history_cues"]
        lo = max(s_start, span.start - window)
        return any(self.doc[i].lower_ in cues for i in range(lo, span.start))

    def negated(self, span: Span, window: int = 2) -> bool:
        """'into muscle and not adipose tissue': a negation word just before the mention."""
        s_start, _ = self.sentence_bounds(span.start)
        cues = lexicon()["negation_cues"]
        lo = max(s_start, span.start - window)
        return any(self.doc[i].lower_ in cues for i in range(lo, span.start))

    def other_study(self, span: Span) -> bool:
        """The sentence is about other studies ('in these studies', 'usually ...')."""
        text = self.sentence(span.start).text.lower()
        return any(cue in text for cue in lexicon()["other_study_cues"])

    def out_of_scope(self, span: Span) -> bool:
        """Eligibility criteria, pre-treatment history or other studies: not this product."""
        return self.in_eligibility(span) or self.after_history_cue(span) or self.other_study(span)
