"""Finds the cell doses a text states (not drug doses, volumes or concentrations), so the registry
can compare thrombotic events against how many cells, and per kilogram or not, were given."""

from __future__ import annotations

import re
from dataclasses import dataclass

from nlp.dose_numbers import ATOM_RE, Atom, atom_from_match, parse_cell_count, plausible

__all__ = ["find_doses", "is_cell_free_product", "parse_cell_count"]

MIN_DOSE = 1e3  # fewer cells than this is never a therapeutic dose
WINDOW = 160  # characters of context read on each side of a number
MAX_BRIDGE = 6  # words allowed between a number and its cell noun ("100 million allogeneic ... cells")

_CELL_NOUN = re.compile(
    r"(?:cel{1,3}s?|c[ée]lulas?|cellules?|cellule|zellen|progenitors?)$"
    r"|^[\w-]*(?:MSC|SC|MNC|SVF|TNC)s?$",
)
_CONNECTOR = re.compile(
    r"\s{0,3}(?:[-–—‐‑~]|to|and|or|and/or|vs\.?|versus|,|,\s{0,3}(?:and|or))\s{0,3}"
)
_RANGE_CONNECTOR = re.compile(r"[-–—‐‑~]|to|and|or|vs|versus")
_TOKEN = re.compile(r"\s{0,6}([^\W\d_][\w'’+-]{0,40}|\S)")
# Words that end a noun phrase: the number then counts something other than the cells.
_STOP = frozenset(
    "for in per and or to from at by with was were is are be been being the a an each who which "
    "that than had have has on into as after before during over under up via if when while will "
    "would may can could should plus versus vs this these those its their his her our every all "
    "patients patient people persons subjects participants individuals adults children donors "
    "cases deaths strokes procedures treatments injections infusions years year months weeks days "
    "hours minutes times vials vial doses units copies genomes particles vesicles exosomes evs "
    "dollars euros usd eur americans women men mice rats animals pigs dogs visits".split()
)
# Cell types whose numbers are lab counts or grafts of other products, not MSC-type doses.
_FOREIGN_CELLS = re.compile(
    r"^(?:CD\d{1,3}\+?[\w+-]*|T|B|NK|CAR-T|white|red|platelets?|leu[ck]ocytes?|neutrophils?"
    r"|lymphocytes?|monocytes?|erythrocytes?|tumou?r|cancer|HeLa|bacteria[l]?|sperm|germ|blasts?"
    r"|colony|colonies)$",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s{0,3}(?:%|percent|(?:mg|µg|μg|mcg|ug|ng|pg|g|kg|IU|U|units?|mL|ml|µl|μl|ul|uL|L|dL|dl|cc"
    r"|mmol|mol|M|mM|nM|µM|PFU|pfu|CFU|cfu|vg|mm|cm|m|years?|yrs?|days?|bp|kb|kDa|Da|Gy|cGy"
    r"|USD|EUR|dollars?|euros?)\b)"
)
_PER_VOLUME = re.compile(
    r"\s{0,3}(?:\)\s{0,2})?(?:/|per|in\s+each|each|·)\s{0,3}(?:m[lL]|[µμu][lL]|[lL]|d[lL]|cc|cm[23²³]"
    r"|mm[23²³]|(?:milli|micro)?lit(?:er|re)s?|well|dish|flask|plate|field|hpf)\b"
    r"|\s{0,2}[·⋅.]?\s{0,2}m[lL]\s?(?:[-−–]1|⁻¹)",
)
_PER_KG = re.compile(
    r"\s{0,3}(?:/|per|a|each|·)\s{0,3}(?:kg|kilo(?:gram(?:me)?)?s?)\b"
    r"(?:\s{0,2}\(?\s{0,2}(?:of\s+)?(?:the\s+)?(?:(?:patient|recipient|subject)(?:'s|’s|s')?\s+)?"
    r"(?:body\s*weight|weight|BW)\b\s{0,2}\)?)?"
    r"|\s{0,2}[·⋅.]?\s{0,2}kg\s?(?:[-−–]1|⁻¹)",
    re.IGNORECASE,
)
_CELL_TERM = re.compile(
    r"cel{1,3}s?\b|c[ée]lulas|stem\b|stromal|\bSVF\b|MSCs?\b|[A-Z]SCs?\b|MNCs?\b",
    re.IGNORECASE,
)
_LEFT_CELL = re.compile(
    r"(?:cel{1,3}s?|[\w-]*(?:MSC|SC)s?)\b\s{0,3}[(:,=]?\s{0,3}(?:at\s+|of\s+)?$"
)
_LEFT_DOSE = re.compile(r"(?i)\b(?:dose[sd]?|dosage|dosing)\b[^.;\n\d]{0,30}$")
_LEFT_BLOCK = re.compile(
    r"(?i)(?:[$€£¥]|\b(?:USD|EUR|US\$|density|seeded|plated|densities)\b[^.;\n\d]{0,20})\s{0,2}$"
)
_IDENT_BEFORE = re.compile(r"[A-Za-z]-$")
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


def _groups(text: str) -> list[_Group]:
    groups: list[_Group] = []
    for m in ATOM_RE.finditer(text):
        if _IDENT_BEFORE.search(text, max(0, m.start() - 2), m.start()):
            continue  # "BRTX-100", "CYP-001": part of a name
        atom = atom_from_match(m)
        if atom is None:
            continue
        if groups:
            last = groups[-1]
            gap_start = last.atoms[-1].end
            if m.start() - gap_start <= 14 and _CONNECTOR.fullmatch(text, gap_start, m.start()):
                last.atoms.append(atom)
                last.connectors.append(text[gap_start : m.start()].strip())
                continue
        groups.append(_Group([atom], []))
    return groups


def _share_factor(group: _Group) -> list[Atom]:
    """A range or or/and-list shares the last written multiplier: "1–2 × 10^6" = 1e6 and 2e6."""
    atoms = list(group.atoms)
    if not any(_RANGE_CONNECTOR.search(c) for c in group.connectors):
        return atoms
    factor: Atom | None = None
    for i in range(len(atoms) - 1, -1, -1):
        a = atoms[i]
        if a.has_factor:
            factor = a
        elif factor is not None and not a.lost_bare:
            atoms[i] = Atom(a.start, a.end, a.value * factor.factor, True, True,
                            factor.factor, False)
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


def _read_unit(text: str, pos: int) -> _Unit:
    limit = min(len(text), pos + WINDOW)
    per_kg = _PER_KG.match(text, pos, limit)
    if per_kg:
        pos = per_kg.end()
    elif _PER_VOLUME.match(text, pos, limit) or _UNIT_AFTER.match(text, pos, limit):
        return _Unit(pos, False, False, True)
    words = 0
    cur = pos
    while words <= MAX_BRIDGE:
        tok = _TOKEN.match(text, cur, limit)
        if tok is None:
            break
        word = tok.group(1)
        if _CELL_NOUN.search(word) and not word.lower().startswith("extracel"):
            end = tok.end()
            if _PER_VOLUME.match(text, end, limit):
                return _Unit(end, True, False, True)
            kg = _PER_KG.match(text, end, limit)
            if kg:
                return _Unit(kg.end(), True, True, False)
            return _Unit(end, True, per_kg is not None, False)
        if _FOREIGN_CELLS.match(word):
            return _Unit(pos, False, False, True)
        if word.lower() in ("of", "de", "des", "del", "total", "viable", "live"):
            cur = tok.end()
            continue
        if not word[0].isalpha() and word not in "®™'\"“”(":
            break
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
    if unit.cell:
        return True
    strong = any(a.strong for a in group.atoms)
    if unit.per_kg:
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


def _lost_bare_ok(text: str, atom: Atom, unit: _Unit) -> bool:
    """Bare "106 cells" is 10^6 only right before the cell word or /kg."""
    return unit.cell or unit.per_kg


def find_doses(text: str) -> list[dict]:
    """Every distinct cell dose in ``text``, in order of first mention.

    Each dose is ``{"cells", "per_kg", "text", "start", "end"}`` with ``text == input[start:end]``;
    distinct means a unique (cells, per_kg) pair, keeping the first mention's evidence.
    """
    if not isinstance(text, str) or not text:
        return []
    found: list[dict] = []
    seen: set[tuple[float, bool]] = set()
    for group in _groups(text):
        atoms = _share_factor(group)
        if not any(a.has_factor or a.value >= MIN_DOSE or a.lost_bare for a in atoms):
            continue
        unit = _read_unit(text, atoms[-1].end)
        if not _accept(text, group, unit):
            continue
        for atom in atoms:
            cells = atom.value
            if atom.lost_bare and not atom.has_factor:
                if len(atoms) > 1 or not _lost_bare_ok(text, atom, unit):
                    continue
                cells = 10.0 ** int(text[atom.start + 2 : atom.end])
            if not plausible(cells) or cells < MIN_DOSE:
                continue
            key = (float(f"{cells:.9g}"), unit.per_kg)
            if key in seen:
                continue
            seen.add(key)
            end = max(atom.end, unit.end)
            found.append({"cells": key[0], "per_kg": unit.per_kg, "text": text[atom.start : end],
                          "start": atom.start, "end": end})
    return found


def is_cell_free_product(text: str, title: str = "") -> bool:
    """True when the product is cell-free (exosomes, EVs, secretome): such a text gets no dose.

    The title naming one decides; otherwise cell-free words must be frequent next to cell words.
    """
    if title and _CELL_FREE.search(title):
        return True
    head = text[:300]
    if _CELL_FREE.search(head.split("\n", 1)[0]):
        return True
    hits = len(_CELL_FREE.findall(text))
    return hits >= 3 and hits * 2 >= len(_CELL_MENTION.findall(text))
