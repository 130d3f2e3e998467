"""One phrase-matcher pass and one regex scan per Doc, shared by every rule component."""

from __future__ import annotations

import operator
import re
from collections.abc import Iterable
from typing import Any

import ahocorasick
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from nlp.rules import Rule, RuleError
from nlp.scope import (
    CASE_TRAPS,
    doc_lower,
    doc_memo,
    doc_text,
    note_found_words,
    presence_words,
)

Match = tuple[int, int, Rule]
_SPAN_KEY = operator.itemgetter(1, 2)  # (start, end) of a matcher's (key, start, end) hit
_START = operator.itemgetter(0)  # start token of a Match


def _longest_key(match: Match) -> tuple[int, int]:
    """Sort key: longest first, then leftmost."""
    return match[0] - match[1], match[0]


# Escapes, inline flags or upper-case letters that make a lower-case scan unsafe.
_ESCAPE = re.compile(r"\\.")
_UNSAFE = re.compile(r"\\[xuUN0-7]|\(\?[aiLmsux-]")


def _lower_scan(compiled: re.Pattern[str]) -> re.Pattern[str] | None:
    """A case-sensitive pattern for the lower-cased text that matches wherever ``compiled``
    does (without its leading ``\\b``, which blocks the regex engine's literal-prefix search);
    None when the pattern is not safe to scan that way."""
    source = compiled.pattern
    if compiled.flags & ~(re.IGNORECASE | re.UNICODE) or not compiled.flags & re.IGNORECASE:
        return None  # DOTALL, MULTILINE, VERBOSE ... would need the same flags on the scan
    if _UNSAFE.search(source):
        return None
    letters = _ESCAPE.sub("", source)
    if any(ch.lower() != ch or (not ch.isascii() and ch.upper() != ch) for ch in letters):
        return None
    body = source[2:] if source.startswith(r"\b") else source
    return re.compile(body)


_META = set("\\.^$*+?{}[]()|")


def _top_level_bar(body: str) -> bool:
    """Whether ``body`` holds a ``|`` outside every group and character class (an alternative
    of the whole pattern, which a scan keyed on one part of it would miss)."""
    depth, pos, n = 0, 0, len(body)
    while pos < n:
        ch = body[pos]
        if ch == "\\":
            pos += 1
        elif ch == "[":
            pos += 2 if body.startswith("[^", pos) else 1
            pos += 1 if body.startswith("]", pos) else 0  # a leading ']' is a literal
            while pos < n and body[pos] != "]":
                pos += 2 if body[pos] == "\\" else 1
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and not depth:
            return True
        pos += 1
    return False


def _leading_words(body: str, shortest: int = 4) -> tuple[str, ...] | None:
    """For a pattern opening with ``(?:alt|alt|...)``: the literal text each alternative must
    start with ('subjects?' -> 'subject'); None when any alternative has none of length
    >= ``shortest`` (too common to be worth finding) or the pattern has other alternatives."""
    if not body.startswith("(?:"):
        return None
    depth, alternatives, current = 0, [], []
    for pos in range(3, len(body)):
        ch = body[pos]
        if ch == "[" or body.startswith("\\\\", pos):
            return None  # keep the split simple: no character classes, no escaped backslashes
        if body[pos - 1] == "\\":
            current.append(ch)
        elif ch == "(":
            depth += 1
            current.append(ch)
        elif ch == ")" and depth:
            depth -= 1
            current.append(ch)
        elif ch == ")":
            alternatives.append("".join(current))
            break
        elif ch == "|" and not depth:
            alternatives.append("".join(current))
            current = []
        else:
            current.append(ch)
    else:
        return None
    if _top_level_bar(body[pos + 1 :]):
        return None
    words = []
    for alternative in alternatives:
        end = 0
        while end < len(alternative) and alternative[end] not in _META:
            end += 1
        if end < len(alternative) and alternative[end] in "?*{":
            end -= 1  # the last character is optional
        if end < shortest:
            return None
        words.append(alternative[:end])
    return tuple(dict.fromkeys(words))


def _case_sensitive_words(compiled: re.Pattern[str]) -> tuple[str, ...] | None:
    """For a case-sensitive pattern opening with literal alternatives ('(?:MSC|SC|MNC)s?'):
    the literals one of which starts every match, found in the original text (upper-case
    literals are rare there, so two letters are enough); None for any other pattern."""
    if compiled.flags & ~re.UNICODE:
        return None
    body = compiled.pattern
    body = body[2:] if body.startswith(r"\b") else body
    return _leading_words(body, shortest=2)


_TAIL = re.compile(r"(?s).*[^\\](?:\\\\)*\\s\+(?P<word>[a-z]+)\\b")


def _word_tail(body: str) -> tuple[str, re.Pattern[str]] | None:
    """For a pattern ending with ``\\s+word\\b`` (and no top-level alternative): the word and
    a regex for the lower-cased text that matches one character before the word wherever a
    match of the pattern ends with it (a whitespace, the word, a word boundary)."""
    tail = _TAIL.fullmatch(body)
    if tail is None or _top_level_bar(body):
        return None
    word = tail["word"]
    return word, re.compile(rf"\s{word}\b")


def word_automaton(words: Iterable[str]) -> Any:
    """An Aho-Corasick automaton over ``words`` (one pass finds all of them in a text)."""
    automaton = ahocorasick.Automaton()
    for word in words:
        if word:
            automaton.add_word(word, word)
    if len(automaton):
        automaton.make_automaton()
    return automaton


class WordFinder:
    """Where words occur in one lower-cased text; each word is looked up once per text
    (the words of ``automaton``, when given, are all found in one pass up front)."""

    def __init__(self, lowered: str, automaton: Any = None) -> None:
        self.lowered = lowered
        self._found: dict[str, list[int]] = {}  # word -> start offsets (looked-up words only)
        self._present: dict[str, bool] = {}
        self._scanned: frozenset[str] = frozenset()  # the automaton's words: all in _found
        if automaton is not None and len(automaton):
            found = self._found
            for end, word in automaton.iter(lowered):  # every occurrence, overlaps included
                at = found.get(word)
                if at is None:
                    found[word] = [end - len(word) + 1]
                else:
                    at.append(end - len(word) + 1)
            self.found_words = frozenset(found)
            self._scanned = automaton_words(automaton)
        else:
            self.found_words = frozenset()

    def positions(self, word: str) -> list[int]:
        """Every start offset of ``word`` (overlapping occurrences included)."""
        found = self._found.get(word)
        if found is None:
            if word in self._scanned:
                return []
            found, at = [], self.lowered.find(word)
            while at >= 0:
                found.append(at)
                at = self.lowered.find(word, at + 1)
            self._found[word] = found
        return found

    def present(self, word: str) -> bool:
        """``word in lowered``."""
        if word in self._found:
            return bool(self._found[word])
        if word in self._scanned:
            return False
        if word not in self._present:
            self._present[word] = word in self.lowered
        return self._present[word]


_AUTOMATON_WORDS: dict[int, tuple[Any, frozenset[str]]] = {}


def automaton_words(automaton: Any) -> frozenset[str]:
    """The words of an automaton from :func:`word_automaton` (read once per automaton)."""
    hit = _AUTOMATON_WORDS.get(id(automaton))
    if hit is None or hit[0] is not automaton:
        hit = _AUTOMATON_WORDS[id(automaton)] = (automaton, frozenset(automaton.values()))
    return hit[1]


class RegexRule:
    """A text-regex rule; found as ``compiled.finditer`` would, via a fast lower-case scan."""

    def __init__(self, rule: Rule) -> None:
        assert rule.compiled is not None
        self.rule = rule
        self.exact = rule.compiled
        self.scan = _lower_scan(rule.compiled)
        self.words = _leading_words(self.scan.pattern) if self.scan is not None else None
        self.tail = _word_tail(self.scan.pattern) if self.scan is not None else None
        literals = _case_sensitive_words(rule.compiled) if self.scan is None else None
        self.literals = LiteralFinder(literals) if literals is not None else None
        self.required = frozenset(rule.requires)

    def spans(self, text: str, words: WordFinder | None) -> list[tuple[int, int]]:
        """Character spans of the non-overlapping matches, left to right (``words`` finds
        words in the lower-cased text; None when that text cannot stand for the real one)."""
        if self.literals is not None:  # every match starts with one of them, in this text
            return self._from_starts(text, self.literals.starts(text))
        if self.scan is None or words is None:
            return [m.span() for m in self.exact.finditer(text)]
        if self.words is not None:
            starts = sorted({at for word in self.words for at in words.positions(word)})
            return self._from_starts(text, starts)
        lowered = words.lowered
        endpos = len(lowered)
        if self.tail is not None:  # every match ends at a whitespace, the word, a boundary
            word, tail = self.tail
            ends = [at for at in words.positions(word) if at and tail.match(lowered, at - 1)]
            if not ends:
                return []
            # No match reaches past the last such word: the scan need not look further (its
            # one extra character keeps the word boundary after that word as in the full text).
            endpos = min(endpos, ends[-1] + len(word) + 1)
        found, pos = [], 0
        confirm = self.exact.match
        search = self.scan.search
        while (candidate := search(lowered, pos, endpos)) is not None:
            start = candidate.start()
            match = confirm(text, start)
            if match is None:
                pos = start + 1
            elif match.end() == start:  # an empty match: let finditer apply its own rules
                return [m.span() for m in self.exact.finditer(text)]
            else:
                found.append(match.span())
                pos = match.end()
        return found

    def _from_starts(self, text: str, starts: list[int]) -> list[tuple[int, int]]:
        """The matches ``finditer`` finds, given every position (sorted) where one can start."""
        found, pos = [], 0
        confirm = self.exact.match
        for start in starts:
            if start < pos:
                continue
            match = confirm(text, start)
            if match is not None and match.end() > start:
                found.append(match.span())
                pos = match.end()
            elif match is not None:  # an empty match: let finditer apply its own rules
                return [m.span() for m in self.exact.finditer(text)]
        return found


class LiteralFinder:
    """Every start of any of some literals in a text, each literal found by a compiled regex
    (the regex engine's search for a literal is about twice as fast as ``str.find`` on short
    needles, and far faster than its scan for a pattern opening with alternatives)."""

    def __init__(self, literals: Iterable[str]) -> None:
        # A literal that can overlap itself ('aba' in 'ababa') is found by a lookahead, which
        # finditer tries at every position: all occurrences, overlapping ones included.
        self.finders = [
            re.compile(f"(?={re.escape(w)})" if _self_overlapping(w) else re.escape(w)).finditer
            for w in dict.fromkeys(literals)
        ]

    def starts(self, text: str) -> list[int]:
        """Sorted start offsets of every occurrence."""
        found = {m.start() for finditer in self.finders for m in finditer(text)}
        return sorted(found)


def _self_overlapping(literal: str) -> bool:
    """Whether two occurrences of ``literal`` can overlap ('aba' in 'ababa')."""
    return any(literal[:k] == literal[-k:] for k in range(1, len(literal)))


class MatchIndex:
    """Every rule source's phrases in one LOWER and one ORTH PhraseMatcher (plus a token
    Matcher and the text regexes); matches are computed once per Doc and routed by source."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp
        self.lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.orth = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.tokens = Matcher(nlp.vocab)
        self.keys: dict[int, tuple[str, int, Rule]] = {}  # match key -> source, order, rule
        self.orth_texts: dict[int, tuple[str, ...]] = {}  # case-sensitive key -> token texts
        self.regexes: dict[str, list[RegexRule]] = {}
        self.sources: list[str] = []
        self.version = 0
        self._automaton: tuple[int, Any] | None = None

    def add(self, source: str, rules: Iterable[Rule]) -> None:
        """Register one rule file (or other source) under the name ``source``."""
        if source in self.sources:
            return
        self.sources.append(source)
        self.regexes[source] = []
        for order, rule in enumerate(rules):
            name = f"{source}\t{rule.id}"
            self.keys[self.nlp.vocab.strings.add(name)] = (source, order, rule)
            if rule.compiled is not None:
                self.regexes[source].append(RegexRule(rule))
            elif isinstance(rule.pattern, str):
                # Case-sensitive phrases go into the LOWER matcher too (an ORTH match is a LOWER
                # match) and are confirmed on the token texts: one phrase pass per Doc.
                pattern = self.nlp.make_doc(rule.pattern)
                self.lower.add(name, [pattern])
                if rule.case_sensitive:
                    self.orth_texts[self.nlp.vocab.strings[name]] = tuple(t.text for t in pattern)
            else:
                try:
                    self.tokens.add(name, [rule.pattern])
                except ValueError as exc:
                    msg = f"{source} rule {rule.id!r}: bad token pattern ({exc})"
                    raise RuleError(msg) from exc
        self.version += 1

    def _words_automaton(self) -> Any:
        """One automaton over the words every regex rule requires or starts with."""
        if self._automaton is None or self._automaton[0] != self.version:
            words = {
                word
                for regex_rules in self.regexes.values()
                for regex in regex_rules
                for word in (*regex.rule.requires, *(regex.words or ()))
            } | presence_words()  # found in the same scan, for the scope (see there)
            self._automaton = (self.version, word_automaton(sorted(words)))
        return self._automaton[1]

    def _phrase_hits(self, doc: Doc) -> tuple[list[Any], list[Any]]:
        """``(LOWER matches, ORTH matches)`` of the phrase rules, from one LOWER pass."""
        if not len(self.lower):
            return [], []
        found = self.lower(doc)
        orth_texts = self.orth_texts
        if not orth_texts:
            return found, []
        lower_hits, orth_hits = [], []
        for hit in found:
            expected = orth_texts.get(hit[0])
            if expected is None:
                lower_hits.append(hit)
            elif all(
                doc[i].text == word for i, word in zip(range(hit[1], hit[2]), expected, strict=True)
            ):
                orth_hits.append(hit)
        return lower_hits, orth_hits

    def _route(self, found: list[Any], routed: dict[str, list[Match]]) -> None:
        """Append ``(key, start, end)`` hits to their sources' lists, ordered by start, end and
        rule-file order (a C-keyed sort, nearly free on the matchers' already ordered output;
        only hits on the same tokens are then ordered by rule)."""
        keys = self.keys
        found = sorted(found, key=_SPAN_KEY)
        n, i = len(found), 0
        while i < n:
            key, start, end = found[i]
            j = i + 1
            while j < n and found[j][2] == end and found[j][1] == start:
                j += 1
            if j == i + 1:
                source, _, rule = keys[key]
                routed[source].append((start, end, rule))
            else:
                for _, (source, _, rule) in sorted((keys[k][1], keys[k]) for k, _, _ in found[i:j]):
                    routed[source].append((start, end, rule))
            i = j

    def _match_all(self, doc: Doc) -> dict[str, list[Match]]:
        """Raw matches per source: phrase matches (LOWER, then ORTH, then token patterns,
        ties in rule-file order), then regex matches; overlapping matches are all kept."""
        routed: dict[str, list[Match]] = {source: [] for source in self.sources}
        lower_hits, orth_hits = self._phrase_hits(doc)
        for found in (lower_hits, orth_hits, self.tokens(doc) if len(self.tokens) else []):
            self._route(found, routed)
        if any(self.regexes.values()):
            text, lowered = doc_text(doc), doc_lower(doc)
            automaton = self._words_automaton()
            words = WordFinder(lowered, automaton)
            note_found_words(doc, automaton_words(automaton), words.found_words)
            lower_ok = len(lowered) == len(text) and not any(c in text for c in CASE_TRAPS)
            found_words = words.found_words  # every required word is an automaton word
            for source, regex_rules in self.regexes.items():
                for regex in regex_rules:
                    rule = regex.rule
                    if regex.required.isdisjoint(found_words) and rule.requires:
                        continue
                    for a, b in regex.spans(text, words if lower_ok else None):
                        span = doc.char_span(a, b, alignment_mode="expand")
                        if span is not None and len(span):
                            routed[source].append((span.start, span.end, rule))
        return routed

    def matches(self, doc: Doc, source: str) -> list[Match]:
        """Raw matches of one source in this Doc (all sources are matched on first request)."""
        memo = doc_memo(doc)
        cached: tuple[int, int, dict[str, list[Match]]] | None = memo.get("match_index")
        if cached is None or cached[0] != id(self) or cached[1] != self.version:
            cached = memo["match_index"] = (id(self), self.version, self._match_all(doc))
        return cached[2].get(source, [])


_INDEXES: dict[int, tuple[Any, MatchIndex]] = {}


def shared_index(nlp: Language) -> MatchIndex:
    """The one :class:`MatchIndex` of this pipeline (keyed by its vocab, kept alive with it)."""
    hit = _INDEXES.get(id(nlp.vocab))
    if hit is None or hit[0] is not nlp.vocab:
        hit = _INDEXES[id(nlp.vocab)] = (nlp.vocab, MatchIndex(nlp))
    return hit[1]


def longest_first(found: list[Match]) -> list[Match]:
    """The longest non-overlapping matches (earlier first among equals), in text order: what
    :func:`longest_first_plain` keeps, chosen within each run of overlapping matches (a match
    overlapping no other, most of them, is kept as it is; matches in different runs never
    compete, so choosing per run keeps the same ones)."""
    if len(found) < 2:
        return list(found)
    kept: list[Match] = []
    run: list[Match] = []  # matches overlapping one another (transitively), by start
    run_end = -1
    for match in sorted(found, key=_START):  # stable: equal ranges keep their given order
        start, end, _ = match
        if start >= end:  # an empty range overlaps nothing: leave its place to the plain code
            return longest_first_plain(found)
        if start < run_end:
            run.append(match)
            if end > run_end:
                run_end = end
            continue
        if len(run) == 1:
            kept.append(run[0])
        elif run:
            kept += _longest_in_run(run)
        run = [match]
        run_end = end
    if len(run) == 1:
        kept.append(run[0])
    else:
        kept += _longest_in_run(run)
    return kept


def _longest_in_run(run: list[Match]) -> list[Match]:
    """:func:`longest_first_plain` on one run of overlapping, non-empty matches (by start)."""
    if len(run) == 2:  # the longer one; the first of two as long (equal starts, or it starts first)
        first, second = run
        return [second] if second[1] - second[0] > first[1] - first[0] else [first]
    kept: list[Match] = []
    for match in sorted(run, key=_longest_key):
        start, end, _ = match
        for s, e, _ in kept:
            if start < e and s < end:
                break
        else:
            kept.append(match)
    return sorted(kept, key=_START)


def longest_first_plain(found: list[Match]) -> list[Match]:
    """The longest non-overlapping matches (earlier first among equals), in text order: the
    greedy choice over all matches at once (the reference for :func:`longest_first`)."""
    if len(found) < 2:
        return list(found)
    order = sorted(found, key=_longest_key)
    taken = bytearray(max(end for _, end, _ in found) + 1)  # 1 = token already covered
    kept = []
    for start, end, rule in order:
        if start >= end:  # an empty range overlaps nothing
            kept.append((start, end, rule))
        elif taken.find(1, start, end) < 0:
            taken[start:end] = b"\x01" * (end - start)
            kept.append((start, end, rule))
    return sorted(kept, key=_START)
