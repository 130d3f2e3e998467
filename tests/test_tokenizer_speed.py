"""The tokenizer's regex stand-ins (nlp.tokenizer_speed) give exactly the plain regexes' matches:
on every chunk and substring of the real corpus, on generated strings, on made-up patterns that
take the edge paths, and as whole tokenizations; serialisation still works."""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
import spacy
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shared_documents import pipeline_text, shared_records
from spacy.language import Language
from spacy.tokenizer import Tokenizer

from nlp.pipeline import _split_glued_brackets, build_nlp
from nlp.tokenizer_speed import InfixFinditer, PrefixSearch, SuffixSearch, UrlMatch

# tokenizer attribute -> (stand-in class, the regex method it replaces)
ROLES: dict[str, tuple[type, str]] = {
    "prefix_search": (PrefixSearch, "search"),
    "suffix_search": (SuffixSearch, "search"),
    "infix_finditer": (InfixFinditer, "finditer"),
    "url_match": (UrlMatch, "match"),
}
SHORT_SUBSTRINGS = 24  # every substring up to this long; longer chunks add prefixes and suffixes


def _plain_nlp() -> Language:
    """spacy.blank("en") with the pipeline's infix tweak and spaCy's plain regexes."""
    nlp = spacy.blank("en")
    _split_glued_brackets(nlp)
    return nlp


def _spans(method: str, result: Any) -> Any:
    """What the tokenizer reads of a result: the match span(s)."""
    if method == "finditer":
        return [m.span() for m in result]
    return None if result is None else result.span()


def _texts(shared: Path) -> list[str]:
    """Each gold and snapshot document as extraction reads it, and its text alone
    (``shared``: skip when absent)."""
    texts = []
    for record in shared_records():
        texts += [pipeline_text(record), record.get("text") or ""]
    return texts


def _substrings(texts: Iterable[str]) -> list[str]:
    """Every chunk (split on any whitespace, and on spaces only as the tokenizer does, which
    keeps newlines) with each of its short substrings, prefixes and suffixes."""
    chunks = {chunk for text in texts for chunk in [*text.split(), *text.split(" ")]}
    out = set()
    for chunk in chunks:
        n = len(chunk)
        out.update(chunk[:j] for j in range(n + 1))
        out.update(chunk[i:] for i in range(n))
        for i in range(n):
            out.update(chunk[i:j] for j in range(i + 1, min(n, i + SHORT_SUBSTRINGS) + 1))
    return sorted(out)


@pytest.fixture(scope="module")
def corpus(shared: Path) -> list[str]:
    """Title + text and text alone of every gold and snapshot document."""
    return _texts(shared)


@pytest.fixture(scope="module")
def corpus_substrings(corpus: list[str]) -> list[str]:
    return _substrings(corpus)


@pytest.fixture(scope="module")
def plain_tokenizer() -> Tokenizer:
    return _plain_nlp().tokenizer


@pytest.fixture(scope="module")
def fast_nlp() -> Language:
    return build_nlp(optional=False)


def _pairs(fast: Tokenizer, plain: Tokenizer, role: str) -> tuple[Callable, Callable, str]:
    method = ROLES[role][1]
    return getattr(fast, role), getattr(plain, role), method


@pytest.mark.parametrize("role", sorted(ROLES))
def test_tokenizer_speed_stand_ins_are_wired_and_take_their_shortcut(
    fast_nlp: Language, plain_tokenizer: Tokenizer, role: str
) -> None:
    cls, method = ROLES[role]
    stand_in = getattr(fast_nlp.tokenizer, role).__self__
    assert isinstance(stand_in, cls)
    assert stand_in.fast, f"{cls.__name__} found no shortcut in spaCy's {role} regex"
    assert stand_in.pattern == getattr(plain_tokenizer, role).__self__.pattern


@pytest.mark.parametrize("role", sorted(ROLES))
def test_tokenizer_speed_same_matches_on_corpus_substrings(
    fast_nlp: Language, plain_tokenizer: Tokenizer, corpus_substrings: list[str], role: str
) -> None:
    fast, plain, method = _pairs(fast_nlp.tokenizer, plain_tokenizer, role)
    assert len(corpus_substrings) > 100_000
    differ = [s for s in corpus_substrings if _spans(method, fast(s)) != _spans(method, plain(s))]
    assert differ == []


# Characters the affix patterns are made of, and fragments that complete their pieces.
FRAGMENTS = [
    *"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
    *".,;:!?'\"`’‘”“«»()[]{}<>-–—~_/\\|=+*^&%$#@§°²³µ×·…。、，（）¿¡\n\t ",
    *"éüñßøÉЖжαΩ中日😀┻━®™€£¥₹",
    "...",
    "..",
    "'s",
    "’s",
    "'S",
    "km",
    "mg",
    "kg",
    "µg",
    "ml",
    "mL",
    "°C",
    "°F",
    "km/h",
    "mph",
    "MB",
    "http://",
    "https://",
    "www.",
    ".com",
    ".org",
    "@",
    "://",
    "e.g.",
    "U.S.",
    "10.1016",
    "192.168.0.1",
    ":8080",
    "(s)",
    "--",
    "x10^6",
]
joined = st.lists(st.sampled_from(FRAGMENTS), max_size=10).map("".join)
# ... with a run of one fragment inside (long enough to outreach any bounded piece: "." * 30)
runs = st.tuples(joined, st.sampled_from(FRAGMENTS), st.integers(2, 80), joined).map(
    lambda parts: parts[0] + parts[1] * parts[2] + parts[3]
)
generated = st.one_of(joined, runs)


@pytest.mark.parametrize("role", sorted(ROLES))
@settings(max_examples=2000, deadline=None)
@given(string=generated)
@example(string="")
@example(string="." * 30)
@example(string="etc" + "." * 70)
@example(string="5km\n")
@example(string="cells(n=3)...")
@example(string="https://www.example.com/a-b.html")
def test_tokenizer_speed_same_matches_on_generated_strings(
    fast_nlp: Language, plain_tokenizer: Tokenizer, role: str, string: str
) -> None:
    fast, plain, method = _pairs(fast_nlp.tokenizer, plain_tokenizer, role)
    assert _spans(method, fast(string)) == _spans(method, plain(string))


# Made-up patterns for the paths spaCy's do not take: (stand-in, pattern, shortcut expected).
EDGE_PATTERNS = [
    (SuffixSearch, r"\.\.+$|x$|(?<=ab)c$|d\.$", True),  # unbounded piece, lookbehind
    (SuffixSearch, r"(?i)k$|m+n$|[^a]b$|.z$|é\Z", True),  # case, repeat, negation, any, \Z
    (SuffixSearch, r"(?a)\w$|(?:ab|c)?$|(?>x+)y$|a(?=$)$", True),  # ASCII, empty, atomic
    (SuffixSearch, r"(?i:k)$|ab$|[\d\s]$|\W$", True),  # scoped flags: that piece admits all
    (SuffixSearch, r"(?m)a$|b$", False),  # MULTILINE: $ before every newline
    (SuffixSearch, r"(a)\1$|b$", False),  # capturing group
    (SuffixSearch, r"a$b|c$", False),  # an alternative not ending in $
    (PrefixSearch, r"(?i)^ab|^c+|^K|^[^a-c]x|^\.\.+|^(?=a)\w", True),
    (PrefixSearch, r"^(?i:k)|^a", False),  # scoped flags: not read, so no shortcut
    (PrefixSearch, r"^a|b", False),  # not anchored
    (PrefixSearch, r"^a*|^b", False),  # can match empty
    (InfixFinditer, r"(?i)(?<=a)-(?=b)|x+|k|[^\w\s]", True),
    (InfixFinditer, r"a|b?", False),  # can match empty
    (UrlMatch, r"^(?:a|b)\.(?:c\.d|e\.f)+(?:x|y)?$", True),
    (UrlMatch, r"(?i)^a\.b$", False),  # case-insensitive: required letters not literal
]
edge_strings = st.text(alphabet="abcdABkKmnxyzé.-_ \n1", max_size=10)
METHODS = {cls: method for cls, method in ROLES.values()}


@pytest.mark.parametrize(("cls", "pattern", "fast"), EDGE_PATTERNS)
@settings(max_examples=400, deadline=None)
@given(string=edge_strings)
def test_tokenizer_speed_same_matches_on_edge_patterns(
    cls: type, pattern: str, fast: bool, string: str
) -> None:
    regex = re.compile(pattern)
    method = METHODS[cls]
    stand_in = cls(regex)
    assert stand_in.fast is fast
    assert _spans(method, getattr(stand_in, method)(string)) == _spans(
        method, getattr(regex, method)(string)
    )


def _tokens(doc: Any) -> list[tuple[str, int, str]]:
    return [(t.text, t.idx, t.whitespace_) for t in doc]


def test_tokenizer_speed_make_doc_same_tokens_on_corpus(
    fast_nlp: Language, corpus: list[str]
) -> None:
    plain = _plain_nlp()
    differ = [
        text[:60] for text in corpus if _tokens(fast_nlp.make_doc(text)) != _tokens(plain(text))
    ]
    assert differ == []


def test_tokenizer_speed_serialisation_round_trips(fast_nlp: Language, corpus: list[str]) -> None:
    plain = _plain_nlp()
    data = fast_nlp.tokenizer.to_bytes()
    # the same patterns and exceptions (the vocab differs: the components add strings)
    assert fast_nlp.tokenizer.to_bytes(exclude=["vocab"]) == plain.tokenizer.to_bytes(
        exclude=["vocab"]
    )
    reloaded = Tokenizer(fast_nlp.vocab).from_bytes(data)
    unpickled = pickle.loads(pickle.dumps(fast_nlp.tokenizer))
    assert unpickled.suffix_search.__self__.fast
    for text in corpus[:20]:
        expected = _tokens(plain(text))
        assert _tokens(reloaded(text)) == expected
        assert _tokens(unpickled(text)) == expected
