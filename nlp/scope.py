"""Where a mention sits (sentence, eligibility list, history, other study) decides if it counts."""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import cache
from itertools import chain, starmap
from typing import Any, NamedTuple

import numpy as np
from spacy.attrs import IDX, LOWER, SENT_START
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, SpanGroup

from nlp.rules import load_lexicon

LEXICON_FILE = "attachment.json"
CELL_KEYS = ("cell", "product", "tissue")
# Characters that IGNORECASE matches unlike their lower case ('ı' ~ 'i', 'ſ' ~ 's'): a text
# holding one, or changing length when lower-cased, is never searched through its lower case.
CASE_TRAPS = ("\u0131", "\u017f")
# Per-Doc values that never change once sentences are set, kept while the Doc lives.
_PER_DOC: dict[int, tuple[weakref.ref, dict[str, Any]]] = {}


_LAST: list[Any] = [None, None]  # the last Doc's (weakref, memo): most calls repeat it


def _memo(doc: Doc) -> dict[str, Any]:
    last = _LAST[0]
    if last is not None and last() is doc:
        return _LAST[1]
    key = id(doc)
    hit = _PER_DOC.get(key)
    if hit is None or hit[0]() is not doc:
        memo: dict[str, Any] = {}
        hit = (weakref.ref(doc, lambda _ref, key=key: _PER_DOC.pop(key, None)), memo)
        _PER_DOC[key] = hit
    _LAST[0], _LAST[1] = hit
    return hit[1]


def doc_memo(doc: Doc) -> dict[str, Any]:
    """Values computed once per Doc (kept beside it, so nothing is pickled with it)."""
    return _memo(doc)


def remember_text(doc: Doc, text: str) -> Doc:
    """Prime :func:`doc_text` with the string the Doc was made from (saves one token walk)."""
    _memo(doc)["text"] = text
    return doc


def doc_text(doc: Doc) -> str:
    """``doc.text``, computed once per Doc (spaCy rebuilds it from every token on each call)."""
    memo = _memo(doc)
    if "text" not in memo:
        memo["text"] = doc.text
    return memo["text"]


def doc_lower(doc: Doc) -> str:
    """``doc_text(doc).lower()``, computed once per Doc."""
    memo = _memo(doc)
    if "lower" not in memo:
        memo["lower"] = doc_text(doc).lower()
    return memo["lower"]


def note_sentences(doc: Doc, starts: list[int]) -> None:
    """Record the sentence-start tokens just set (sorted), so scopes need not read them back."""
    if not starts or starts[0] != 0:
        starts = [0, *starts]
    _memo(doc)["sentences"] = (starts, [*starts[1:], len(doc)])


TOKEN_COLUMNS = (IDX, LOWER)  # read together: one ``to_array`` walk instead of two


def token_column(doc: Doc, attr: int) -> np.ndarray:
    """One of :data:`TOKEN_COLUMNS` for every token (uint64): the first request reads both
    in one ``to_array`` call (each call walks every token) and keeps them beside the Doc; the
    length check guards against a Doc whose tokens were merged or split since."""
    memo = _memo(doc)
    columns = memo.get("token_columns")
    if columns is None or len(columns[0]) != len(doc):
        table = doc.to_array(list(TOKEN_COLUMNS))
        columns = memo["token_columns"] = [table[:, k] for k in range(len(TOKEN_COLUMNS))]
    return columns[TOKEN_COLUMNS.index(attr)]


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of every sentence start, read from the annotation in one ``to_array`` call
    (``doc.sents`` rebuilds Span objects on each access, ``doc.has_annotation`` walks every
    token in Python); ``[0]`` when no sentence boundaries are set."""
    if len(doc) == 0:
        return [0]
    starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def doc_sentences(doc: Doc) -> tuple[list[int], list[int]]:
    """Sentence start and end tokens: those ``cv_sentences`` noted while they still cover
    this Doc, else read from the annotation (and noted)."""
    memo = _memo(doc)
    noted = memo.get("sentences")
    if noted is None or noted[1][-1] != len(doc):
        note_sentences(doc, sentence_starts(doc))
        noted = memo["sentences"]
    return noted


def doc_sentence_starts(doc: Doc) -> list[int]:
    """The start tokens of :func:`doc_sentences`."""
    return doc_sentences(doc)[0]


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
def word_hashes(name: str) -> frozenset[int]:
    """Hashes (spaCy LOWER ids) of one single-word list of the lexicon, for fast lookups."""
    return frozenset(hash_string(w) for w in lexicon()[name])


@cache
def _eligibility_re() -> re.Pattern[str]:
    heads = "|".join(re.escape(h) for h in lexicon()["eligibility_headings"])
    return re.compile(rf"(?im)^[ \t*#\-•]*(?:{heads})\b[^\n]*$")


@cache
def _cues_by_last_word() -> dict[str, tuple[str, ...]]:
    """Other-study cues grouped by their last word: a sentence without it holds none of them."""
    groups: dict[str, list[str]] = {}
    for cue in lexicon()["other_study_cues"]:
        groups.setdefault(cue.split()[-1] if cue.split() else cue, []).append(cue)
    return {key: tuple(cues) for key, cues in groups.items()}


@cache
def presence_words() -> frozenset[str]:
    """Words the scope only asks "is it anywhere in the doc's lower-cased text?" about: the
    eligibility headings and the (ASCII) key words of the other-study cues. The shared match
    pass adds them to the one automaton scan it makes of that text anyway and notes what it
    found (:func:`note_found_words`): one scan instead of a substring search per word."""
    keys = (key for key in _cues_by_last_word() if key.isascii())
    return frozenset([*lexicon()["eligibility_headings"], *keys])


def note_found_words(doc: Doc, scanned: frozenset[str], found: frozenset[str]) -> None:
    """Record that a scan of ``doc_lower(doc)`` for the words ``scanned`` found ``found``."""
    _memo(doc)["found_words"] = (scanned, found)


def present_words(doc: Doc, words: Iterable[str]) -> frozenset[str]:
    """Those of ``words`` that occur in ``doc_lower(doc)``: read from the noted scan when it
    covered them all (:func:`note_found_words`), else found by a substring search each."""
    words = frozenset(words)
    noted = _memo(doc).get("found_words")
    if noted is not None and words <= noted[0]:
        return noted[1] & words
    lowered = doc_lower(doc)
    return frozenset(word for word in words if word in lowered)


# A paragraph that ends an eligibility list: a blank line, then a line that is neither a list
# item nor another criteria heading, long enough to be prose.
_LIST_END = re.compile(r"\n[ \t]*\n(?=[ \t]*[A-Z][^\n]{120,})")


def eligibility_ranges(
    text: str, lowered: str | None = None, headings: frozenset[str] | None = None
) -> list[tuple[int, int]]:
    """Character ranges of eligibility (inclusion/exclusion criteria) sections. ``headings``:
    the criteria headings found in ``lowered``, when known (see :func:`present_words`)."""
    ranges: list[tuple[int, int]] = []
    if headings is None and lowered is not None:
        headings = frozenset(h for h in lexicon()["eligibility_headings"] if h in lowered)
    if lowered is not None and not headings:
        if len(lowered) == len(text) and not any(c in text for c in CASE_TRAPS):
            return ranges  # no heading anywhere: skip the line-by-line scan
    for match in _eligibility_re().finditer(text):
        start = match.start()
        if ranges and start < ranges[-1][1]:
            continue
        end_match = _LIST_END.search(text, match.end())
        ranges.append((start, end_match.start() if end_match else len(text)))
    return ranges


class Mention(NamedTuple):
    """What fact assembly reads of a Span (a Span re-made from its group costs two Tokens)."""

    label_: str
    id_: str
    start: int
    end: int
    start_char: int
    end_char: int


def mention_info(span: Span, label: str | None = None, span_id: str | None = None) -> Mention:
    """The :class:`Mention` of ``span`` (read once, while the Span object is at hand); a caller
    that knows the label and id strings passes them, which saves two string-store look-ups."""
    return Mention(
        span.label_ if label is None else label,
        span.id_ if span_id is None else span_id,
        span.start,
        span.end,
        span.start_char,
        span.end_char,
    )


def _write_group(doc: Doc, key: str, spans: list[Span]) -> SpanGroup:
    """``doc.spans[key] = spans``, returning the group: what ``SpanGroups.__setitem__`` does
    for a list of this Doc's Spans, without its type check, Doc look-up and assertion (half
    the cost of the assignment)."""
    group = doc.spans.data[key] = SpanGroup(doc, name=key, spans=spans)
    return group


def set_group(
    doc: Doc,
    key: str,
    ranges: list[tuple[int, int]],
    spans: list[Span],
    infos: list[Mention] | None = None,
) -> None:
    """``doc.spans[key] = spans``, noting the token ranges so scopes need not re-read them
    (and ``infos``, one :class:`Mention` per span, for :func:`group_spans`)."""
    group = _write_group(doc, key, spans)
    memo = _memo(doc)
    if key in CELL_KEYS:  # only anchor groups are read as token ranges (:func:`_group_ranges`)
        memo[("ranges", key)] = (group, len(spans), ranges)
    if infos is not None:
        memo[("spans", key)] = (group, infos)  # a SpanGroup holds its Doc weakly
    else:  # no Mention kept: note the labels, which fact assembly counts (see group_labels)
        memo[("labels", key)] = (group, [span.label for span in spans])


def remember_spans(doc: Doc, key: str, spans: list[Span], infos: list[Mention]) -> None:
    """``doc.spans[key] = spans``, keeping ``infos`` for :func:`group_spans`."""
    _memo(doc)[("spans", key)] = (_write_group(doc, key, spans), infos)


def group_spans(doc: Doc, key: str) -> list[Any]:
    """``list(doc.spans.get(key, []))``, as :class:`Mention` tuples while the group is still
    the one the component wrote (no Span re-made from the group); else the Spans."""
    group = doc.spans.data.get(key)
    if not group:  # unset, or written empty (as most groups of most documents are)
        return []
    hit = _memo(doc).get(("spans", key))
    if hit is not None and hit[0] is group and len(group) == len(hit[1]):
        return list(hit[1])
    return list(group)


def group_labels(doc: Doc, key: str) -> list[int]:
    """The label (hash) of every span of group ``key``: noted by :func:`set_group` while the
    group is still the one written there (a Span re-made from a group costs three Tokens)."""
    group = doc.spans.data.get(key)
    if group is None:
        return []
    hit = _memo(doc).get(("labels", key))
    if hit is not None and hit[0] is group and len(group) == len(hit[1]):
        return hit[1]
    hit = _memo(doc).get(("spans", key))
    if hit is not None and hit[0] is group and len(group) == len(hit[1]):
        return [hash_string(info.label_) for info in hit[1]]
    return [span.label for span in group]


def _group_ranges(doc: Doc, key: str, group: Any) -> list[tuple[int, int]]:
    """Token ranges ``(start, end)`` of span group ``group`` (``doc.spans[key]``): those
    :func:`set_group` noted while it is still the group written there, else read from it."""
    noted = _memo(doc).get(("ranges", key))
    if noted is not None and noted[0] is group and noted[1] == len(group):
        return noted[2]
    return [(span.start, span.end) for span in group_spans(doc, key)]


def _anchor_groups(doc: Doc) -> tuple[Any, Any, Any, int, int, int]:
    """The cell, product and tissue span groups (None where unset) and their sizes: what the
    anchor tokens of a :class:`DocScope` were read from. A group replaced from outside is
    another object, one grown or shrunk in place another size."""
    get = doc.spans.data.get  # SpanGroups is a UserDict: skip its two-step lookup
    cell, product, tissue = get("cell"), get("product"), get("tissue")
    return (
        cell,
        product,
        tissue,
        0 if cell is None else len(cell),
        0 if product is None else len(product),
        0 if tissue is None else len(tissue),
    )


def _same_anchors(seen: tuple[Any, ...], now: tuple[Any, ...]) -> bool:
    """Two :func:`_anchor_groups` readings give the same anchor tokens: each group is the same
    object of the same size, or (a group just written with nothing in it) empty both times."""
    for k in range(3):
        if seen[k] is not now[k] or seen[k + 3] != now[k + 3]:
            if seen[k + 3] or now[k + 3]:
                return False
    return True


def doc_scope(doc: Doc) -> DocScope:
    """The :class:`DocScope` of ``doc``, one per Doc: components after the tissue matcher and
    fact assembly share it. When an anchor group has changed since the last call, its anchor
    tokens are forgotten and read again when next needed."""
    memo = _memo(doc)
    scope = memo.get("scope")
    if scope is None:
        scope = memo["scope"] = DocScope(doc)
    else:
        now, seen = _anchor_groups(doc), scope.anchor_groups
        if now != seen:  # SpanGroups compare by identity, their sizes by value
            scope.anchor_groups = now
            if not _same_anchors(seen, now):
                scope.forget_anchors()
    return scope


class _Lazy:
    """A :class:`DocScope` attribute computed on its first read, then a plain instance
    attribute (a non-data descriptor: the instance's own value hides it). Fact assembly on a
    document without mentions reads none of them. (``functools.cached_property`` does the same
    but takes a lock on each first read in Python 3.11.)"""

    def __init__(self, compute: Any) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    def __get__(self, scope: Any, owner: Any = None) -> Any:
        if scope is None:
            return self
        value = scope.__dict__[self.name] = self.compute(scope)
        return value


class DocScope:
    """Per-document lookups: sentence of a token, cell anchors, eligibility ranges."""

    ANCHOR_VALUES = ("anchor_tokens", "_anchor_list", "cell_doc")  # read from the anchor groups

    def __init__(self, doc: Doc) -> None:
        self._doc = weakref.ref(doc)  # the scope is memoised beside the Doc: no strong cycle
        self.text: str = doc_text(doc)
        self.anchor_groups = _anchor_groups(doc)
        self._last_token, self._last_bounds = -1, (0, 0)  # see :meth:`sentence_bounds`
        self._matches: list[tuple[int, int, Any]] = []  # the current component's raw matches
        self._matched_tokens: set[int] | None = None  # built from _matches when read
        self._other_study: dict[int, bool] = {}
        self._sentence_chars: dict[int, tuple[int, int]] = {}
        self._evidence: dict[int, str] = {}
        self._cue_groups: tuple[tuple[str, tuple[str, ...]], ...] | None = None

    @_Lazy
    def sent_starts(self) -> list[int]:
        """Start token of every sentence (sorted)."""
        return doc_sentences(self.doc)[0]

    @_Lazy
    def sent_ends(self) -> list[int]:
        """End token of every sentence."""
        return doc_sentences(self.doc)[1]

    @_Lazy
    def lower_ids(self) -> list[int]:
        """The LOWER id (hash) of every token."""
        doc = self.doc
        return token_column(doc, LOWER).tolist() if len(doc) else []

    @_Lazy
    def eligibility(self) -> list[tuple[int, int]]:
        """Character ranges of the eligibility lists (sorted, non-overlapping)."""
        doc = self.doc
        headings = present_words(doc, lexicon()["eligibility_headings"])
        return eligibility_ranges(self.text, doc_lower(doc), headings)

    @_Lazy
    def _eligibility_starts(self) -> list[int]:
        """The start of each eligibility range (for a bisect)."""
        return [a for a, _ in self.eligibility]

    @_Lazy
    def anchor_tokens(self) -> frozenset[int]:
        """Tokens of the cell, product and tissue mentions."""
        doc, groups = self.doc, self.anchor_groups
        ranges = [
            _group_ranges(doc, key, group)
            for key, group, size in zip(CELL_KEYS, groups[:3], groups[3:], strict=True)
            if size
        ]
        return frozenset(chain.from_iterable(starmap(range, chain.from_iterable(ranges))))

    @_Lazy
    def _anchor_list(self) -> list[int]:
        """The anchor tokens, sorted (for a bisect)."""
        return sorted(self.anchor_tokens)

    @_Lazy
    def cell_doc(self) -> bool:
        """A document about cells: three anchor tokens, or one in the title."""
        return len(self.anchor_tokens) >= 3 or self._title_has_anchor()

    def forget_anchors(self) -> None:
        """Drop the values read from the anchor groups (they are read again when needed)."""
        for name in self.ANCHOR_VALUES:
            self.__dict__.pop(name, None)

    @property
    def doc(self) -> Doc:
        """The Doc this scope reads (held weakly: the memo keeping the scope must not keep the
        Doc alive)."""
        doc = self._doc()
        if doc is None:
            raise ReferenceError("the Doc of this DocScope no longer exists")
        return doc

    def set_matches(self, matches: list[tuple[int, int, Any]]) -> None:
        """The matches of the component now gating its mentions (read by :attr:`matched_tokens`;
        the scope is shared by the components, so each sets its own)."""
        self._matches = matches
        self._matched_tokens = None

    @property
    def matched_tokens(self) -> set[int]:
        """Tokens of the current component's matches (built on first use: few gates read it)."""
        if self._matched_tokens is None:
            self._matched_tokens = {i for start, end, _ in self._matches for i in range(start, end)}
        return self._matched_tokens

    def _title_has_anchor(self) -> bool:
        """The title (text before the first blank line) names a cell product."""
        if not self._anchor_list:
            return False
        title_end = self.text.find("\n\n")
        if title_end <= 0:
            return False
        title = self.doc.char_span(0, title_end, alignment_mode="expand")
        return title is not None and self._anchor_list[0] < title.end

    def _any_anchor(self, lo: int, hi: int) -> bool:
        """An anchor token among ``lo:hi``."""
        k = bisect_left(self._anchor_list, lo)
        return k < len(self._anchor_list) and self._anchor_list[k] < hi

    def sentence_bounds(self, i: int) -> tuple[int, int]:
        """Token range ``(start, end)`` of the sentence holding token ``i`` (the last answer is
        kept: the checks on one mention ask about the same token several times)."""
        if i == self._last_token:
            return self._last_bounds
        k = bisect_right(self.sent_starts, i) - 1
        self._last_token, self._last_bounds = i, (self.sent_starts[k], self.sent_ends[k])
        return self._last_bounds

    def sentence(self, i: int) -> Span:
        """The sentence holding token ``i``."""
        start, end = self.sentence_bounds(i)
        return self.doc[start:end]

    def near_cell(self, span: Span, window: int = 12) -> bool:
        """A cell or product mention in the same sentence, within ``window`` tokens."""
        s_start, s_end = self.sentence_bounds(span.start)
        lo, hi = max(s_start, span.start - window), min(s_end, span.end + window)
        return self._any_anchor(lo, min(hi, span.start)) or self._any_anchor(max(lo, span.end), hi)

    def cell_in_sentence(self, span: Span) -> bool:
        """Any cell or product mention in the mention's sentence."""
        s_start, s_end = self.sentence_bounds(span.start)
        return self._any_anchor(s_start, s_end)

    def sentence_chars(self, i: int) -> tuple[int, int]:
        """Character range of the sentence holding token ``i`` (memoised)."""
        start, end = self.sentence_bounds(i)
        chars = self._sentence_chars
        if start not in chars:
            last = self.doc[end - 1]
            chars[start] = (self.doc[start].idx, last.idx + len(last))
        return chars[start]

    def sentence_text(self, i: int) -> str:
        """Text of the sentence holding token ``i`` (sliced from the doc text)."""
        a, b = self.sentence_chars(i)
        return self.text[a:b]

    def evidence_sentence(self, i: int) -> str:
        """The stripped text of the sentence holding token ``i``: the evidence a fact quotes
        (memoised: a sentence often holds several mentions)."""
        start, _ = self.sentence_bounds(i)
        found = self._evidence.get(start)
        if found is None:
            found = self._evidence[start] = self.sentence_text(i).strip()
        return found

    def has_word(self, start: int, end: int, name: str) -> bool:
        """A word of lexicon list ``name`` among tokens ``start:end`` (no Token objects made)."""
        return not word_hashes(name).isdisjoint(self.lower_ids[max(0, start) : end])

    def previous_sentence(self, i: int) -> Span | None:
        """The sentence before the one holding token ``i`` (None for the first)."""
        start, _ = self.sentence_bounds(i)
        if start == 0:
            return None
        return self.sentence(start - 1)

    def in_eligibility(self, span: Span) -> bool:
        """The mention sits in an inclusion/exclusion criteria list."""
        ranges = self.eligibility  # sorted and non-overlapping: only the last to start counts
        if not ranges:
            return False
        char = span.start_char
        k = bisect_right(self._eligibility_starts, char) - 1
        return k >= 0 and char < ranges[k][1]

    def after_history_cue(self, span: Span, window: int = 4) -> bool:
        """'prior bone marrow transplant', 'history of ...' just before the mention."""
        s_start, _ = self.sentence_bounds(span.start)
        return self.has_word(max(s_start, span.start - window), span.start, "history_cues")

    def negated(self, span: Span, window: int = 1) -> bool:
        """'into muscle and not adipose tissue': a negation word just before the mention."""
        s_start, _ = self.sentence_bounds(span.start)
        return self.has_word(max(s_start, span.start - window), span.start, "negation_cues")

    def other_study(self, span: Span) -> bool:
        """The sentence is about other studies ('in these studies', 'usually ...')."""
        start, _ = self.sentence_bounds(span.start)
        known = self._other_study
        if start not in known:
            groups = self._study_cue_groups()
            text = self.sentence_text(span.start).lower() if groups else ""
            known[start] = any(
                key in text and any(cue in text for cue in cues) for key, cues in groups
            )
        return known[start]

    def _study_cue_groups(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """The other-study cue groups whose key word could be in some sentence of this doc (an
        ASCII key absent from the whole lower-cased text is in none of its sentences)."""
        if self._cue_groups is None:
            memo = _memo(self.doc)
            if "study_cue_groups" not in memo:
                groups = _cues_by_last_word()
                present = present_words(self.doc, (key for key in groups if key.isascii()))
                memo["study_cue_groups"] = tuple(
                    (key, cues)
                    for key, cues in groups.items()
                    if not key.isascii() or key in present
                )
            self._cue_groups = memo["study_cue_groups"]
        return self._cue_groups

    def out_of_scope(self, span: Span) -> bool:
        """Eligibility criteria, pre-treatment history or other studies: not this product."""
        return self.in_eligibility(span) or self.after_history_cue(span) or self.other_study(span)
