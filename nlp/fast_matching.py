"""Rules matched only near their rare required words, sentences read once: cheaper than tokens."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
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
        return bit

    def passing(self, orths: set[int]) -> dict[int, int]:
        """The masks of the words among ``orths`` that pass at least one test."""
        cache = self._cache
        for orth in [orth for orth in orths if orth not in cache]:  # O(words), not O(cache)
            cache[orth] = self._compute(orth)
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


@dataclass
class AnchoredRule:
    """One token rule with its own Matcher, the indices of its word tests, and its length."""

    key: str
    matcher: Matcher
    tests: list[int]
    reach: int
    needs: int = 0  # bit set of ``tests``: each must be passed by some word of the doc


class AnchoredMatcher:
    """Token rules matched only where they can match.

    Each rule's required words are tested once per vocabulary entry (cached). Per doc, a rule
    runs only if every required word occurs, and then only in windows of the rule's length
    around the occurrences of its rarest required word: every match holds one of those, so
    the matches are exactly those of a plain ``Matcher`` over the whole doc."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.rules: list[AnchoredRule] = []
        self.everywhere = Matcher(vocab)
        self.masks = WordMasks(vocab)
        self._rules_of_bit: dict[int, int] = {}  # test bit -> index of the rule it belongs to

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
        for bit in bits:
            self._rules_of_bit[bit] = len(self.rules)
        needs = sum(1 << bit for bit in bits)
        self.rules.append(AnchoredRule(key, matcher, bits, found[1], needs))

    def __call__(self, doc: Doc, regions: list[Window] | None = None) -> list[tuple[str, int, int]]:
        """``(rule key, start, end)`` of every match, as a plain Matcher would find them; with
        ``regions`` (sorted, disjoint token windows), only the matches inside one of them."""
        regions = [(0, len(doc))] if regions is None else regions
        found: list[tuple[str, int, int]] = []
        orths = doc.to_array(ORTH) if self.rules and len(doc) else None
        for region in regions:
            if len(self.everywhere):
                spans = self.everywhere(doc[region[0] : region[1]], as_spans=True)
                found.extend((s.label_, s.start, s.end) for s in spans)
            if orths is not None:
                found.extend(self._match_region(doc, orths, region))
        return found

    def _match_region(
        self, doc: Doc, orths: np.ndarray, region: Window
    ) -> list[tuple[str, int, int]]:
        part = orths[region[0] : region[1]]
        listed = part.tolist()
        passing = self.masks.passing(set(listed))
        if not passing:
            return []
        present = 0
        for mask in passing.values():
            present |= mask
        counts: dict[int, int] = {}  # orth -> tokens, counted only when a rule asks

        def tokens(orths: list[int]) -> int:
            return sum(counts.setdefault(o, listed.count(o)) for o in orths)

        found: list[tuple[str, int, int]] = []
        bits = [bit for bit in range(present.bit_length()) if present >> bit & 1]
        for index in sorted({self._rules_of_bit[bit] for bit in bits}):
            rule = self.rules[index]
            if rule.needs & present != rule.needs:
                continue
            words = [[o for o, m in passing.items() if m >> bit & 1] for bit in rule.tests]
            rarest = min(words, key=tokens)
            centres = (np.flatnonzero(np.isin(part, rarest)) + region[0]).tolist()
            for start, end in merge_windows(centres, rule.reach, region):
                spans = rule.matcher(doc[start:end], as_spans=True)
                found.extend((s.label_, s.start, s.end) for s in spans)
        return found


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
