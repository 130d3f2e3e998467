"""Stand-ins for the tokenizer's regexes that return the same matches with fewer regex scans.

spaCy's English affix regexes are long alternations (the suffix one: 82 ``piece$`` alternatives,
12k characters) whose pieces often open with a lookbehind, so ``re`` cannot skip ahead by first
character: it tries every alternative at every position of every chunk, ~2.5 µs a suffix search.
Each stand-in reads the compiled pattern with ``re._parser`` (the parser ``re.compile`` itself
uses) and derives a necessary condition for a match. When the condition fails it answers "no
match" at once; otherwise it runs the regex, so the match it returns has the regex's span.

* suffix: a match ends at the end of the string, so its last character is the string's last.
  Only the alternatives that can end with it can match; they are searched, as one regex that
  ``re._compiler`` builds from their parsed form, from as many characters before the end as the
  widest spans (a search from ``pos`` still lets lookbehinds see the characters before ``pos``,
  and ``^`` still means the real start).
* prefix: every alternative is anchored with ``^``, so the first character must be one that an
  alternative can start with.
* infix: a match is never empty, so the string holds a character an alternative can start with.
* URL: the string holds every character that all matches consume (for spaCy's: a ".").

Where the analysis does not apply (capturing groups, MULTILINE, a construct not read here) the
stand-in calls the regex unchanged. tests/test_tokenizer_speed.py compares every stand-in with
its plain regex on the real corpus, on generated strings and on made-up edge patterns.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from re import _compiler as sre_compiler  # private, but re.compile's own compiler (3.11+)
from re import _parser as sre  # and re.compile's own parser
from typing import Any

from nlp.computed import Computed

# Parser items (opcode, argument) that consume exactly one character.
_Units = list[tuple[Any, Any]]

_UNIT_OPS = frozenset({sre.LITERAL, sre.NOT_LITERAL, sre.IN, sre.ANY})
_ZERO_WIDTH_OPS = frozenset({sre.AT, sre.ASSERT, sre.ASSERT_NOT})
_REPEAT_OPS = frozenset({sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT})
_CATEGORY_CLASSES = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
# A bounded alternative wider than this is treated as unbounded: a bound that far buys nothing.
_MAX_REACH = 64
_UNBOUNDED = sys.maxsize  # len(string) - _UNBOUNDED < 0: the search starts at 0


def _parse(regex: re.Pattern[str]) -> Any | None:
    """The parsed pattern, or None when it is not one the stand-ins reason about: a bytes
    pattern, or one with capturing groups (a backreference could tie alternatives together)."""
    if not isinstance(regex.pattern, str) or regex.groups:
        return None
    return sre.parse(regex.pattern, regex.flags & ~re.DEBUG)


def _edge_units(sub: Any, *, last: bool) -> tuple[_Units | None, bool]:
    """The items that can consume the first (or, with ``last``, the last) character of a match
    of ``sub``, and whether a match can be empty; None for "any character" (a construct not read
    here). Lookarounds and anchors consume nothing, so the walk steps over them."""
    units: _Units = []
    for op, av in reversed(sub.data) if last else sub.data:
        if op in _UNIT_OPS:
            return [*units, (op, av)], False
        if op in _ZERO_WIDTH_OPS:
            continue
        if op is sre.SUBPATTERN and not (av[1] or av[2]):  # (group, add flags, del flags, body)
            inner, empty = _edge_units(av[3], last=last)
        elif op is sre.ATOMIC_GROUP:
            inner, empty = _edge_units(av, last=last)
        elif op is sre.BRANCH:
            inner, empty = [], False
            for branch in av[1]:
                branch_units, branch_empty = _edge_units(branch, last=last)
                if branch_units is None:
                    return None, True
                inner += branch_units
                empty = empty or branch_empty
        elif op in _REPEAT_OPS:
            low, high, body = av
            if high == 0:
                continue
            inner, empty = _edge_units(body, last=last)
            empty = empty or low == 0
        else:
            return None, True
        if inner is None:
            return None, True
        units += inner
        if not empty:
            return units, False
    return units, True


def _char(code: int) -> str:
    return f"\\U{code:08x}"


def _unit_text(op: Any, av: Any) -> str | None:
    """Regex text for the one character a unit consumes (``.`` widened to any character: the
    gates below may admit too much, never too little); None for a set member not read here."""
    if op is sre.LITERAL:
        return _char(av)
    if op is sre.NOT_LITERAL:
        return f"[^{_char(av)}]"
    if op is sre.ANY:
        return r"[\s\S]"
    parts = []
    for member_op, member in av:
        if member_op is sre.NEGATE and not parts:
            parts.append("^")
        elif member_op is sre.LITERAL:
            parts.append(_char(member))
        elif member_op is sre.RANGE:
            parts.append(f"{_char(member[0])}-{_char(member[1])}")
        elif member_op is sre.CATEGORY and member in _CATEGORY_CLASSES:
            parts.append(_CATEGORY_CLASSES[member])
        else:
            return None
    return f"[{''.join(parts)}]"


def _char_class(units: _Units, flags: int) -> re.Pattern[str] | None:
    """One regex for a character any of ``units`` can consume, under the pattern's case and
    ASCII flags; None when a unit cannot be written out (the caller then admits anything)."""
    texts = [_unit_text(op, av) for op, av in units]
    if not texts or None in texts:
        return None
    return re.compile("|".join(texts), flags & (re.IGNORECASE | re.ASCII))


def _starts_anchored(sub: Any) -> bool:
    """Whether every alternative opens with ``^`` or ``\\A`` (so matches start at 0 only)."""
    if not sub.data:
        return False
    op, av = sub.data[0]
    if op is sre.AT:
        return av is sre.AT_BEGINNING or av is sre.AT_BEGINNING_STRING
    return op is sre.BRANCH and all(_starts_anchored(branch) for branch in av[1])


def _required_chars(sub: Any) -> set[str]:
    """Characters every match of ``sub`` consumes: literals outside optional parts, and in a
    branch only those all its alternatives consume. Anything not read here adds nothing."""
    required: set[str] = set()
    for op, av in sub.data:
        if op is sre.LITERAL:
            required.add(chr(av))
        elif op is sre.IN and len(av) == 1 and av[0][0] is sre.LITERAL:
            required.add(chr(av[0][1]))
        elif op is sre.SUBPATTERN and not (av[1] or av[2]):
            required |= _required_chars(av[3])
        elif op is sre.ATOMIC_GROUP:
            required |= _required_chars(av)
        elif op is sre.BRANCH:
            required |= set.intersection(*(_required_chars(branch) for branch in av[1]))
        elif op in _REPEAT_OPS and av[0] >= 1:
            required |= _required_chars(av[2])
    return required


def _anchored_alternatives(parsed: Any) -> list[tuple[Any, re.Pattern[str] | None, int]] | None:
    """Per top-level alternative ending in ``$`` or ``\\Z``: (its parsed form, a class of the
    characters it can end with or None for any, its reach: how many characters it can span).
    None when an alternative does not end with such an anchor."""
    data = parsed.data
    alternatives = data[0][1][1] if len(data) == 1 and data[0][0] is sre.BRANCH else [parsed]
    read = []
    for alternative in alternatives:
        if not alternative.data:
            return None
        op, av = alternative.data[-1]
        if op is not sre.AT or not (av is sre.AT_END or av is sre.AT_END_STRING):
            return None
        units, empty = _edge_units(alternative, last=True)
        last_chars = None if units is None or empty else _char_class(units, parsed.state.flags)
        width = alternative.getwidth()[1]
        read.append((alternative, last_chars, width if width <= _MAX_REACH else _UNBOUNDED))
    return read


def _compile_branch(alternatives: list[Any], flags: int) -> re.Pattern[str]:
    """A regex of some parsed alternatives of one pattern, in their order (compiled from the
    parse tree with re's own compiler, so each alternative is exactly the original's)."""
    if len(alternatives) == 1:
        return sre_compiler.compile(alternatives[0], flags & ~re.DEBUG)
    branch = sre.SubPattern(alternatives[0].state, [(sre.BRANCH, (None, alternatives))])
    return sre_compiler.compile(branch, flags & ~re.DEBUG)


class _StandIn:
    """A compiled regex with a shortcut; ``pattern`` is the regex's own, because spaCy's
    ``Tokenizer.to_bytes`` saves ``method.__self__.pattern`` (and reloads a plain regex)."""

    fast = False  # whether the shortcut applies (tests check it does for spaCy's regexes)

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.regex = regex
        self.pattern = regex.pattern

    def __reduce__(self) -> tuple[type, tuple[re.Pattern[str]]]:
        return type(self), (self.regex,)  # rebuilt, not copied: the memos are only caches

    def __repr__(self) -> str:
        return f"{type(self).__name__}(fast={self.fast}, pattern={self.pattern[:40]!r}...)"


class SuffixSearch(_StandIn):
    """``regex.search`` for a suffix regex (every alternative ends in ``$``). A match ends with
    the string's last character, so per last character only the alternatives that can end with
    it are possible: none, and the answer is "no match"; else they are searched (as one regex,
    in their order) from as many characters before the end as the widest of them spans. At
    each position the first alternative that matches wins, and the others cannot match at any
    position, so the match is the full regex's. A string ending in "\\n" (where ``$`` also
    matches before it) takes the plain search."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        self._search = regex.search
        parsed = _parse(regex)
        self._alternatives = (
            None if parsed is None or regex.flags & re.MULTILINE else _anchored_alternatives(parsed)
        )
        self.fast = self._alternatives is not None
        self._searches: dict[tuple[int, ...], Callable[..., re.Match[str] | None]] = {}
        self._plans = Computed(self._plan)

    def _plan(self, last: str) -> tuple[Callable[..., re.Match[str] | None], int] | None:
        """(search over the alternatives that can end with ``last``, how far before the end
        their matches can start), or None when no alternative can."""
        assert self._alternatives is not None
        chosen = tuple(
            index
            for index, (_, last_chars, _) in enumerate(self._alternatives)
            if last_chars is None or last_chars.fullmatch(last)
        )
        if not chosen:
            return None
        if chosen not in self._searches:
            if len(chosen) == len(self._alternatives):
                self._searches[chosen] = self._search
            else:
                parts = [self._alternatives[index][0] for index in chosen]
                self._searches[chosen] = _compile_branch(parts, self.regex.flags).search
        return self._searches[chosen], max(self._alternatives[index][2] for index in chosen)

    def search(self, string: str) -> re.Match[str] | None:
        """A match with the span of ``regex.search(string)`` (its ``re`` and ``pos`` aside)."""
        if not self.fast or not string or string[-1] == "\n":
            return self._search(string)
        plan = self._plans[string[-1]]
        if plan is None:
            return None
        search, reach = plan
        return search(string, max(0, len(string) - reach))


class PrefixSearch(_StandIn):
    """``regex.search`` for a prefix regex (every alternative starts with ``^``): no match
    unless the first character is one that an alternative can start with."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        self._search = regex.search
        parsed = _parse(regex)
        first_chars = None
        if parsed is not None and not regex.flags & re.MULTILINE and _starts_anchored(parsed):
            units, empty = _edge_units(parsed, last=False)
            if units is not None and not empty:
                first_chars = _char_class(units, regex.flags)
        self.fast = first_chars is not None
        if first_chars is not None:
            self._can_start = Computed(lambda char: first_chars.fullmatch(char) is not None)

    def search(self, string: str) -> re.Match[str] | None:
        """The same match as ``regex.search(string)``."""
        if not self.fast or not string or self._can_start[string[0]]:
            return self._search(string)
        return None


class InfixFinditer(_StandIn):
    """``regex.finditer`` for an infix regex that never matches empty: no matches unless the
    string holds a character that an alternative can start with (an ASCII string is checked
    against a set; others against the character class)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        self._finditer = regex.finditer
        parsed = _parse(regex)
        first_chars = None
        if parsed is not None:
            units, empty = _edge_units(parsed, last=False)
            if units is not None and not empty:
                first_chars = _char_class(units, regex.flags)
        self.fast = first_chars is not None
        self._first_chars = first_chars
        ascii_chars = map(chr, range(128))
        self._ascii_first = frozenset(
            () if first_chars is None else filter(first_chars.fullmatch, ascii_chars)
        )

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        """The same matches as ``regex.finditer(string)``."""
        if self._first_chars is not None:
            if string.isascii():
                if self._ascii_first.isdisjoint(string):
                    return iter(())
            elif self._first_chars.search(string) is None:
                return iter(())
        return self._finditer(string)


class UrlMatch(_StandIn):
    """``regex.match`` for a URL regex: no match unless the string holds every character that
    all matches consume (for spaCy's URL pattern, the "." of a host name or IP address)."""

    def __init__(self, regex: re.Pattern[str]) -> None:
        super().__init__(regex)
        self._match = regex.match
        parsed = _parse(regex)
        required = set() if parsed is None else _required_chars(parsed)
        self._required = "" if regex.flags & re.IGNORECASE else "".join(sorted(required))
        self.fast = bool(self._required)

    def match(self, string: str) -> re.Match[str] | None:
        """The same match as ``regex.match(string)``."""
        for char in self._required:
            if char not in string:
                return None
        return self._match(string)
