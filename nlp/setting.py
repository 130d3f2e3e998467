"""Decide how regulated a document's setting is: text signals, ``source_kind`` as a prior."""

from __future__ import annotations

from functools import cache
from typing import Any

from spacy.tokens import Doc

from nlp.products import approved_products
from nlp.rules import load_lexicon
from nlp.scope import doc_text, group_spans

LEXICON_FILE = "setting.json"
# The signals decide_setting counts (read as 0 when absent, as a Counter would give them).
_SIGNAL_KEYS = (
    "approved_product",
    "regulatory_action",
    "clinic_direct_to_consumer",
    "regulated_trial",
)


def setting_signals(doc: Doc, spans_key: str = "setting") -> list[dict[str, Any]]:
    """Signals found in the text: ``{signal, text, start, end}`` in text order."""
    spans = group_spans(doc, spans_key)
    if not spans:
        return []
    text = doc_text(doc)  # sliced: span.text would rebuild it token by token
    return [
        {"signal": sp.label_, "text": text[a:b], "start": a, "end": b}
        for sp in spans
        for a, b in ((sp.start_char, sp.end_char),)
    ]


@cache
def _strong_words(name: str) -> frozenset[str]:
    """One word list of the setting lexicon, as a set (read once, not per document)."""
    return frozenset(load_lexicon(LEXICON_FILE)[name])


def decide_setting(
    signals: list[dict[str, Any]], source_kind: str | None, products: list[str] | None = None
) -> str:
    """One setting key; ``source_kind`` from the record is a strong prior, signals refine it."""
    count = dict.fromkeys(_SIGNAL_KEYS, 0)  # a plain dict: a Counter costs more to build
    for s in signals:
        count[s["signal"]] = count.get(s["signal"], 0) + 1
    texts = {s["text"].lower() for s in signals}
    strong_regulator = not _strong_words("strong_regulator").isdisjoint(texts)
    strong_unverified = not _strong_words("strong_unverified").isdisjoint(texts)
    approved = bool(set(products or ()) & approved_products()) and count["approved_product"] > 0
    if source_kind == "regulatory_action":
        return "regulatory_action"
    if source_kind == "clinic_ad":
        return "regulatory_action" if strong_regulator else "clinic_direct_to_consumer"
    if source_kind == "trial_registration":
        if approved:
            return "approved_product"
        if strong_unverified:
            return "registered_unverified"
        return "regulated_trial"
    if strong_regulator or count["regulatory_action"] >= 4:
        return "regulatory_action"
    if count["clinic_direct_to_consumer"] >= 2 and source_kind != "publication":
        return "clinic_direct_to_consumer"
    if strong_unverified:
        return "registered_unverified"
    if approved:
        return "approved_product"
    if count["regulated_trial"] >= 2 or (source_kind == "publication" and count["regulated_trial"]):
        return "regulated_trial"
    return "unknown"
