"""ConText-style status of event mentions (``cv_context``): present, absent, possible or excluded.

NegEx-style tools only say "negated or not"; a safety registry also needs to tell a risk
statement (possible) and the disease being treated or an eligibility criterion (excluded)
from an event that happened. Cues, their direction and scope are data
(``data/nlp/context_rules.jsonl``); sections (``nlp.sections``) and the document's
indications adjust the result.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.attrs import IDX
from spacy.language import Language
from spacy.tokens import Doc, Span

from cellvigil.vocabulary import keys
from nlp.events import (
    FIXED_STATUS_CUE,
    SPANS_KEY,
    RuleError,
    build_matchers,
    check_pattern,
    checked_rule_rows,
)
from nlp.fast_matching import Window, sentence_starts, sentence_window
from nlp.scope import doc_text
from nlp.sections import find_sections

CONTEXT_RULES_FILE = "nlp/context_rules.jsonl"
CONTEXT_RULE_KEYS = frozenset(
    {
        "id",
        "category",
        "literal",
        "pattern",
        "direction",
        "max_scope",
        "contrast",
        "weak",
        "only",
        "note",
    }
)
DIRECTIONS = frozenset({"forward", "backward", "bidirectional", "pseudo", "terminate"})
CONTROL_CATEGORIES = frozenset({"pseudo", "terminate"})
TITLE_MAX_CHARS = 400
# When cues of several kinds reach a mention: negation, then history/indication, then
# hedging; evidence of occurrence ("developed", "was observed") only when nothing else applies.
CATEGORY_PRIORITY = ("absent", "excluded", "possible", "present")
ELIGIBILITY_CUE = "section: eligibility"
# span._.status, status_cue and status_also are registered by nlp.events.


@dataclass(frozen=True)
class ContextRule:
    """A cue: what it signals (category), which way it looks, and how far (tokens)."""

    id: str
    category: str
    direction: str
    pattern: list[dict[str, Any]] | str
    max_scope: int | None = None
    contrast: bool = False  # "..., while it remained stable in group B": a second status
    weak: bool = False  # consulted only when no other cue reaches (e.g. generic "is")
    only: frozenset[str] = frozenset()  # a terminator that stops only these categories


def load_context_rules(rules_file: str = CONTEXT_RULES_FILE) -> list[ContextRule]:
    """Load and validate context rules; errors name the file, line and rule id."""
    categories = set(keys("statuses")) | CONTROL_CATEGORIES
    rules: list[ContextRule] = []
    for where, row in checked_rule_rows(rules_file, CONTEXT_RULE_KEYS):
        category, direction = row.get("category"), row.get("direction")
        if category not in categories:
            raise RuleError(f"{where}: unknown category {category!r}")
        if direction not in DIRECTIONS:
            raise RuleError(f"{where}: unknown direction {direction!r}")
        if (
            category in CONTROL_CATEGORIES or direction in CONTROL_CATEGORIES
        ) and category != direction:
            raise RuleError(f"{where}: pseudo/terminate rules need the same category and direction")
        if ("literal" in row) == ("pattern" in row):
            raise RuleError(f"{where}: give exactly one of 'literal' or 'pattern'")
        pattern = row.get("literal", row.get("pattern"))
        check_pattern(pattern, where)
        scope = row.get("max_scope")
        if scope is not None and (not isinstance(scope, int) or scope < 1):
            raise RuleError(f"{where}: 'max_scope' must be a positive integer")
        flags = {flag: row.get(flag, False) for flag in ("contrast", "weak")}
        for flag, value in flags.items():
            if not isinstance(value, bool):
                raise RuleError(f"{where}: {flag!r} must be true or false")
        only = row.get("only", [])
        if not isinstance(only, list) or not set(only) <= set(keys("statuses")):
            raise RuleError(f"{where}: 'only' must be a list of statuses")
        rules.append(
            ContextRule(
                row["id"], category, direction, pattern, scope, **flags, only=frozenset(only)
            )
        )
    return rules


@dataclass(frozen=True)
class Cue:
    """A matched cue in a document."""

    start: int
    end: int
    rule: ContextRule

    @property
    def size(self) -> int:
        return self.end - self.start

    def describe(self, doc: Doc) -> str:
        return f"{self.rule.id}: {doc[self.start : self.end].text}"


@dataclass(frozen=True)
class TokenChars:
    """The doc and its (cached) text: a token range's text without building a Span."""

    text: str
    doc: Doc

    def text_of(self, cue: Cue) -> str:
        """``doc[cue.start : cue.end].text``."""
        first, last = self.doc[cue.start], self.doc[cue.end - 1]
        return self.text[first.idx : last.idx + len(last)]


class ContextAssigner:
    """Give each event span a status and the cue that decided it."""

    def __init__(
        self,
        nlp: Language,
        rules_file: str,
        spans_key: str,
        max_scope: int,
        default_status: str,
        use_sections: bool,
        promote_indications: bool,
    ):
        if default_status not in keys("statuses"):
            raise ValueError(f"cv_context default_status {default_status!r} is not a status")
        self.spans_key = spans_key
        self.max_scope = max_scope
        self.default_status = default_status
        self.use_sections = use_sections
        self.promote_indications = promote_indications
        self.rules = {rule.id: rule for rule in load_context_rules(rules_file)}
        self.matcher, self.phrases = build_matchers(nlp, self.rules.values(), rules_file)

    def __call__(self, doc: Doc) -> Doc:
        spans = list(doc.spans.get(self.spans_key, []))
        if not spans:
            return doc
        starts = sentence_starts(doc)
        sentences = {span.start: sentence_window(starts, len(doc), span.start) for span in spans}
        regions = sorted(set(sentences.values()))  # cues only count inside a mention's sentence
        cues = self.find_cues(doc, spans, regions)
        text = doc_text(doc)  # cached: spaCy rebuilds doc.text from every token
        every = frozenset(keys("statuses"))
        chars = TokenChars(text, doc)
        stops = dict.fromkeys(line_break_tokens(doc, text, regions), every)
        for cue in cues:
            if cue.rule.direction == "terminate":
                stops[cue.start] = stops.get(cue.start, frozenset()) | (cue.rule.only or every)
        modifiers = [c for c in cues if c.rule.direction not in CONTROL_CATEGORIES]
        # each mention reads only the cues of its own sentence (one of the regions), in order
        plain: dict[Window, list[Cue]] = {region: [] for region in regions}
        contrasts: dict[Window, list[Cue]] = {region: [] for region in regions}
        bounds = [first for first, _ in regions]
        for cue in modifiers:
            region = regions[bisect.bisect_right(bounds, cue.start) - 1]
            (contrasts if cue.rule.contrast else plain)[region].append(cue)
        sections = find_sections(text) if self.use_sections else None
        title_end = title_end_char(text)
        # Extension values are read and written once per span: each ``span._`` builds an object.
        underscores = [span._ for span in spans]
        values = [[u.status, u.status_cue] for u in underscores]
        for span, underscore, value in zip(spans, underscores, values, strict=True):
            if (value[1] or "").startswith(FIXED_STATUS_CUE):
                continue  # the event rule's own wording decided ("D-dimer did not rise")
            start_char = span.start_char
            section = sections.kind_at(start_char) if sections else "body"
            if start_char < title_end:
                section = "title"
            sentence = sentences[span.start]
            status, cue = self.assign(doc, span, sentence, plain[sentence], stops, section, chars)
            value[:] = status, cue
            underscore.status = status
            underscore.status_cue = cue
            within = contrasts[sentence]
            also = self.deciding_cue(span, sentence, within, stops) if within else None
            if also is not None and also.rule.category != status and section != "eligibility":
                underscore.status_also = also.rule.category
        if self.promote_indications:
            labels = [span.label_ for span in spans]
            for i in promoted_indications(labels, values):
                underscore = underscores[i]
                underscore.status = "excluded"
                underscore.status_cue = f"indication: {labels[i]}"
        return doc

    def find_cues(self, doc: Doc, spans: list[Span], regions: list[Window]) -> list[Cue]:
        """Cues outside event spans, inside the given sentences. A cue inside a longer cue is
        dropped ("prior" in "prior studies", "no" in the pseudo-trigger "no significant
        difference"); cues that only partly overlap ("a risk" / "risk of") are both kept."""
        matches = self.matcher(doc, regions)
        if regions:  # phrases over the whole doc once, kept inside a region (in region order)
            strings, bounds = doc.vocab.strings, [first for first, _ in regions]
            for key, start, end in self.phrases(doc):
                region = regions[bisect.bisect_right(bounds, start) - 1]
                if region[0] <= start and end <= region[1]:
                    matches.append((strings[key], start, end))
        raw = [Cue(s, e, self.rules[k]) for k, s, e in matches]
        in_events = {i for span in spans for i in range(span.start, span.end)}
        raw = [c for c in raw if in_events.isdisjoint(range(c.start, c.end))]
        raw.sort(key=lambda c: (-c.size, c.start))
        cues: list[Cue] = []
        longer: list[Cue] = []  # kept cues of several tokens: only these can hold another cue
        covered: set[int] = set()  # their tokens: a one-token cue there is inside a longer one
        for cue in raw:
            if cue.size == 1:
                if cue.start not in covered:
                    cues.append(cue)
            elif not any(
                k.start <= cue.start and cue.end <= k.end and k.size > cue.size for k in longer
            ):
                cues.append(cue)
                longer.append(cue)
                covered.update(range(cue.start, cue.end))
        return sorted(cues, key=lambda c: c.start)

    def assign(
        self,
        doc: Doc,
        span: Span,
        sentence: Window,
        cues: list[Cue],
        stops: dict[int, frozenset[str]],
        section: str,
        chars: TokenChars | None = None,
    ) -> tuple[str, str | None]:
        """Status of one span: eligibility section, then the nearest cue of the first
        category in ``CATEGORY_PRIORITY`` that reaches it, then the section default."""
        if section == "eligibility":
            return "excluded", ELIGIBILITY_CUE
        if section == "title":  # a title names a topic; findings are read from the text
            cues = [c for c in cues if c.rule.category != "present"]
        cue = self.deciding_cue(span, sentence, [c for c in cues if not c.rule.weak], stops)
        if cue is None:
            cue = self.deciding_cue(span, sentence, [c for c in cues if c.rule.weak], stops)
        if cue is not None:
            said = cue.describe(doc) if chars is None else f"{cue.rule.id}: {chars.text_of(cue)}"
            return cue.rule.category, said
        if section in ("background", "objective", "title"):
            return "possible", None
        if section == "indication":
            return "excluded", "section: indication"
        return self.default_status, None

    def deciding_cue(
        self, span: Span, sentence: Window, cues: list[Cue], stops: dict[int, frozenset[str]]
    ) -> Cue | None:
        """The nearest in-sentence cue reaching the span, of the highest-priority category."""
        hits: list[tuple[int, Cue]] = []
        for cue in cues:
            if cue.start >= sentence[0] and cue.end <= sentence[1]:
                gap = self.distance(cue, span, stops)
                if gap is not None:
                    hits.append((gap, cue))
        for category in CATEGORY_PRIORITY:
            chosen = [h for h in hits if h[1].rule.category == category]
            if chosen:
                return min(chosen, key=lambda h: h[0])[1]
        return None

    def distance(self, cue: Cue, span: Span, stops: dict[int, frozenset[str]]) -> int | None:
        """Tokens between cue and span if the cue's scope reaches the span, else None."""
        scope = cue.rule.max_scope or self.max_scope
        direction = cue.rule.direction
        if direction in ("forward", "bidirectional") and cue.end <= span.start:
            gap = span.start - cue.end
            if gap < scope and not blocked(cue, range(cue.end, span.start), stops):
                return gap
        if direction in ("backward", "bidirectional") and span.end <= cue.start:
            gap = cue.start - span.end
            if gap < scope and not blocked(cue, range(span.end, cue.start), stops):
                return gap
        return None


def blocked(cue: Cue, between: range, stops: dict[int, frozenset[str]]) -> bool:
    """Whether a terminator (or line break) for the cue's category lies between cue and span."""
    return any(cue.rule.category in stops.get(i, ()) for i in between)


def title_end_char(text: str) -> int:
    """End of a leading title (text before the first blank line), or 0 if there is none."""
    end = text.find("\n\n")
    return end if 0 < end <= TITLE_MAX_CHARS else 0


def promote_indication_mentions(spans: list[Span]) -> None:
    """Once a term is the document's indication or history (excluded) and never reported as
    observed, its uncued or merely possible mentions are about that same condition too."""
    labels = [span.label_ for span in spans]
    values = [[span._.status, span._.status_cue] for span in spans]
    for i in promoted_indications(labels, values):
        spans[i]._.status = "excluded"
        spans[i]._.status_cue = f"indication: {labels[i]}"


def promoted_indications(labels: list[str], values: list[list[Any]]) -> list[int]:
    """:func:`promote_indication_mentions` on plain ``[status, cue]`` pairs (updated in place);
    returns the indices of the promoted mentions."""
    excluded = {
        label
        for label, (status, cue) in zip(labels, values, strict=True)
        if status == "excluded" and cue != ELIGIBILITY_CUE
    }
    observed = {
        label
        for label, (status, cue) in zip(labels, values, strict=True)
        if status == "present" and cue
    }
    indications = excluded - observed
    promoted = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        if label not in indications:
            continue
        status, cue = value
        if status == "possible" or (status == "present" and cue is None):
            value[:] = "excluded", f"indication: {label}"
            promoted.append(i)
    return promoted


def line_break_tokens(doc: Doc, text: str, regions: list[Window]) -> list[int]:
    """Tokens inside the regions whose text holds a line break, found in the text: a token's
    trailing whitespace is at most one space, so every "\n" lies inside a token."""
    if "\n" not in text:
        return []
    starts = doc.to_array(IDX)  # token start characters, increasing
    found: list[int] = []
    for first, end in regions:
        char, stop = int(starts[first]), int(starts[end]) if end < len(starts) else len(text)
        breaks: list[int] = []
        while (char := text.find("\n", char, stop)) >= 0:
            breaks.append(char)
            char += 1
        if breaks:
            at = np.asarray(breaks, dtype=starts.dtype)
            tokens = (np.searchsorted(starts, at, side="right") - 1).tolist()
            found.extend(dict.fromkeys(tokens))
    return found


@Language.factory(
    "cv_context",
    assigns=["span._.status", "span._.status_cue"],
    default_config={
        "rules_file": CONTEXT_RULES_FILE,
        "spans_key": SPANS_KEY,
        "max_scope": 10,
        "default_status": "present",
        "use_sections": True,
        "promote_indications": True,
    },
)
def make_context_assigner(
    nlp: Language,
    name: str,
    rules_file: str,
    spans_key: str,
    max_scope: int,
    default_status: str,
    use_sections: bool,
    promote_indications: bool,
) -> ContextAssigner:
    """Build the status assigner from its rule file."""
    return ContextAssigner(
        nlp, rules_file, spans_key, max_scope, default_status, use_sections, promote_indications
    )
