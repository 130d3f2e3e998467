"""Finds the cell doses a text states, to set thrombotic events against the cells given."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from nlp.dose_numbers import (
    ATOM_RE,
    LONGEST_PLAIN,
    Atom,
    atom_from_match,
    bare_power,
    decimal_atom,
    fast_atom,
    parse_cell_count,
    plain_atom,
    plain_end,
    plausible,
)

__all__ = ["find_doses", "is_cell_free_product", "parse_cell_count"]

MIN_DOSE = 1e3  # fewer cells than this is never a therapeutic dose
MIN_PLAIN = 1e4  # a plain number inside a list ("2015, 2 million cells") must be at least this
WINDOW = 160  # characters of context read on each side of a number
MAX_GROUP = 12  # numbers in one range or list
MAX_GAP = 14  # characters between two numbers of one group ("1 to 2", "2, 4 and/or 6")
MAX_BRIDGE = 6  # words between a number and its cell noun ("100 million allogeneic ... cells")

_CELL_NOUN = re.compile(  # the counted noun: "cells", "MSCs", "ADSCs", "SVF", "células"
    r"^(?:\w+-)?(?i:cel{1,3}s?|c[ée]lulas?|cellules?|zellen|progenitors?)$"
    r"|^[\w-]*(?:MSC|SC|MNC|SVF|TNC)(?:s|'s|’s)?$",
)
_CONNECTOR = re.compile(
    r"\s{0,3}(?:[-–—‐‑~±]|\+/-|to|and|or|and/or|vs\.?|versus|,|,\s{0,3}(?:and|or))\s{0,3}"
)
_TOKEN = re.compile(r"\s{0,6}([^\W\d_][\w'’+-]{0,40}|\S)")
# Function words end the noun phrase after a number without deciding anything.
_STOP = frozenset(
    "for in per and or to from at by with was were is are be been being the a an each who which "
    "that than had have has on into as after before during over under up via if when while will "
    "would may can could should plus versus vs this these those its their his her our every "
    "all".split()
)
# Nouns that say the number counts something else than cells.
_OTHER_NOUNS = frozenset(
    "patients patient people persons subjects participants individuals adults children donors "
    "cases deaths strokes procedures treatments injections infusions years year months weeks days "
    "hours minutes times vials vial doses units copies genomes particles vesicles exosomes evs "
    "dollars euros usd eur americans women men mice rats animals pigs dogs visits molecules "
    "spots events reads colonies".split()
)
# Cell types whose numbers are lab counts or grafts of other products, not MSC-type doses.
_FOREIGN_CELLS = re.compile(
    r"^(?:CD(?:3|4|8|14|19|20|34|45|56)\b[\w+-]*|(?:T|B|NK)(?:-cells?)?|CAR-T|white|red|platelets?"
    r"|leu[ck]ocytes?|neutrophils?|lymphocytes?|monocytes?|erythrocytes?|tumou?r|cancer|HeLa|bacteria[l]?|sperm|germ|blasts?"
    r"|colony|colonies)$",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s{0,3}(?:%|percent|(?:mg|µg|μg|mcg|ug|ng|pg|g|kg|IU|U|units?|mL|ml|µl|μl|ul|uL|L|dL|dl|cc"
    r"|mmol|mol|M|mM|nM|µM|PFU|pfu|CFU|cfu|vg|mm|cm|m|years?|yrs?|days?|bp|kb|kDa|Da|Gy|cGy"
    r"|USD|EUR|dollars?|euros?)\b|[-\s]?fold\b|-times?\b)"
)
_PER_VOLUME = re.compile(  # concentrations, seeding densities and yields: cells per mL, cm², g
    r"\s{0,3}(?:\)\s{0,2})?(?:/|per|in\s+each|each|·)\s{0,3}(?:m[lL]|[µμu][lL]|[lL]|d[lL]|cc"
    r"|(?:c|m)m\^?[23²³]|(?:square|sq\.?)\s{0,2}c?m|(?:milli|micro)?lit(?:er|re)s?|g|grams?|mg"
    r"|well|dish|flask|plate|field|hpf)\b"
    r"|\s{0,2}[·⋅.]?\s{0,2}m[lL]\s?\^?(?:[-−–]1|⁻¹)",
)
_BODY_WEIGHT = (
    r"(?:of\s+)?(?:the\s+)?(?:(?:patient|recipient|subject)(?:'s|’s|s')?\s+)?"
    r"(?:body\s*weight|weight|BW)\b"
)
_PER_KG = re.compile(
    r"\s{0,2}[·⋅.]?\s{0,2}kg\s?\^?(?:[-−–]1|⁻¹)"
    r"|\s{0,3}(?:/|per|a|each|·)\s{0,3}(?:1\s{0,2})?(?:kg|kilo(?:gram(?:me)?)?s?)(?:bw)?\b"
    rf"(?:\s{{0,2}}\(\s{{0,2}}{_BODY_WEIGHT}\s{{0,2}}\)|\s{{1,2}}{_BODY_WEIGHT})?",
    re.IGNORECASE,
)
# "8.7 × 10^6/person", "10^8 cells per infusion": a dose unit other than body weight
_PER_DOSE = re.compile(
    r"(?i)\s{0,3}(?:/|per|each)\s{0,3}(?:person|patient|subject|participant|infusion|injection"
    r"|dose|administration|application|eye|knee|joint|disc|site|lesion|session|treatment|vial|bag)s?\b"
)
# "4x10^7/40 mL", "0.5x10^8 cells/5mL": an amount packed in a stated volume is a dose
_IN_VOLUME = re.compile(
    r"\s{0,2}(?:cel{1,3}s?\s{0,2})?(?:/|in|per)\s{0,2}\d{1,4}(?:[.,]\d{1,3})?\s{0,2}m[lL]\b"
)
# "10 million stem cell treatments", "2 × 10^8 cells were harvested": not a dose given
_NOT_A_COUNT = re.compile(
    r"\s{1,3}(?:(?:treatments?|therap(?:y|ies)|transplant(?:s|ations?)?|procedures?|clinics?"
    r"|centers?|centres?|lines?|banks?|banking|industry|market|companies|trials?|studies|research"
    r"|products?\s+(?:sold|market))\b"
    r"|(?:were|was|had\s+been|have\s+been)\s{1,3}(?:harvested|isolated|obtained|recovered|counted"
    r"|collected|produced|generated|seeded|plated|yielded|cultured|incubated|stimulated|transfected"
    r"|co-cultured|stained|sorted|lysed|analy[sz]ed)\b)",
    re.IGNORECASE,
)


def _first_of(*patterns: re.Pattern[str]) -> re.Pattern[str]:
    """One regex that matches wherever the first of ``patterns`` to match there does, as it does.

    Each keeps its flags; ``m.lastgroup`` ("p0", "p1", ...) names the pattern that matched.
    One call does the work of several: most of these tries fail at once, so what they cost is
    mostly the fixed cost of a call.
    """
    parts = []
    for i, pattern in enumerate(patterns):
        if pattern.flags & ~(re.IGNORECASE | re.UNICODE):
            raise ValueError(f"_first_of keeps only IGNORECASE: {pattern.pattern[:40]!r}")
        flags = "i" if pattern.flags & re.IGNORECASE else ""
        parts.append(f"(?P<p{i}>(?{flags}:{pattern.pattern}))")
    return re.compile("|".join(parts))


# In _read_unit: right after the number, /kg (p0), else a volume (p1) or another unit (p2); a
# word that names another kind of cell (p0) or the counted cells (p1; both anchored, so match
# equals search); after the cell noun, not a dose (p0), per volume (p1) or per kg (p2).
_UNIT_START = _first_of(_PER_KG, _PER_VOLUME, _UNIT_AFTER)
_WORD_KIND = _first_of(_FOREIGN_CELLS, _CELL_NOUN)
_NOUN_END = _first_of(_NOT_A_COUNT, _PER_VOLUME, _PER_KG)
_CELL_TERM = re.compile(  # a cell-therapy word somewhere in the sentence
    r"(?i:\b(?:stem|stromal|cells?|cellular|c[ée]lulas?|SVF)\b)|MSCs?\b|[A-Z]{1,5}SCs?\b|MNCs?\b"
)
_LEFT_CELL = re.compile(
    r"(?:\b(?i:cel{1,3}s?)|[\w-]*(?:MSC|SC)s?)\b\s{0,3}[(:,=]?\s{0,3}(?:at\s+|of\s+)?$"
)
_LEFT_DOSE = re.compile(r"(?i)\b(?:dose[sd]?|dosage|dosing)\b[^.;\n\d]{0,30}$")
_LEFT_BLOCK = re.compile(  # money, seeding densities, yields, "1 in 10,000 cells"
    r"(?i)(?:[$€£¥]|\b(?:USD|EUR|US\$|density|densities|seeded|plated)\b[^.;\n\d]{0,25}"
    r"|\b(?:yield(?:ed|s)?|harvested|obtained|isolated|recovered|found|counted|reached"
    r"|(?:expanded|grown)(?:\s+in\s+vitro|\s+ex\s+vivo)?\s+(?:up\s+)?to)"
    r"(?:\s+(?:a\s+total\s+of|an?\s+(?:average|mean|median)\s+of|approximately|about|over"
    r"|more\s+than|up\s+to|>|≥))?"
    r"|\b(?:1|one)\s+(?:in|out\s+of)|\b(?:per|every))\s{0,2}$"
)
_LEFT_FOREIGN = re.compile(
    r"(?i)(?:\bCD(?:3|4|8|14|19|20|34|45|56)\+|platelets?|\bWBC|leu[ck]ocytes?|neutrophils?"
    r"|lymphocytes?|\bT[- ]cells?|\bNK[- ]cells?|white\s+blood|red\s+blood)[^.;\n]{0,30}$"
)
# What _LEFT_BLOCK or _LEFT_FOREIGN needs, in lower case, for _left_vetoed to run them: one of
# the _VETO_WORDS anywhere in the window, or a last word ending in one of the _VETO_ENDINGS, or
# in one of the _VETO_PAIRS with the word before ending in the paired words; or, when the
# window holds one of the _VETO_VERBS, a last word ending in one of the _VERB_ENDINGS or fitting
# one of the _VERB_PAIRS (the qualifiers and "expanded to", which the regex reads only after a
# verb). Kept in step by test_left_veto_precheck_admits_every_regex_match
# (tests/test_nlp_doses_props.py).
_VETO_WORDS = (
    *("$", "€", "£", "¥", "usd", "eur", "densit", "seeded", "plate"),  # "plate": plated, platelet
    *("wbc", "ocyte", "neutrophil", "blood"),  # "ocyte": leukocyte, leucocyte, lymphocyte
)
_VETO_GATED = (  # more words, looked for only when the window holds the first
    ("cd", ("cd3+", "cd4+", "cd8+", "cd14+", "cd19+", "cd20+", "cd34+", "cd45+", "cd56+")),
    ("cell", ("t cell", "t-cell", "nk cell", "nk-cell")),
)
_VETO_VERBS = (
    *("yield", "harvested", "obtained", "isolated", "recovered", "found", "counted", "reached"),
    *("expanded", "grown"),
)
_VETO_ENDINGS = (
    *("yield", "yielded", "yields", "harvested", "obtained", "isolated", "recovered", "found"),
    *("counted", "reached", "per", "every"),
)
_VETO_PAIRS = (("of", ("out",)), ("in", ("1", "one")))  # "one out of", "1 in"
_VERB_ENDINGS = ("approximately", "about", "over", ">", "≥")
_VERB_PAIRS = (
    ("of", ("total", "average", "mean", "median")),  # "a total of", "an average of"
    ("to", ("up", "expanded", "grown", "vitro", "vivo")),  # "up to", "grown in vitro to"
    ("than", ("more",)),
)
# The only characters that the case-insensitive regexes match to an ASCII letter without
# str.lower() giving that letter: dotless and dotted i, long s, Kelvin sign.
_ODD_CASE = frozenset("\u0131\u0130\u017f\u212a")
_RANGE_AFTER = re.compile(
    r"(?i)\s{0,2}[(\[,;]?\s{0,2}(?:range|ranging\s+from|IQR)\s{0,2}[:,=]?\s{0,2}"
)
_LIST_BLOCK = re.compile(  # a number after these is a day, a count or a label, not a dose
    r"(?i)\b(?:days?|weeks?|months?|years?|visits?|hours?|aged?|grades?|n|cohorts?|groups?|arms?"
    r"|panels?|phases?|tables?|fig(?:ure)?s?|refs?|no)\.?\s{0,2}[=:]?\s{0,2}$"
)
_SENT_BREAK = re.compile(r"[.!?;]\s+(?=[A-Z(])|\n")
_CELL_FREE = re.compile(
    r"exosom\w*|extracellular\s+vesicles?|\bEVs?\b|secretome|conditioned\s+medi(?:um|a)"
    r"|cell[- ]free|\bExoFlo\b",
    re.IGNORECASE,
)
_CELL_MENTION = re.compile(r"\bcel{1,3}s?\b|MSCs?\b", re.IGNORECASE)


@dataclass(slots=True)
class _Group:
    """Numbers joined by range or list words ("1–2 × 10^6", "0.25, 1 or 4 × 10^6")."""

    atoms: list[Atom]
    connectors: list[str]
    strong: bool  # some number carries its own factor (× 10^N, E-notation, "million")


# One byte a character: "1" for an ASCII digit, "0" for anything else (non-ASCII included)
_DIGIT_BYTES = bytes(49 if 48 <= i <= 57 else 48 for i in range(256))

_Span = tuple[int, int, "re.Match[str] | None"]


def _groups(text: str, trace: list[_Span] | None = None) -> list[_Group]:
    """The groups of numbers in ``text`` that could be doses.

    Numbers are joined when only a range or list word lies between them (at most MAX_GAP
    characters). A group is kept when one of its numbers carries a factor, is at least
    MIN_DOSE, or may be a lost superscript ("108"): sharing a factor needs a number that has
    one, so no other group gives a dose.

    The numbers are the matches of ``ATOM_RE.finditer(text)``, found faster, in one loop (this
    runs on every text). The regex is tried only where a run of ASCII digits starts after no
    word character, dot, comma, caret or slash: anywhere else its look-ahead or look-behind
    fails. Runs are found by ``bytes.find`` (memchr) on a digit map of the text, one byte a
    character (``encode`` with "replace" keeps that). A run that ``plain_end`` shows to be a
    whole atom skips the regex (``_plain_end`` remembers the answers), as does a decimal that
    ``_decimal_end`` shows to be one ("1.74"), and a dose in one of the usual forms that
    ``fast_atom`` reads ("2 × 10^6", "50 million").

    A bare run becomes an Atom only if its group is kept. It is a candidate when it is at
    least MIN_DOSE or a lost superscript: three digits that ``bare_power`` accepts, or four or
    more without a leading zero, or a value of at least MIN_DOSE for all that. One that is
    neither ("small") and lies more than MAX_GAP characters from the number before and from
    the next run of digits, where any next number starts, can join no group: it is skipped.

    ``trace``, when given, receives ``(start, end, match)`` of every number read (match None
    when read without the regex), and then no number is skipped.
    """
    digits = text.encode("ascii", "replace").translate(_DIGIT_BYTES)
    find = digits.find
    start = find(b"1")
    groups: list[_Group] = []
    if start < 0:
        return groups
    match, n = ATOM_RE.match, len(text)
    plain_ends, joints = _PLAIN_ENDS, _JOINTS
    members: list[tuple[int, int, Atom | None]] = []  # the group being built
    connectors: list[str] = []
    keep = strong = False
    last_end = 0  # end of the group's last number
    prev_end = -MAX_GAP - 1  # end of the last number read
    while start >= 0:
        end = find(b"0", start)  # the run of digits is text[start:end]
        if end < 0:
            end = n
        next_start = find(b"1", end)  # text[end] is no digit: the next run starts there
        if start:
            before = text[start - 1]
            if before.isalnum() or before in "_.,^/":  # ATOM_RE's (?<![\w.,^/]) fails
                start = next_start
                continue
        else:
            before = ""
        size = end - start
        decimal_end = -1  # where a decimal read without the regex ends
        if size > LONGEST_PLAIN:
            plain = False
        else:  # plain_end(text, end), which reads no further than text[end : end + 6]
            after = text[end : end + 6]
            plain = plain_ends.get(after)
            if plain is None:
                plain = _plain_end(after)
            # not plain after a dot: a digit follows it ("1.74"), maybe an ASCII one
            if not plain and after[:1] == "." and digits[end + 1] == 49:
                decimal_end = _decimal_end(text, find, end)
        if plain:
            small = size < 3 or (size == 3 and not bare_power(text[start:end]))
            if trace is not None:
                trace.append((start, end, None))
            elif (
                small
                and start - prev_end > MAX_GAP
                and (next_start < 0 or next_start - end > MAX_GAP)
            ):
                prev_end, start = end, next_start
                continue
            prev_end = end
            if before == "-" and start >= 2 and text[start - 2].isalpha():
                start = next_start
                continue  # "BRTX-100", "CYP-001": part of a name
            atom, has_factor = None, False
            candidate = not small and (
                size == 3 or text[start] != "0" or float(text[start:end]) >= MIN_DOSE
            )
        elif decimal_end >= 0:
            end = prev_end = decimal_end
            next_start = find(b"1", end)
            if trace is not None:
                trace.append((start, end, None))
            if before == "-" and start >= 2 and text[start - 2].isalpha():
                start = next_start
                continue
            atom = decimal_atom(start, text[start:end])
            has_factor = atom.has_factor
            candidate = has_factor or atom.value >= MIN_DOSE or atom.lost_bare
        else:
            atom = fast_atom(text, start)  # "2 × 10^6", "50 million": no regex
            if atom is not None:
                m, atom_end = None, atom.end
            else:
                m = match(text, start)
                if m is None:
                    start = next_start
                    continue
                atom_end = m.end()
            if atom_end > end:  # the atom reads on ("1,000,000", "2 × 10^6")
                next_start = _run_start(digits, atom_end)
            if trace is not None:
                trace.append((start, atom_end, m))
            prev_end = end = atom_end
            if before == "-" and start >= 2 and text[start - 2].isalpha():
                start = next_start
                continue
            if m is not None:
                atom = atom_from_match(m)
                if atom is None:
                    start = next_start
                    continue
            has_factor = atom.has_factor
            candidate = has_factor or atom.value >= MIN_DOSE or atom.lost_bare
        joint = ""  # what joins this number to the group, stripped ("" when nothing does)
        if members and start - last_end <= MAX_GAP and len(members) < MAX_GROUP:
            gap = text[last_end:start]
            joint = joints.get(gap)
            if joint is None:
                joint = _joint(gap)
        if joint:
            members.append((start, end, atom))
            connectors.append(joint)
            strong = strong or has_factor
            keep = keep or candidate
        else:
            if keep:
                groups.append(_Group(_atoms_of(text, members), connectors, strong))
            members, connectors = [(start, end, atom)], []
            strong, keep = has_factor, candidate
        last_end = end
        start = next_start
    if keep:
        groups.append(_Group(_atoms_of(text, members), connectors, strong))
    return groups


# plain_end's answers by the six characters it reads: they repeat (" month", " cells", "% (95%"),
# and a lookup costs less than the tests (kept small: cleared when full)
_PLAIN_ENDS: dict[str, bool] = {}
_MAX_PLAIN_ENDS = 4096


def _plain_end(after: str) -> bool:
    """``plain_end(after, 0)``, remembered in _PLAIN_ENDS; ``after`` is ``text[end : end + 6]``,
    all that ``plain_end(text, end)`` reads, so the answer is the same."""
    plain = plain_end(after, 0)
    if len(_PLAIN_ENDS) >= _MAX_PLAIN_ENDS:
        _PLAIN_ENDS.clear()
    _PLAIN_ENDS[after] = plain
    return plain


# _joint's answers by gap: a few recur ("-", ", ", " to ")
_JOINTS: dict[str, str] = {}
_MAX_JOINTS = 1024


def _joint(gap: str) -> str:
    """``gap.strip()`` when ``_CONNECTOR.fullmatch(gap)`` (a range or list word joins two
    numbers), else ""; remembered in _JOINTS. A connector is never blank."""
    joint = gap.strip() if _CONNECTOR.fullmatch(gap) else ""
    if len(_JOINTS) >= _MAX_JOINTS:
        _JOINTS.clear()
    _JOINTS[gap] = joint
    return joint


def _decimal_end(text: str, find: Callable[[bytes, int], int], end: int) -> int:
    """End of the decimal "int.frac" whose integer part, at most LONGEST_PLAIN ASCII digits,
    ends at ``end`` (a dot and an ASCII digit follow) when ``ATOM_RE`` matches just it, else -1.

    ``find`` is the digit map's. Such a match is ``dec`` alone: ``th`` and ``sp`` need a comma
    or space after the integer digits, ``dth`` a second dot and three digits after a fraction
    of three, which ``plain_end`` refuses, as it refuses any other part after the fraction
    (at most 8 digits, all ASCII: a non-ASCII digit after it is no plain end either).
    """
    frac_end = find(b"0", end + 1)
    if frac_end < 0:
        frac_end = len(text)
    return frac_end if frac_end - end <= 9 and plain_end(text, frac_end) else -1


def _run_start(digits: bytes, pos: int) -> int:
    """Start of the first run of digits (in the digit map) at or after ``pos``; -1 if none."""
    start = digits.find(b"1", pos)
    if start > 0 and digits[start - 1] == 49:  # ``pos`` is inside a run: take the next one
        stop = digits.find(b"0", start)
        start = digits.find(b"1", stop) if stop >= 0 else -1
    return start


def _atom_matches(text: str) -> Iterator[re.Match[str]]:
    """``ATOM_RE.finditer(text)``, as ``_groups`` reads it (the tests compare the two).

    A bare number read without the regex is matched again here, and must end where
    ``plain_end`` said it does: so the tests check that shortcut too.
    """
    trace: list[_Span] = []
    _groups(text, trace)
    for start, end, m in trace:
        if m is None:
            m = ATOM_RE.match(text, start)
            if m is None or m.end() != end:
                raise AssertionError(f"plain_end misread {text[start : end + 12]!r}")
        yield m


def _atoms_of(text: str, members: list[tuple[int, int, Atom | None]]) -> list[Atom]:
    """The Atoms of a kept group, made now for its bare numbers."""
    if len(members) == 1:  # most groups
        start, end, atom = members[0]
        return [plain_atom(start, text[start:end]) if atom is None else atom]
    return [
        plain_atom(start, text[start:end]) if atom is None else atom for start, end, atom in members
    ]


def _share_factor(text: str, group: _Group) -> list[Atom]:
    """A range or list shares its written multiplier: "1–2 × 10^6" = 1e6 and 2e6.

    A bare comma passes it on inside an and/or list ("2, 4, or 6 million") or along rising
    numbers ("2, 5, 10 × 10^6/kg"), never after a day, year or count ("on day 7, 1 × 10^6").
    """
    if len(group.atoms) == 1:  # nothing to share (the caller only reads the list)
        return group.atoms
    atoms = list(group.atoms)
    factor: Atom | None = None
    chained = False
    listed: bool | None = None  # read only when a bare comma must decide (rarely)
    for i in range(len(atoms) - 1, -1, -1):
        a = atoms[i]
        if a.has_factor:
            factor, chained = a, False
            continue
        if i == len(atoms) - 1 or factor is None or a.lost_bare:
            factor = None
            continue
        if group.connectors[i] != ",":
            chained = True
        right = atoms[i + 1].value / factor.factor  # the next number as written
        if not chained and listed is None:
            listed = not _LIST_BLOCK.search(text, max(0, atoms[0].start - 20), atoms[0].start)
        if not (chained or (listed and a.value < right)):
            factor = None
            continue
        atoms[i] = Atom(a.start, a.end, a.value * factor.factor, True, True, factor.factor, False)
    return atoms


def _sentence(text: str, start: int, end: int) -> str:
    lo = max(0, start - 2 * WINDOW)
    left = text[lo:start]
    cut = 0
    for m in _SENT_BREAK.finditer(left):
        cut = m.end()
    right = text[end : end + 2 * WINDOW]
    stop = _SENT_BREAK.search(right)
    return left[cut:] + text[start:end] + (right[: stop.start()] if stop else right)


@dataclass(slots=True)
class _Unit:
    """What the words after a number say it counts."""

    end: int  # end of the evidence (number, cell noun and /kg)
    cell: bool  # a cell noun follows
    per_kg: bool
    blocked: bool  # a drug unit, a volume, a concentration, or another kind of cell


# _word_kind's answers by word: the words after numbers repeat, and a lookup costs less than
# the regex (kept small: cleared when full)
_KINDS: dict[str, str] = {}
_MAX_KINDS = 4096


def _word_kind(word: str) -> str:
    """``_WORD_KIND.match(word).lastgroup`` ("p0", another kind of cell; "p1", a cell noun), or
    "-" when it does not match; remembered in _KINDS."""
    m = _WORD_KIND.match(word)
    kind = (m.lastgroup or "-") if m else "-"
    if len(_KINDS) >= _MAX_KINDS:
        _KINDS.clear()
    _KINDS[word] = kind
    return kind


def _read_unit(text: str, pos: int, max_bridge: int = MAX_BRIDGE) -> _Unit:
    """Read the words after a number (at ``pos``): a cell noun, /kg, or another unit."""
    limit = min(len(text), pos + WINDOW)
    per_kg = _UNIT_START.match(text, pos, limit)
    if per_kg is not None:
        if per_kg.lastgroup != "p0":  # a volume, a concentration or a drug unit
            return _Unit(pos, False, False, True)
        pos = per_kg.end()
    words = 0
    cur = pos
    while words <= max_bridge:
        tok = _TOKEN.match(text, cur, limit)
        if tok is None:
            break
        word = tok.group(1)
        if len(word) == 1 and not word.isalpha():  # a mark: no noun, so no regex needed
            if word not in "®™'\"“”(+":
                break
            words += 1
            cur = tok.end()
            continue
        kind = _KINDS.get(word) or _word_kind(word)
        if kind == "p0":  # another kind of cell
            return _Unit(pos, False, False, True)
        low = word.lower()
        if kind == "p1" and not low.startswith("extracel"):  # the cells counted
            end = tok.end()
            after = _NOUN_END.match(text, end, limit)
            if after is None:
                return _Unit(end, True, per_kg is not None, False)
            if after.lastgroup != "p2":  # not a dose given, or cells per volume
                return _Unit(end, True, False, True)
            return _Unit(after.end(), True, True, False)
        if low in ("of", "de", "des", "del", "total", "viable", "live"):
            cur = tok.end()
            continue
        if not word[0].isalpha() and word not in "®™'\"“”(+":
            break
        if low in _OTHER_NOUNS:
            return _Unit(pos, False, False, True)
        if low in _STOP:
            break
        words += 1
        cur = tok.end()
    return _Unit(per_kg.end() if per_kg else pos, False, per_kg is not None, False)


def _may_name_cells(text: str, pos: int) -> bool:
    """False when no word that ``_read_unit`` reads after ``pos`` can be a ``_CELL_NOUN``.

    Such a noun holds "cel", "lula", "zellen" or "progen" in any case (letters that the
    case-insensitive regex matches only to themselves, so ``str.lower()`` finds them), or "SC",
    "MNC", "SVF" or "TNC"; and ``_read_unit`` reads nothing beyond WINDOW characters.
    """
    window = text[pos : pos + WINDOW]
    low = window.lower()
    return (
        "cel" in low
        or "lula" in low
        or "zellen" in low
        or "progen" in low
        or "SC" in window
        or "MNC" in window
        or "SVF" in window
        or "TNC" in window
    )


def _may_veto(low: str) -> bool:
    """False when neither _LEFT_BLOCK nor _LEFT_FOREIGN can match in ``low`` (lower-cased).

    Every _LEFT_FOREIGN match holds a _VETO_WORDS or _VETO_GATED entry, as does a money or
    density match of _LEFT_BLOCK; its other matches end the window (but for at most two
    spaces) with a word that ends in one of the _VETO_ENDINGS, or the last two words fit one
    of the _VETO_PAIRS, or they end it with a qualifier ("approximately", "a total of", "up
    to", ...) or "to" that the regex reads only after one of its verbs, which is then in the
    window too.
    """
    for word in _VETO_WORDS:
        if word in low:
            return True
    for gate, gated in _VETO_GATED:
        if gate in low:
            for word in gated:
                if word in low:
                    return True
    words = low.split()  # splits exactly at the regexes' \s
    if not words:
        return False
    last = words[-1]
    if last.endswith(_VETO_ENDINGS):
        return True
    before = words[-2] if len(words) > 1 else ""
    for end, pre in _VETO_PAIRS:
        if last.endswith(end) and before.endswith(pre):
            return True
    if not last.endswith(_VERB_ENDINGS):
        for end, pre in _VERB_PAIRS:
            if last.endswith(end) and before.endswith(pre):
                break
        else:
            return False
    for verb in _VETO_VERBS:
        if verb in low:
            return True
    return False


def _left_vetoed(text: str, start: int) -> bool:
    """Money, a seeding density, a yield or another cell type just before ``start``.

    Both regexes search the 40 characters before the number for a pattern that ends there,
    which is slow; ``_may_veto`` first rules most windows out with plain string tests. Those
    see the regexes' case-insensitive letters as ``str.lower()`` does, which holds unless the
    window has a character of ``_ODD_CASE``.
    """
    lo = max(0, start - 40)
    window = text[lo:start]
    if (window.isascii() or _ODD_CASE.isdisjoint(window)) and not _may_veto(window.lower()):
        return False
    return bool(_LEFT_BLOCK.search(text, lo, start) or _LEFT_FOREIGN.search(text, lo, start))


def _context_accepts(text: str, group: _Group, unit: _Unit) -> bool:
    """The words around the group, other than the left vetoes, make it a cell dose."""
    first, last = group.atoms[0], group.atoms[-1]
    if unit.cell:
        return True
    if not (group.strong or last.value >= 1e4):  # a small plain number needs its cell noun
        return False
    if (
        unit.per_kg
        or _IN_VOLUME.match(text, last.end, last.end + 40)
        or _PER_DOSE.match(text, last.end, last.end + 40)
    ):
        return bool(_CELL_TERM.search(_sentence(text, first.start, unit.end)))
    if not group.strong:
        return False
    left = text[max(0, first.start - 60) : first.start]
    if _LEFT_CELL.search(left):
        return True
    return bool(_LEFT_DOSE.search(left)) and bool(
        _CELL_TERM.search(_sentence(text, first.start, last.end))
    )


def _accept(text: str, group: _Group, unit: _Unit) -> bool:
    """Does the context make this number group a cell dose?

    The costly left vetoes run last, only for a group the other rules accept: every test is
    pure, so the order does not change the answer.
    """
    if unit.blocked or not _context_accepts(text, group, unit):
        return False
    return not _left_vetoed(text, group.atoms[0].start)


def find_doses(text: str) -> list[dict]:
    """Every distinct cell dose in ``text``, in order of first mention.

    Each dose is ``{"cells", "per_kg", "text", "start", "end"}`` with ``text == input[start:end]``;
    distinct means a unique (cells, per_kg) pair, keeping the first mention's evidence.
    """
    if not isinstance(text, str) or not text:
        return []
    found: list[dict] = []
    seen: set[tuple[float, bool]] = set()
    prev: _Unit | None = None  # the unit of the last dose, for "(range, 0.4–9 × 10^6)"
    for group in _groups(text):
        atoms = _share_factor(text, group)
        if not (group.strong or atoms[-1].value >= 1e4 or _may_name_cells(text, atoms[-1].end)):
            continue  # a small plain number is a dose only before a cell noun (_context_accepts)
        unit = _read_unit(text, atoms[-1].end, MAX_BRIDGE if group.strong else 2)
        if not _accept(text, group, unit):
            if not (
                prev
                and not unit.blocked
                and not unit.cell
                and atoms[0].has_factor
                and _RANGE_AFTER.fullmatch(text, prev.end, atoms[0].start)
            ):
                continue
            unit = _Unit(atoms[-1].end, False, prev.per_kg, False)
        prev = unit
        found += group_doses(text, group, atoms, unit, seen)
    return found


def group_doses(
    text: str, group: _Group, atoms: list[Atom], unit: _Unit, seen: set[tuple[float, bool]]
) -> list[dict[str, Any]]:
    """The doses an accepted group states, one per atom read with ``unit``: spreads, values
    below the floor or implausible, and (cells, per_kg) pairs already in ``seen`` left out."""
    found = []
    for n, atom in enumerate(atoms):
        if n and group.connectors[n - 1] in ("±", "+/-"):
            continue  # "2.0 × 10^6 ± 0.5 × 10^6": a spread, not a dose
        cells = atom.value
        if atom.lost_bare and not atom.has_factor:
            if len(atoms) > 1 or not (unit.cell or unit.per_kg):
                continue
            cells = 10.0 ** int(text[atom.start + 2 : atom.start + 3])
        floor = MIN_DOSE if atom.has_factor or n == len(atoms) - 1 else MIN_PLAIN
        if not plausible(cells) or cells < floor:
            continue
        key = (float(f"{cells:.9g}"), unit.per_kg)
        if key in seen:
            continue
        seen.add(key)
        start, end = atom.start, max(atom.end, unit.end)
        if start and text[start - 1] == "(" and ")" in text[start:end]:
            start -= 1  # keep "(1-2)×10^6" balanced
        found.append(
            {
                "cells": key[0],
                "per_kg": unit.per_kg,
                "text": text[start:end],
                "start": start,
                "end": end,
            }
        )
    return found


def is_cell_free_product(text: str, title: str = "") -> bool:
    """True when the product is cell-free (exosomes, EVs, secretome): such a text gets no dose.

    The title naming one decides; otherwise cell-free words must be frequent next to cell words.
    """
    if not title and "\n" in text[:300]:  # text = title + "\n\n" + body: its first line
        title = text[: text.index("\n")]
    if title and _CELL_FREE.search(title):
        return True
    hits = len(_CELL_FREE.findall(text))
    return hits >= 3 and hits * 2 >= len(_CELL_MENTION.findall(text))
