"""Thrombotic and coagulation event mentions (``cv_events``) and the spec's ``events`` list."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.tokens.underscore import Underscore
from spacy.vocab import Vocab

from cellvigil.vocabulary import keys
from nlp.fast_matching import AnchoredMatcher, sentence_window
from nlp.scope import doc_memo, doc_sentence_starts, doc_text, sentence_starts

EVENT_RULES_FILE = "nlp/event_patterns.jsonl"
SPANS_KEY = "event"
IGNORE_LABEL = "not_event"  # blocks false friends ("Stroke Scale") by out-matching them
EVENT_RULE_KEYS = frozenset({"id", "label", "pattern", "guard", "status", "keep", "note"})
ABBREVIATION_SUFFIX = "/abbreviation"
FIXED_STATUS_CUE = "event rule: "  # the rule wording carries the status: "D-dimer did not rise"

STATUS_NAMES = ("status", "status_cue", "status_also")
for _name in STATUS_NAMES:  # set here or by cv_context
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


class Candidate(NamedTuple):
    """A raw match before overlaps are resolved (a tuple: made for every match)."""

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
        # Only the set of one rule's matches counts here, not their order (the first rule to
        # define an abbreviation wins, and mentions are then sorted): any order will do.
        self.matcher, self.phrases = build_matchers(
            nlp, self.rules.values(), rules_file, phrases_as_tokens=True, any_order=True
        )
        # The ids of the labels and span ids a mention can get: a Span given strings looks
        # them up in the string store each time.
        names = {ARTERIAL_ABBREVIATION.label, ARTERIAL_ABBREVIATION.id + ABBREVIATION_SUFFIX}
        for rule in self.rules.values():
            names.update((rule.label, rule.id, rule.id + ABBREVIATION_SUFFIX))
        self.string_ids = {name: nlp.vocab.strings.add(name) for name in names}

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc)
        if not matches:  # most documents: nothing to resolve
            doc.spans[self.spans_key] = []  # (an empty group needs no mentions noted)
            return doc
        rules, candidates = self.rules, []
        for key, s, e in matches:
            rule = rules[key]
            # a rule with ``keep`` matched look-ahead words beyond the mention
            candidates.append(Candidate(s, min(e, s + rule.keep) if rule.keep else e, rule, key))
        unguarded = {c.rule.label for c in candidates if not c.rule.guard}
        if any(c.rule.guard and c.rule.label not in unguarded for c in candidates):
            starts = doc_sentence_starts(doc)
            candidates = [c for c in candidates if self._guard_ok(doc, c, unguarded, starts)]
        if self.abbreviations:
            found, definitions = defined_abbreviations(doc, candidates)
            candidates = [c for c in candidates if c.start not in definitions] + found
        kept = [c for c in longest_first(candidates) if c.rule.label != IGNORE_LABEL]
        kept = drop_haemorrhagic_only_stroke(doc, kept, candidates)
        spans, mentions = [], []
        ids = self.string_ids
        for cand in sorted(kept, key=itemgetter(0)):  # by start
            label = cand.rule.label
            span = Span(doc, cand.start, cand.end, label=ids[label], span_id=ids[cand.rule_id])
            if cand.rule.status:
                span._.status = cand.rule.status
                span._.status_cue = FIXED_STATUS_CUE + cand.rule_id
            spans.append(span)
            mentions.append(
                EventMention(cand.start, cand.end, span.start_char, span.end_char, label)
            )
        doc.spans[self.spans_key] = spans
        remember_mentions(doc, self.spans_key, mentions)
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


def build_matchers(
    nlp: Language,
    rules: Iterable[PatternRule],
    rules_file: str,
    phrases_as_tokens: bool = False,
    any_order: bool = False,
) -> tuple[AnchoredMatcher, PhraseMatcher]:
    """Phrase rules go to a PhraseMatcher; token rules to a matcher that only runs near
    their anchor words. Shared with ``cv_context``. With ``phrases_as_tokens``, each phrase is
    instead a token rule of its words' lower case (what a LOWER PhraseMatcher compares), added
    after the token rules, and the PhraseMatcher stays empty. With ``any_order``, the matches
    of one rule may come in any order (see :class:`AnchoredMatcher`)."""
    matcher = AnchoredMatcher(nlp.vocab, any_order=any_order)
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


OPENING, CLOSING = hash_string("("), hash_string(")")  # the ORTH ids of the brackets
ARTERIAL_ABBREVIATION = EventRule("at_arterial", "arterial_thrombosis", "arterial", (), -1)


def defined_abbreviations(
    doc: Doc, candidates: list[Candidate]
) -> tuple[list[Candidate], set[int]]:
    """'thromboembolism (TE)' defines TE: tag its uses, and 'arterial TE' as arterial.

    Returns the new mentions and the token positions of the definitions themselves, which
    belong to the long form's mention rather than being mentions of their own."""
    defined: dict[str, EventRule] = {}
    definitions: set[int] = set()  # the "(TE)" itself belongs to the long form's mention
    length = len(doc)
    for cand in candidates:  # a few tokens read: no list of the doc's ORTH ids is made
        end = cand.end
        if cand.rule.label == IGNORE_LABEL or end + 2 >= length:
            continue
        if doc[end].orth == OPENING and doc[end + 2].orth == CLOSING:
            abbreviation = doc[end + 1].text
            if looks_like_abbreviation(abbreviation):
                defined.setdefault(abbreviation, cand.rule)
                definitions.add(end + 1)
    found: list[Candidate] = []
    if not defined:
        return found, definitions
    for i in tokens_spelled(doc, [form for a in defined for form in (a, a + "s")]):
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


def tokens_spelled(doc: Doc, spellings: list[str]) -> list[int]:
    """The tokens whose text is one of ``spellings``, in order: each such token's text is in
    the doc's text where the token starts, so each place a spelling occurs is tried as a
    token (``Doc.char_span``, a binary search), with no walk over the tokens."""
    text, found = doc_text(doc), set()
    for spelling in spellings:
        at = text.find(spelling) if spelling else -1
        while at >= 0:
            span = doc.char_span(at, at + len(spelling))
            if span is not None and len(span) == 1:
                found.add(span.start)
            at = text.find(spelling, at + 1)
    return sorted(found)


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


class EventMention(NamedTuple):
    """What the status and fact steps read of an event Span: a Span re-made from its group
    costs two Tokens and a string look-up for its label."""

    start: int
    end: int
    start_char: int
    end_char: int
    label: str


MENTIONS_MEMO = "event_mentions"


def remember_mentions(doc: Doc, spans_key: str, mentions: list[EventMention]) -> None:
    """Keep the mentions of the span group just written, with the group they describe."""
    doc_memo(doc)[(MENTIONS_MEMO, spans_key)] = (doc.spans[spans_key], mentions)


def event_mentions(doc: Doc, spans_key: str) -> list[EventMention]:
    """The mentions of span group ``spans_key``: as ``cv_events`` noted them while the group is
    still the one it wrote, else read from the group's Spans."""
    group = doc.spans.data.get(spans_key)  # SpanGroups is a UserDict: one look-up, not two
    if not group:
        return []
    noted = doc_memo(doc).get((MENTIONS_MEMO, spans_key))
    if noted is not None and noted[0] is group and len(noted[1]) == len(group):
        return noted[1]
    return [EventMention(s.start, s.end, s.start_char, s.end_char, s.label_) for s in group]


@cache
def underscore_layout_known() -> bool:
    """Whether spaCy keeps a plain span extension's value in ``doc.user_data`` under
    ``("._.", name, start_char, end_char)``, tried once on a scratch Doc (the ``status``
    extension must be plain when this is first called)."""
    doc = Doc(Vocab(), words=["probe", "span"])
    span = doc[1:2]
    span._.status = "probe"
    return doc.user_data == {("._.", "status", span.start_char, span.end_char): "probe"}


_DEFAULTS_READ: list[Any] = [None, None]  # (the extensions last read, the answer)


def plain_status_defaults() -> dict[str, Any] | None:
    """Each status extension's default when all are plain values (no getter, setter, method or
    mutable default) kept where :func:`underscore_layout_known` says; else None. Read again
    only when an extension was registered anew (the answer is kept with the entries read)."""
    extensions = tuple(map(Underscore.span_extensions.get, STATUS_NAMES))
    seen = _DEFAULTS_READ[0]
    if seen is not None and all(a is b for a, b in zip(seen, extensions, strict=True)):
        return _DEFAULTS_READ[1]  # type: ignore[no-any-return]
    found = read_status_defaults()
    _DEFAULTS_READ[:] = extensions, found
    return found


def read_status_defaults() -> dict[str, Any] | None:
    """:func:`plain_status_defaults`, read from the registered extensions."""
    defaults: dict[str, Any] = {}
    for name in STATUS_NAMES:
        extension = Span.get_extension(name)
        if extension is None:
            return None
        default, method, getter, setter = extension
        if method or getter or setter or isinstance(default, Underscore.mutable_types):
            return None
        defaults[name] = default
    return defaults if underscore_layout_known() else None


FEW_ENTRIES = 16  # user data up to which a look through it beats a look-up per mention


class StatusValues:
    """``span._.status`` (and ``status_cue``, ``status_also``) of a doc's event mentions, read
    and written straight in ``doc.user_data`` where spaCy keeps them: each ``span._`` builds an
    object. Through the group's Spans when the extensions are not plain values."""

    def __init__(self, doc: Doc, spans_key: str, mentions: list[EventMention]) -> None:
        self.doc, self.spans_key, self.mentions = doc, spans_key, mentions
        self.user_data = doc.user_data
        self.defaults = plain_status_defaults()
        self._spans: list[Span] | None = None

    def get(self, index: int, name: str) -> Any:
        """The value of extension ``name`` of mention ``index`` (None if not registered)."""
        if self.defaults is None:
            return getattr(self._span(index)._, name) if Span.has_extension(name) else None
        mention = self.mentions[index]
        key = ("._.", name, mention.start_char, mention.end_char)
        return self.user_data.get(key, self.defaults[name])

    def all(self, name: str) -> list[Any]:
        """The value of extension ``name`` of every mention, in order."""
        if self.defaults is None:
            return [self.get(index, name) for index in range(len(self.mentions))]
        user_data, default = self.user_data, self.defaults[name]
        if len(user_data) <= FEW_ENTRIES and not any(
            type(key) is tuple and len(key) == 4 and key[0] == "._." and key[1] == name
            for key in user_data
        ):  # no mention has a value yet (a doc's user data holds a few entries, if any)
            return [default] * len(self.mentions)
        return [
            user_data.get(("._.", name, m.start_char, m.end_char), default) for m in self.mentions
        ]

    def set(self, index: int, name: str, value: Any) -> None:
        """Set extension ``name`` of mention ``index``."""
        if self.defaults is None:
            setattr(self._span(index)._, name, value)
            return
        mention = self.mentions[index]
        self.user_data[("._.", name, mention.start_char, mention.end_char)] = value

    def _span(self, index: int) -> Span:
        if self._spans is None:
            self._spans = list(self.doc.spans[self.spans_key])
        return self._spans[index]


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
    mentions = event_mentions(doc, spans_key)
    if not mentions:
        return []
    values = StatusValues(doc, spans_key, mentions)
    best: dict[tuple[str, str], tuple[EventMention, str | None]] = {}  # -> (mention, its cue)
    statuses, alsos = values.all("status"), values.all("status_also")
    cues = values.all("status_cue")
    for mention, status, also, cue in zip(mentions, statuses, alsos, cues, strict=True):
        label = mention.label
        for each in (status or "present", *([also] if also else [])):
            held = best.get((label, each))
            if held is None or (cue and not held[1]):
                best[(label, each)] = (mention, cue)
    strong = {term for term, status in best if status in ("present", "excluded")}
    starts = doc_sentence_starts(doc)
    text = doc_text(doc)  # cached: spaCy rebuilds doc.text from every token on each call
    facts = []
    for (term, status), (mention, _) in best.items():
        if status == "possible" and term in strong:
            continue
        first, last = sentence_window(starts, len(doc), mention.start)
        start_char, end_char = mention.start_char, mention.end_char
        opening, closing = doc[first], doc[last - 1]
        facts.append(
            {
                "term": term,
                "status": status,
                "text": text[start_char:end_char],
                "sentence": text[opening.idx : closing.idx + len(closing)].strip(),
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
