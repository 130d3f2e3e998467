"""Named MSC products (data/products.csv): what a product name implies about tissue and donor."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from nlp.rules import load_products


@cache
def product_table() -> dict[str, dict[str, str]]:
    """Rows keyed by canonical product name."""
    return {row["product"]: row for row in load_products()}


def implied_facts(names: Iterable[str]) -> dict[str, list[str]]:
    """Tissue and donor keys the table gives for these products (empty fields give nothing).

    The gold convention labels only what the text states, so extraction does not merge these
    into ``tissue_sources``/``donor`` by default; the registry can join them per product mention.
    """
    tissues: dict[str, None] = {}
    donors: dict[str, None] = {}
    for name in names:
        row = product_table().get(name)
        if row is None:
            continue
        if row.get("tissue_source"):
            tissues[row["tissue_source"]] = None
        if row.get("donor"):
            donors[row["donor"]] = None
    return {"tissue_sources": list(tissues), "donor": list(donors)}


@cache
def approved_products() -> frozenset[str]:
    """Products with a marketing authorisation somewhere (``approved_in`` filled)."""
    return frozenset(
        name for name, row in product_table().items() if (row.get("approved_in") or "").strip()
    )
