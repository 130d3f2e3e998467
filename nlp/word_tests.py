"""Word tests of token rules (exact words, IN lists, regexes) and the vocabulary-level cache of
which tests each word passes: what :mod:`nlp.fast_matching` reads to find where a rule can match."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from re import _parser as regex_parser  # the parse tree behind re.compile
from typing import Any

from spacy.vocab import Vocab

from nlp.computed import Computed

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
    tests = [test for _, test in required_words(pattern)]
    longest = sum(token_reach(token)[1] for token in pattern)
    if not tests or longest >= UNBOUNDED:
        return None
    return tests, longest


def required_words(pattern: list[dict[str, Any]]) -> list[tuple[int, WordTest]]:
    """(index of the pattern token, its test) of each test :func:`required_tests` lists."""
    found: list[tuple[int, WordTest]] = []
    for index, token in enumerate(pattern):
        if token_reach(token)[0] < 1:
            continue
        for attr, lower in TEXT_ATTRS.items():
            test = word_test(token[attr], lower) if attr in token else None
            if test:
                found.append((index, test))
                break
    return found


# Boolean token attributes a pattern may test, by the Token property holding the same lexeme flag
FLAG_ATTRS = {
    "IS_ALPHA": "is_alpha",
    "IS_ASCII": "is_ascii",
    "IS_DIGIT": "is_digit",
    "IS_LOWER": "is_lower",
    "IS_UPPER": "is_upper",
    "IS_TITLE": "is_title",
    "IS_PUNCT": "is_punct",
    "IS_SPACE": "is_space",
    "IS_STOP": "is_stop",
    "LIKE_NUM": "like_num",
    "LIKE_URL": "like_url",
    "LIKE_EMAIL": "like_email",
}
_OPS = re.compile(r"^(?:[?1]|\{\d*,?\d*\})$")
Check = tuple[str, Any, bool]  # ("test", WordTest, passes?) or ("flag", Token property, value)
Step = tuple[tuple[Check, ...], int, int]  # the checks of one pattern token, fewest, most


def token_steps(pattern: list[dict[str, Any]]) -> list[Step] | None:
    """A token pattern as steps a Python matcher can take (see
    :func:`nlp.fast_matching.step_ends`): per pattern token, its checks (all must pass) and
    how many tokens it consumes. None when a token uses anything else than ORTH, TEXT or LOWER
    (a string, IN, NOT_IN or REGEX of strings), a boolean lexeme flag of :data:`FLAG_ATTRS`
    and a bounded OP (none, "?", "1", "{n}", "{n,m}", "{,m}")."""
    steps: list[Step] = []
    for token in pattern:
        op = token.get("OP")
        if op is not None and not (isinstance(op, str) and _OPS.match(op)):
            return None
        least, most = token_reach(token)
        if most >= UNBOUNDED or least > most:
            return None
        checks: list[Check] = []
        for attr, value in token.items():
            if attr == "OP":
                continue
            if attr in FLAG_ATTRS and isinstance(value, bool):
                checks.append(("flag", FLAG_ATTRS[attr], value))
                continue
            if attr not in TEXT_ATTRS:
                return None
            lower = TEXT_ATTRS[attr]
            if isinstance(value, dict) and len(value) == 1 and "NOT_IN" in value:
                words = value["NOT_IN"]
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    return None
                checks.append(("test", WordTest(lower, frozenset(words)), False))
                continue
            if isinstance(value, dict) and len(value) == 1 and "IN" in value:
                words = value["IN"]
                if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
                    return None
            elif isinstance(value, dict) and len(value) == 1 and "REGEX" in value:
                if not isinstance(value["REGEX"], str):
                    return None
            elif not isinstance(value, str):
                return None
            test = word_test(value, lower)
            if test is None:
                return None
            checks.append(("test", test, True))
        steps.append((tuple(checks), least, most))
    return steps


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
        self.by_bit: list[WordTest] = []  # each bit's test
        # Read by a word's lower case alone (see :meth:`lower_mask`): the tests on the text
        # that a word of each lower case may pass; those whose words are not listed (any word
        # may pass); those its lower case does not decide (a word of it may fail them).
        self.text_forms: dict[str, int] = {}
        self.text_any = 0
        self.cased = 0
        # (lower?, first character) -> (one regex accepting what any of them would, whether
        # all are anchored with "^" so ``match`` can stand for ``search``, the regexes)
        self._groups: dict[tuple[bool, str], RegexGroup | None] = {}

    def add(self, test: WordTest) -> int:
        """Register a test; returns its bit."""
        bit = self.size
        self.size += 1
        self.by_bit.append(test)
        for word in test.words:
            key = (test.lower, word)
            self.exact[key] = self.exact.get(key, 0) | (1 << bit)
        if test.regex is not None:
            self.regexes[test.lower].append((bit, re.compile(test.regex)))
            self._groups.clear()
        if not test.lower:
            words = accepted_words(test)
            if words is None:
                self.text_any |= 1 << bit
            for word in words or ():
                form = word.lower()
                self.text_forms[form] = self.text_forms.get(form, 0) | (1 << bit)
            # decided by the lower case: exact words, each the only one of its lower case
            # (the words listed for a regex may be more than it accepts)
            if test.regex is not None or not all(caseless(word) for word in test.words):
                self.cased |= 1 << bit
        return bit

    def only(self, bits: int) -> WordTests:
        """The tests of ``bits`` alone, under the same bits: fewer regexes to try per word."""
        kept = WordTests()
        kept.size, kept.by_bit = self.size, self.by_bit
        kept.text_any, kept.cased = self.text_any & bits, self.cased & bits
        kept.text_forms = {
            form: mask & bits for form, mask in self.text_forms.items() if mask & bits
        }
        kept.exact = {key: mask & bits for key, mask in self.exact.items() if mask & bits}
        for lower, regexes in self.regexes.items():
            kept.regexes[lower] = [(bit, regex) for bit, regex in regexes if bits >> bit & 1]
        return kept

    def mask(self, text: str) -> int:
        """The bit set of the tests a word passes (LOWER tests on ``str.lower``, as spaCy's
        LOWER attribute is made)."""
        lower = text.lower()
        mask = self.exact.get((False, text), 0) | self.exact.get((True, lower), 0)
        return mask | self._regex_mask(False, text) | self._regex_mask(True, lower)

    def lower_mask(self, lower: str) -> int:
        """The bit set of the tests that a word whose lower case (spaCy's LOWER) is ``lower``
        may pass: exactly those it passes, for the tests on the lower case; for the tests on
        the text, those that some word of that lower case passes (its own may not, unless
        ``lower`` decides the test: see :attr:`cased`)."""
        mask = self.exact.get((True, lower), 0) | self.text_forms.get(lower, 0) | self.text_any
        return mask | self._regex_mask(True, lower)

    def _regex_mask(self, is_lower: bool, form: str) -> int:
        """The bits of the regex tests on the lower case (``is_lower``) or the text that
        ``form`` passes."""
        group = self._groups.get((is_lower, form[:1]), MISSING)
        if group is MISSING:
            group = self._groups[is_lower, form[:1]] = self._group(is_lower, form[:1])
        if group is None:
            return 0
        mask = 0
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


MAX_WORDS = 4096  # a test accepting more strings than this is not listed (see accepted_words)
_BEGINS = (regex_parser.AT_BEGINNING, regex_parser.AT_BEGINNING_STRING)
_ENDS = (regex_parser.AT_END, regex_parser.AT_END_STRING)
_NEUTRAL = (regex_parser.ASSERT, regex_parser.ASSERT_NOT)  # they only reject: left out
Spelling = tuple[Any, ...]  # characters, and the AT codes of zero-width anchors among them


def caseless(word: str) -> bool:
    """Whether a word is the only one of its lower case, so that its lower case decides a test
    on the text: made of ASCII characters other than letters, and of punctuation (no other
    character lower-cases to one of those; some do to letters, letter-like numerals, circled
    letters and a combining dot)."""
    return all(
        (char.isascii() and not char.isalpha()) or unicodedata.category(char).startswith("P")
        for char in word
    )


def accepted_words(test: WordTest) -> frozenset[str] | None:
    """Every string ``test`` accepts (a superset, for a regex), when they are few: its words, or
    the spellings of a regex anchored at both ends; None when they are unknown or too many."""
    if test.regex is None:
        return test.words
    return regex_words(test.regex)


def lower_forms(test: WordTest) -> frozenset[str] | None:
    """The lower case of every word passing ``test`` (a superset): a token passes only if its
    LOWER string is one of them; None when :func:`accepted_words` does not list them."""
    words = accepted_words(test)
    if words is None or test.lower:
        return words
    return frozenset(word.lower() for word in words)


@functools.cache
def regex_words(pattern: str) -> frozenset[str] | None:
    """Every string that ``re.search(pattern, string)`` accepts, or a few more, when the pattern
    is anchored at its start ("^", "\\A") and end ("$", "\\Z") and its body spells a few
    strings (literals, small classes, alternatives, bounded repeats); None otherwise.

    Superset, not exact: a lookaround or an inner anchor is read as matching the empty string,
    "$" as matching before a last line break as well as at the end (as it does), a possessive
    repeat as a greedy one. None for case-insensitive or multi-line flags, which change what a
    spelling matches."""
    try:
        parsed = regex_parser.parse(pattern)
    except re.error:
        return None
    if parsed.state.flags & (re.IGNORECASE | re.MULTILINE | re.LOCALE):
        return None
    spellings = sequence_spellings(list(parsed))
    if spellings is None:
        return None
    words: set[str] = set()
    for spelling in spellings:
        first = next((k for k, item in enumerate(spelling) if isinstance(item, str)), None)
        lead = spelling if first is None else spelling[:first]
        if not any(item in _BEGINS for item in lead):
            return None  # a match may start anywhere in the word: unbounded
        last = max((k for k, item in enumerate(spelling) if isinstance(item, str)), default=-1)
        trail = spelling[last + 1 :]
        if not any(item in _ENDS for item in trail):
            return None
        word = "".join(item for item in spelling if isinstance(item, str))
        words.add(word)
        if regex_parser.AT_END in trail:  # "$" also matches before a last line break
            words.add(word + "\n")
    return frozenset(words) if len(words) <= MAX_WORDS else None


def sequence_spellings(items: list[tuple[Any, Any]]) -> set[Spelling] | None:
    """The spellings of a parsed sequence (None when unbounded, unknown or too many)."""
    spellings: set[Spelling] = {()}
    for op, value in items:
        if op in _NEUTRAL:
            continue
        found = item_spellings(op, value)
        if found is None:
            return None
        spellings = {head + tail for head in spellings for tail in found}
        if len(spellings) > MAX_WORDS:
            return None
    return spellings


def item_spellings(op: Any, value: Any) -> set[Spelling] | None:
    """:func:`sequence_spellings` for one parsed item."""
    if op is regex_parser.LITERAL:
        return {(chr(value),)}
    if op is regex_parser.AT:
        return {(value,)}
    if op is regex_parser.IN:
        chars: set[Spelling] = set()
        for kind, item in value:
            if kind is regex_parser.LITERAL:
                chars.add((chr(item),))
            elif kind is regex_parser.RANGE and item[1] - item[0] < 256:
                chars.update((chr(code),) for code in range(item[0], item[1] + 1))
            else:  # a negated set, a category (\\w, \\d ...)
                return None
        return chars
    if op is regex_parser.SUBPATTERN:
        if value[1] or value[2]:  # inline flags
            return None
        return sequence_spellings(list(value[3]))
    if op is regex_parser.ATOMIC_GROUP:
        return sequence_spellings(list(value))
    if op is regex_parser.BRANCH:
        union: set[Spelling] = set()
        for branch in value[1]:
            found = sequence_spellings(list(branch))
            if found is None:
                return None
            union |= found
        return union if len(union) <= MAX_WORDS else None
    if op in _REPEATS:
        least, most, body = value
        if most > 8:  # MAXREPEAT included
            return None
        once = sequence_spellings(list(body))
        if once is None:
            return None
        repeated: set[Spelling] = set()
        spellings: set[Spelling] = {()}
        for count in range(most + 1):
            if count >= least:
                repeated |= spellings
            if count < most:
                spellings = {head + tail for head in spellings for tail in once}
                if len(spellings) > MAX_WORDS:
                    return None
        return repeated
    return None


class PassesTests:
    """Whether a word passes any of some tests: the getter of a vocabulary flag."""

    def __init__(self, tests: WordTests, bits: int) -> None:
        self.tests = tests.only(bits)

    def __call__(self, text: str) -> bool:
        return bool(self.tests.mask(text))


class WordMasks:
    """For each vocabulary entry, the bit set of the word tests it passes (computed once)."""

    def __init__(self, vocab: Vocab):
        self.vocab = vocab
        self.tests = WordTests()
        self.watched = 0  # the tests whose words :meth:`anchored` lists (the rules' anchors)
        self.mask_of: dict[int, int] = Computed(self._compute)  # orth id -> mask
        self.bits: dict[int, frozenset[int]] = Computed(self._bits)  # orth id -> test bits
        self.anchored: dict[int, tuple[int, ...]] = Computed(self._anchored)  # -> watched bits
        # The same by LOWER id, as :meth:`WordTests.lower_mask` reads a word: what a word of
        # that lower case may pass (a superset for the tests of :attr:`cased`).
        self.lower_mask_of: dict[int, int] = Computed(self._lower_mask)
        self.lower_bits: dict[int, frozenset[int]] = Computed(self._lower_bits)
        self.lower_anchored: dict[int, tuple[int, ...]] = Computed(self._lower_anchored)
        self.cased: frozenset[int] = NO_BITS  # the tests a word's lower case does not decide

    @property
    def size(self) -> int:
        """How many tests there are."""
        return self.tests.size

    def add(self, test: WordTest) -> int:
        """Register a test; returns its bit."""
        bit = self.tests.add(test)
        for cache in self._caches():
            cache.clear()
        self.cased = frozenset(iter_bits(self.tests.cased))
        return bit

    def watch(self, bits: int) -> None:
        """List the tests ``bits`` in :attr:`anchored` (and :attr:`lower_anchored`)."""
        self.watched = bits
        self.anchored.clear()
        self.lower_anchored.clear()

    def _caches(self) -> tuple[dict[int, Any], ...]:
        return (
            self.mask_of,
            self.bits,
            self.anchored,
            self.lower_mask_of,
            self.lower_bits,
            self.lower_anchored,
        )

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

    def _lower_mask(self, lower: int) -> int:
        return self.tests.lower_mask(self.vocab.strings[lower])

    def _lower_bits(self, lower: int) -> frozenset[int]:
        mask = self.lower_mask_of[lower]
        return frozenset(iter_bits(mask)) if mask else NO_BITS

    def _lower_anchored(self, lower: int) -> tuple[int, ...]:
        return tuple(iter_bits(self.lower_mask_of[lower] & self.watched))


def iter_bits(mask: int) -> Iterator[int]:
    """The set bits of ``mask``, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low
