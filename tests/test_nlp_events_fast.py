"""The fast paths of cv_events and cv_context give what the plain ones give: words read by their
LOWER ids, the anchor table, the Python step matcher, the phrase trie, the abbreviation and
section shortcuts. Each is compared with a plain spaCy Matcher / PhraseMatcher or the previous
code, on the real documents of the shared folder and on generated texts."""

from __future__ import annotations

import bisect
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shared_documents import pipeline_text, shared_records
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span

import nlp.sentences  # noqa: F401  (registers cv_sentences)
from nlp.context import Cue, load_context_rules
from nlp.events import (
    STATUS_NAMES,
    StatusValues,
    event_facts,
    event_mentions,
    load_event_rules,
    plain_status_defaults,
    read_status_defaults,
    tokens_spelled,
)
from nlp.fast_matching import AnchoredMatcher, PhraseTrie, region_lowers, sentence_window
from nlp.pipeline import events_nlp
from nlp.scope import doc_sentence_starts, sentence_starts, token_column
from nlp.sections import HEADER_RE, INLINE_HEADER_RE, SECTION_KINDS, find_sections, run_in_marks
from nlp.word_tests import CHOOSE_AT, caseless, regex_words

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _texts(shared: Path) -> list[str]:
    """Title and text of every gold and snapshot document (``shared``: skip when absent)."""
    return [pipeline_text(record) for record in shared_records()]


@pytest.fixture(scope="module")
def texts(shared: Path) -> list[str]:
    return _texts(shared)


@pytest.fixture(scope="module")
def pipe() -> Language:
    nlp = spacy.blank("en")
    nlp.add_pipe("cv_sentences")
    return nlp


@pytest.fixture(scope="module")
def docs(pipe: Language, texts: list[str]) -> list[Doc]:
    return [pipe(text) for text in texts]


def _token_rules() -> list[tuple[str, list[dict[str, Any]]]]:
    """Every token rule of cv_events (its phrases as token rules too) and of cv_context."""
    nlp = spacy.blank("en")
    rules = []
    for rule in load_event_rules():
        if isinstance(rule.pattern, str):
            rules.append((rule.id, [{"LOWER": t.lower_} for t in nlp.make_doc(rule.pattern)]))
        else:
            rules.append((rule.id, rule.pattern))
    rules += [(r.id, r.pattern) for r in load_context_rules() if not isinstance(r.pattern, str)]
    return rules


def _matchers(vocab: Any, rules: list[tuple[str, list[dict[str, Any]]]], any_order: bool):
    plain, anchored = Matcher(vocab), AnchoredMatcher(vocab, any_order=any_order)
    for key, pattern in rules:
        plain.add(key, [pattern])
        anchored.add(key, pattern)
    return plain, anchored


def _plain(doc: Doc, matcher: Matcher, regions: list[tuple[int, int]] | None = None) -> set:
    found = {(doc.vocab.strings[k], s, e) for k, s, e in matcher(doc)}
    if regions is None:
        return found
    return {m for m in found if any(a <= m[1] and m[2] <= b for a, b in regions)}


def _in_rule_order(found: list[tuple[str, int, int]], order: dict[str, int]) -> bool:
    """The matches come rule by rule, in the order the rules were added."""
    indices = [order[key] for key, _, _ in found]
    return indices == sorted(indices)


# --- word tests read by their lower case ------------------------------------------------------

RULE_REGEXES = sorted(
    {
        json.loads(match)
        for name in ("event_patterns.jsonl", "context_rules.jsonl")
        for match in re.findall(
            r'"REGEX": ("(?:[^"\\]|\\.)*")',
            (Path(__file__).parents[1] / "data" / "nlp" / name).read_text("utf-8"),
        )
    }
)
EDGE_REGEXES = [
    r"^a$|^b\Z",
    r"^(x|yz){1,2}$",
    r"^[a-c]d?$",
    r"^(?:ab)?c$",
    r"^pro-?(a|b)$",
    r"^(?:ab|c)(?:de)?$",
    r"^x{0,3}$",
    r"\Aab\Z",
]


@pytest.mark.parametrize("pattern", RULE_REGEXES + EDGE_REGEXES)
def test_fast_regex_words_list_every_string_the_regex_accepts(pattern: str) -> None:
    words = regex_words(pattern)
    if words is None:
        pytest.skip("not a finite regex")
    regex = re.compile(pattern)

    @SETTINGS
    @given(st.from_regex(regex))
    def accepted(text: str) -> None:
        assert regex.search(text) is None or text in words

    accepted()
    assert all(regex.search(word) for word in words)  # no lookaround: exactly those


def test_fast_regex_words_read_lookarounds_as_accepting() -> None:
    assert regex_words(r"^(?=a)ab$") == {"ab", "ab\n"}  # a superset: a lookahead may reject
    assert regex_words(r"^a(?!b)[bc]$") == {"ab", "ac", "ab\n", "ac\n"}
    assert not re.search(r"^a(?!b)[bc]$", "ab")


@pytest.mark.parametrize(
    "pattern", ["a", "^a", "a$", r"^a+$", r"^[^a]$", r"(?i)^a$", r"^\w$", r"^.$", r"^(?i:a)$"]
)
def test_fast_regex_words_give_up_where_the_words_are_many_or_unknown(pattern: str) -> None:
    assert regex_words(pattern) is None


def test_fast_caseless_words_are_the_only_ones_of_their_lower_case() -> None:
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        lowered = char.lower()
        if lowered != char:  # a character that lower-cases to another: never to a caseless one
            assert not any(caseless(c) for c in lowered), hex(code)
    assert all(caseless(w) for w in ["-", "\u2013", "\u2014", ":", "(", "12", "'", "--"])
    assert not any(caseless(w) for w in ["PE", "pe", "'s", "\u2170", "\u24d0", "i\u0307"])


def test_fast_lower_masks_decide_lower_tests_and_bound_text_tests(docs: list[Doc]) -> None:
    vocab = docs[0].vocab
    _, anchored = _matchers(vocab, _token_rules(), any_order=True)
    tests, cased = anchored.masks.tests, anchored.masks.tests.cased
    words = {token.text for doc in docs for token in doc}
    words |= {"PE", "Pe", "pE", "pe", "PEs", "DVT", "dvt", "\u0130", "\u03a3\u0391", "\u212a"}
    words |= {"-", "\u2013", "'S", "'s", "Thrombosis", "THROMBI", "Micro-Thrombi", "number"}
    for word in words:
        exact, read = tests.mask(word), tests.lower_mask(word.lower())
        assert exact & ~read == 0, word  # every test the word passes is listed
        assert (exact ^ read) & ~cased == 0, word  # and exactly, but for the cased ones


# --- the anchored matcher against a plain Matcher --------------------------------------------


@pytest.mark.parametrize("any_order", [False, True])
def test_fast_anchored_matcher_equals_plain_matcher_on_the_corpus(
    docs: list[Doc], any_order: bool
) -> None:
    rules = _token_rules()
    order = {key: i for i, (key, _) in enumerate(rules)}
    plain, anchored = _matchers(docs[0].vocab, rules, any_order)
    previous = AnchoredMatcher(docs[0].vocab)  # the previous design: ORTH ids, a flag
    previous._lowers = lambda doc: None  # type: ignore[method-assign]
    for key, pattern in rules:
        previous.add(key, pattern)
    assert len(docs) > CHOOSE_AT[-1]
    for rounds in range(2):  # the second round with the anchors chosen
        for doc in docs:
            found = anchored(doc)
            assert set(found) == _plain(doc, plain), doc.text[:80]
            assert _in_rule_order(found, order)
            earlier = previous(doc)
            assert (found if not any_order else set(found)) == (
                earlier if not any_order else set(earlier)
            )
            starts = sentence_starts(doc)
            regions = [sentence_window(starts, len(doc), s) for s in starts[rounds::3]]
            found = anchored(doc, regions)
            assert set(found) == _plain(doc, plain, regions), doc.text[:80]
            if not any_order:
                assert found == previous(doc, regions)
    assert anchored._table is not None and previous._flag is not None
    assert not any_order or any(rule.steps for rule in anchored.rules)


STEP_RULES = [
    ("optional_ends", [{"LOWER": "a", "OP": "?"}, {"LOWER": "b"}, {"LOWER": "c", "OP": "?"}]),
    ("wildcards", [{"LOWER": "x"}, {"IS_ALPHA": True, "OP": "{0,3}"}, {"LOWER": "y"}]),
    ("not_punct", [{"LOWER": "b"}, {"IS_PUNCT": False, "OP": "{0,2}"}, {"LOWER": "d"}]),
    ("repeated_anchor", [{"LOWER": "q", "OP": "{1,2}"}, {"LOWER": "b", "OP": "?"}]),
    ("exact_count", [{"LOWER": {"IN": ["a", "x"]}, "OP": "{2}"}, {"LOWER": "y"}]),
    ("not_in", [{"LOWER": "d"}, {"LOWER": {"NOT_IN": ["a", "b"]}}, {"LOWER": "x"}]),
    ("cased", [{"ORTH": {"IN": ["PE", "Pe"]}}, {"ORTH": "-", "OP": "?"}, {"LOWER": "x"}]),
    (
        "regex",  # (a required test lists its words: the anchors are read through the table)
        [
            {"TEXT": "Q"},
            {"LOWER": {"REGEX": "^y+$"}, "OP": "?"},
            {"LIKE_NUM": True, "OP": "?"},
            {"LOWER": {"REGEX": "^(d|x)$"}},
        ],
    ),
    ("two_keys", [{"LOWER": "b", "IS_LOWER": True}, {"ORTH": {"IN": ["\u2013", "-"]}}]),
    ("wide", [{"LOWER": "c"}, {"OP": "{0,4}"}, {"LOWER": {"IN": ["d", "x"]}}]),
    # words that are spaCy symbols: their string ids are small numbers, not hashes
    ("symbol", [{"LOWER": {"IN": ["number", "person"]}}, {"LOWER": "of", "OP": "?"}]),
    ("symbol_alone", [{"LOWER": "noun"}]),
]
ALPHABET = [
    *"abcdxyq",
    "B",
    "Y",
    "yy",
    "Q",
    "PE",
    "Pe",
    "pe",
    "-",
    "\u2013",
    ",",
    ".",
    "12",
    "(",
    "Number",
    "of",
    "person",
    "NOUN",
]


@pytest.fixture(scope="module")
def step_matchers() -> tuple[Any, Matcher, AnchoredMatcher]:
    nlp = spacy.blank("en")
    rules = STEP_RULES + [r for r in _token_rules() if r[0].startswith(("pe_", "dvt_", "ca_"))]
    plain, anchored = _matchers(nlp.vocab, rules, any_order=True)
    assert all(rule.steps is not None for rule in anchored.rules if not rule.fixed)
    return nlp, plain, anchored


@SETTINGS
@given(
    st.lists(
        st.one_of(st.sampled_from(ALPHABET), st.sampled_from(["deep", "vein", "thrombosis"])),
        max_size=24,
    )
)
def test_fast_step_matcher_equals_the_matcher_on_generated_tokens(
    step_matchers: tuple[Any, Matcher, AnchoredMatcher], words: list[str]
) -> None:
    nlp, plain, anchored = step_matchers
    doc = Doc(nlp.vocab, words=words)
    assert set(anchored(doc)) == _plain(doc, plain), words
    if len(doc) > 4:
        regions = [(1, len(doc) // 2), (len(doc) // 2 + 1, len(doc))]
        assert set(anchored(doc, regions)) == _plain(doc, plain, regions), words


def test_fast_step_matcher_past_learning(step_matchers: tuple[Any, Matcher, AnchoredMatcher]):
    nlp, plain, anchored = step_matchers
    for i in range(CHOOSE_AT[-1] + 40):
        words = [ALPHABET[(i * 7 + k * k) % len(ALPHABET)] for k in range(i % 19)]
        doc = Doc(nlp.vocab, words=words)
        assert set(anchored(doc)) == _plain(doc, plain), words
    assert anchored._table is not None


# --- the phrase trie against the PhraseMatcher ------------------------------------------------


@pytest.fixture(scope="module")
def phrases() -> tuple[Any, PhraseMatcher, PhraseTrie, dict[str, Any]]:
    nlp = spacy.blank("en")
    rules = {r.id: r for r in load_context_rules() if isinstance(r.pattern, str)}
    patterns = [(key, nlp.make_doc(rule.pattern)) for key, rule in rules.items()]
    extra = {"twin_a": "may be", "twin_b": "may be", "twin_c": "may be", "long": "may be a risk"}
    patterns += [(key, nlp.make_doc(text)) for key, text in extra.items()]
    values: dict[str, Any] = {**rules, **{key: key for key in extra}}
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for key, pattern in patterns:
        matcher.add(key, [pattern])
    return nlp, matcher, PhraseTrie(matcher, patterns, values), values


def _phrase_matches(matcher: PhraseMatcher, doc: Doc, first: int, end: int, values: dict):
    strings = doc.vocab.strings
    return [(values[strings[k]], s, e) for k, s, e in matcher(doc[first:end])]


def test_fast_phrase_trie_equals_the_phrase_matcher_on_the_corpus(phrases, texts) -> None:
    nlp, matcher, trie, values = phrases
    for text in texts:
        doc = nlp(text)
        lowers = token_column(doc, spacy.attrs.LOWER).tolist()
        starts = sentence_starts(doc)
        for first, end in [(0, len(doc)), *(sentence_window(starts, len(doc), s) for s in starts)]:
            assert trie(lowers, first, end) == _phrase_matches(matcher, doc, first, end, values)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(["may", "be", "a", "risk", "can", "might", "is", "no", "not", "of", "X"]),
        max_size=16,
    ),
    st.data(),
)
def test_fast_phrase_trie_equals_the_phrase_matcher_on_generated_tokens(
    phrases, words: list[str], data: st.DataObject
) -> None:
    nlp, matcher, trie, values = phrases
    doc = Doc(nlp.vocab, words=words)
    first = data.draw(st.integers(0, len(doc)))
    end = data.draw(st.integers(first, len(doc)))
    lowers = region_lowers(doc, token_column(doc, spacy.attrs.LOWER), [(first, end)])
    assert lowers is not None
    expected = _phrase_matches(matcher, doc, first, end, values) if end > first else []
    assert trie(lowers, first, end) == expected


# --- cv_context: cues, stops, sections, status defaults ---------------------------------------


@pytest.fixture(scope="module")
def events_pipe() -> Language:
    return events_nlp()


def _previous_find_cues(assigner: Any, doc: Doc, mentions: list, regions: list) -> list[Cue]:
    """find_cues as it was: a PhraseMatcher over each run of adjacent regions."""
    rules, phrase_rules = assigner.rules, assigner.phrase_rules
    found = [(rules[key], s, e) for key, s, e in assigner.matcher(doc, regions)]
    runs: list[tuple[int, int]] = []
    for first, end in regions:
        if runs and runs[-1][1] == first:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((first, end))
    bounds = [first for first, _ in regions]
    for first, end in runs:
        for key, s, e in assigner.phrases(doc[first:end]):
            if e <= regions[bisect.bisect_right(bounds, s) - 1][1]:
                found.append((phrase_rules[key], s, e))
    in_events = {i for m in mentions for i in range(m.start, m.end)}
    raw = [Cue(s, e, rule) for rule, s, e in found if in_events.isdisjoint(range(s, e))]
    width = len(doc) + 1
    raw.sort(key=lambda c: (c.start - c.end) * width + c.start)
    cues: list[Cue] = []
    longer: list[Cue] = []
    covered: set[int] = set()
    for cue in raw:
        size = cue.end - cue.start
        if size == 1:
            if cue.start not in covered:
                cues.append(cue)
        elif not any(
            k.start <= cue.start and cue.end <= k.end and k.end - k.start > size for k in longer
        ):
            cues.append(cue)
            longer.append(cue)
            covered.update(range(cue.start, cue.end))
    return sorted(cues, key=lambda c: c.start)


def test_fast_find_cues_equals_the_phrase_matcher_version(events_pipe, texts) -> None:
    assigner = events_pipe.get_pipe("cv_context")
    checked = 0
    for rounds in range(2):  # the second with the anchors chosen
        for text in texts:
            doc = events_pipe(text)
            mentions = event_mentions(doc, "event")
            if not mentions:
                continue
            starts = doc_sentence_starts(doc)
            regions = sorted({sentence_window(starts, len(doc), m.start) for m in mentions})
            expected = _previous_find_cues(assigner, doc, mentions, regions)
            assert assigner.find_cues(doc, mentions, regions) == expected, text[:80]
            # every sentence at once: adjacent regions, matches across them dropped
            every = [sentence_window(starts, len(doc), s) for s in starts]
            expected = _previous_find_cues(assigner, doc, mentions, every)
            assert assigner.find_cues(doc, mentions, every) == expected, text[:80]
            checked += rounds
    assert checked > 20


def test_fast_pipeline_equals_the_plain_paths(texts: list[str]) -> None:
    """cv_events and cv_context with the fast paths, and with them off (words read by ORTH id
    and anchors by a flag, each rule by its own Matcher, phrases by the PhraseMatcher)."""

    def build(plain: bool) -> Language:
        nlp = spacy.blank("en")
        nlp.add_pipe("cv_sentences")
        events, context = nlp.add_pipe("cv_events"), nlp.add_pipe("cv_context")
        if plain:
            for matcher in (events.matcher, context.matcher):
                matcher._lowers = lambda doc: None  # type: ignore[method-assign]
                for rule in matcher.rules:
                    rule.steps = None
            phrase_rules = context.phrase_rules

            def by_phrase_matcher(lowers: list[int], first: int, end: int) -> list:
                doc = current[0]
                return [(phrase_rules[k], s, e) for k, s, e in context.phrases(doc[first:end])]

            context.phrase_trie = by_phrase_matcher
        return nlp

    def statuses(doc: Doc) -> list[tuple[Any, ...]]:
        return [(s.start, s._.status, s._.status_cue, s._.status_also) for s in doc.spans["event"]]

    current: list[Doc] = []
    fast, plain = build(False), build(True)
    for _ in range(2):  # the second round with the anchors chosen
        for text in texts:
            doc = plain.make_doc(text)
            current[:] = [doc]
            for _, component in plain.pipeline:
                doc = component(doc)
            expected, expected_statuses = event_facts(doc), statuses(doc)
            doc = fast(text)
            assert event_facts(doc) == expected, text[:80]
            assert statuses(doc) == expected_statuses, text[:80]
    assert fast.get_pipe("cv_events").matcher._table is not None


def test_fast_stops_and_status_defaults() -> None:
    assert plain_status_defaults() == read_status_defaults()
    assert plain_status_defaults() is plain_status_defaults()  # kept
    before = Span.get_extension("status")
    try:
        Span.set_extension("status", default="present", force=True)
        assert plain_status_defaults() == {**read_status_defaults(), "status": "present"}
        Span.set_extension("status", getter=lambda span: "absent", force=True)
        assert plain_status_defaults() is None
    finally:
        default, method, getter, setter = before
        Span.set_extension("status", default=default, force=True)
    assert plain_status_defaults() == read_status_defaults()


def test_fast_status_values_read_every_mention(events_pipe: Language) -> None:
    doc = events_pipe("No DVT. A stroke and a PE occurred. Pulmonary embolism was ruled out.")
    mentions = event_mentions(doc, "event")
    assert len(mentions) >= 3
    for extra in ({}, {"cv_doses": []}, {f"x{i}": i for i in range(20)}):
        doc.user_data.update(extra)
        values = StatusValues(doc, "event", mentions)
        for name in STATUS_NAMES:
            spans = list(doc.spans["event"])
            assert values.all(name) == [getattr(span._, name) for span in spans]
        fresh = StatusValues(doc, "event", mentions)
        fresh.set(1, "status_also", "possible")  # a value set: read from the user data
        assert fresh.all("status_also")[1] == "possible" == doc.spans["event"][1]._.status_also
        doc.user_data.pop(("._.", "status_also", mentions[1].start_char, mentions[1].end_char))
        if extra:
            for key in extra:
                doc.user_data.pop(key)
    for key in [k for k in doc.user_data if isinstance(k, tuple)]:
        doc.user_data.pop(key)  # no status set at all: the defaults
    assert StatusValues(doc, "event", mentions).all("status") == [None] * len(mentions)


def _finditer_kinds(text: str) -> list[tuple[int, str]]:
    found: dict[int, str] = {}
    for regex in (HEADER_RE, INLINE_HEADER_RE):
        for match in regex.finditer(text):
            found[match.start("name")] = SECTION_KINDS[match.group("name").lower()]
    return sorted(found.items())


def test_fast_sections_read_up_to_the_last_mention(texts: list[str]) -> None:
    """With ``last``, the sections found decide every character up to it as all of them do,
    and the run-in marks are those of a scan of every colon."""
    for text in texts:
        every = _finditer_kinds(text)
        for last in sorted({0, len(text) // 3, len(text) // 2, len(text) - 1, len(text)}):
            sections = find_sections(text, last)
            for char in range(0, last + 1, 7):
                index = bisect.bisect_right([s for s, _ in every], char) - 1
                assert sections.kind_at(char) == (every[index][1] if index >= 0 else "body")
            marks = []
            for colon in (m.start() for m in re.finditer(":", text)):
                mark = max(text.rfind(".", 0, colon), text.rfind("!", 0, colon))
                mark = max(mark, text.rfind("?", 0, colon))
                if 0 <= mark <= last and (not marks or marks[-1] != mark):
                    marks.append(mark)
            assert run_in_marks(text, last) == marks


# --- cv_events: abbreviations ------------------------------------------------------------------


def test_fast_tokens_spelled_equal_a_walk_over_the_tokens(docs: list[Doc]) -> None:
    for doc in docs:
        caps = sorted({t.text for t in doc if 2 <= len(t.text) <= 6 and t.text.isupper()})
        for spellings in (caps[:3], [w + "s" for w in caps[:3]], ["TE", "TEs", "zz"], caps):
            expected = [t.i for t in doc if t.text in spellings]
            assert tokens_spelled(doc, spellings) == expected
