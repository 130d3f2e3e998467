"""Reads one written cell count ("2 × 106", "1.5E7"), so dose rules stay about context."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Atom:
    """One number expression found in text; ``strong`` means written in a cell-count notation."""

    start: int
    end: int
    value: float
    has_factor: bool  # carries its own × 10^N, E-notation or word multiplier
    strong: bool
    factor: float  # the multiplier written on this atom (1.0 when none)
    lost_bare: bool  # "106" read as 10^6 (only trusted right before a cell word or /kg)


def _exp(raw: str | None) -> int | None:
    if raw is None:
        return None
    cleaned = raw.translate(_SUPERSCRIPTS).translate(_MINUS).lstrip("eE").replace(" ", "")
    return int(cleaned) if re.fullmatch(r"[-+]?\d{1,3}", cleaned) else None


def _group_exp(m: re.Match[str], prefix: str) -> int | None:
    for kind in ("caret", "cparen", "html", "star", "sup", "paren", "brack"):
        raw = m.group(prefix + kind)
        if raw is not None:
            return _exp(raw)
    return None


def _mantissa(m: re.Match[str]) -> tuple[float, str]:
    if m.group("th") is not None:
        raw = m.group("th")
        return float(raw.replace(",", "")), raw
    if m.group("sp") is not None:
        raw = m.group("sp")
        return float(re.sub(r"\D", "", raw)), raw
    if m.group("dth") is not None:
        raw = m.group("dth")
        return float(raw.replace(".", "")), raw
    raw = m.group("dec")
    return float(raw.replace(",", ".")), raw


def _multiplier(m: re.Match[str]) -> float | None:
    """The factor written after × (None when the atom has no × 10 part)."""
    if m.group("mult") is None:
        return None
    exp = _group_exp(m, "m")
    if exp is None and m.group("me") is not None:
        exp = _exp(m.group("me"))
    if exp is None and m.group("spaced") is not None:
        exp = int(m.group("spaced"))
    glued = m.group("glued")
    if exp is None and glued is not None:
        if glued.strip("0") and len(glued) <= 2 and MIN_EXP <= int(glued) <= MAX_EXP:
            exp = int(glued)  # "× 106": superscript lost in copying
        else:
            return float("1" + "0" + glued)  # "1x1000000": a literal multiplier
    if exp is None:
        return 10.0
    return 10.0**exp


_LOST_DOT = re.compile(r"(\d{1,3})[.·]10(\d{1,2})")
_EURO_THOUSANDS = re.compile(r"[1-9]\d{0,2}\.\d{3}")
_BARE_POWER = re.compile(r"10[3-9]")


def atom_from_match(m: re.Match[str]) -> Atom | None:
    """Turn one ``ATOM_RE`` match into an Atom, or None when the notation makes no sense."""
    raw = m.group()
    if raw.isdecimal():  # fast path: most numbers in a text are plain integers
        return Atom(
            m.start(),
            m.end(),
            float(raw),
            False,
            False,
            1.0,
            len(raw) == 3 and _BARE_POWER.fullmatch(raw) is not None,
        )
    try:
        mant, raw = _mantissa(m)
    except ValueError:
        return None
    factor, has_factor, lost_bare = 1.0, False, False
    if m.group("sci") is not None:
        exp = _exp(m.group("sci"))
        if exp is None:
            return None
        # "10E6 cells" means 10^6 in this literature, as does "× 10e6" (gold convention)
        mant, factor, has_factor = (1.0 if raw == "10" else mant), 10.0**exp, True
    bexp = _group_exp(m, "b")
    if bexp is not None:
        if raw != "10" or has_factor:
            return None
        mant, factor, has_factor = 1.0, 10.0**bexp, True
    mult = _multiplier(m)
    if mult is not None:
        factor, has_factor = factor * mult, True
    word = m.group("word")
    if word is not None:
        key = word.lower().rstrip(".")
        key = key[:-1] if key.endswith("s") and key[:-1] in WORD_FACTORS else key
        if key not in WORD_FACTORS:
            return None
        factor, has_factor = factor * WORD_FACTORS[key], True
    if not has_factor:
        lost = _LOST_DOT.fullmatch(raw)
        if lost and MIN_EXP <= int(lost.group(2)) <= MAX_EXP:  # "1.106 cells/kg" = 1·10^6
            mant, factor, has_factor = float(lost.group(1)), 10.0 ** int(lost.group(2)), True
        elif _EURO_THOUSANDS.fullmatch(raw):  # "500.000 cells/kg": European thousands
            mant = float(raw.replace(".", ""))
        elif _BARE_POWER.fullmatch(raw):  # bare "108 cells": checked against context later
            lost_bare = True
    value = mant * factor
    if not math.isfinite(value):
        return None
    return Atom(m.start(), m.end(), value, has_factor, has_factor, factor, lost_bare)


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
