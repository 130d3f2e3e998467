"""Word tests of token rules (exact words, IN lists, regexes) and the vocabulary-level cache of
which tests each word passes: what :mod:`nlp.fast_matching` reads to find where a rule can match."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from re import _parser as regex_parser  # the parse tree behind re.compile
from typing import Any

from spacy.vocab import Vocab

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


NO_BITS: frozenset[int] = frozenset()  # the tests a word passing none passes
CHOOSE_AT = (64,)  # after these many docs, each rule's anchor is chosen again
FEW_TOKENS = 32  # anchor tokens in a doc up to which its other words are read one by one


class WordTests:
    """The word tests of a set of rules, each a bit: exact words by dictionary; regexes sorted
    by the characters a match can start with, those for a word's first character tried
    behind one combined regex that rejects most words at once. Plain data, so a vocabulary
    flag computed from it can be pickled with the vocabulary."""

    def __init__(self) -> None:
        self.exact: dict[tuple[bool, str], int] = {}
        self.regexes: dict[bool, list[tuple[int, re.Pattern[str]]]] = {True: [], False: []}
        self.size = 0
        # (lower?, first character) -> (one regex accepting what any of them would, whether
        # all are anchored with "^" so ``match`` can stand for ``search``, the regexes)
        self._groups: dict[tuple[bool, str], RegexGroup | None] = {}

    def add(self, test: WordTest) -> int:
        """Register a test; returns its bit."""
        bit = self.size
        self.size += 1
        for word in test.words:
            key = (test.lower, word)
            self.exact[key] = self.exact.get(key, 0) | (1 << bit)
        if test.regex is not None:
            self.regexes[test.lower].append((bit, re.compile(test.regex)))
            self._groups.clear()
        return bit

    def only(self, bits: int) -> WordTests:
        """The tests of ``bits`` alone, under the same bits: fewer regexes to try per word."""
        kept = WordTests()
        kept.size = self.size
        kept.exact = {key: mask & bits for key, mask in self.exact.items() if mask & bits}
        for lower, regexes in self.regexes.items():
            kept.regexes[lower] = [(bit, regex) for bit, regex in regexes if bits >> bit & 1]
        return kept

    def mask(self, text: str) -> int:
        """The bit set of the tests a word passes (LOWER tests on ``str.lower``, as spaCy's
        LOWER attribute is made)."""
        lower = text.lower()
        mask = self.exact.get((False, text), 0) | self.exact.get((True, lower), 0)
        for is_lower, form in ((False, text), (True, lower)):
            group = self._groups.get((is_lower, form[:1]), MISSING)
            if group is MISSING:
                group = self._groups[is_lower, form[:1]] = self._group(is_lower, form[:1])
            if group is None:
                continue
            (combined, anchored), regexes = group
            if combined.match(form) if anchored else combined.search(form):
                for bit, regex in regexes:
                    if regex.search(form):
                        mask |= 1 << bit
        return mask

    def _group(self, lower: bool, first: str) -> RegexGroup | None:
        """The regexes a word opening with ``first`` may pass (none: None)."""
        regexes = [
            (bit, regex)
            for bit, regex in self.regexes[lower]
            if (opens := first_chars(regex.pattern)) is None or first in opens
        ]
        if not regexes:
            return None
        return combine(tuple(regex.pattern for _, regex in regexes)), regexes


RegexGroup = tuple[tuple[re.Pattern[str], bool], list[tuple[int, re.Pattern[str]]]]


@functools.cache
def combine(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], bool]:
    """One regex accepting what any of ``patterns`` would, and whether all are anchored with
    "^" (then ``match`` stands for ``search``); compiled once per set of patterns."""
    combined = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    return combined, all(starts_anchored(pattern) for pattern in patterns)


MISSING = object()
_REPEATS = (regex_parser.MAX_REPEAT, regex_parser.MIN_REPEAT, regex_parser.POSSESSIVE_REPEAT)


@functools.cache
def first_chars(pattern: str) -> frozenset[str] | None:
    """The characters a match of an "^"-anchored regex (see :func:`starts_anchored`) opens the
    word with; None when any could, or when the regex is beyond this simple reading."""
    if not starts_anchored(pattern):
        return None
    try:
        parsed = regex_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    opens, empty = sequence_opens(list(parsed))
    return None if opens is None or empty else frozenset(opens)


def sequence_opens(items: list[tuple[Any, Any]]) -> tuple[set[str] | None, bool]:
    """(characters a match of a parsed sequence can start with, whether it can be empty);
    None for the characters when unknown."""
    opens: set[str] = set()
    for op, value in items:
        first, empty = item_opens(op, value)
        if first is None:
            return None, False
        opens |= first
        if not empty:
            return opens, False
    return opens, True


def item_opens(op: Any, value: Any) -> tuple[set[str] | None, bool]:
    """:func:`sequence_opens` for one parsed item."""
    if op is regex_parser.LITERAL:
        return {chr(value)}, False
    if op is regex_parser.AT:  # "^", "$", "\\b": no character
        return set(), True
    if op is regex_parser.IN:
        opens: set[str] = set()
        for kind, item in value:
            if kind is regex_parser.LITERAL:
                opens.add(chr(item))
            elif kind is regex_parser.RANGE and item[1] - item[0] < 256:
                opens.update(chr(code) for code in range(item[0], item[1] + 1))
            else:
                return None, False
        return opens, False
    if op is regex_parser.SUBPATTERN and not value[1] & re.IGNORECASE:
        return sequence_opens(list(value[3]))
    if op is regex_parser.BRANCH:
        union: set[str] = set()
        any_empty = False
        for branch in value[1]:
            first, empty = sequence_opens(list(branch))
            if first is None:
                return None, False
            union |= first
            any_empty = any_empty or empty
        return union, any_empty
    if op in _REPEATS:
        first, empty = sequence_opens(list(value[2]))
        return first, empty or value[0] == 0
    return None, False


class PassesTests:
    """Whether a word passes any of some tests: the getter of a vocabulary flag."""

    def __init__(self, tests: WordTests, bits: int) -> None:
        self.tests = tests.only(bits)

    def __call__(self, text: str) -> bool:
        return bool(self.tests.mask(text))


class Computed(dict):  # type: ignore[type-arg]
    """A dict that fills a missing key from a function: a plain look-up once filled."""

    def __init__(self, make: Callable[[Any], Any]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class WordMasks:
    """For each vocabulary entry, the bit set of the word tests it passes (computed once)."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.tests = WordTests()
        self.watched = 0  # the tests whose words :meth:`anchored` lists (the rules' anchors)
        self.mask_of: dict[int, int] = Computed(self._compute)  # orth id -> mask
        self.bits: dict[int, frozenset[int]] = Computed(self._bits)  # orth id -> test bits
        self.anchored: dict[int, tuple[int, ...]] = Computed(self._anchored)  # -> watched bits

    @property
    def size(self) -> int:
        """How many tests there are."""
        return self.tests.size

    def add(self, test: WordTest) -> int:
        """Register a test; returns its bit."""
        bit = self.tests.add(test)
        for cache in (self.mask_of, self.bits, self.anchored):
            cache.clear()
        return bit

    def watch(self, bits: int) -> None:
        """List the tests ``bits`` in :attr:`anchored`."""
        self.watched = bits
        self.anchored.clear()

    def passing(self, orths: Collection[int]) -> dict[int, int]:
        """The masks of the words among ``orths`` that pass at least one test."""
        mask_of = self.mask_of
        return {orth: mask_of[orth] for orth in set(orths) if mask_of[orth]}

    def _compute(self, orth: int) -> int:
        return self.tests.mask(self.vocab.strings[orth])

    def _bits(self, orth: int) -> frozenset[int]:
        mask = self.mask_of[orth]
        return frozenset(iter_bits(mask)) if mask else NO_BITS

    def _anchored(self, orth: int) -> tuple[int, ...]:
        return tuple(iter_bits(self.mask_of[orth] & self.watched))


def iter_bits(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
