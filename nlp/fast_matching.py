"""Token rules matched only near their rare required words (found by the doc's LOWER ids, or a
vocabulary flag), with a doc's sentences and token ids read once: cheaper than a Matcher over
every token."""

from __future__ import annotations

import bisect
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import chain, compress
from typing import Any

import numpy as np
from spacy.attrs import LOWER, ORTH
from spacy.lang.lex_attrs import lower as spacy_lower
from spacy.matcher import Matcher, PhraseMatcher
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

from nlp.scope import doc_memo, token_column
from nlp.word_tests import (
    CHOOSE_AT,
    FEW_TOKENS,
    NO_BITS,
    TEXT_ATTRS,
    PassesTests,
    WordMasks,
    WordTest,
    anchor_reach,
    iter_bits,
    lower_forms,
    required_tests,
    required_words,
    token_steps,
)

Window = tuple[int, int]


def merge_windows(centres: Iterable[int], reach: int, bounds: Window) -> list[Window]:
    """Token windows of ``reach`` either side of each centre, merged and clipped to bounds."""
    windows: list[Window] = []
    for centre in centres:
        start, end = max(bounds[0], centre - reach + 1), min(bounds[1], centre + reach)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


COMMON_WORDS = frozenset(
    "a an the of in on at to for from with within by as and or is are was were be been has have "
    "had do does did not no n't this that these those it its they their our after before "
    "during than more most very can may".split()
)


def commonness(test: WordTest) -> tuple[int, int]:
    """How often a test's words are likely to occur (lower is rarer): a function word is
    everywhere, a short word often, a regex (a family of content words) seldom. Only the
    speed depends on it: every match holds a word passing each test."""
    if test.regex is not None:
        return 1, 0
    if test.words & COMMON_WORDS:
        return 3, 0
    return 2, -min(len(word) for word in test.words)


def around_windows(centres: Iterable[int], before: int, after: int, bounds: Window) -> list[Window]:
    """Token windows from ``before`` tokens ahead of each centre to ``after`` tokens past it,
    merged and clipped to bounds."""
    windows: list[Window] = []
    for centre in centres:
        start, end = max(bounds[0], centre - before), min(bounds[1], centre + after + 1)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], end))
        else:
            windows.append((start, end))
    return windows


@dataclass
class AnchoredRule:
    """One token rule with its own Matcher, the indices of its word tests, and its length."""

    key: str
    matcher: Matcher
    tests: list[int]
    reach: int
    around: dict[int, tuple[int, int]] = field(default_factory=dict)  # test bit -> anchor_reach
    anchor: int = 0  # the test bit whose words locate the windows (the likely rarest)
    fixed: bool = False  # each token is one word test, no operators: no Matcher needed
    # for a fixed rule: (anchor, its offset in the rule, (offset from it, test bit) of the others)
    plan: tuple[int, int, tuple[tuple[int, int], ...]] | None = None
    steps: list[StepOf] | None = None  # the pattern as :func:`step_matches` takes it, if it can
    step_of: dict[int, int] = field(default_factory=dict)  # test bit -> its pattern token

    def fixed_plan(self) -> tuple[int, tuple[tuple[int, int], ...]]:
        """The anchor's offset in a fixed rule and the other tests by their offset from it
        (made again when the anchor changes)."""
        if self.plan is None or self.plan[0] != self.anchor:
            offset = self.tests.index(self.anchor)
            others = tuple((k - offset, bit) for k, bit in enumerate(self.tests) if k != offset)
            self.plan = (self.anchor, offset, others)
        return self.plan[1], self.plan[2]


class AnchoredMatcher:
    """Token rules matched only where they can match.

    Each rule's required words are tested once per vocabulary entry (cached). Per doc, a rule
    runs only in windows around the occurrences of its anchor word (the required word likely
    rarest), as far as the pattern reaches either side of that token, and only in windows
    holding every required word: every match holds one of each, so the matches are exactly
    those of a plain ``Matcher`` over the whole doc. A one-token rule with one word test needs
    no Matcher: its matches are the passing tokens. The anchor words of a doc are found once
    for all rules and regions, from the doc's LOWER ids (see :meth:`_lower_table`), else by a
    vocabulary flag (see :meth:`_anchor_flag`)."""

    def __init__(self, vocab: Vocab, any_order: bool = False):
        self.vocab = vocab
        # With ``any_order`` the matches of one rule may come in another order than the
        # Matcher's (the set and the order of the rules are the same): a rule of word tests,
        # flags and bounded operators is then matched in Python (see :func:`step_matches`).
        self.any_order = any_order
        self._check_bits: dict[WordTest, int] = {}  # the bits of the steps' word tests
        self.rules: list[AnchoredRule] = []
        self.everywhere = Matcher(vocab)
        self.masks = WordMasks(vocab)
        self._anchors = 0  # bit set of every rule's anchor test
        self._by_anchor: dict[int, list[int]] = {}  # anchor test bit -> indices of its rules
        self._flag_id = -1  # the vocabulary flag taken for the anchor words, once taken
        self._flag: int | None = None  # that flag, when it marks the current anchors
        self._flag_rules = 0  # how many rules the flag was set for (0: set it again)
        self._table: np.ndarray | None = None  # see :meth:`_lower_table`
        self._anchor_ids: frozenset[int] = frozenset()  # the LOWER ids of the anchor words
        self._table_rules = 0  # how many rules the table was made for (0: make it again)
        self._docs_with: list[int] = []  # per test: docs (of those counted) with a word passing
        self._sampled = 0  # docs counted so far

    def __len__(self) -> int:
        return len(self.rules) + len(self.everywhere)

    def add(self, key: str, pattern: list[dict[str, Any]]) -> None:
        """Add one token pattern (raises spaCy's ValueError for a bad pattern)."""
        self.vocab.strings.add(key)  # matches come back as Spans labelled with the key
        found = required_tests(pattern)
        if found is None:
            self.everywhere.add(key, [pattern])
            return
        matcher = Matcher(self.vocab)
        matcher.add(key, [pattern])
        bits = [self.masks.add(test) for test in found[0]]
        around = dict(zip(bits, anchor_reach(pattern), strict=True))
        anchor = bits[min(range(len(bits)), key=lambda i: commonness(found[0][i]))]
        fixed = len(bits) == len(pattern) and all(
            len(token) == 1 and next(iter(token)) in TEXT_ATTRS for token in pattern
        )
        rule = AnchoredRule(key, matcher, bits, found[1], around, anchor, fixed)
        if self.any_order and not fixed:
            rule.steps = self._steps(pattern)
            rule.step_of = dict(zip(bits, (k for k, _ in required_words(pattern)), strict=True))
        self.rules.append(rule)
        self._anchors |= 1 << anchor
        self._by_anchor.setdefault(anchor, []).append(len(self.rules) - 1)
        self.masks.watch(self._anchors)

    def __call__(self, doc: Doc, regions: list[Window] | None = None) -> list[tuple[str, int, int]]:
        """``(rule key, start, end)`` of every match, as a plain Matcher would find them; with
        ``regions`` (sorted, disjoint token windows), only the matches inside one of them."""
        regions = [(0, len(doc))] if regions is None else regions
        found: list[tuple[str, int, int]] = []
        if not (len(doc) and regions):
            return found
        if self._sampled < CHOOSE_AT[-1] and self.rules:
            self._learn(doc, regions)
        lowers = self._lowers(doc)
        positions = self._anchor_tokens(doc, regions, lowers) if self.rules else []
        if not positions and not len(self.everywhere):
            return found
        words = DocWords(doc, self.masks, lowers, len(positions) > FEW_TOKENS, regions)
        by_region = self._centres(words, regions, positions)
        read, bits_of, cased, rules = words.read, words.bits, words.cased, self.rules
        for region, centres_of in zip(regions, by_region, strict=True):
            if len(self.everywhere):
                spans = self.everywhere(doc[region[0] : region[1]], as_spans=True)
                found.extend((s.label_, s.start, s.end) for s in spans)
            if len(centres_of) == 1:  # one anchor test: its rules, already in order
                chosen = self._by_anchor[next(iter(centres_of))]
            else:
                chosen = sorted(chain.from_iterable(map(self._by_anchor.__getitem__, centres_of)))
            for index in chosen:  # rule by rule, in order
                rule = rules[index]
                centres = centres_of[rule.anchor]
                if rule.fixed:  # the word tests are the Matcher's own predicates, token by token
                    key, length = rule.key, len(rule.tests)
                    if length == 1:  # the centres pass the rule's only test
                        found.extend([(key, centre, centre + 1) for centre in centres])
                        continue
                    # the tokens from the anchor's offset back, each passing its own test,
                    # inside the region (the anchor token passes its own)
                    offset, others = rule.fixed_plan()
                    first, last = region[0] + offset, region[1] - length + offset
                    for centre in centres:
                        if first <= centre <= last:
                            for step, bit in others:
                                if bit in cased:
                                    if not words.passes(centre + step, bit):
                                        break
                                elif bit not in bits_of[read(centre + step)]:
                                    break
                            else:
                                found.append((key, centre - offset, centre - offset + length))
                    continue
                before, after = rule.around[rule.anchor]
                for start, end in around_windows(centres, before, after, region):
                    # a match holds a word passing each test: skip a window that lacks one
                    # (what a word may pass, read by its lower case: the Matcher decides)
                    passed: set[int] = set()
                    for i in range(start, end):
                        passed |= bits_of[read(i)]
                    if not passed.issuperset(rule.tests):
                        continue
                    if rule.steps is not None:
                        found.extend(step_matches(rule, centres, (start, end), words))
                        continue
                    matches = rule.matcher(doc[start:end])  # offsets from the window's start
                    found.extend((rule.key, s + start, e + start) for _, s, e in matches)
        return found

    def _steps(self, pattern: list[dict[str, Any]]) -> list[StepOf] | None:
        """:func:`nlp.word_tests.token_steps`, each word test by its bit (one per test)."""
        steps = token_steps(pattern)
        if steps is None:
            return None
        compiled: list[StepOf] = []
        for checks, least, most in steps:
            found = []
            for kind, what, value in checks:
                if kind == "test":
                    if what not in self._check_bits:
                        self._check_bits[what] = self.masks.add(what)
                    what = self._check_bits[what]
                found.append((kind, what, value))
            compiled.append((tuple(found), least, most))
        return compiled

    def _lowers(self, doc: Doc) -> np.ndarray | None:
        """The doc's LOWER ids (``nlp.scope.token_column``: read once for all components),
        when LOWER is spaCy's ``str.lower`` and so the words can be read by them (see
        :class:`DocWords`); else None."""
        if self.vocab.lex_attr_getters.get(LOWER) is not spacy_lower:
            return None
        return token_column(doc, LOWER)

    def _centres(
        self, words: DocWords, regions: list[Window], positions: list[int]
    ) -> list[dict[int, list[int]]]:
        """Per region, the tokens (of ``positions``) passing each anchor test, in order."""
        by_region: list[dict[int, list[int]]] = [{} for _ in regions]
        bounds = [first for first, _ in regions] if len(regions) > 1 else None
        read, anchored, cased = words.read, words.anchored, words.cased
        for position in positions:
            centres = by_region[bisect.bisect_right(bounds, position) - 1 if bounds else 0]
            bits = anchored[read(position)]
            if bits and cased and not cased.isdisjoint(bits):
                bits = words.anchors_at(position)  # a test on the text: read its ORTH
            for bit in bits:
                if bit in centres:
                    centres[bit].append(position)
                else:
                    centres[bit] = [position]
        return by_region

    def _anchor_tokens(
        self, doc: Doc, regions: list[Window], lowers: np.ndarray | None
    ) -> list[int]:
        """The tokens inside the regions whose word passes an anchor test, in order; with
        ``lowers`` (see :meth:`_lowers`), maybe a few more: :meth:`DocWords.anchors_at` reads
        each again. The whole doc is read through the table of :meth:`_lower_table`, a few
        sentences (``cv_context``) through the LOWER ids of the anchor words."""
        table = self._lower_table() if lowers is not None else None
        if table is not None and lowers is not None:
            if len(regions) == 1 and regions[0][0] == 0 and regions[0][1] == len(doc):
                return table.take(lowers & TABLE_MASK).nonzero()[0].tolist()
            anchor, listed = self._anchor_ids.__contains__, region_lowers(doc, lowers, regions)
            found: list[int] = []
            for first, end in regions:
                found.extend(compress(range(first, end), map(anchor, listed[first:end])))
            return found
        flag = self._anchor_flag()
        if flag is None:  # look at every word
            anchored = self.masks.anchored
            found = [i for i, orth in enumerate(doc_orth_list(doc)) if anchored[orth]]
        else:
            found = doc.to_array(flag).nonzero()[0].tolist()
        if regions == [(0, len(doc))]:
            return found
        bounds = [first for first, _ in regions]
        inside = []
        for i in found:
            index = bisect.bisect_right(bounds, i) - 1
            if index >= 0 and i < regions[index][1]:
                inside.append(i)
        return inside

    def _lower_table(self) -> np.ndarray | None:
        """Whether a token may pass an anchor test, by its LOWER id (see :func:`lower_table`),
        once the anchors are chosen (see :meth:`_learn`) and when each anchor test lists its
        words (see :func:`nlp.word_tests.lower_forms`) and LOWER is spaCy's ``str.lower``.
        The doc's LOWER ids are read once for all components (``nlp.scope.token_column``):
        no walk over the tokens at all, where a flag costs one."""
        if self._sampled < CHOOSE_AT[-1]:
            return None
        if self._table_rules != len(self.rules):
            self._table_rules, self._table = len(self.rules), None
            if self.vocab.lex_attr_getters.get(LOWER) is spacy_lower:
                tests = self.masks.tests.by_bit
                forms = [lower_forms(tests[bit]) for bit in iter_bits(self._anchors)]
                if all(found is not None for found in forms):
                    words = frozenset[str]().union(*forms)  # type: ignore[arg-type]
                    self._anchor_ids = frozenset(lower_id(word) for word in words)
                    self._table = lower_table(self._anchor_ids)
        return self._table

    def _anchor_flag(self) -> int | None:
        """A vocabulary flag (``Vocab.add_flag``) set on the words passing an anchor test:
        spaCy computes it once per vocabulary entry, as the entry is made, so a doc's anchor
        words are read with its tokens, with no look-up per word. Registered once the
        anchors are chosen (see :meth:`_learn`: setting a flag tests every vocabulary entry),
        and again (same flag) once rules were added. None until then, when the vocabulary
        has no flag left, or when the empty string (whose entry no flag covers) would pass a
        test."""
        if self._sampled < CHOOSE_AT[-1]:
            return None
        if self._flag_rules != len(self.rules):
            self._flag_rules, self._flag = len(self.rules), None
            getter = PassesTests(self.masks.tests, self._anchors)
            if not getter(""):
                try:
                    self._flag = self._flag_id = self.vocab.add_flag(getter, self._flag_id)
                except ValueError:  # all 63 flags taken
                    pass
        return self._flag

    def _learn(self, doc: Doc, regions: list[Window]) -> None:
        """Count, over the first docs, the docs with a word passing each test; after each
        count of ``CHOOSE_AT``, make each rule's anchor its test found in fewest docs. Only
        speed depends on which required test is the anchor (every match holds a word passing
        each), and how common a word is shows in the documents, not in the rule: most docs
        then hold no anchor word at all, and cost one look at their LOWER ids."""
        counts, bits_of, words = self._docs_with, self.masks.bits, doc_orth_list(doc)
        counts.extend([0] * (self.masks.size - len(counts)))
        passed: set[int] = set()
        for first, end in regions:
            for orth in set(words[first:end]):
                passed |= bits_of[orth]
        for bit in passed:
            counts[bit] += 1
        self._sampled += 1
        if self._sampled not in CHOOSE_AT:
            return
        self._anchors, self._by_anchor = 0, {}
        for index, rule in enumerate(self.rules):
            rule.anchor = min(rule.tests, key=lambda bit: (counts[bit], bit != rule.anchor))
            self._anchors |= 1 << rule.anchor
            self._by_anchor.setdefault(rule.anchor, []).append(index)
        self.masks.watch(self._anchors)
        self._flag_rules = self._table_rules = 0


TABLE_BITS = 18  # a table of 256 KB: a word outside it is taken for one in it 1/1000 as often
TABLE_MASK = np.uint64((1 << TABLE_BITS) - 1)


def lower_id(word: str) -> int:
    """The LOWER id a token whose lower case is ``word`` has: spaCy's id of that string (a
    hash, but a fixed small number for its symbols, "number" say, and 0 for "")."""
    return get_string_id(word)


def lower_table(ids: Iterable[int]) -> np.ndarray:
    """A boolean table indexed by the low :data:`TABLE_BITS` bits of a LOWER id, true where
    one of ``ids`` falls: each token with one of them is marked, and a few others."""
    table = np.zeros(1 << TABLE_BITS, dtype=np.bool_)
    table[np.array(list(ids), dtype=np.uint64) & TABLE_MASK] = True
    return table


class DocWords:
    """A doc's words as the word tests read them (``read(i)``: the id of token ``i``, ``bits``
    and ``anchored``: the tests it may pass, by that id).

    With ``lowers`` (the doc's LOWER ids), by lower case: each id read alone from the column
    (no Token made), and a test on the lower case decided by it as by the Matcher (its LOWER
    predicates read the same string). A test on the text is decided by its lower case only
    for some words (see :func:`nlp.word_tests.caseless`); where the answer must be exact (see
    :meth:`passes`, :meth:`anchors_at`), the others (``cased``) are read on the token's ORTH
    id. Without ``lowers``, by ORTH id (:func:`token_orths`)."""

    __slots__ = ("read", "bits", "anchored", "cased", "masks", "_doc", "_orths")

    def __init__(
        self,
        doc: Doc,
        masks: WordMasks,
        lowers: np.ndarray | None,
        many: bool,
        regions: list[Window] | None = None,
    ):
        self.masks, self._doc, self._orths = masks, doc, None
        if lowers is not None:  # the tokens inside ``regions`` only are read
            listed = region_lowers(doc, lowers, regions, make=False) if regions else None
            # else from the column: a few tokens cost less than a list of them all
            self.read = listed.__getitem__ if listed is not None else lowers.item
            self.bits, self.anchored = masks.lower_bits, masks.lower_anchored
            self.cased = masks.cased
        else:
            self._orths = token_orths(doc, many)
            self.read = self._orths.__getitem__
            self.bits, self.anchored = masks.bits, masks.anchored
            self.cased = NO_BITS

    def passes(self, i: int, bit: int) -> bool:
        """Whether token ``i`` passes test ``bit`` (one its lower case does not decide is read
        on its ORTH only where the lower case lets it pass)."""
        if bit not in self.bits[self.read(i)]:
            return False
        return bit not in self.cased or bit in self.masks.bits[self._orth(i)]

    def checks_pass(self, i: int, checks: tuple[tuple[str, Any, bool], ...]) -> bool:
        """Whether token ``i`` passes every check of a step: a word test (by its bit) passed
        or failed as required, a lexeme flag (read on the Token) of the required value."""
        for kind, what, value in checks:
            if kind == "test":
                if self.passes(i, what) is not value:
                    return False
            elif getattr(self._doc[i], what) is not value:
                return False
        return True

    def anchors_at(self, i: int) -> tuple[int, ...]:
        """The anchor tests token ``i`` passes."""
        found = self.anchored[self.read(i)]
        if found and self.cased and not self.cased.isdisjoint(found):
            return self.masks.anchored[self._orth(i)]
        return found

    def _orth(self, i: int) -> int:
        if self._orths is None:
            self._orths = token_orths(self._doc)
        return self._orths[i]


StepOf = tuple[tuple[tuple[str, Any, bool], ...], int, int]  # checks (tests by bit), fewest, most


def step_matches(
    rule: AnchoredRule, centres: list[int], window: Window, words: DocWords
) -> list[tuple[str, int, int]]:
    """The matches of a rule with steps (see :func:`nlp.word_tests.token_steps`) inside the
    window, as ``(key, start, end)``: those a Matcher finds on the window's tokens (by start
    and end here). Each match holds an anchor token among ``centres``: where the anchor's
    pattern token takes exactly one token, each match is read outwards from one (the steps
    before it backwards, those after it forwards); else every start before one is tried."""
    first, end = window
    steps = rule.steps or []
    known: dict[tuple[int, int], bool] = {}
    checks_pass = words.checks_pass

    def passing(i: int, k: int) -> bool:
        found = known.get((i, k))
        if found is None:
            found = known[i, k] = checks_pass(i, steps[k][0])
        return found

    inside = [centre for centre in centres if first <= centre < end]
    spans: set[tuple[int, int]] = set()
    anchor = rule.step_of[rule.anchor]
    if steps[anchor][1:] == (1, 1):
        for centre in inside:
            if not passing(centre, anchor):
                continue
            starts = step_ends(steps, anchor - 1, centre, first, passing, -1)
            stops = step_ends(steps, anchor + 1, centre + 1, end, passing, 1) if starts else ()
            spans.update((start, stop) for start in starts for stop in stops)
    else:
        before = rule.around[rule.anchor][0]
        tried = {s for centre in inside for s in range(max(first, centre - before), centre + 1)}
        for start in tried:
            spans.update((start, stop) for stop in step_ends(steps, 0, start, end, passing, 1))
    return [(rule.key, start, stop) for start, stop in sorted(spans) if stop > start]


def step_ends(
    steps: list[StepOf],
    k: int,
    at: int,
    limit: int,
    passing: Callable[[int, int], bool],
    way: int,
) -> set[int]:
    """Where a match can reach from token boundary ``at`` through steps ``k``, ``k + 1`` ...
    to the last (``way`` 1: tokens ``at``, ``at + 1`` ..., up to boundary ``limit``) or
    ``k``, ``k - 1`` ... to the first (``way`` -1: tokens ``at - 1``, ``at - 2`` ..., down to
    boundary ``limit``): each step takes from ``fewest`` to ``most`` tokens passing its checks
    (``passing(i, k)``: token ``i`` passes step ``k``), as the Matcher's operators do."""
    positions = {at}
    while 0 <= k < len(steps):
        least, most = steps[k][1], steps[k][2]
        reached: set[int] = set()
        for position in positions:
            if least == 0:
                reached.add(position)
            taken, here = 0, position
            while taken < most and (here < limit if way > 0 else here > limit):
                if not passing(here if way > 0 else here - 1, k):
                    break
                taken, here = taken + 1, here + way
                if taken >= least:
                    reached.add(here)
        if not reached:
            return reached
        positions, k = reached, k + way
    return positions


ORTHS_MEMO, ORTH_LIST_MEMO, ORTH_READER_MEMO = "orth_ids", "orth_id_list", "orth_reader"


def token_orths(doc: Doc, many: bool = False) -> list[int] | TokenOrths:
    """The ORTH ids of a doc's tokens by position: the list :func:`doc_orth_list` keeps, when
    it is there or ``many`` are wanted; else each read from its Token when first wanted (a
    walk over every token costs as much as some hundred Tokens)."""
    memo = doc_memo(doc)
    listed = memo.get(ORTH_LIST_MEMO)
    if many or (listed is not None and len(listed) == len(doc)):
        return doc_orth_list(doc)
    reader = memo.get(ORTH_READER_MEMO)
    if reader is None or len(reader) != len(doc):
        reader = memo[ORTH_READER_MEMO] = TokenOrths(doc)
    return reader


class TokenOrths(dict):  # type: ignore[type-arg]
    """Indexed like the list of a doc's ORTH ids (``len`` is the doc's), each id read from its
    Token when first wanted: a dict, so a repeated look-up is a plain one. It holds its Doc
    weakly, as it is kept beside it."""

    def __init__(self, doc: Doc) -> None:
        super().__init__()
        self.doc, self.length = weakref.ref(doc), len(doc)

    def __missing__(self, index: int) -> int:
        orth = self[index] = self.doc()[index].orth  # type: ignore[index]
        return orth

    def __len__(self) -> int:
        return self.length


def doc_orths(doc: Doc) -> np.ndarray:
    """Every token's ORTH id (uint64), read once per Doc for all anchored matchers:
    ``to_array`` walks every token. Kept beside the Doc (``nlp.scope.doc_memo``); the length
    check guards against a Doc whose tokens were merged or split since."""
    memo = doc_memo(doc)
    orths = memo.get(ORTHS_MEMO)
    if orths is None or len(orths) != len(doc):
        orths = memo[ORTHS_MEMO] = doc.to_array(ORTH)
    return orths


def doc_orth_list(doc: Doc) -> list[int]:
    """:func:`doc_orths` as a Python list (read once per Doc: a token at a time, a list is
    cheaper to read than an array)."""
    memo = doc_memo(doc)
    listed = memo.get(ORTH_LIST_MEMO)
    if listed is None or len(listed) != len(doc):
        listed = memo[ORTH_LIST_MEMO] = doc_orths(doc).tolist()
    return listed


REGION_LOWERS_MEMO = "region_lower_ids"


def region_lowers(
    doc: Doc, lowers: np.ndarray, regions: list[Window], make: bool = True
) -> list[int] | None:
    """A list as long as the doc holding the LOWER ids (column ``lowers``) of the tokens inside
    ``regions``, 0 elsewhere: made once per Doc and regions (kept beside the Doc), as each id
    made into a Python int costs (with ``make`` False, None when not made yet)."""
    memo, key = doc_memo(doc), tuple(regions)
    held = memo.get(REGION_LOWERS_MEMO)
    if held is not None and held[0] == key and len(held[1]) == len(doc):
        return held[1]
    if not make:
        return None
    listed = [0] * len(doc)
    for first, end in regions:
        listed[first:end] = lowers[first:end].tolist()
    memo[REGION_LOWERS_MEMO] = (key, listed)
    return listed


PhraseNode = tuple[list[Any], dict[int, Any]]  # (values at its end, next token's LOWER id -> node)


class PhraseTrie:
    """The matches of a ``PhraseMatcher(attr="LOWER")`` read from a doc's LOWER ids by a
    Python trie: the same ``(value, start, end)`` in the same order (each start in turn, its
    matches shortest first, those of one phrase in the PhraseMatcher's own order), with the
    value given to each key (the rule itself, say) instead of the key's hash. Cheaper on a
    few sentences than the PhraseMatcher, which looks up each match's key string.

    Built from the PhraseMatcher itself: ``patterns`` are its ``(key, pattern Doc)`` pairs,
    added in the same order; where several keys end on one phrase, their order is read from
    the PhraseMatcher on that phrase."""

    def __init__(
        self, matcher: PhraseMatcher, patterns: list[tuple[str, Doc]], values: dict[str, Any]
    ):
        self.root: dict[int, PhraseNode] = {}
        ends: dict[tuple[int, ...], tuple[PhraseNode, list[str], Doc]] = {}
        for key, pattern in patterns:
            lowers = tuple(token.lower for token in pattern)
            if not lowers:  # (the PhraseMatcher skips an empty pattern)
                continue
            children, node = self.root, None
            for lower in lowers:
                node = children.get(lower)
                if node is None:
                    node = children[lower] = ([], {})
                children = node[1]
            assert node is not None
            keys = ends.setdefault(lowers, (node, [], pattern))[1]
            if key not in keys:  # a key ends once on a phrase
                keys.append(key)
                node[0].append(values[key])
        strings = matcher.vocab.strings
        for node, keys, pattern in ends.values():
            if len(keys) > 1:  # the PhraseMatcher's order of the keys ending there
                found = [k for k, s, e in matcher(pattern) if s == 0 and e == len(pattern)]
                node[0][:] = [values[strings[k]] for k in found]

    def __call__(self, lowers: list[int], first: int, end: int) -> list[tuple[Any, int, int]]:
        """The matches inside tokens ``first..end-1`` (``lowers``: the doc's LOWER ids)."""
        found: list[tuple[Any, int, int]] = []
        root = self.root
        for start in compress(range(first, end), map(root.__contains__, lowers[first:end])):
            node, stop = root[lowers[start]], start + 1
            while True:
                for value in node[0]:
                    found.append((value, start, stop))
                if stop >= end:
                    break
                node = node[1].get(lowers[stop])
                if node is None:
                    break
                stop += 1
        return found


def sentence_window(starts: list[int], length: int, start: int) -> Window:
    """(first, end) token bounds of the sentence holding token ``start``."""
    index = bisect.bisect_right(starts, start) - 1
    end = starts[index + 1] if index + 1 < len(starts) else length
    return starts[max(index, 0)], end
