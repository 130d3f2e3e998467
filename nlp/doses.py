"""Finds the cell doses a text states, to set thrombotic events against the cells given."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from nlp.dose_numbers import ATOM_RE, Atom, atom_from_match, parse_cell_count, plausible

__all__ = ["find_doses", "is_cell_free_product", "parse_cell_count"]

MIN_DOSE = 1e3  # fewer cells than this is never a therapeutic dose
MIN_PLAIN = 1e4  # a plain number inside a list ("2015, 2 million cells") must be at least this
WINDOW = 160  # characters of context read on each side of a number
MAX_GROUP = 12  # numbers in one range or list
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
    "would may can could should plus versus vs this these those its their his her our every all"
    .split()
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


@dataclass
class _Group:
    """Numbers joined by range or list words ("1–2 × 10^6", "0.25, 1 or 4 × 10^6")."""

    atoms: list[Atom]
    connectors: list[str]


def _atom_matches(text: str) -> Iterator[re.Match[str]]:
    """``ATOM_RE.finditer(text)``, tried only where a run of ASCII digits starts (found with
    numpy): anywhere else the atom's look-ahead or look-behind fails."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    digit = (codes >= 48) & (codes <= 57)
    digit[1:] &= ~digit[:-1]
    pos, match = 0, ATOM_RE.match
    for start in np.flatnonzero(digit).tolist():
        if start >= pos and (m := match(text, start)) is not None:
            yield m
            pos = m.end()


def _groups(text: str) -> list[_Group]:
    groups: list[_Group] = []
    last: _Group | None = None
    for m in _atom_matches(text):
        start = m.start()
        if start >= 2 and text[start - 1] == "-" and text[start - 2].isalpha():
            continue  # "BRTX-100", "CYP-001": part of a name
        atom = atom_from_match(m)
        if atom is None:
            continue
        if last is not None and len(last.atoms) < MAX_GROUP:
            gap_start = last.atoms[-1].end
            if start - gap_start <= 14 and _CONNECTOR.fullmatch(text[gap_start:start]):
                last.atoms.append(atom)
                last.connectors.append(text[gap_start:start].strip())
                continue
        last = _Group([atom], [])
        groups.append(last)
    return groups


def _share_factor(text: str, group: _Group) -> list[Atom]:
    """A range or list shares its written multiplier: "1–2 × 10^6" = 1e6 and 2e6.

    A bare comma passes it on inside an and/or list ("2, 4, or 6 million") or along rising
    numbers ("2, 5, 10 × 10^6/kg"), never after a day, year or count ("on day 7, 1 × 10^6").
    """
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


@dataclass
class _Unit:
    """What the words after a number say it counts."""

    end: int  # end of the evidence (number, cell noun and /kg)
    cell: bool  # a cell noun follows
    per_kg: bool
    blocked: bool  # a drug unit, a volume, a concentration, or another kind of cell


def _read_unit(text: str, pos: int, max_bridge: int = MAX_BRIDGE) -> _Unit:
    limit = min(len(text), pos + WINDOW)
    per_kg = _PER_KG.match(text, pos, limit)
    if per_kg:
        pos = per_kg.end()
    elif _PER_VOLUME.match(text, pos, limit) or _UNIT_AFTER.match(text, pos, limit):
        return _Unit(pos, False, False, True)
    words = 0
    cur = pos
    while words <= max_bridge:
        tok = _TOKEN.match(text, cur, limit)
        if tok is None:
            break
        word = tok.group(1)
        if _FOREIGN_CELLS.match(word):
            return _Unit(pos, False, False, True)
        if _CELL_NOUN.search(word) and not word.lower().startswith("extracel"):
            end = tok.end()
            if _NOT_A_COUNT.match(text, end, limit):
                return _Unit(end, True, False, True)
            if _PER_VOLUME.match(text, end, limit):
                return _Unit(end, True, False, True)
            kg = _PER_KG.match(text, end, limit)
            if kg:
                return _Unit(kg.end(), True, True, False)
            return _Unit(end, True, per_kg is not None, False)
        if word.lower() in ("of", "de", "des", "del", "total", "viable", "live"):
            cur = tok.end()
            continue
        if not word[0].isalpha() and word not in "®™'\"“”(+":
            break
        if word.lower() in _OTHER_NOUNS:
            return _Unit(pos, False, False, True)
        if word.lower() in _STOP:
            break
        words += 1
        cur = tok.end()
    return _Unit(per_kg.end() if per_kg else pos, False, per_kg is not None, False)


def _accept(text: str, group: _Group, unit: _Unit) -> bool:
    """Does the context make this number group a cell dose?"""
    first, last = group.atoms[0], group.atoms[-1]
    if unit.blocked or _LEFT_BLOCK.search(text, max(0, first.start - 40), first.start):
        return False
    if _LEFT_FOREIGN.search(text, max(0, first.start - 40), first.start):
        return False
    if unit.cell:
        return True
    strong = any(a.strong for a in group.atoms)
    if (unit.per_kg or _IN_VOLUME.match(text, last.end, last.end + 40)
            or _PER_DOSE.match(text, last.end, last.end + 40)):
        return (strong or last.value >= 1e4) and bool(
            _CELL_TERM.search(_sentence(text, first.start, unit.end))
        )
    if not strong:
        return False
    left = text[max(0, first.start - 60) : first.start]
    if _LEFT_CELL.search(left):
        return True
    return bool(_LEFT_DOSE.search(left)) and bool(
        _CELL_TERM.search(_sentence(text, first.start, last.end))
    )


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
        if not any(a.has_factor or a.value >= MIN_DOSE or a.lost_bare for a in atoms):
            continue
        strong = any(a.strong for a in group.atoms)
        unit = _read_unit(text, atoms[-1].end, MAX_BRIDGE if strong else 2)
        if not _accept(text, group, unit):
            if not (prev and not unit.blocked and not unit.cell and atoms[0].has_factor
                    and _RANGE_AFTER.fullmatch(text, prev.end, atoms[0].start)):
                continue
            unit = _Unit(atoms[-1].end, False, prev.per_kg, False)
        prev = unit
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
            found.append({"cells": key[0], "per_kg": unit.per_kg, "text": text[start:end],
                          "start": start, "end": end})
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
