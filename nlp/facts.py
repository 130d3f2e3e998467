"""Turn an annotated Doc into the spec's fields plus evidence mentions (document-level rules)."""

from __future__ import annotations

import logging
import re
from functools import cache
from typing import Any

from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from cellvigil.vocabulary import keys, route_class
from nlp.dose_component import USER_DATA_KEY as DOSES_KEY
from nlp.products import implied_facts
from nlp.rules import load_rules
from nlp.scope import DocScope, doc_scope, group_labels, group_spans

log = logging.getLogger(__name__)

_CELL_FREE = hash_string("cell_free")  # the label (hash) of a cell-free anchor

_CELL_FREE_TITLE = re.compile(
    r"exosom|secretom|extracellular vesicle|\bEVs?\b|conditioned medi|cell-free", re.IGNORECASE
)


@cache
def _implied_donor_rules() -> frozenset[str]:
    rules = load_rules("donor_patterns.jsonl", frozenset([*keys("donor"), "none"]))
    return frozenset(r.id for r in rules if r.attach == "implied")


@cache
def _generic_route_rules() -> frozenset[str]:
    rules = load_rules("route_patterns.jsonl", frozenset([*keys("routes"), "none"]))
    return frozenset(r.id for r in rules if r.attach == "generic")


def route_spans(spans: list[Span]) -> list[Span]:
    """Drop a generic local mention ('locally', 'fistula') when a specific local route is stated."""
    generic = _generic_route_rules()
    specific = {sp.label_ for sp in spans if sp.id_ not in generic}
    if not any(route_class(k) == "local" and k != "local_injection" for k in specific):
        return spans
    return [sp for sp in spans if sp.id_ not in generic or sp.label_ in specific]


@cache
def _event_facts():
    """``nlp.events.event_facts``, looked up once (None where that module is not available)."""
    try:
        from nlp.events import event_facts
    except ImportError:
        return None
    return event_facts


def mention(field: str, span: Span, scope: DocScope) -> dict[str, Any]:
    """Evidence row for one mention: field, key, text, sentence, offsets."""
    start, end = span.start_char, span.end_char
    return {
        "field": field,
        "key": span.label_,
        "text": scope.text[start:end],  # span.text would rebuild it token by token
        "sentence": scope.evidence_sentence(span.start),
        "start": start,
        "end": end,
    }


def ordered_keys(spans: list[Span]) -> list[str]:
    """Each label once, in order of first mention."""
    return list(dict.fromkeys(sp.label_ for sp in spans))


def tissue_keys(spans: list[Span]) -> list[str]:
    """Tissue keys; ``unspecified_msc`` only when no tissue is stated in the document."""
    found = ordered_keys(spans)
    if len(found) > 1 and "unspecified_msc" in found:
        found.remove("unspecified_msc")
    return found


def donor_spans(spans: list[Span], scope: DocScope) -> list[Span]:
    """Drop an implied donor ('from donors') when its sentence states the other donor outright."""
    implied = _implied_donor_rules()
    explicit = {
        (scope.sentence_bounds(sp.start), sp.label_) for sp in spans if sp.id_ not in implied
    }
    kept = []
    for sp in spans:
        if sp.id_ in implied:
            bounds = scope.sentence_bounds(sp.start)
            other = "autologous" if sp.label_ == "allogeneic" else "allogeneic"
            if (bounds, other) in explicit:
                continue
        kept.append(sp)
    return kept


def is_cell_free(doc: Doc, title: str) -> bool:
    """The product is exosomes/EVs/secretome: the title says so, or cell-free words dominate."""
    if _CELL_FREE_TITLE.search(title):
        return True
    labels = group_labels(doc, "cell")
    free = labels.count(_CELL_FREE)
    return free >= 3 and free * 2 >= len(labels) - free


def dose_facts(doc: Doc, scope: DocScope, title_end: int) -> list[dict[str, Any]]:
    """Doses from ``cv_doses``, minus eligibility lists; none at all for cell-free products."""
    doses = doc.user_data.get(DOSES_KEY, [])
    if not doses or is_cell_free(doc, scope.text[:title_end]):
        return []
    blocked = scope.eligibility
    return [d for d in doses if not any(a <= d["start"] < b for a, b in blocked)]


def doc_facts(doc: Doc, title_end: int = 0, products_imply: bool = False) -> dict[str, Any]:
    """The spec's fields (without id and setting) plus ``mentions`` for one processed Doc.

    ``products_imply`` adds the tissue/donor that ``data/products.csv`` gives for named products
    when the text states none (off by default: the gold labels only what the text says).
    """
    scope = doc_scope(doc)
    tissue_all = group_spans(doc, "tissue")
    stated = set(tissue_keys(tissue_all))  # mentions of a dropped key are no evidence
    tissue = [sp for sp in tissue_all if sp.label_ in stated]
    donors = donor_spans(group_spans(doc, "donor"), scope)
    routes = route_spans(group_spans(doc, "route"))
    products = group_spans(doc, "product")
    events = _event_facts()
    mentions = [
        mention(field, sp, scope)
        for field, sps in (
            ("tissue_sources", tissue),
            ("donor", donors),
            ("routes", routes),
            ("products", products),
        )
        for sp in sps
    ]
    tissue_found, donor_found = tissue_keys(tissue), ordered_keys(donors)
    if products_imply and products:
        implied = implied_facts(ordered_keys(products))
        if tissue_found in ([], ["unspecified_msc"]) and implied["tissue_sources"]:
            tissue_found = implied["tissue_sources"]
        donor_found = donor_found or implied["donor"]
    return {
        "tissue_sources": tissue_found,
        "donor": donor_found,
        "routes": ordered_keys(routes),
        "doses": dose_facts(doc, scope, title_end),
        "events": events(doc) if events else [],
        "products": ordered_keys(products),
        "mentions": sorted(mentions, key=lambda m: m["start"]),
    }
