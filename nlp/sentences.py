"""Sentence boundaries that survive biomedical text (i.v., et al., Fig. 2, ×10^6) and line lists."""

from __future__ import annotations

import itertools
import re
from functools import cache
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, SENT_START
from spacy.language import Language
from spacy.tokens import Doc

from nlp.rules import load_lexicon
from nlp.scope import doc_text, note_sentences, token_column

LEXICON_FILE = "sentences.json"
_UINT64 = np.dtype(np.uint64)
_SENT_START_ATTRS = [SENT_START]  # for doc.from_array (a list: it need not wrap an int)
_NOT_START = np.iinfo(np.uint64).max  # SENT_START -1 ("not a start"), as the uint64 it is stored as

# The rules:
#   a stop, then optional closing quotes/brackets, whitespace, and a capital (maybe after an
#   opener), unless the word before a "." is an abbreviation;
#   a blank line, or one line break before a line that does not start in lower case;
#   a line ending with a colon (a heading such as "Inclusion Criteria:").
# Every rule ends where the whitespace it crosses ends, so a match hidden inside another one
# (a line break inside the whitespace after a stop) would end at the same offset: the rules can
# be scanned apart. Each pass begins with one literal character ("." / "\n" / "!" / "?"): the
# regex engine skips to a literal far faster than to a member of a set such as [.!?].
# A pattern leaves group 1 out of a match it cannot settle alone (rare): its m.end(1) is -1.
_AFTER_STOP = r"[\"'”’)\]]*\s+(?=[\"“‘'(\[]?[A-Z])"
_EXCLAIM = re.compile("!" + _AFTER_STOP)  # no abbreviation check
_QUESTION = re.compile(r"\?" + _AFTER_STOP)
# A blank line; a line break before a line that does not start in lower case; or after a line
# that ends with a colon. Else, if the line ends with a space or tab, a mark: maybe a colon
# before them (then _HEADING, the colon rule on its own, is run over the text).
_LINE = re.compile(
    r"\n(?:([ \t\r\f\v]*\n\s*(?=\S)|[ \t\r\f\v]*(?=[^\sa-z])|(?<=:\n)\s*(?=\S))|(?<=[ \t]\n))"
)
_HEADING = re.compile(r":[ \t]*\n\s*(?=\S)")
_END = re.Match.end
_GROUP_1 = itertools.repeat(1)  # map(_END, matches, _GROUP_1): each match's m.end(1)
# Characters stripped from the front of the word before a "." (an opener before an abbreviation).
_OPENERS = "([\"'“‘"
_SPACES = " \n"  # what ends the word before a "." (not tabs: "a\ti.v." is no abbreviation)
_WORD_EDGE = r"""[ \n(\["'“‘]"""  # a character just before a word (openers stripped)
_NOT_WORD_EDGE = r"""[^ \n(\["'“‘]"""
# str.lower() maps these to an ASCII letter too (every other character that lower-cases to
# ASCII is that letter's capital)
_ODD_CAPITALS = {"k": "\u212a"}


class _DotRule(NamedTuple):
    """The "." rule for one set of abbreviations. Both patterns end a match with group 1 when
    the word before the "." cannot be an abbreviation, else with group 2 (then
    :func:`_is_abbreviation` decides). ``fast`` tells the word's start by the character before
    it, so it misses a word at the very start of the text: it is used only when no "." comes
    before offset ``fast_from``; ``safe`` also sees the start of the text (and costs more)."""

    fast: re.Pattern[str]
    safe: re.Pattern[str]
    fast_from: int
    abbreviations: frozenset[str]


def boundary_offsets(text: str, abbreviations: frozenset[str]) -> list[int]:
    """Character offsets where a new sentence starts (not including 0), sorted."""
    return sorted(set(_boundary_offsets(text, _dot_rule(abbreviations))))


def _boundary_offsets(text: str, rule: _DotRule) -> list[int]:
    """The offsets of :func:`boundary_offsets`, unsorted and maybe repeated. Every match ends
    before a non-space character, so never at 0 nor at the end of the text."""
    dot_stop = rule.fast if text.find(".", 0, rule.fast_from) < 0 else rule.safe
    offsets = list(map(_END, dot_stop.finditer(text), _GROUP_1))
    if -1 in offsets:  # after a word that may be an abbreviation: look closer
        offsets = [end for end in offsets if end >= 0]
        offsets += [
            m.end(2)
            for m in dot_stop.finditer(text)
            if m.end(1) < 0 and not _is_abbreviation(text, m.start(), rule.abbreviations)
        ]
    lines = list(map(_END, _LINE.finditer(text), _GROUP_1))
    if -1 in lines:  # a line ending with spaces or tabs: maybe after a colon
        lines = [end for end in lines if end >= 0]
        lines += map(_END, _HEADING.finditer(text))
    offsets += lines
    if "!" in text:
        offsets += map(_END, _EXCLAIM.finditer(text))
    if "?" in text:
        offsets += map(_END, _QUESTION.finditer(text))
    return offsets


def _is_abbreviation(text: str, stop: int, abbreviations: frozenset[str]) -> bool:
    """Whether the word before the "." at ``stop`` (from the last space or line break, openers
    stripped, lower-cased) is an abbreviation."""
    word_start = max(text.rfind(" ", 0, stop), text.rfind("\n", 0, stop)) + 1
    return text[word_start:stop].lstrip(_OPENERS).lower() in abbreviations


@cache
def _dot_rule(abbreviations: frozenset[str]) -> _DotRule:
    """The patterns of the "." rule. Group 2 (a closer look) when the "." follows one of the
    abbreviations in any case, as a whole word or after an opener: a superset of the words
    :func:`_is_abbreviation` accepts. Their look-behinds sit after the "." so the scan can
    still skip from one "." to the next; one per length (a look-behind has a fixed width)."""
    by_length: dict[int, list[str]] = {}
    for abbreviation in abbreviations:
        if not abbreviation.isascii():  # its spellings are not listed: check every "."
            check_all = re.compile(rf"\.(?!)()|\.({_AFTER_STOP})")
            return _DotRule(check_all, check_all, 0, abbreviations)
        if (
            any(c in abbreviation for c in _SPACES)  # a word has none
            or abbreviation.startswith(tuple(_OPENERS))  # they are stripped
            or abbreviation != abbreviation.lower()  # a lower-cased word has no capitals
        ):
            continue  # never equal to a word
        by_length.setdefault(len(abbreviation), []).append(abbreviation)
    words = [_spellings(same_length) for _, same_length in sorted(by_length.items())]
    # the word starts after a space, line break or opener ...
    fast = "".join(f"(?<!{_WORD_EDGE}(?:{word})\\.)" for word in words)
    # ... or at the start of the text
    safe = "".join(f"(?<!(?<!{_NOT_WORD_EDGE})(?:{word})\\.)" for word in words)
    return _DotRule(
        re.compile(rf"\.(?:{fast}({_AFTER_STOP})|({_AFTER_STOP}))"),
        re.compile(rf"\.(?:{safe}({_AFTER_STOP})|({_AFTER_STOP}))"),
        max(by_length, default=0) + 1,
        abbreviations,
    )


def _spellings(words: list[str]) -> str:
    """A regex for the strings whose ``lower()`` is one of ``words`` (ASCII, equally long), as
    a trie: alternatives that share a first character share its test."""
    if not words or not words[0]:
        return ""
    rests: dict[str, list[str]] = {}
    for word in words:
        rests.setdefault(word[0], []).append(word[1:])
    alternatives = []
    for first, rest in sorted(rests.items()):
        if first.isalpha():
            head = f"[{first}{first.upper()}{_ODD_CAPITALS.get(first, '')}]"
        else:
            head = re.escape(first)
        tail = _spellings(rest)
        alternatives.append(head + (f"(?:{tail})" if "|" in tail else tail))
    return "|".join(alternatives)


# SENT_START arrays for doc.from_array, lent to one call at a time and all "not a start"
# between calls (the call sets and resets its few starts): no array is built per Doc. Each
# comes with a memoryview, which sets one value without numpy's per-call overhead.
_FLAG_BUFFERS: list[tuple[np.ndarray, memoryview]] = []


def _flag_buffer(size: int) -> tuple[np.ndarray, memoryview]:
    """A (size, 1) array of "not a start" flags and a flat memoryview of it."""
    flags = np.full((size, 1), _NOT_START, _UINT64)
    return flags, memoryview(flags.reshape(size))


class SentenceSplitter:
    """Sets ``is_sent_start`` on every token from rules on the raw text (no model)."""

    def __init__(self, nlp: Language, name: str, lexicon_file: str) -> None:
        self.name = name
        self.abbreviations = frozenset(load_lexicon(lexicon_file)["abbreviations"])
        self._dot_rule = _dot_rule(self.abbreviations)

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        offsets = _boundary_offsets(doc_text(doc), self._dot_rule)
        if offsets:
            # the token each offset falls on (offsets as uint64 like the column: no conversion)
            found = set(token_column(doc, IDX).searchsorted(np.array(offsets, _UINT64)).tolist())
            found.discard(0)  # (the first token starts a sentence anyway)
            found.discard(n)  # after the last token's start
            starts = [0, *sorted(found)]
        else:
            starts = [0]
        try:  # pop and append: a buffer is never lent twice at once, even across threads
            flags, view = _FLAG_BUFFERS.pop()
        except IndexError:
            flags, view = _flag_buffer(max(n, 1024))
        if len(flags) < n:
            flags, view = _flag_buffer(2 * n)
        try:
            for token in starts:
                view[token] = 1
            doc.from_array(_SENT_START_ATTRS, flags[:n])
        finally:
            for token in starts:
                view[token] = _NOT_START
            _FLAG_BUFFERS.append((flags, view))
        note_sentences(doc, starts)
        return doc


@Language.factory(
    "cv_sentences",
    assigns=["token.is_sent_start"],
    default_config={"lexicon_file": LEXICON_FILE},
)
def make_sentence_splitter(nlp: Language, name: str, lexicon_file: str) -> SentenceSplitter:
    """spaCy factory for :class:`SentenceSplitter`."""
    return SentenceSplitter(nlp, name, lexicon_file)
