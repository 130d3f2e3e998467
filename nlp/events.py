"""Thrombotic and coagulation event mentions (``cv_events``) and the spec's ``events`` list."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from cellvigil.vocabulary import keys
from nlp.fast_matching import AnchoredMatcher, sentence_starts, sentence_window
from nlp.scope import doc_text

EVENT_RULES_FILE = "nlp/event_patterns.jsonl"
SPANS_KEY = "event"
IGNORE_LABEL = "not_event"  # blocks false friends ("Stroke Scale") by out-matching them
EVENT_RULE_KEYS = frozenset({"id", "label", "pattern", "guard", "status", "keep", "note"})
ABBREVIATION_SUFFIX = "/abbreviation"
FIXED_STATUS_CUE = "event rule: "  # the rule wording carries the status: "D-dimer did not rise"

for _name in ("status", "status_cue", "status_also"):  # set here or by cv_context
    if not Span.has_extension(_name):
        Span.set_extension(_name, default=None)


class RuleError(ValueError):
    """A rule file is malformed; the message names the file, line and rule id."""


@dataclass(frozen=True)
class EventRule:
    """One event rule: a token pattern or a phrase, and optional guard words for abbreviations."""

    id: str
    label: str
    pattern: list[dict[str, Any]] | str
    guard: tuple[str, ...] = ()
    order: int = 0
    status: str | None = None  # fixed by the wording itself, e.g. a lab value that did not rise
    keep: int = 0  # if set, the mention is the first ``keep`` tokens; the rest is look-ahead


def read_rule_lines(rules_file: str) -> list[tuple[int, dict[str, Any]]]:
    """Parse a JSONL rule file (a path inside ``cellvigil.data``, or an absolute path);
    returns ``(line number, object)`` pairs."""
    path = Path(rules_file)
    source = path if path.is_absolute() else resources.files("cellvigil.data").joinpath(rules_file)
    try:
        text = source.read_text("utf-8")
    except FileNotFoundError as exc:
        raise RuleError(f"{rules_file}: rule file not found") from exc
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("//"):
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise RuleError(f"{rules_file}:{number}: not valid JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise RuleError(f"{rules_file}:{number}: a rule must be a JSON object")
        rows.append((number, row))
    if not rows:
        warnings.warn(f"{rules_file}: no rules; nothing will be matched", stacklevel=2)
    return rows


def checked_rule_rows(
    rules_file: str, allowed_keys: set[str] | frozenset[str]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``(where, row)`` per rule, once its id is a unique string and its keys are known;
    ``where`` names file, line and rule id for the caller's own checks."""
    seen: set[str] = set()
    for number, row in read_rule_lines(rules_file):
        rule_id = row.get("id")
        where = f"{rules_file}:{number} rule {rule_id!r}"
        if not isinstance(rule_id, str) or not rule_id:
            raise RuleError(f"{rules_file}:{number}: rule without an 'id'")
        if rule_id in seen:
            raise RuleError(f"{where}: duplicate id")
        unknown = set(row) - allowed_keys
        if unknown:
            raise RuleError(f"{where}: unknown keys {sorted(unknown)}")
        seen.add(rule_id)
        yield where, row


def check_pattern(pattern: Any, where: str) -> None:
    """A pattern is a non-empty phrase string or a non-empty list of token dicts."""
    if isinstance(pattern, str) and pattern.strip():
        return
    if isinstance(pattern, list) and pattern and all(isinstance(t, dict) for t in pattern):
        return
    raise RuleError(f"{where}: 'pattern' must be a phrase or a list of token patterns")


def load_event_rules(rules_file: str = EVENT_RULES_FILE) -> list[EventRule]:
    """Load and validate event rules: known keys, vocabulary labels, unique ids."""
    labels = set(keys("events")) | {IGNORE_LABEL}
    rules: list[EventRule] = []
    for where, row in checked_rule_rows(rules_file, EVENT_RULE_KEYS):
        if row.get("label") not in labels:
            raise RuleError(f"{where}: unknown label {row.get('label')!r} (not an event key)")
        check_pattern(row.get("pattern"), where)
        guard = row.get("guard", [])
        if not isinstance(guard, list) or not all(isinstance(g, str) for g in guard):
            raise RuleError(f"{where}: 'guard' must be a list of words")
        status = row.get("status")
        if status is not None and status not in keys("statuses"):
            raise RuleError(f"{where}: unknown status {status!r}")
        keep = row.get("keep", 0)
        if not isinstance(keep, int) or keep < 0:
            raise RuleError(f"{where}: 'keep' must be a number of tokens")
        guard_words = tuple(g.lower() for g in guard)
        rules.append(
            EventRule(
                row["id"], row["label"], row["pattern"], guard_words, len(rules), status, keep
            )
        )
    return rules


@dataclass(frozen=True)
class Candidate:
    """A raw match before overlaps are resolved."""

    start: int
    end: int
    rule: EventRule
    rule_id: str


class EventMatcher:
    """Find event mentions with token and phrase rules; write ``doc.spans[spans_key]``."""

    def __init__(self, nlp: Language, rules_file: str, spans_key: str, abbreviations: bool):
        self.rules_file = rules_file
        self.spans_key = spans_key
        self.abbreviations = abbreviations
        self.rules = {rule.id: rule for rule in load_event_rules(rules_file)}
        # Phrases become token rules after all others (their matches came after): a few long
        # phrases are cheaper matched near their rarest word than by a PhraseMatcher pass.
        self.matcher, self.phrases = build_matchers(
            nlp, self.rules.values(), rules_file, phrases_as_tokens=True
        )

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc)
        candidates = [
            Candidate(s, mention_end(s, e, self.rules[key]), self.rules[key], key)
            for key, s, e in matches
        ]
        unguarded = {c.rule.label for c in candidates if not c.rule.guard}
        if any(c.rule.guard and c.rule.label not in unguarded for c in candidates):
            starts = sentence_starts(doc)
            candidates = [c for c in candidates if self._guard_ok(doc, c, unguarded, starts)]
        if self.abbreviations:
            found, definitions = defined_abbreviations(doc, candidates)
            candidates = [c for c in candidates if c.start not in definitions] + found
        kept = [c for c in longest_first(candidates) if c.rule.label != IGNORE_LABEL]
        kept = drop_haemorrhagic_only_stroke(doc, kept, candidates)
        spans = []
        for cand in sorted(kept, key=lambda c: c.start):
            span = Span(doc, cand.start, cand.end, label=cand.rule.label, span_id=cand.rule_id)
            if cand.rule.status:
                span._.status = cand.rule.status
                span._.status_cue = FIXED_STATUS_CUE + cand.rule_id
            spans.append(span)
        doc.spans[self.spans_key] = spans
        return doc

    @staticmethod
    def _guard_ok(doc: Doc, cand: Candidate, unguarded_labels: set[str], starts: list[int]) -> bool:
        """An ambiguous abbreviation needs its long form in the doc or a clinical word nearby."""
        if not cand.rule.guard or cand.rule.label in unguarded_labels:
            return True
        first, end = sentence_window(starts, len(doc), cand.start)
        window = doc[first:end].text.lower()
        return any(word in window for word in cand.rule.guard)


class PatternRule(Protocol):
    """What matching needs from an event or a context rule."""

    @property
    def id(self) -> str: ...

    @property
    def pattern(self) -> list[dict[str, Any]] | str: ...


def mention_end(start: int, end: int, rule: EventRule) -> int:
    """End of the mention: a rule with ``keep`` matched look-ahead words beyond it."""
    return min(end, start + rule.keep) if rule.keep else end


def build_matchers(
    nlp: Language, rules: Iterable[PatternRule], rules_file: str, phrases_as_tokens: bool = False
) -> tuple[AnchoredMatcher, PhraseMatcher]:
    """Phrase rules go to a PhraseMatcher; token rules to a matcher that only runs near
    their anchor words. Shared with ``cv_context``. With ``phrases_as_tokens``, each phrase is
    instead a token rule of its words' lower case (what a LOWER PhraseMatcher compares), added
    after the token rules, and the PhraseMatcher stays empty."""
    matcher = AnchoredMatcher(nlp.vocab)
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    as_tokens: list[tuple[str, list[dict[str, Any]]]] = []
    for rule in rules:
        if isinstance(rule.pattern, str):
            phrase = nlp.make_doc(rule.pattern)
            if phrases_as_tokens:
                as_tokens.append((rule.id, [{"LOWER": token.lower_} for token in phrase]))
            else:
                phrases.add(rule.id, [phrase])
            continue
        try:
            matcher.add(rule.id, rule.pattern)
        except ValueError as exc:
            raise RuleError(f"{rules_file} rule {rule.id!r}: {exc}") from exc
    for key, pattern in as_tokens:
        matcher.add(key, pattern)
    return matcher, phrases


def sentence_of(doc: Doc, start: int, end: int) -> Span:
    """The sentence holding tokens ``start:end`` (the whole doc if no sentences are set)."""
    first, last = sentence_window(sentence_starts(doc), len(doc), start)
    return doc[first:last]


def longest_first(candidates: list[Candidate]) -> list[Candidate]:
    """Resolve overlaps: longer spans win, then the rule listed earlier in the file."""
    ranked = sorted(candidates, key=lambda c: (-(c.end - c.start), c.rule.order, c.start))
    taken: set[int] = set()
    kept: list[Candidate] = []
    for cand in ranked:
        if taken.isdisjoint(range(cand.start, cand.end)):
            kept.append(cand)
            taken.update(range(cand.start, cand.end))
    return kept


def looks_like_abbreviation(text: str) -> bool:
    """'PE', 'AMI', 'TE', 'VTE': 2–6 characters, mostly capitals."""
    letters = [ch for ch in text if ch.isalpha()]
    return 2 <= len(text) <= 6 and len(letters) >= 2 and sum(ch.isupper() for ch in letters) >= 2


ARTERIAL_ABBREVIATION = EventRule("at_arterial", "arterial_thrombosis", "arterial", (), -1)


def defined_abbreviations(
    doc: Doc, candidates: list[Candidate]
) -> tuple[list[Candidate], set[int]]:
    """'thromboembolism (TE)' defines TE: tag its uses, and 'arterial TE' as arterial.

    Returns the new mentions and the token positions of the definitions themselves, which
    belong to the long form's mention rather than being mentions of their own."""
    defined: dict[str, EventRule] = {}
    definitions: set[int] = set()  # the "(TE)" itself belongs to the long form's mention
    for cand in candidates:
        if cand.rule.label == IGNORE_LABEL or cand.end + 2 >= len(doc):
            continue
        if doc[cand.end].text == "(" and doc[cand.end + 2].text == ")":
            abbreviation = doc[cand.end + 1].text
            if looks_like_abbreviation(abbreviation):
                defined.setdefault(abbreviation, cand.rule)
                definitions.add(cand.end + 1)
    found: list[Candidate] = []
    if not defined:
        return found, definitions
    strings = doc.vocab.strings
    forms = [strings[form] for a in defined for form in (a, a + "s")]  # hashes; nothing added
    for i in np.flatnonzero(np.isin(doc.to_array(ORTH), forms)).tolist():
        token = doc[i]
        rule = defined.get(token.text) or defined.get(token.text.removesuffix("s"))
        if rule is None or token.i in definitions:
            continue
        start = token.i
        if (
            token.i > 0
            and doc[token.i - 1].lower_ == "arterial"
            and rule.label == "thromboembolism"
        ):
            start, rule = token.i - 1, ARTERIAL_ABBREVIATION
        found.append(Candidate(start, token.i + 1, rule, rule.id + ABBREVIATION_SUFFIX))
    return found, definitions


def drop_haemorrhagic_only_stroke(
    doc: Doc, kept: list[Candidate], candidates: list[Candidate]
) -> list[Candidate]:
    """A bare 'stroke' in a text whose strokes are all haemorrhagic is not thrombotic."""
    haemorrhagic = any(c.rule.id == "not_hemorrhagic_stroke" for c in candidates)
    if not haemorrhagic:
        return kept
    qualified = any(c.rule.label == "stroke" and c.rule.id != "stroke_bare" for c in kept)
    if qualified:
        return kept
    return [c for c in kept if c.rule.id != "stroke_bare"]


@Language.factory(
    "cv_events",
    assigns=["doc.spans"],
    default_config={"rules_file": EVENT_RULES_FILE, "spans_key": SPANS_KEY, "abbreviations": True},
)
def make_event_matcher(
    nlp: Language, name: str, rules_file: str, spans_key: str, abbreviations: bool
) -> EventMatcher:
    """Build the event matcher from its rule file."""
    return EventMatcher(nlp, rules_file, spans_key, abbreviations)


STATUS_RANK = {"present": 0, "absent": 1, "excluded": 2, "possible": 3}


def event_facts(doc: Doc, spans_key: str = SPANS_KEY) -> list[dict[str, Any]]:
    """The spec's ``events`` list: one entry per (term, status), evidence of its best mention.

    A mention with a status cue beats an uncued one, then the first mention wins. A
    ``possible`` (risk, background) is dropped when the same term is also present or
    excluded in the text: the stronger statement covers it.
    """
    group = doc.spans.get(spans_key)
    if not group:
        return []
    has_status, has_also, has_cue = (
        Span.has_extension(name) for name in ("status", "status_also", "status_cue")
    )
    best: dict[tuple[str, str], tuple[Span, str | None]] = {}  # -> (span, its cue)
    for span in group:
        underscore = span._  # read each extension once: every ``span._`` builds an object
        status = underscore.status if has_status else None
        also = underscore.status_also if has_also else None
        cue = underscore.status_cue if has_cue else None
        label = span.label_
        for each in (status or "present", *([also] if also else [])):
            held = best.get((label, each))
            if held is None or (cue and not held[1]):
                best[(label, each)] = (span, cue)
    strong = {term for term, status in best if status in ("present", "excluded")}
    starts = sentence_starts(doc)
    text = doc_text(doc)  # cached: spaCy rebuilds doc.text from every token on each call
    facts = []
    for (term, status), (span, _) in best.items():
        if status == "possible" and term in strong:
            continue
        first, last = sentence_window(starts, len(doc), span.start)
        start_char, end_char = span.start_char, span.end_char
        opening, closing = doc[first], doc[last - 1]
        mention = text[start_char:end_char]
        sentence = text[opening.idx : closing.idx + len(closing)]
        facts.append(
            {
                "term": term,
                "status": status,
                "text": mention,
                "sentence": sentence.strip(),
                "start": start_char,
                "end": end_char,
            }
        )
    return sorted(facts, key=lambda f: (f["start"], STATUS_RANK[f["status"]]))


def statuses_of(span: Span) -> list[str]:
    """A span's status ('present' if no context ran) and any contrast status."""
    status = span._.get("status") if Span.has_extension("status") else None
    also = span._.get("status_also") if Span.has_extension("status_also") else None
    return [status or "present", *([also] if also else [])]


def cue_of(span: Span) -> str | None:
    """The context cue that set a span's status, if the context component ran."""
    return span._.get("status_cue") if Span.has_extension("status_cue") else None
