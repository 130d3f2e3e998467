"""The scope's and the route attachment's shortcuts against their plain computations.

* ``doc_scope`` keeps one :class:`DocScope` per Doc and, when an anchor group changes, only
  forgets its anchor values (computed again when read); the values it gives must be those read
  plainly from ``doc.spans`` after every component, after a group is replaced or grown from
  outside, and when an empty group is written over none.
* ``group_labels`` gives the labels :func:`set_group` noted: they must be the group's own.
* ``route_attaches`` reads LOWER ids instead of Token objects: ``_plain_route_attaches`` below
  is the Token-reading version; both must decide every route match alike.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from shared_documents import shared_records
from spacy.tokens import Doc, Span, SpanGroup, Token

from nlp import attach
from nlp.extract import get_nlp, prepare
from nlp.mentions import BLOCK_LABEL
from nlp.rules import Rule
from nlp.scope import (
    CELL_KEYS,
    DocScope,
    doc_scope,
    eligibility_ranges,
    group_labels,
    lexicon,
    remember_text,
    set_group,
)


@cache
def _real_texts() -> tuple[str, ...]:
    texts = (prepare(record)[0] for record in shared_records())
    return tuple(text for text in texts if text is not None)


def _plain_anchors(doc: Doc) -> frozenset[int]:
    return frozenset(
        i for key in CELL_KEYS for sp in doc.spans.get(key, []) for i in range(sp.start, sp.end)
    )


def _plain_cell_doc(doc: Doc, anchors: frozenset[int]) -> bool:
    if len(anchors) >= 3:
        return True
    title_end = doc.text.find("\n\n")
    if not anchors or title_end <= 0:
        return False
    title = doc.char_span(0, title_end, alignment_mode="expand")
    return title is not None and min(anchors) < title.end


def _check_scope(doc: Doc, scope: DocScope) -> None:
    anchors = _plain_anchors(doc)
    assert scope.anchor_tokens == anchors
    assert scope._anchor_list == sorted(anchors)
    assert scope.cell_doc == _plain_cell_doc(doc, anchors)
    assert scope.lower_ids == [t.lower for t in doc]
    assert scope.eligibility == eligibility_ranges(doc.text, doc.text.lower())
    sents = list(doc.sents) if len(doc) else []
    assert scope.sent_starts == ([s.start for s in sents] or [0])
    assert scope.sent_ends == ([s.end for s in sents] or [0])


def _run_checking(text: str) -> Doc:
    """The pipeline one component at a time, the shared scope checked after each."""
    nlp = get_nlp()
    doc = remember_text(nlp.make_doc(text), text)
    for _, proc in nlp.pipeline:
        doc = proc(doc)
        if doc.has_annotation("SENT_START"):
            _check_scope(doc, doc_scope(doc))
    return doc


def test_shared_scope_matches_span_groups_on_real_documents(shared: Path) -> None:
    for text in _real_texts():
        doc = _run_checking(text)
        for key in ("cell", "product", "tissue", "donor", "route", "setting"):
            assert group_labels(doc, key) == [sp.label for sp in doc.spans.get(key, [])]


def test_groups_are_written_as_the_span_groups_setter_writes_them(shared: Path) -> None:
    for text in _real_texts()[:40]:
        nlp = get_nlp()
        doc = nlp(remember_text(nlp.make_doc(text), text))
        for key in ("cell", "product", "tissue", "donor", "route", "setting"):
            spans = list(doc.spans[key])
            set_group(doc, key, [(sp.start, sp.end) for sp in spans], spans)
            group = doc.spans[key]
            assert isinstance(group, SpanGroup) and group.name == key and group.doc is doc
            assert group.attrs == {}
            written = group.to_bytes()
            doc.spans[key] = spans  # the public setter, on the same spans
            assert doc.spans[key].to_bytes() == written


def test_scope_notices_groups_replaced_or_grown_from_outside() -> None:
    text = "MSC trial\n\nBone marrow MSCs and adipose cells were infused intravenously."
    doc = _run_checking(text)
    scope = doc_scope(doc)
    cells = list(doc.spans["cell"])
    assert cells
    moved = [Span(doc, sp.start + 1, sp.end + 1, label="cell_free") for sp in cells]
    doc.spans["cell"] = moved  # replaced: same size, other tokens and labels
    assert doc_scope(doc) is scope
    _check_scope(doc, scope)
    assert group_labels(doc, "cell") == [sp.label for sp in moved]
    doc.spans["tissue"].append(Span(doc, 0, 1, label="bone_marrow"))  # grown in place
    _check_scope(doc, doc_scope(doc))
    del doc.spans["product"]
    _check_scope(doc, doc_scope(doc))


def test_scope_keeps_its_anchors_when_an_empty_group_is_written() -> None:
    doc = _run_checking("MSC trial\n\nMSCs were given to patients.")
    scope = doc_scope(doc)
    doc.spans.data.pop("tissue", None)
    anchors = doc_scope(doc).anchor_tokens
    doc.spans["tissue"] = []
    assert doc_scope(doc).anchor_tokens is anchors  # nothing to read again
    _check_scope(doc, scope)


# --- route attachment: the Token-reading version ------------------------------------------


def _plain_is_agent(tok: Token) -> bool:
    return tok.lower_ in lexicon()["agents"]


def _plain_is_named_agent(tok: Token, sent_start: int) -> bool:
    if _plain_is_agent(tok):
        return True
    if not tok.is_alpha or tok.i == sent_start or len(tok) < 4:
        return False
    return tok.text[0].isupper() and tok.lower_ not in lexicon()["admin_words"]


def _plain_object_decides(j: int, end: int, scope: DocScope) -> bool | None:
    doc = scope.doc
    for k in range(j, min(end, j + 7)):
        if k in scope.anchor_tokens:
            return True
        if _plain_is_agent(doc[k]):
            return False
        if doc[k].lower_ in attach._STOP_OBJECT:
            break
    return None


def _plain_right_decides(span: Span, scope: DocScope, s_end: int) -> bool | None:
    doc = span.doc
    admin = lexicon()["admin_words"]
    j = span.end
    while j < s_end and j < span.end + 8:
        tok = doc[j]
        skip = tok.lower_ in attach._SKIP or j in scope.matched_tokens
        if skip or (tok.is_punct and tok.text not in ".;:"):
            j += 1
            continue
        if j in scope.anchor_tokens:
            return True
        if tok.lower_.startswith("infus") or tok.lower_ in admin:
            if j + 1 < s_end and doc[j + 1].lower_ in attach._LINK:
                return _plain_object_decides(j + 2, s_end, scope)
            j += 1
            continue
        return False if _plain_is_agent(tok) else None
    return None


def _plain_left_decides(span: Span, scope: DocScope, s_start: int) -> bool | None:
    doc = span.doc
    i, depth = span.start - 1, 0
    while i >= s_start:
        text = doc[i].text
        if text == ")":
            depth += 1
        elif text == "(":
            depth = max(0, depth - 1)
        elif depth == 0:
            break
        i -= 1
    if i < s_start or doc[i].is_punct:
        return None
    if i in scope.anchor_tokens:
        return True
    return False if _plain_is_named_agent(doc[i], s_start) else None


def _plain_route_attaches(span: Span, rule: Rule, scope: DocScope) -> bool:
    s_start, s_end = scope.sentence_bounds(span.start)
    doc = span.doc
    if attach._after_comparator(span, s_start, scope):
        return False
    if rule.attach == "adjacent_admin":
        lo, hi = max(s_start, span.start - 2), min(s_end, span.end + 2)
        if not scope.has_word(lo, hi, "admin_words") or attach._shouting(doc[lo:hi], span):
            return False
    if rule.attach == "needs_admin" and not scope.has_word(s_start, s_end, "admin_words"):
        return False
    if (rule.needs_cell or rule.attach == "needs_admin") and not scope.cell_in_sentence(span):
        return False
    right = _plain_right_decides(span, scope, s_end)
    if right is not None and not attach._postpositive(span):
        return right
    left = (
        _plain_left_decides(span, scope, s_start)
        if attach._postpositive(span) or right is None
        else None
    )
    if left is not None:
        return left
    if right is not None:
        return right
    return scope.cell_in_sentence(span) or attach._intervention_line(span, scope)


def _compare_routes(text: str) -> int:
    """Both versions on every route match of ``text`` (gated or not); the matches compared."""
    nlp = get_nlp()
    doc = nlp(remember_text(nlp.make_doc(text), text))
    component = dict(nlp.pipeline)["cv_routes"]
    matches = component.matcher(doc)
    scope = doc_scope(doc)
    scope.set_matches(matches)
    compared = 0
    for start, end, rule in matches:
        if rule.label == BLOCK_LABEL:
            continue
        span = Span(doc, start, end, label=rule.label)
        assert attach.route_attaches(span, rule, scope) == _plain_route_attaches(
            span, rule, scope
        ), (text, span.text, rule.id)
        for s_start, s_end in (scope.sentence_bounds(start), (0, len(doc))):
            assert attach._right_decides(span, scope, s_end) == _plain_right_decides(
                span, scope, s_end
            )
            assert attach._left_decides(span, scope, s_start) == _plain_left_decides(
                span, scope, s_start
            )
        compared += 1
    return compared


def test_route_attachment_matches_the_token_version_on_real_documents(shared: Path) -> None:
    assert sum(_compare_routes(text) for text in _real_texts()) > 100


_WORDS = [
    "MSCs", "cells", "stem", "intravenously", "IV", "IT", "i.v.", "intrathecal", "infusion",
    "infused", "injected", "of", "with", "(", ")", ",", ".", ";", ":", "-", "and", "or",
    "Cerebrolysin", "saline", "heparin", "were", "given", "administered", "single", "the",
    "compared", "to", "rather", "than", "patients", "Alofisel", "exosomes", "WAS", "INJECTED",
    "knee", "joint", "intra-articular", "locally", "subcutaneous", "(n", "=", "10)", "...",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=30), st.booleans())
def test_route_attachment_matches_the_token_version_on_made_up_texts(
    words: list[str], titled: bool
) -> None:
    text = ("MSC therapy\n\n" if titled else "") + " ".join(words)
    _compare_routes(text)
