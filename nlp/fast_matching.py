"""Token rules matched only near their rare required words (a vocabulary flag marks those), with
a doc's sentences and token ids read once: cheaper than a Matcher over every token."""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.attrs import ORTH
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nlp.scope import doc_memo
from nlp.word_tests import (
    CHOOSE_AT,
    FEW_TOKENS,
    TEXT_ATTRS,
    PassesTests,
    WordMasks,
    WordTest,
    anchor_reach,
    required_tests,
)

Window = tuple[int, int]


def merge_windows(centres: Iterable[int], reach: int, bounds: Window) -> list[Window]:
    """Token windows of ``reach`` either side of each centre, merged and clipped to bounds."""
    windows: list[Window] = []
    for centre in centres:
        start, end = max(bounds[0], centre - reach + 1), min(bounds[1], centre + reach)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


COMMON_WORDS = frozenset(
    "a an the of in on at to for from with within by as and or is are was were be been has have "
    "had do does did not no n't this that these those it its they their our after before "
    "during than more most very can may".split()
)


def commonness(test: WordTest) -> tuple[int, int]:
    """How often a test's words are likely to occur (lower is rarer): a function word is
    everywhere, a short word often, a regex (a family of content words) seldom. Only the
    speed depends on it: every match holds a word passing each test."""
    if test.regex is not None:
        return 1, 0
    if test.words & COMMON_WORDS:
        return 3, 0
    return 2, -min(len(word) for word in test.words)


def around_windows(centres: Iterable[int], before: int, after: int, bounds: Window) -> list[Window]:
    """Token windows from ``before`` tokens ahead of each centre to ``after`` tokens past it,
    merged and clipped to bounds."""
    windows: list[Window] = []
    for centre in centres:
        start, end = max(bounds[0], centre - before), min(bounds[1], centre + after + 1)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


@dataclass
class AnchoredRule:
    """One token rule with its own Matcher, the indices of its word tests, and its length."""

    key: str
    matcher: Matcher
    tests: list[int]
    reach: int
    around: dict[int, tuple[int, int]] = field(default_factory=dict)  # test bit -> anchor_reach
    anchor: int = 0  # the test bit whose words locate the windows (the likely rarest)
    fixed: bool = False  # each token is one word test, no operators: no Matcher needed


class AnchoredMatcher:
    """Token rules matched only where they can match.

    Each rule's required words are tested once per vocabulary entry (cached). Per doc, a rule
    runs only in windows around the occurrences of its anchor word (the required word likely
    rarest), as far as the pattern reaches either side of that token, and only in windows
    holding every required word: every match holds one of each, so the matches are exactly
    those of a plain ``Matcher`` over the whole doc. A one-token rule with one word test needs
    no Matcher: its matches are the passing tokens. The anchor words of a doc are found once
    for all rules and regions, by a vocabulary flag (see :meth:`_anchor_flag`)."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.rules: list[AnchoredRule] = []
        self.everywhere = Matcher(vocab)
        self.masks = WordMasks(vocab)
        self._anchors = 0  # bit set of every rule's anchor test
        self._by_anchor: dict[int, list[int]] = {}  # anchor test bit -> indices of its rules
        self._flag_id = -1  # the vocabulary flag taken for the anchor words, once taken
        self._flag: int | None = None  # that flag, when it marks the current anchors
        self._flag_rules = 0  # how many rules the flag was set for (0: set it again)
        self._docs_with: list[int] = []  # per test: docs (of those counted) with a word passing
        self._sampled = 0  # docs counted so far

    def __len__(self) -> int:
        return len(self.rules) + len(self.everywhere)

    def add(self, key: str, pattern: list[dict[str, Any]]) -> None:
        """Add one token pattern (raises spaCy's ValueError for a bad pattern)."""
        self.vocab.strings.add(key)  # matches come back as Spans labelled with the key
        found = required_tests(pattern)
        if found is None:
            self.everywhere.add(key, [pattern])
            return
        matcher = Matcher(self.vocab)
        matcher.add(key, [pattern])
        bits = [self.masks.add(test) for test in found[0]]
        around = dict(zip(bits, anchor_reach(pattern), strict=True))
        anchor = bits[min(range(len(bits)), key=lambda i: commonness(found[0][i]))]
        fixed = len(bits) == len(pattern) and all(
            len(token) == 1 and next(iter(token)) in TEXT_ATTRS for token in pattern
        )
        self.rules.append(AnchoredRule(key, matcher, bits, found[1], around, anchor, fixed))
        self._anchors |= 1 << anchor
        self._by_anchor.setdefault(anchor, []).append(len(self.rules) - 1)
        self.masks.watch(self._anchors)

    def __call__(self, doc: Doc, regions: list[Window] | None = None) -> list[tuple[str, int, int]]:
        """``(rule key, start, end)`` of every match, as a plain Matcher would find them; with
        ``regions`` (sorted, disjoint token windows), only the matches inside one of them."""
        regions = [(0, len(doc))] if regions is None else regions
        found: list[tuple[str, int, int]] = []
        if not (len(doc) and regions):
            return found
        if self._sampled < CHOOSE_AT[-1] and self.rules:
            self._learn(doc, regions)
        positions = self._anchor_tokens(doc, regions) if self.rules else []
        if not positions and not len(self.everywhere):
            return found
        by_region = self._centres(doc, regions, positions)
        words, bits_of, rules = token_orths(doc), self.masks.bits, self.rules
        for region, centres_of in zip(regions, by_region, strict=True):
            if len(self.everywhere):
                spans = self.everywhere(doc[region[0] : region[1]], as_spans=True)
                found.extend((s.label_, s.start, s.end) for s in spans)
            chosen = sorted(index for bit in centres_of for index in self._by_anchor[bit])
            for index in chosen:  # rule by rule, in order
                rule = rules[index]
                centres = centres_of[rule.anchor]
                if rule.fixed:  # the word tests are the Matcher's own predicates, token by token
                    found.extend(fixed_matches(rule, centres, words, bits_of, region))
                    continue
                before, after = rule.around[rule.anchor]
                for start, end in around_windows(centres, before, after, region):
                    # a match holds a word passing each test: skip a window that lacks one
                    passed: set[int] = set()
                    for i in range(start, end):
                        passed |= bits_of[words[i]]
                    if passed.issuperset(rule.tests):  # one rule per Matcher: its key is known
                        matches = rule.matcher(doc[start:end])  # offsets from the window's start
                        found.extend((rule.key, s + start, e + start) for _, s, e in matches)
        return found

    def _centres(
        self, doc: Doc, regions: list[Window], positions: list[int]
    ) -> list[dict[int, list[int]]]:
        """Per region, the tokens (of ``positions``) passing each anchor test, in order."""
        words, anchored = token_orths(doc, many=len(positions) > FEW_TOKENS), self.masks.anchored
        by_region: list[dict[int, list[int]]] = [{} for _ in regions]
        bounds = [first for first, _ in regions] if len(regions) > 1 else None
        for position in positions:
            centres = by_region[bisect.bisect_right(bounds, position) - 1 if bounds else 0]
            for bit in anchored[words[position]]:
                if bit in centres:
                    centres[bit].append(position)
                else:
                    centres[bit] = [position]
        return by_region

    def _anchor_tokens(self, doc: Doc, regions: list[Window]) -> list[int]:
        """The tokens inside the regions whose word passes an anchor test, in order."""
        flag = self._anchor_flag()
        if flag is None:  # look at every word
            anchored = self.masks.anchored
            found = [i for i, orth in enumerate(doc_orth_list(doc)) if anchored[orth]]
        else:
            found = doc.to_array(flag).nonzero()[0].tolist()
        if regions == [(0, len(doc))]:
            return found
        bounds = [first for first, _ in regions]
        inside = []
        for i in found:
            index = bisect.bisect_right(bounds, i) - 1
            if index >= 0 and i < regions[index][1]:
                inside.append(i)
        return inside

    def _anchor_flag(self) -> int | None:
        """A vocabulary flag (``Vocab.add_flag``) set on the words passing an anchor test:
        spaCy computes it once per vocabulary entry, as the entry is made, so a doc's anchor
        words are read with its tokens, with no look-up per word. Registered once the
        anchors are chosen (see :meth:`_learn`: setting a flag tests every vocabulary entry),
        and again (same flag) once rules were added. None until then, when the vocabulary
        has no flag left, or when the empty string (whose entry no flag covers) would pass a
        test."""
        if self._sampled < CHOOSE_AT[-1]:
            return None
        if self._flag_rules != len(self.rules):
            self._flag_rules, self._flag = len(self.rules), None
            getter = PassesTests(self.masks.tests, self._anchors)
            if not getter(""):
                try:
                    self._flag = self._flag_id = self.vocab.add_flag(getter, self._flag_id)
                except ValueError:  # all 63 flags taken
                    pass
        return self._flag

    def _learn(self, doc: Doc, regions: list[Window]) -> None:
        """Count, over the first docs, the docs with a word passing each test; after each
        count of ``CHOOSE_AT``, make each rule's anchor its test found in fewest docs. Only
        speed depends on which required test is the anchor (every match holds a word passing
        each), and how common a word is shows in the documents, not in the rule: most docs
        then hold no anchor word at all, and cost one flag walk."""
        counts, bits_of, words = self._docs_with, self.masks.bits, doc_orth_list(doc)
        counts.extend([0] * (self.masks.size - len(counts)))
        passed: set[int] = set()
        for first, end in regions:
            for orth in set(words[first:end]):
                passed |= bits_of[orth]
        for bit in passed:
            counts[bit] += 1
        self._sampled += 1
        if self._sampled not in CHOOSE_AT:
            return
        self._anchors, self._by_anchor = 0, {}
        for index, rule in enumerate(self.rules):
            rule.anchor = min(rule.tests, key=lambda bit: (counts[bit], bit != rule.anchor))
            self._anchors |= 1 << rule.anchor
            self._by_anchor.setdefault(rule.anchor, []).append(index)
        self.masks.watch(self._anchors)
        self._flag_rules = 0


def fixed_matches(
    rule: AnchoredRule,
    centres: list[int],
    words: list[int] | TokenOrths,
    bits_of: dict[int, frozenset[int]],
    region: Window,
) -> list[tuple[str, int, int]]:
    """Matches of a rule whose tokens are each one word test without an operator: the tokens
    from the anchor's offset back, each passing its own test, inside the region (the anchor
    token passes its own)."""
    key, offset, length = rule.key, rule.tests.index(rule.anchor), len(rule.tests)
    if length == 1:  # the centres pass the rule's only test
        return [(key, centre, centre + 1) for centre in centres]
    others = [(k - offset, bit) for k, bit in enumerate(rule.tests) if k != offset]
    first, end = region[0] + offset, region[1] - length + offset  # where the anchor can be
    found = []
    for centre in centres:
        if first <= centre <= end:
            for step, bit in others:
                if bit not in bits_of[words[centre + step]]:
                    break
            else:
                found.append((key, centre - offset, centre - offset + length))
    return found


ORTHS_MEMO, ORTH_LIST_MEMO, ORTH_READER_MEMO = "orth_ids", "orth_id_list", "orth_reader"


def token_orths(doc: Doc, many: bool = False) -> list[int] | TokenOrths:
    """The ORTH ids of a doc's tokens by position: the list :func:`doc_orth_list` keeps, when
    it is there or ``many`` are wanted; else each read from its Token when first wanted (a
    walk over every token costs as much as some hundred Tokens)."""
    memo = doc_memo(doc)
    listed = memo.get(ORTH_LIST_MEMO)
    if many or (listed is not None and len(listed) == len(doc)):
        return doc_orth_list(doc)
    reader = memo.get(ORTH_READER_MEMO)
    if reader is None or len(reader) != len(doc):
        reader = memo[ORTH_READER_MEMO] = TokenOrths(doc)
    return reader


class TokenOrths(dict):  # type: ignore[type-arg]
    """Indexed like the list of a doc's ORTH ids (``len`` is the doc's), each id read from its
    Token when first wanted: a dict, so a repeated look-up is a plain one. It holds its Doc
    weakly, as it is kept beside it."""

    def __init__(self, doc: Doc) -> None:
        super().__init__()
        self.doc, self.length = weakref.ref(doc), len(doc)

    def __missing__(self, index: int) -> int:
        orth = self[index] = self.doc()[index].orth  # type: ignore[index]
        return orth

    def __len__(self) -> int:
        return self.length


def doc_orths(doc: Doc) -> np.ndarray:
    """Every token's ORTH id (uint64), read once per Doc for all anchored matchers:
    ``to_array`` walks every token. Kept beside the Doc (``nlp.scope.doc_memo``); the length
    check guards against a Doc whose tokens were merged or split since."""
    memo = doc_memo(doc)
    orths = memo.get(ORTHS_MEMO)
    if orths is None or len(orths) != len(doc):
        orths = memo[ORTHS_MEMO] = doc.to_array(ORTH)
    return orths


def doc_orth_list(doc: Doc) -> list[int]:
    """:func:`doc_orths` as a Python list (read once per Doc: a token at a time, a list is
    cheaper to read than an array)."""
    memo = doc_memo(doc)
    listed = memo.get(ORTH_LIST_MEMO)
    if listed is None or len(listed) != len(doc):
        listed = memo[ORTH_LIST_MEMO] = doc_orths(doc).tolist()
    return listed


def sentence_window(starts: list[int], length: int, start: int) -> Window:
    """(first, end) token bounds of the sentence holding token ``start``."""
    index = bisect.bisect_right(starts, start) - 1
    end = starts[index + 1] if index + 1 < len(starts) else length
    return starts[max(index, 0)], end
