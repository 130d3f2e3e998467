"""Reads one written cell count ("2 × 106", "1.5E7"), so dose rules stay about context."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import NamedTuple

MIN_EXP, MAX_EXP = 3, 13  # a lost superscript "× 10N" is read as 10^N only for N in this range
MAX_CELLS = 1e13

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_MINUS = str.maketrans({"−": "-", "–": "-", "⁻": "-"})

# Every quantifier is bounded, so a match attempt costs O(1) whatever the input: no backtracking
# blow-up on 5 MB of digits, spaces or "x10x10x10".
_DIGITS = (
    r"(?P<th>\d{1,3}(?:,\d{3}){1,4})(?![\d,]\d)"  # 1,000,000
    r"|(?P<sp>\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3}){1,4})(?![\d,.]\d)"  # 30 000 000
    r"|(?P<dth>\d{1,3}(?:\.\d{3}){2,4})(?![\d.]\d)"  # 1.000.000 (European thousands)
    r"|(?P<dec>\d{1,15}(?:[.,]\d{1,8})?)"  # 2 / 1.5 / 0,5 (decimal comma)
)
_SUP = r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2}"
_SIGNED = r"[-−+]?\d{1,2}"


def _pow(p: str) -> str:
    """The exponent written after a "10" (group names carry prefix ``p``)."""
    return (
        rf"\s{{0,3}}\^\s{{0,3}}(?:\(\s{{0,2}}(?P<{p}cparen>{_SIGNED})\s{{0,2}}\)|(?P<{p}caret>{_SIGNED}))"
        rf"|<sup>\s{{0,2}}(?P<{p}html>{_SIGNED})\s{{0,2}}</sup>"
        rf"|\*\*\s?\(?(?P<{p}star>{_SIGNED})\)?"
        rf"|(?P<{p}sup>{_SUP})"
        rf"|\(\s{{0,2}}(?P<{p}paren>{_SIGNED})\s{{0,2}}\)"
        rf"|\[\s{{0,2}}(?P<{p}brack>{_SIGNED})\s{{0,2}}\]"
    )


_MULT_SIGN = r"[xX×✕*·⋅∙]"
_CELLISH = r"(?:cel{1,3}s?\b|[\w-]*(?:MSC|SC|MNC|SVF)s?\b)"
_WORDS = (
    r"(?P<word>(?i:millions?|millones|mill[oó]n|milh(?:ões|ão)|Mio\b\.?|billions?|bn|milliards?|thousands?|lakhs?|crores?"
    r"|trillions?)"
    rf"|MM(?=\s{{0,2}}{_CELLISH})|M(?=\s{{0,2}}{_CELLISH})|[kK](?=\s{{0,2}}{_CELLISH}))"
)
WORD_FACTORS = {
    "thousand": 1e3,
    "lakh": 1e5,
    "million": 1e6,
    "millones": 1e6,
    "millón": 1e6,
    "millon": 1e6,
    "milhões": 1e6,
    "milhão": 1e6,
    "mio": 1e6,
    "mm": 1e6,
    "m": 1e6,
    "k": 1e3,
    "crore": 1e7,
    "billion": 1e9,
    "bn": 1e9,
    "milliard": 1e9,
    "trillion": 1e12,
}

ATOM_RE = re.compile(
    r"(?=[0-9])(?<![\w.,^/])"
    rf"(?:{_DIGITS})"
    r"(?:(?P<sci>[eE]\+?-?\d{1,2})(?![\w]))?"
    rf"(?P<pow>{_pow('b')})?"
    r"(?:\s{0,2}(?:±|\+/-)\s{0,2}\d{1,6}(?:[.,]\d{1,6})?)?"
    r"(?:\s{0,2}\)(?=\s{0,3}[xX×✕*·⋅∙]\s{0,3}10))?"  # "(1-2)×10^6": the range's closing bracket
    rf"(?P<mult>\s{{0,3}}{_MULT_SIGN}\s{{0,3}}10(?:"
    + _pow("m")
    + r"|[eE](?P<me>\+?-?\d{1,2})(?!\w)"
    r"|(?P<glued>\d{1,12})(?![\d])"
    r"|\s(?P<spaced>[3-9]|1[0-3])(?![\w.,])"
    r")?)?"
    rf"(?:\s{{0,2}}{_WORDS}(?![\w]))?"
)

# plain_end (below) answers for ATOM_RE without running it: keep the two in step.

# A bare run of digits is an atom on its own when nothing after it can start a part of ATOM_RE:
# a digit, separator or exponent ("1,000", "1.5", "2e6", "10^6", "10⁶", "10(6)"), a spread or
# bracket ("±", "+/-", ")"), a multiplication sign, or a multiplier word, which may come after
# spaces ("2 million", "5 M cells"). The sets below hold no such start; the case-insensitive
# words match no letter outside ASCII but the dotless and dotted i, so the non-ASCII marks are
# safe, and plain_end reads a word's first letters only when they are ASCII.
_ASCII_MARKS = frozenset(chr(i) for i in range(33, 127))  # printable, no space
_WORD_INITIALS = "mMbBtTlLcCkK"  # million, Mio, M, MM, billion, bn, thousand, lakh, crore, k
_OTHER_MARKS = frozenset("–—‐‑’‘”“¶μµ°…′″§†•")
_PLAIN_NEXT = _ASCII_MARKS - frozenset("0123456789,.eE^<*([+)xX" + _WORD_INITIALS) | _OTHER_MARKS
_PLAIN_AFTER_SPACE = _ASCII_MARKS - frozenset("0123456789^+)xX*" + _WORD_INITIALS) | _OTHER_MARKS
# How the case-insensitive multiplier words start (million, millón, milliard, Mio, billion, bn,
# thousand, trillion, lakh, crore), and the letters they may start with here: "M", "MM", "k"
# and "K" (case-sensitive, before a cell word) are left to the regex.
_WORD_STARTS = ("mil", "mio", "bil", "bn", "tho", "tri", "lak", "cro")
_WORD_FIRST = frozenset("mbtlcBTLC")
_MULT_SIGNS = frozenset("xX×✕*·⋅∙")
LONGEST_PLAIN = 15  # ATOM_RE reads at most 15 digits as one number


def plain_end(text: str, end: int) -> bool:
    """True when ``ATOM_RE``, started on a run of at most LONGEST_PLAIN ASCII digits that ends
    at ``end``, matches just those digits (found without running it).

    Each optional part of the atom must fail where the digits end: the next character is in
    ``_PLAIN_NEXT``; or is a comma or dot without a digit after it ("in 2015, the"); or a bracket
    without an exponent in it ("5 (g)"); or a ")" with no × sign after it; or, after spaces
    (four or more stop every part), a character of ``_PLAIN_AFTER_SPACE`` ("12 patients"); or
    a letter that may start a multiplier word but not with the word's next letters ("5 mg").
    Anything else is left to the regex: returning False is always safe. Spaces are skipped
    with ``str.lstrip``, which strips exactly what the regex reads as whitespace.
    """
    nxt = text[end : end + 1]
    if not nxt or nxt in _PLAIN_NEXT:
        return True
    after = text[end + 1 : end + 2]
    if nxt == " " and after in _PLAIN_AFTER_SPACE:  # the usual case: "12 patients"
        return True
    if nxt in ",.":  # "1,000", "1.5", "1.000.000": a digit must follow
        return not after.isdecimal()
    if nxt in "([":  # "10(6)", "10[ -6 ]": a sign or digit after at most two spaces
        after = text[end + 1 : end + 4].lstrip()[:1]
        return not after or not (after.isdecimal() or after in "-−+")
    if nxt == ")":  # "(1-2)×10^6": the bracket joins the atom only before a × sign
        return text[end + 1 : end + 5].lstrip()[:1] not in _MULT_SIGNS
    if nxt.isspace():
        ahead = text[end : end + 6]
        rest = ahead.lstrip()
        if len(ahead) - len(rest) > 3 or not rest:  # no part reads past three spaces
            return True
        if rest[0] in _PLAIN_AFTER_SPACE:
            return True
        head = rest[:3]
    else:
        head = text[end : end + 3]
    # a letter may start a multiplier word: "5 mg", "3 to 5" and "12\n\nThe" start none
    return head[0] in _WORD_FIRST and head.isascii() and not head.lower().startswith(_WORD_STARTS)


class Atom(NamedTuple):
    """One number expression found in text; ``strong`` means written in a cell-count notation.

    A named tuple rather than a frozen dataclass: just as immutable, and several times cheaper
    to build, which matters because every number in every text becomes one.
    """

    start: int
    end: int
    value: float
    has_factor: bool  # carries its own × 10^N, E-notation or word multiplier
    strong: bool
    factor: float  # the multiplier written on this atom (1.0 when none)
    lost_bare: bool  # "106" read as 10^6 (only trusted right before a cell word or /kg)


# tuple.__new__(Atom, (...)) builds what Atom(...) builds, without the Python-level __new__:
# numbers are read in bulk, so plain_atom and atom_from_match use it
_new_tuple = tuple.__new__


_EXP_RE = re.compile(r"[-+]?\d{1,3}")
_EXP_KINDS = ("caret", "cparen", "html", "star", "sup", "paren", "brack")  # in priority order
_BASE_EXPS = tuple("b" + kind for kind in _EXP_KINDS)  # "10^6" written alone
_MULT_EXPS = tuple("m" + kind for kind in _EXP_KINDS)  # "× 10^6"
_MULT_PARTS = (*_MULT_EXPS, "me", "spaced", "glued")  # read with one group call
_PARTS = ("th", "sp", "dth", "dec", "sci", "pow", "mult", "word")  # likewise


def _exp(raw: str | None) -> int | None:
    if raw is None:
        return None
    if raw.isascii() and raw.isdigit():  # the usual "6": nothing to clean
        return int(raw) if len(raw) <= 3 else None
    cleaned = raw.translate(_SUPERSCRIPTS).translate(_MINUS).lstrip("eE").replace(" ", "")
    return int(cleaned) if _EXP_RE.fullmatch(cleaned) else None


def _first_exp(raws: Sequence[str | None]) -> int | None:
    """The exponent in the first exponent group that matched (``raws`` in _EXP_KINDS order)."""
    for raw in raws:
        if raw is not None:
            return _exp(raw)
    return None


def _mantissa(th: str | None, sp: str | None, dth: str | None, dec: str) -> tuple[float, str]:
    """The number before any factor, and its text: whichever digit form matched."""
    if th is not None:
        return float(th.replace(",", "")), th
    if sp is not None:
        return float(re.sub(r"\D", "", sp)), sp
    if dth is not None:
        return float(dth.replace(".", "")), dth
    return float(dec.replace(",", ".")), dec


def _multiplier(m: re.Match[str]) -> float:
    """The factor written after × (the atom has a × 10 part)."""
    *written, me, spaced, glued = m.group(*_MULT_PARTS)
    exp = _first_exp(written)
    if exp is None and me is not None:
        exp = _exp(me)
    if exp is None and spaced is not None:
        exp = int(spaced)
    if exp is None and glued is not None:
        return _glued_factor(glued)
    if exp is None:
        return 10.0
    return 10.0**exp


def _glued_factor(glued: str) -> float:
    """The factor "× 10" followed by the digits ``glued`` stands for."""
    if glued.strip("0") and len(glued) <= 2 and MIN_EXP <= int(glued) <= MAX_EXP:
        return 10.0 ** int(glued)  # "× 106": superscript lost in copying
    return float("1" + "0" + glued)  # "1x1000000": a literal multiplier


_LOST_DOT = re.compile(r"(\d{1,3})[.·]10(\d{1,2})")
_EURO_THOUSANDS = re.compile(r"[1-9]\d{0,2}\.\d{3}")


def bare_power(raw: str) -> bool:
    """``raw`` is "103" to "109" (as ``10[3-9]``): "10^N" with its superscript lost, maybe.

    A string comparison rather than a regex: it runs on many numbers.
    """
    return len(raw) == 3 and "103" <= raw <= "109"


def plain_atom(start: int, raw: str) -> Atom:
    """The Atom of a bare run of digits ``raw`` found at ``start``: no factor, no notation."""
    return _new_tuple(
        Atom, (start, start + len(raw), float(raw), False, False, 1.0, bare_power(raw))
    )


def atom_from_match(m: re.Match[str]) -> Atom | None:
    """Turn one ``ATOM_RE`` match into an Atom, or None when the notation makes no sense."""
    raw = m.group()
    if raw.isdecimal():  # fast path: most numbers in a text are plain integers
        return plain_atom(m.start(), raw)
    th, sp, dth, dec, sci, power, times, word = m.group(*_PARTS)
    try:
        mant, raw = _mantissa(th, sp, dth, dec)
    except ValueError:
        return None
    factor, has_factor, lost_bare = 1.0, False, False
    if sci is not None:
        exp = _exp(sci)
        if exp is None:
            return None
        # "10E6 cells" means 10^6 in this literature, as does "× 10e6" (gold convention)
        mant, factor, has_factor = (1.0 if raw == "10" else mant), 10.0**exp, True
    bexp = _first_exp(m.group(*_BASE_EXPS)) if power is not None else None  # inside pow
    if bexp is not None:
        if raw != "10" or has_factor:
            return None
        mant, factor, has_factor = 1.0, 10.0**bexp, True
    if times is not None:
        factor, has_factor = factor * _multiplier(m), True
    if word is not None:
        key = word.lower().rstrip(".")
        key = key[:-1] if key.endswith("s") and key[:-1] in WORD_FACTORS else key
        if key not in WORD_FACTORS:
            return None
        factor, has_factor = factor * WORD_FACTORS[key], True
    if not has_factor:
        mant, factor, has_factor, lost_bare = _without_factor(raw, mant)
    value = mant * factor
    if not math.isfinite(value):
        return None
    start, end = m.span()
    return _new_tuple(Atom, (start, end, value, has_factor, has_factor, factor, lost_bare))


def _without_factor(raw: str, mant: float) -> tuple[float, float, bool, bool]:
    """``(mantissa, factor, has_factor, lost_bare)`` of the number ``raw`` (read as ``mant``)
    written with no factor: a lost superscript or European thousands may still give one."""
    # each regex runs only on a text it may match (cheap to rule out)
    lost = _LOST_DOT.fullmatch(raw) if "10" in raw else None
    if lost and MIN_EXP <= int(lost.group(2)) <= MAX_EXP:  # "1.106 cells/kg" = 1·10^6
        return float(lost.group(1)), 10.0 ** int(lost.group(2)), True, False
    if raw[-4:-3] == "." and len(raw) <= 7 and _EURO_THOUSANDS.fullmatch(raw):  # "500.000"
        return float(raw.replace(".", "")), 1.0, False, False
    return mant, 1.0, False, bare_power(raw)  # bare "108 cells": checked against context later


def decimal_atom(start: int, raw: str) -> Atom:
    """The Atom of ``raw``, ASCII digits, a dot and at most 8 more digits, found at ``start``
    where ``ATOM_RE`` matches just ``raw`` with its ``dec`` group: as ``atom_from_match``
    reads it ("1.74"; "500.000" and "1.106" are European thousands and a lost superscript)."""
    mant, factor, has_factor, lost_bare = _without_factor(raw, float(raw))
    value = mant * factor
    return _new_tuple(
        Atom, (start, start + len(raw), value, has_factor, has_factor, factor, lost_bare)
    )


# The usual written doses, read without ATOM_RE by fast_atom: a number, then "× 10^N" or
# "× 10N", or a multiplier word in lower case, or both ("2 × 10^6", "1.5x106", "50 million").
_FAST_ATOM = re.compile(
    r"(?P<num>[0-9]{1,15}(?:\.[0-9]{1,8})?)"
    rf"(?:\s{{0,3}}{_MULT_SIGN}\s{{0,3}}10(?:\^(?P<caret>[0-9]{{1,2}})|(?P<glued>[0-9]{{1,12}})))?"
    r"(?:\s{0,2}(?P<word>million|billion|thousand)s?)?"
)


def fast_atom(text: str, start: int) -> Atom | None:
    r"""The Atom ``atom_from_match(ATOM_RE.match(text, start))`` gives, found without ATOM_RE
    for the usual forms of ``_FAST_ATOM``, else None (then nothing is known).

    ``text[start]`` is an ASCII digit where ATOM_RE's look-behind holds. Each part of
    _FAST_ATOM is ATOM_RE's own, narrowed: ``dec`` with ASCII digits and a dot, then ``mult``
    with a caret or glued exponent, then ``word``. ATOM_RE reads the same: ``th``, ``sp`` and
    ``dth`` need a comma, a space and three digits, or a second dot group right after the
    number, and ``sci``, ``pow``, the spread and the bracket need an "e", "^", "<", "**", a
    superscript, a bracket, "±" or "+/-" there, none of which can come before a sign or a
    word (a sign "*" is followed by "10", not "*"). Where _FAST_ATOM stops, ATOM_RE stops
    too: after a word, ``(?![\w])`` must hold; without one, ``plain_end`` must show that no
    word follows. A number, fraction or exponent cut short by more digits (ASCII or not)
    fails those tests. The value is computed as ``atom_from_match`` computes it.
    """
    m = _FAST_ATOM.match(text, start)
    if m is None:
        return None
    caret, glued, word = m.group("caret", "glued", "word")
    end = m.end()
    if word is not None:
        after = text[end : end + 1]
        if after.isalnum() or after == "_":
            return None
    elif (caret is None and glued is None) or not plain_end(text, end):
        return None
    factor = 1.0
    if caret is not None:
        factor = 10.0 ** int(caret)
    elif glued is not None:
        factor = _glued_factor(glued)
    if word is not None:
        factor = factor * WORD_FACTORS[word]
    value = float(m.group("num")) * factor
    return _new_tuple(Atom, (start, end, value, True, True, factor, False))


def plausible(cells: float) -> bool:
    """A stated cell number worth keeping: finite, positive and at most 1e13."""
    return math.isfinite(cells) and 0 < cells <= MAX_CELLS


_TRAILING_UNIT = re.compile(
    rf"\s{{0,3}}(?:(?:viable\s+|stem\s+)?{_CELLISH})?\s{{0,3}}(?:(?:/|per)\s{{0,2}}(?:kg|kilogram))?"
    r"\s{0,3}",
    re.IGNORECASE,
)


def parse_cell_count(s: str) -> float | None:
    """Value of one number expression such as "1 × 10^6", "1x10(6)", "2 million" or "1.5E7".

    A trailing "cells" or "cells/kg" is allowed; anything else, or an absurd value, gives None.
    """
    if not isinstance(s, str):
        return None
    text = s.strip()
    m = ATOM_RE.match(text)
    if m is None or not _TRAILING_UNIT.fullmatch(text, m.end()):
        return None
    atom = atom_from_match(m)
    if atom is None:
        return None
    value = atom.value
    if atom.lost_bare and m.end() < len(text):  # "106 cells": a lost superscript before a unit
        value = 10.0 ** int(m.group()[2:])
    return value if plausible(value) else None
