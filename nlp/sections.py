"""Section headers (eligibility, background, objective...) so statuses can depend on the section."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

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
_END_MARK = re.compile(r"[.!?](?=[ \t])")  # where a run-in header can start: just after it


@dataclass(frozen=True)
class Sections:
    """Section starts (character offsets) and their kinds, in text order."""

    starts: tuple[int, ...]
    kinds: tuple[str, ...]

    def kind_at(self, char: int) -> str:
        """The kind of section holding character ``char`` ('body' before any header)."""
        index = bisect.bisect_right(self.starts, char) - 1
        return self.kinds[index] if index >= 0 else "body"


def find_sections(text: str) -> Sections:
    """Find section headers in ``text``.

    Same matches as ``finditer`` over the whole text, tried only where a match can start: a
    header at a line start, a run-in header right after a sentence's end mark (neither kind of
    match crosses a line or holds an end mark, so no later candidate is skipped)."""
    found: dict[int, str] = {}
    line = 0
    while line >= 0:
        match = HEADER_RE.match(text, line)
        if match:
            found[match.start("name")] = SECTION_KINDS[match.group("name").lower()]
        line = text.find("\n", line)
        line = line + 1 if line >= 0 else -1
    for mark in _END_MARK.finditer(text):
        match = INLINE_HEADER_RE.match(text, mark.end())
        if match:
            found[match.start("name")] = SECTION_KINDS[match.group("name").lower()]
    starts = sorted(found)
    return Sections(tuple(starts), tuple(found[s] for s in starts))
