"""Rules matched only near their rare required words, sentences read once: cheaper than tokens."""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from spacy.attrs import ORTH, SENT_START
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

Window = tuple[int, int]
TEXT_ATTRS = {"ORTH": False, "TEXT": False, "LOWER": True}  # attribute -> compare lower case
UNBOUNDED = 10**9
_COUNT = re.compile(r"^\{(\d*)(,?)(\d*)\}$")


def token_reach(token: dict[str, Any]) -> tuple[int, int]:
    """(fewest, most) tokens one pattern token consumes, from its ``OP``."""
    op = token.get("OP")
    if op in (None, "1", "!"):
        return (0, 1) if op == "!" else (1, 1)
    if op == "?":
        return 0, 1
    if op == "*":
        return 0, UNBOUNDED
    if op == "+":
        return 1, UNBOUNDED
    found = _COUNT.match(op) if isinstance(op, str) else None
    if not found:
        return 0, UNBOUNDED
    low, comma, high = found.groups()
    least = int(low or 0)
    return least, (int(high) if high else UNBOUNDED) if comma else least


@dataclass(frozen=True)
class WordTest:
    """What one required pattern token accepts: exact words or a regex (spaCy's REGEX is
    ``re.search``), on the text or its lower case."""

    lower: bool
    words: frozenset[str] = frozenset()
    regex: str | None = None


def word_test(value: Any, lower: bool) -> WordTest | None:
    """The test for one ORTH/LOWER value: a literal, an IN list or a REGEX."""
    if isinstance(value, str):
        return WordTest(lower, frozenset([value]))
    if isinstance(value, dict) and len(value) == 1 and "IN" in value:
        return WordTest(lower, frozenset(value["IN"]))
    if isinstance(value, dict) and len(value) == 1 and "REGEX" in value:
        return WordTest(lower, regex=value["REGEX"])
    return None


def required_tests(pattern: list[dict[str, Any]]) -> tuple[list[WordTest], int] | None:
    """Tests for the words every match must hold (one per required ORTH/LOWER token) and the
    pattern's longest length; None when no required token can be tested or the length is
    unbounded (then the rule runs on the whole doc)."""
    tests: list[WordTest] = []
    longest = 0
    for token in pattern:
        least, most = token_reach(token)
        longest += most
        if least < 1:
            continue
        for attr, lower in TEXT_ATTRS.items():
            found = word_test(token[attr], lower) if attr in token else None
            if found:
                tests.append(found)
                break
    if not tests or longest >= UNBOUNDED:
        return None
    return tests, longest


def anchor_reach(pattern: list[dict[str, Any]]) -> list[tuple[int, int]]:
    """For each test of :func:`required_tests` (same order), the most tokens a match can hold
    before and after the token that passes it: the match lies within that reach of it."""
    reaches = [token_reach(token) for token in pattern]
    found: list[tuple[int, int]] = []
    for index, token in enumerate(pattern):
        least, most = reaches[index]
        if least < 1 or not any(
            attr in token and word_test(token[attr], lower) for attr, lower in TEXT_ATTRS.items()
        ):
            continue
        before = sum(m for _, m in reaches[:index]) + most - 1
        after = sum(m for _, m in reaches[index + 1 :]) + most - 1
        found.append((before, after))
    return found


def starts_anchored(pattern: str) -> bool:
    """Whether every match of ``pattern`` must start at the beginning: a leading "^" and no
    top-level "|" (so ``re.match`` finds what ``re.search`` finds)."""
    if not pattern.startswith("^"):
        return False
    depth, escaped, in_class = 0, False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return False
    return True


class WordMasks:
    """For each vocabulary entry, the bit set of the word tests it passes (cached): exact
    words by dictionary, regexes behind one combined regex that rejects most words at once."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.exact: dict[tuple[bool, str], int] = {}
        self.regexes: dict[bool, list[tuple[int, re.Pattern[str]]]] = {True: [], False: []}
        # One regex per form that any test regex would accept; ``match`` when all are anchored
        # with "^" (then equivalent to ``search`` and much faster on a miss).
        self.any_regex: dict[bool, Callable[[str], object] | None] = {True: None, False: None}
        self.size = 0
        self._cache: dict[int, int] = {}  # orth id -> mask, for every word seen
        self._passing: set[int] = set()  # orth ids with a non-zero mask
        self._seen: set[int] = set()  # the keys of ``_cache``, as a set for fast differences
        self.bits: dict[int, tuple[int, ...]] = {}  # passing orth id -> its test bits

    def add(self, test: WordTest) -> int:
        """Register a test; returns its bit."""
        bit = self.size
        self.size += 1
        for word in test.words:
            key = (test.lower, word)
            self.exact[key] = self.exact.get(key, 0) | (1 << bit)
        if test.regex is not None:
            self.regexes[test.lower].append((bit, re.compile(test.regex)))
            patterns = [r.pattern for _, r in self.regexes[test.lower]]
            joined = re.compile("|".join(f"(?:{p})" for p in patterns))
            anchored = all(starts_anchored(p) for p in patterns)
            self.any_regex[test.lower] = joined.match if anchored else joined.search
        self._cache.clear()
        self._passing.clear()
        self._seen.clear()
        self.bits.clear()
        return bit

    @property
    def mask_of(self) -> dict[int, int]:
        """orth id -> mask of every word seen so far (call :meth:`passing` first)."""
        return self._cache

    def passing(self, orths: Collection[int]) -> dict[int, int]:
        """The masks of the words among ``orths`` (a set, or a list read without building one)
        that pass at least one test."""
        cache = self._cache
        if not self._seen.issuperset(orths):
            new = set(orths) - self._seen  # O(words), not O(cache)
            for orth in new:
                cache[orth] = self._compute(orth)
            self._seen |= new
        return {orth: cache[orth] for orth in self._passing.intersection(orths)}

    def _compute(self, orth: int) -> int:
        text = self.vocab.strings[orth]
        lower = text.lower()
        mask = self.exact.get((False, text), 0) | self.exact.get((True, lower), 0)
        for is_lower, form in ((False, text), (True, lower)):
            combined = self.any_regex[is_lower]
            if combined is not None and combined(form):
                for bit, regex in self.regexes[is_lower]:
                    if regex.search(form):
                        mask |= 1 << bit
        if mask:
            self._passing.add(orth)
            self.bits[orth] = tuple(iter_bits(mask))
        return mask


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
    needs: int = 0  # bit set of ``tests``: each must be passed by some word of the doc
    around: dict[int, tuple[int, int]] = field(default_factory=dict)  # test bit -> anchor_reach
    anchor: int = 0  # the test bit whose words locate the windows (the likely rarest)
    fixed: bool = False  # each token is one word test, no operators: no Matcher needed


class AnchoredMatcher:
    """Token rules matched only where they can match.

    Each rule's required words are tested once per vocabulary entry (cached). Per doc, a rule
    runs only if every required word occurs, and then only in windows around the occurrences
    of its anchor word (the required word likely rarest), as far as the pattern reaches either
    side of that token, and only in windows holding every required word: every match holds
    one of each, so the matches are exactly those of a plain ``Matcher`` over the whole doc.
    A one-token rule with one word test needs no Matcher: its matches are the passing tokens.
    All regions of a doc share one look-up of its words."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.rules: list[AnchoredRule] = []
        self.everywhere = Matcher(vocab)
        self.masks = WordMasks(vocab)
        self._needs: list[int] = []  # each rule's ``needs``, in rule order

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
        needs = sum(1 << bit for bit in bits)
        around = dict(zip(bits, anchor_reach(pattern), strict=True))
        anchor = bits[min(range(len(bits)), key=lambda i: commonness(found[0][i]))]
        fixed = len(bits) == len(pattern) and all(
            len(token) == 1 and next(iter(token)) in TEXT_ATTRS for token in pattern
        )
        self.rules.append(AnchoredRule(key, matcher, bits, found[1], needs, around, anchor, fixed))
        self._needs.append(needs)

    def __call__(self, doc: Doc, regions: list[Window] | None = None) -> list[tuple[str, int, int]]:
        """``(rule key, start, end)`` of every match, as a plain Matcher would find them; with
        ``regions`` (sorted, disjoint token windows), only the matches inside one of them."""
        regions = [(0, len(doc))] if regions is None else regions
        found: list[tuple[str, int, int]] = []
        ready = self._prepare(doc, regions) if self.rules and len(doc) and regions else None
        for region in regions:
            if len(self.everywhere):
                spans = self.everywhere(doc[region[0] : region[1]], as_spans=True)
                found.extend((s.label_, s.start, s.end) for s in spans)
            if ready is not None:
                found.extend(self._match_region(doc, ready, region))
        return found

    def _prepare(self, doc: Doc, regions: list[Window]) -> Prepared | None:
        """The doc's words (looked up once for all regions), the rules whose required words all
        occur in the regions, and the words that pass each of those rules' anchor tests."""
        listed = doc.to_array(ORTH).tolist()
        parts = [listed[first:end] for first, end in regions]
        passing = self.masks.passing(parts[0] if len(parts) == 1 else list(itertools.chain(*parts)))
        present = 0
        for mask in passing.values():
            present |= mask
        missing = ~present
        rules = [rule for rule in self.rules if not rule.needs & missing]
        if not rules:
            return None
        anchors = 0
        for rule in rules:
            anchors |= 1 << rule.anchor
        anchor_words: dict[int, list[int]] = {}  # anchor test bit -> the doc's words passing it
        bits_of = self.masks.bits
        for orth, mask in passing.items():
            if mask & anchors:
                for bit in bits_of[orth]:
                    if anchors >> bit & 1:
                        anchor_words.setdefault(bit, []).append(orth)
        return Prepared(listed, rules, anchor_words)

    def _match_region(
        self, doc: Doc, ready: Prepared, region: Window
    ) -> list[tuple[str, int, int]]:
        listed, mask_of = ready.orths, self.masks.mask_of
        found: list[tuple[str, int, int]] = []
        for rule in ready.rules:
            centres = sorted(
                i for orth in ready.anchor_words[rule.anchor] for i in where(listed, orth, region)
            )
            if not centres:
                continue
            if rule.fixed:  # the word tests are the Matcher's own predicates, token by token
                found.extend(fixed_matches(rule, centres, listed, mask_of, region))
                continue
            before, after = rule.around[rule.anchor]
            for start, end in around_windows(centres, before, after, region):
                # a match holds a word passing each test: skip a window that lacks one
                window = [mask_of[orth] for orth in listed[start:end]]
                if not all(any(mask >> bit & 1 for mask in window) for bit in rule.tests):
                    continue
                # one rule per Matcher: its key is known; offsets are relative to the window
                found.extend(
                    (rule.key, s + start, e + start) for _, s, e in rule.matcher(doc[start:end])
                )
        return found


@dataclass
class Prepared:
    """What :class:`AnchoredMatcher` reads once per doc before matching region by region."""

    orths: list[int]
    rules: list[AnchoredRule]
    anchor_words: dict[int, list[int]]


def where(listed: list[int], orth: int, region: Window) -> list[int]:
    """Positions of ``orth`` in ``listed`` inside the region (``list.index`` scans in C)."""
    found: list[int] = []
    start, end = region
    while True:
        try:
            start = listed.index(orth, start, end)
        except ValueError:
            return found
        found.append(start)
        start += 1


def fixed_matches(
    rule: AnchoredRule,
    centres: list[int],
    listed: list[int],
    mask_of: dict[int, int],
    region: Window,
) -> Iterator[tuple[str, int, int]]:
    """Matches of a rule whose tokens are each one word test without an operator: the tokens
    from the anchor's offset back, each passing its own test, inside the region."""
    offset, length = rule.tests.index(rule.anchor), len(rule.tests)
    for centre in centres:
        start = centre - offset
        if start < region[0] or start + length > region[1]:
            continue
        if all(mask_of[listed[start + k]] >> bit & 1 for k, bit in enumerate(rule.tests)):
            yield rule.key, start, start + length


def iter_bits(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def sentence_starts(doc: Doc) -> list[int]:
    """Token index of every sentence start, read once (``doc.sents`` rebuilds Span objects on
    each access); ``[0]`` when no sentence boundaries are set."""
    if len(doc) == 0 or not doc.has_annotation("SENT_START"):
        return [0]
    starts = np.flatnonzero(doc.to_array(SENT_START) == 1).tolist()
    return starts if starts and starts[0] == 0 else [0, *starts]


def sentence_window(starts: list[int], length: int, start: int) -> Window:
    """(first, end) token bounds of the sentence holding token ``start``."""
    index = bisect.bisect_right(starts, start) - 1
    end = starts[index + 1] if index + 1 < len(starts) else length
    return starts[max(index, 0)], end
