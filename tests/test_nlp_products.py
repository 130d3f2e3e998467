"""Named MSC products: the products table is valid and product names are found in text."""

from __future__ import annotations

import pytest

from cellvigil.vocabulary import keys
from nlp.extract import extract_records
from nlp.rules import load_products


def test_products_table_uses_vocabulary_keys() -> None:
    rows = load_products()
    assert len(rows) >= 10
    for row in rows:
        assert row["tissue_source"] in {"", *keys("tissue_sources")}, row["product"]
        assert row["donor"] in {"", *keys("donor")}, row["product"]
        assert row["source_url"] == "" or row["source_url"].startswith("http")


@pytest.mark.parametrize(
    "text, product",
    [
        ("Prochymal was infused twice weekly.", "remestemcel-L"),
        ("Ryoncil is approved for pediatric SR-aGVHD.", "remestemcel-L"),
        ("Alofisel (darvadstrocel) was injected around the fistula.", "darvadstrocel"),
        ("Patients received Cx601 in the ADMIRE-CD trial.", "darvadstrocel"),
        ("Temcell HS was given for GVHD.", "Temcell"),
        ("Cartistem was applied to the cartilage defect.", "Cartistem"),
        ("NurOwn (MSC-NTF cells) was given intrathecally.", "NurOwn"),
    ],
)
def test_products_found_as_mentions(text: str, product: str) -> None:
    out = next(extract_records([{"id": "p", "title": "", "text": text}]))
    found = {m["key"] for m in out["mentions"] if m["field"] == "products"}
    assert product in found


def test_products_do_not_invent_tissue() -> None:
    """Gold convention: a product name alone does not state a tissue."""
    out = next(extract_records([{"id": "p", "title": "", "text": "Remestemcel-L was infused."}]))
    assert out["tissue_sources"] == []


def test_products_imply_tissue_and_donor_when_asked() -> None:
    from nlp.extract import get_nlp
    from nlp.facts import doc_facts
    from nlp.products import implied_facts

    assert implied_facts(["darvadstrocel"]) == {
        "tissue_sources": ["adipose"],
        "donor": ["allogeneic"],
    }
    doc = get_nlp()("Alofisel was injected into the fistula tract.")
    assert doc_facts(doc)["tissue_sources"] == []
    facts = doc_facts(doc, products_imply=True)
    assert facts["tissue_sources"] == ["adipose"] and facts["donor"] == ["allogeneic"]
