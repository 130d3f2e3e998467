"""Attach a route mention to the cells it describes, not to a drug given alongside them."""

from __future__ import annotations

from functools import cache
from itertools import pairwise

from spacy.strings import hash_string
from spacy.tokens import Span, Token

from nlp.rules import Rule
from nlp.scope import DocScope, doc_text, lexicon, word_hashes

# Tokens skipped when looking past a route word for what it modifies.
_SKIP = frozenset(
    {
        "and",
        "or",
        "/",
        ",",
        "-",
        "(",
        ")",
        "single",
        "repeated",
        "repeat",
        "two",
        "three",
        "four",
        "multiple",
        "the",
        "a",
        "an",
        "one",
        "1",
        "2",
        "3",
        "4",
        "systemic",
        "systemically",
        "human",
        "allogeneic",
        "allogenic",
        "autologous",
        "slow",
        "bolus",
        "direct",
        "directly",
        "local",
        "&",
        "combined",
        "double",
        "separate",
        "weekly",
        "monthly",
        "daily",
        "consecutive",
        "sequential",
    }
)
_LINK = frozenset({"of", "with", "containing"})
_STOP_OBJECT = frozenset(
    {
        ",",
        ";",
        ".",
        ":",
        "and",
        "or",
        "combined",
        "plus",
        "followed",
        "versus",
        "vs",
        "vs.",
        "compared",
        "while",
        "in",
        "at",
        "on",
        "for",
        "to",
        "over",
    }
)
_ABBREVIATIONS = frozenset({"iv", "i.v", "i.v.", "ic", "im", "it", "sc", "sq", "ira"})


# The word lists above as LOWER ids (hashes): a token is tested by its id in ``scope.lower_ids``,
# with no Token made and no string looked up.
_SKIP_IDS = frozenset(map(hash_string, _SKIP))
_LINK_IDS = frozenset(map(hash_string, _LINK))
_STOP_OBJECT_IDS = frozenset(map(hash_string, _STOP_OBJECT))
_OPEN, _CLOSE = hash_string("("), hash_string(")")  # only '(' and ')' have these lower forms


def _is_named_agent(tok: Token, lower_id: int, sent_start: int) -> bool:
    """A listed agent, or a capitalised word that is not sentence-initial ('Cerebrolysin IV')
    (``lower_id``: the token's LOWER id)."""
    if lower_id in word_hashes("agents"):
        return True
    if not tok.is_alpha or tok.i == sent_start or len(tok) < 4:
        return False
    return tok.text[0].isupper() and lower_id not in word_hashes("admin_words")


def _object_decides(j: int, end: int, scope: DocScope) -> bool | None:
    """The noun phrase after 'infusion of ...': True if cells, False if a listed agent."""
    lowers, agents = scope.lower_ids, word_hashes("agents")
    for k in range(j, min(end, j + 7)):
        if k in scope.anchor_tokens:
            return True
        if lowers[k] in agents:
            return False
        if lowers[k] in _STOP_OBJECT_IDS:
            break
    return None


def _right_decides(span: Span, scope: DocScope, s_end: int) -> bool | None:
    """What the route word modifies, reading right: cells, an agent, or undecided (None)."""
    doc, lowers = span.doc, scope.lower_ids
    j = span.end
    while j < s_end and j < span.end + 8:
        lower_id = lowers[j]
        if lower_id in _SKIP_IDS or j in scope.matched_tokens:
            j += 1
            continue
        tok = doc[j]
        if tok.is_punct and tok.text not in ".;:":
            j += 1
            continue
        if j in scope.anchor_tokens:
            return True
        if lower_id in word_hashes("admin_words") or tok.lower_.startswith("infus"):
            if j + 1 < s_end and lowers[j + 1] in _LINK_IDS:
                return _object_decides(j + 2, s_end, scope)
            j += 1
            continue
        return False if lower_id in word_hashes("agents") else None
    return None


def _left_decides(span: Span, scope: DocScope, s_start: int) -> bool | None:
    """For 'MSCs intravenously' or 'Cerebrolysin IV': what stands just before the route word."""
    lowers = scope.lower_ids
    i, depth = span.start - 1, 0
    while i >= s_start:
        lower_id = lowers[i]
        if lower_id == _CLOSE:
            depth += 1
        elif lower_id == _OPEN:
            depth = max(0, depth - 1)
        elif depth == 0:
            break
        i -= 1
    if i < s_start:
        return None
    tok = span.doc[i]
    if tok.is_punct:
        return None
    if i in scope.anchor_tokens:
        return True
    return False if _is_named_agent(tok, lowers[i], s_start) else None


def _postpositive(span: Span) -> bool:
    """Adverbs and abbreviations ('intravenously', 'IV') usually follow what they describe."""
    text = doc_text(span.doc)[span.start_char : span.end_char].lower()  # not span.text: no walk
    return text.endswith("ly") or text in _ABBREVIATIONS


@cache
def _comparator_hashes() -> tuple[frozenset[int], frozenset[tuple[int, int]]]:
    """The comparator cues as LOWER hashes: one-word cues, and two-word cues as hash pairs."""
    cues = lexicon()["comparator_cues"]
    single = frozenset(hash_string(c) for c in cues if " " not in c)
    pairs = frozenset(
        (hash_string(a), hash_string(b))
        for a, _, b in (c.partition(" ") for c in cues if " " in c)
        if a and b and " " not in b
    )
    return single, pairs


def _after_comparator(span: Span, s_start: int, scope: DocScope) -> bool:
    """'compared to intravenous delivery', 'rather than IV': a route not used here (one of the
    words, or two adjacent words, before the mention is a cue; read as LOWER hashes)."""
    words = scope.lower_ids[max(s_start, span.start - 4) : span.start]
    single, pairs = _comparator_hashes()
    if not single.isdisjoint(words):
        return True
    return any(pair in pairs for pair in pairwise(words))


def _intervention_line(span: Span, scope: DocScope) -> bool:
    """In a cell-therapy document, a short administration statement with no other agent near."""
    if not scope.cell_doc:
        return False
    s_start, s_end = scope.sentence_bounds(span.start)
    if not scope.has_word(s_start, s_end, "admin_words"):
        return False
    p_start = scope.sentence_bounds(s_start - 1)[0] if s_start else s_start
    return not scope.has_word(p_start, s_end, "agents")


def _shouting(window: Span, span: Span) -> bool:
    """'IT WILL BE INJECTED': in upper-case text an abbreviation like IT or IM is just a word."""
    words = [t for t in window if t.is_alpha and not span.start <= t.i < span.end]
    return bool(words) and all(t.is_upper and len(t) > 1 for t in words)


def route_attaches(span: Span, rule: Rule, scope: DocScope) -> bool:
    """True when the route mention describes how the cells (not another agent) are given."""
    s_start, s_end = scope.sentence_bounds(span.start)
    doc = span.doc
    if _after_comparator(span, s_start, scope):
        return False
    if rule.attach == "adjacent_admin":
        lo, hi = max(s_start, span.start - 2), min(s_end, span.end + 2)
        if not scope.has_word(lo, hi, "admin_words") or _shouting(doc[lo:hi], span):
            return False
    if rule.attach == "needs_admin" and not scope.has_word(s_start, s_end, "admin_words"):
        return False
    if (rule.needs_cell or rule.attach == "needs_admin") and not scope.cell_in_sentence(span):
        return False
    right, postpositive = _right_decides(span, scope, s_end), _postpositive(span)
    if right is not None and not postpositive:
        return right
    left = _left_decides(span, scope, s_start) if postpositive or right is None else None
    if left is not None:
        return left
    if right is not None:
        return right
    return scope.cell_in_sentence(span) or _intervention_line(span, scope)
