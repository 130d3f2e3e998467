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
from operator import itemgetter
from typing import Any, NamedTuple

from spacy.attrs import IDX, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span

from cellvigil.vocabulary import keys
from nlp.events import (
    FIXED_STATUS_CUE,
    SPANS_KEY,
    EventMention,
    RuleError,
    StatusValues,
    build_matchers,
    check_pattern,
    checked_rule_rows,
    event_mentions,
)
from nlp.fast_matching import PhraseTrie, Window, region_lowers, sentence_window
from nlp.scope import doc_sentence_starts, doc_text, token_column
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


class Cue(NamedTuple):
    """A matched cue in a document (a tuple: a doc holds dozens, made in a loop)."""

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


class Stops:
    """What ends a cue's scope on its way to a mention: a line break (for every status) or a
    terminator cue (for its statuses). Line breaks are read from the text between the two
    tokens: a token's trailing whitespace is at most one space, so every line break lies
    inside a token, and the text from token ``a`` up to token ``b`` holds one exactly when a
    token among ``a..b-1`` does (no list of the line-break tokens is built)."""

    def __init__(self, doc: Doc, text: str, cues: list[Cue], every: frozenset[str]) -> None:
        self.doc, self.text, self.every = doc, text, every  # every status
        self.breaks = "\n" in text
        self.terminators: dict[int, frozenset[str]] = {}  # token -> statuses it stops
        for cue in cues:
            if cue.rule.direction == "terminate":
                stopped = self.terminators.get(cue.start, frozenset())
                self.terminators[cue.start] = stopped | (cue.rule.only or self.every)
        self._idx = token_column(doc, IDX).item if self.breaks else None  # a token's start

    def blocked(self, category: str, first: int, end: int) -> bool:
        """Whether a stop for ``category`` lies on tokens ``first..end-1``."""
        if first >= end:
            return False
        if self.breaks and category in self.every:
            if "\n" in self.text[self._char(first) : self._char(end)]:
                return True
        for at, stopped in self.terminators.items():
            if first <= at < end and category in stopped:
                return True
        return False

    def _char(self, token: int) -> int:
        """Start character of a token (the text's end for the end of the doc), read from the
        doc's IDX column (``nlp.scope.token_column``: no Token made)."""
        return self._idx(token) if token < len(self.doc) else len(self.text)  # type: ignore[misc]


ReachOf = tuple[int, bool, bool, str, ContextRule]


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
        self.statuses = frozenset(keys("statuses"))
        if default_status not in self.statuses:
            raise ValueError(f"cv_context default_status {default_status!r} is not a status")
        self.spans_key = spans_key
        self.max_scope = max_scope
        self.default_status = default_status
        self.use_sections = use_sections
        self.promote_indications = promote_indications
        self.rules = {rule.id: rule for rule in load_context_rules(rules_file)}
        # The cues are sorted by size and start, ties kept in rule order (a rule matches a
        # span once): the order of one rule's matches counts for nothing, any will do.
        self.matcher, self.phrases = build_matchers(
            nlp, self.rules.values(), rules_file, any_order=True
        )
        strings = nlp.vocab.strings  # phrase matches come back as the hashes of the rule ids
        self.phrase_rules = {strings[rule.id]: rule for rule in self.rules.values()}
        patterns = [
            (rule.id, nlp.make_doc(rule.pattern))
            for rule in self.rules.values()
            if isinstance(rule.pattern, str)
        ]  # as build_matchers adds them to the PhraseMatcher
        self.phrase_trie = PhraseTrie(self.phrases, patterns, self.rules)
        self._reach_for: tuple[int, dict[str, ReachOf]] | None = None

    def __call__(self, doc: Doc) -> Doc:
        mentions = event_mentions(doc, self.spans_key)
        if not mentions:
            return doc
        starts = doc_sentence_starts(doc)
        sentences = [sentence_window(starts, len(doc), m.start) for m in mentions]
        regions = sorted(set(sentences))  # cues only count inside a mention's sentence
        cues = self.find_cues(doc, mentions, regions)
        text = doc_text(doc)  # cached: spaCy rebuilds doc.text from every token
        stops = Stops(doc, text, cues, self.statuses)
        grouped = cues_by_region(cues, regions)
        kinds = self.section_kinds(text, mentions)
        values = StatusValues(doc, self.spans_key, mentions)
        # every value is read before any is written, as the decisions below read them
        statuses, status_cues = values.all("status"), values.all("status_cue")
        current = [list(pair) for pair in zip(statuses, status_cues, strict=True)]
        chars = TokenChars(text, doc)
        for i, (mention, sentence, kind) in enumerate(zip(mentions, sentences, kinds, strict=True)):
            if (current[i][1] or "").startswith(FIXED_STATUS_CUE):
                continue  # the event rule's own wording decided ("D-dimer did not rise")
            strong, weak, contrasts = grouped[sentence]
            status, cue = self.assign(mention, sentence, (strong, weak), stops, kind, chars)
            current[i][:] = status, cue
            values.set(i, "status", status)
            values.set(i, "status_cue", cue)
            also = self.deciding_cue(mention, sentence, contrasts, stops) if contrasts else None
            if also is not None and also.rule.category != status and kind != "eligibility":
                values.set(i, "status_also", also.rule.category)
        if self.promote_indications:
            labels = [m.label for m in mentions]
            for i in promoted_indications(labels, current):
                values.set(i, "status", "excluded")
                values.set(i, "status_cue", f"indication: {labels[i]}")
        return doc

    def section_kinds(self, text: str, mentions: list[EventMention]) -> list[str]:
        """The kind of section each mention sits in ("title" for the leading title; "body"
        when sections are not used)."""
        last = max(m.start_char for m in mentions)  # headers after it decide nothing
        sections = find_sections(text, last) if self.use_sections else None
        title_end = title_end_char(text)
        kinds = []
        for mention in mentions:
            kind = sections.kind_at(mention.start_char) if sections else "body"
            kinds.append("title" if mention.start_char < title_end else kind)
        return kinds

    def find_cues(self, doc: Doc, mentions: list[EventMention], regions: list[Window]) -> list[Cue]:
        """Cues outside event spans, inside the given sentences. A cue inside a longer cue is
        dropped ("prior" in "prior studies", "no" in the pseudo-trigger "no significant
        difference"); cues that only partly overlap ("a risk" / "risk of") are both kept."""
        rules = self.rules
        found = [(rules[key], s, e) for key, s, e in self.matcher(doc, regions)]
        # The phrase matches inside each region, in order: those a PhraseMatcher finds in the
        # region (see :class:`PhraseTrie`), which are those it finds in the whole doc that lie
        # inside the region.
        lowers, phrases = region_lowers(doc, token_column(doc, LOWER), regions), self.phrase_trie
        for first, end in regions:
            found.extend(phrases(lowers, first, end))
        in_events = {i for m in mentions for i in range(m.start, m.end)}
        width = len(doc) + 1  # longest first, then leftmost (a stable sort: ties keep order)
        found.sort(key=lambda match: (match[1] - match[2]) * width + match[1])
        cues: list[Cue] = []
        longer: list[tuple[int, int]] = []  # kept cues of several tokens: only these hold others
        covered: set[int] = set()  # their tokens: a one-token cue there is inside a longer one
        for rule, s, e in found:
            if e - s == 1:
                if s not in in_events and s not in covered:
                    cues.append(Cue(s, e, rule))
            elif in_events.isdisjoint(range(s, e)) and not any(
                a <= s and e <= b and b - a > e - s for a, b in longer
            ):
                cues.append(Cue(s, e, rule))
                longer.append((s, e))
                covered.update(range(s, e))
        return sorted(cues, key=itemgetter(0))  # by start

    def assign(
        self,
        mention: EventMention,
        sentence: Window,
        cues: tuple[list[Cue], list[Cue]],
        stops: Stops,
        section: str,
        chars: TokenChars,
    ) -> tuple[str, str | None]:
        """Status of one mention: eligibility section, then the nearest cue of the first
        category in ``CATEGORY_PRIORITY`` that reaches it (a weak cue only when no strong one
        does), then the section default."""
        if section == "eligibility":
            return "excluded", ELIGIBILITY_CUE
        cue = None
        for some in cues:  # strong, then weak
            if not some:  # (no cue decides)
                continue
            if section == "title":  # a title names a topic; findings are read from the text
                some = [c for c in some if c.rule.category != "present"]
            cue = self.deciding_cue(mention, sentence, some, stops)
            if cue is not None:
                break
        if cue is not None:
            return cue.rule.category, f"{cue.rule.id}: {chars.text_of(cue)}"
        if section in ("background", "objective", "title"):
            return "possible", None
        if section == "indication":
            return "excluded", "section: indication"
        return self.default_status, None

    def deciding_cue(
        self, mention: EventMention, sentence: Window, cues: list[Cue], stops: Stops
    ) -> Cue | None:
        """The nearest in-sentence cue reaching the mention (the first of the nearest), of the
        highest-priority category."""
        nearest: dict[str, tuple[int, Cue]] = {}  # category -> (gap, cue)
        first, end = sentence
        start, stop = mention.start, mention.end
        held_reach, blocked = self._reach_for, stops.blocked
        reach = held_reach[1] if held_reach and held_reach[0] == self.max_scope else self._reach()
        for cue in cues:  # :meth:`distance`, inline
            if cue.start >= first and cue.end <= end:
                rule = cue.rule
                known = reach.get(rule.id)
                if known is None or known[4] is not rule:  # not one of this assigner's rules
                    known = self._reach_of(rule)
                scope, forward, backward, category, _ = known
                if forward and cue.end <= start:
                    gap = start - cue.end
                    if gap >= scope or blocked(category, cue.end, start):
                        continue
                elif backward and stop <= cue.start:
                    gap = cue.start - stop
                    if gap >= scope or blocked(category, stop, cue.start):
                        continue
                else:
                    continue
                held = nearest.get(category)
                if held is None or gap < held[0]:
                    nearest[category] = gap, cue
        if nearest:
            for category in CATEGORY_PRIORITY:
                if category in nearest:
                    return nearest[category][1]
        return None

    def _reach(self) -> dict[str, ReachOf]:
        """Per rule id, what :meth:`distance` reads of the rule (see :meth:`_reach_of`), for
        the current ``max_scope`` (keyed by id: a frozen dataclass hashes every field)."""
        if self._reach_for is None or self._reach_for[0] != self.max_scope:
            reach = {rule.id: self._reach_of(rule) for rule in self.rules.values()}
            self._reach_for = (self.max_scope, reach)
        return self._reach_for[1]

    def _reach_of(self, rule: ContextRule) -> ReachOf:
        """(scope, looks forward, looks backward, category, the rule itself)."""
        forward = rule.direction in ("forward", "bidirectional")
        backward = rule.direction in ("backward", "bidirectional")
        return rule.max_scope or self.max_scope, forward, backward, rule.category, rule

    def distance(self, cue: Cue, mention: EventMention, stops: Stops) -> int | None:
        """Tokens between cue and mention if the cue's scope reaches it, else None."""
        scope = cue.rule.max_scope or self.max_scope
        direction, category = cue.rule.direction, cue.rule.category
        if direction in ("forward", "bidirectional") and cue.end <= mention.start:
            gap = mention.start - cue.end
            if gap < scope and not stops.blocked(category, cue.end, mention.start):
                return gap
        if direction in ("backward", "bidirectional") and mention.end <= cue.start:
            gap = cue.start - mention.end
            if gap < scope and not stops.blocked(category, mention.end, cue.start):
                return gap
        return None


def cues_by_region(
    cues: list[Cue], regions: list[Window]
) -> dict[Window, tuple[list[Cue], list[Cue], list[Cue]]]:
    """Per region (a mention's sentence), its status cues in text order: plain ones, strong
    and weak (consulted only when no strong one reaches), and contrast ones."""
    grouped: dict[Window, tuple[list[Cue], list[Cue], list[Cue]]] = {
        region: ([], [], []) for region in regions
    }
    bounds = [first for first, _ in regions]
    for cue in cues:
        rule = cue.rule
        if rule.direction not in CONTROL_CATEGORIES:
            strong, weak, contrasts = grouped[regions[bisect.bisect_right(bounds, cue.start) - 1]]
            (contrasts if rule.contrast else weak if rule.weak else strong).append(cue)
    return grouped


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
