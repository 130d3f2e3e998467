"""Section headers (eligibility, background, objective...) so statuses can depend on the section."""

from __future__ import annotations

import bisect
import re
from typing import NamedTuple

# Header name -> section kind. Order matters only for readability; matching is by regex.
SECTION_KINDS: dict[str, str] = {
    "inclusion criteria": "eligibility",
    "exclusion criteria": "eligibility",
    "key inclusion criteria": "eligibility",
    "key exclusion criteria": "eligibility",
    "eligibility criteria": "eligibility",
    "eligibility": "eligibility",
    "criteria for inclusion": "eligibility",
    "criteria for exclusion": "eligibility",
    "contraindications": "eligibility",
    "contra-indications": "eligibility",
    "who should not receive": "eligibility",
    "background": "background",
    "introduction": "background",
    "rationale": "background",
    "risks": "background",
    "potential risks": "background",
    "possible risks": "background",
    "risks and side effects": "background",
    "side effects": "background",
    "possible side effects": "background",
    "potential side effects": "background",
    "warnings": "background",
    "warnings and precautions": "background",
    "precautions": "background",
    "objective": "objective",
    "objectives": "objective",
    "object": "objective",
    "aim": "objective",
    "aims": "objective",
    "purpose": "objective",
    "methods": "body",
    "method": "body",
    "materials and methods": "body",
    "patients and methods": "body",
    "design": "body",
    "results": "body",
    "result": "body",
    "findings": "body",
    "case presentation": "body",
    "case report": "body",
    "conclusion": "body",
    "conclusions": "body",
    "interpretation": "body",
    "discussion": "body",
    "brief summary": "body",
    "detailed description": "body",
    "description": "body",
    "arms": "body",
    "arm group": "body",
    "interventions": "body",
    "intervention": "body",
    "outcome": "objective",
    "outcomes": "objective",
    "outcome measures": "objective",
    "primary outcome": "objective",
    "primary outcomes": "objective",
    "primary outcome measure": "objective",
    "primary outcome measures": "objective",
    "secondary outcome": "objective",
    "secondary outcomes": "objective",
    "secondary outcome measures": "objective",
    "serious adverse events reported": "body",
    "other adverse events reported": "body",
    "adverse events": "body",
    "conditions": "indication",
    "condition": "indication",
    "conditions treated": "indication",
    "conditions we treat": "indication",
    "what we treat": "indication",
    "diseases treated": "indication",
    "indications": "indication",
    "treatable conditions": "indication",
}

_NAMES = "|".join(sorted((re.escape(name) for name in SECTION_KINDS), key=len, reverse=True))
# A header starts a line and ends with a colon, a line break or the end of the text.
HEADER_RE = re.compile(rf"(?im)^[ \t]*(?:[*#\[-]+[ \t]*)?(?P<name>{_NAMES})[ \t]*\]?[ \t]*(?::|$)")
# Run-in headers of one-paragraph abstracts: "... unknown. METHODS: We did ..."
INLINE_HEADER_RE = re.compile(rf"(?i)(?<=[.!?])[ \t]+(?P<name>{_NAMES})[ \t]*:")
# Where a header can be. A line header opens its line: after a run of bullet characters come
# a name's first three letters, case aside (every name starts with three letters, none of
# those characters); one scan for line breaks followed by them finds the lines to try.
_OPENINGS = sorted({name[:3] for name in SECTION_KINDS})
if not all(opening.isalpha() for opening in _OPENINGS):
    raise ValueError("sections: every header name must start with three letters")
_BY_FIRST: dict[str, list[str]] = {}
for _opening in _OPENINGS:
    _BY_FIRST.setdefault(_opening[0], []).append(re.escape(_opening[1:]))
# The openings by first letter: the regex tries each first letter once, not every opening
_OPENING_RE = "|".join(f"{re.escape(a)}(?:{'|'.join(rest)})" for a, rest in _BY_FIRST.items())
_FIRST_LINE = re.compile(rf"(?i)[ \t*#\[-]*(?:{_OPENING_RE})")
_LINE_GATE = re.compile(rf"(?i)\n[ \t*#\[-]*(?:{_OPENING_RE})")
# A run-in header ends with a colon and holds no end mark (names hold letters, spaces and
# hyphens): it starts after the last end mark before its colon.
if any(mark in name for name in SECTION_KINDS for mark in ".!?:"):
    raise ValueError("sections: a header name must hold no end mark or colon")
_MARK_REACH = 256  # how far back from a colon an end mark is looked for first (then further)
# The letters IGNORECASE matches to an ASCII letter of a name that lower-case to another one:
# a header spelled with one is found but is no key of SECTION_KINDS.
NAMELESS_MATCHES = ("\u0130", "\u0131", "\u017f")


class Sections(NamedTuple):
    """Section starts (character offsets) and their kinds, in text order (a tuple: made for
    every doc with an event mention)."""

    starts: tuple[int, ...]
    kinds: tuple[str, ...]

    def kind_at(self, char: int) -> str:
        """The kind of section holding character ``char`` ('body' before any header)."""
        index = bisect.bisect_right(self.starts, char) - 1
        return self.kinds[index] if index >= 0 else "body"


def header_lines(text: str, last: int) -> list[int]:
    """Starts of the lines where a header whose name starts by character ``last`` can be (a
    gate match ends 3 characters into the name, so reading to ``last + 3`` is enough)."""
    lines = [0] if _FIRST_LINE.match(text) else []
    lines.extend(place.start() + 1 for place in _LINE_GATE.finditer(text, 0, last + 3))
    return lines


def run_in_marks(text: str, last: int) -> list[int]:
    """End marks (by character ``last``) that may open a run-in header: for each colon, the
    last end mark before it (a later colon's is never earlier: the scan stops at the first
    past ``last``)."""
    marks: list[int] = []
    colon = text.find(":")
    while colon >= 0:
        low = max(0, colon - _MARK_REACH)
        mark = max(
            text.rfind(".", low, colon), text.rfind("!", low, colon), text.rfind("?", low, colon)
        )
        if mark < 0 < low:
            mark = max(text.rfind(".", 0, low), text.rfind("!", 0, low), text.rfind("?", 0, low))
        if mark > last:  # so are the marks before the colons after it: none is wanted
            break
        if 0 <= mark and (not marks or marks[-1] != mark):
            marks.append(mark)
        colon = text.find(":", colon + 1)
    return marks


def find_sections(text: str, last: int | None = None) -> Sections:
    """Find section headers in ``text`` (with ``last``, at least those starting by character
    ``last``: enough for :meth:`Sections.kind_at` up to there).

    Same matches as ``finditer`` over the whole text, tried only where a match can start: a
    header at a line start where a name's first letters follow, a run-in header right after
    the end mark before a colon (see :func:`header_lines`, :func:`run_in_marks`). A header
    starts at or after the place it is tried: places after ``last`` are not tried."""
    if last is None or (not text.isascii() and any(c in text for c in NAMELESS_MATCHES)):
        last = len(text)  # such a name raises KeyError wherever it is, as it always did
    found: dict[int, str] = {}
    lines = header_lines(text, last)
    run_ins = [mark + 1 for mark in run_in_marks(text, last)]  # a run-in one after its mark
    for regex, places in ((HEADER_RE, lines), (INLINE_HEADER_RE, run_ins)):
        for place in places:
            match = regex.match(text, place)
            if match:
                found[match.start("name")] = SECTION_KINDS[match.group("name").lower()]
    starts = sorted(found)
    return Sections(tuple(starts), tuple(found[s] for s in starts))
