"""PubMed E-utilities parsing on the recorded esearch and efetch responses, field by field."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_helpers import fixture_response
from scrapy.http import XmlResponse

from crawler.parse_common import ParseError
from crawler.parse_pubmed import parse_efetch, parse_esearch

EFETCH = "pubmed/efetch_pubmed_11748933_11700088.xml"


def test_pubmed_esearch_with_history(fixtures_dir: Path) -> None:
    result = parse_esearch(
        fixture_response(fixtures_dir, "pubmed/esearch_xml_cancer_usehistory.xml")
    )
    assert (result.count, result.query_key) == (42249, "1")
    assert result.webenv == "MCID_6927d6e7fee3e90f880ec190"
    assert len(result.ids) == 100 and result.ids[0] == "41297076"


def test_pubmed_esearch_without_history(fixtures_dir: Path) -> None:
    result = parse_esearch(fixture_response(fixtures_dir, "pubmed/esearch_xml_biopython.xml"))
    assert (result.count, result.query_key, result.webenv, len(result.ids)) == (63, None, None, 20)


def test_pubmed_efetch_first_article_field_by_field(fixtures_dir: Path) -> None:
    items, skipped = parse_efetch(fixture_response(fixtures_dir, EFETCH))
    assert skipped == [] and len(items) == 2
    item = items[0].to_dict()
    assert item["source"] == "pubmed" and item["source_kind"] == "publication"
    assert item["external_id"] == "pmid:11748933"
    assert item["url"] == "https://pubmed.ncbi.nlm.nih.gov/11748933/"
    assert item["title"] == (
        "Is cryopreservation a homogeneous process? Ultrastructure and motility of untreated, "
        "prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti)."
    )
    assert item["text"].startswith("This study subdivides the cryopreservation procedure")
    assert "(P < 0.001)" in item["text"]  # entities decoded
    assert item["text"].endswith("to better understand the process of sperm damage.")
    assert (item["year"], item["published"], item["updated"]) == (2001, "2001-06-01", "2006-11-15")
    assert item["raw_format"] == "xml" and item["raw"].startswith("<PubmedArticle>")
    assert item["raw"].endswith("</PubmedArticle>")
    extra = item["extra"]
    assert extra["pmid"] == "11748933" and extra["doi"] == "10.1006/cryo.2001.2328"
    assert extra["pmcid"] is None and extra["journal"] == "Cryobiology"
    assert extra["publication_types"] == ["Journal Article", "Research Support, Non-U.S. Gov't"]
    assert extra["mesh"][:3] == ["Animals", "Cell Membrane", "Cryopreservation"]
    assert len(extra["mesh"]) == 11 and extra["nct_ids"] == []


def test_pubmed_efetch_second_article(fixtures_dir: Path) -> None:
    item = parse_efetch(fixture_response(fixtures_dir, EFETCH))[0][1].to_dict()
    assert item["external_id"] == "pmid:11700088"
    assert item["title"] == "Proton MRI of (13)C distribution by J and chemical shift editing."
    assert item["extra"]["journal"] == "Journal of magnetic resonance (San Diego, Calif. : 1997)"
    assert item["extra"]["mesh"] == [] and item["published"] == "2001-11-01"


def test_pubmed_structured_abstract_and_nct_ids() -> None:
    body = b"""<?xml version="1.0"?><PubmedArticleSet><PubmedArticle><MedlineCitation>
    <PMID>1</PMID><Article><ArticleTitle>T</ArticleTitle><Abstract>
    <AbstractText Label="BACKGROUND">MSCs <i>were</i> given.</AbstractText>
    <AbstractText Label="RESULTS">See NCT01234567.</AbstractText></Abstract>
    <DataBankList><DataBank><DataBankName>ClinicalTrials.gov</DataBankName><AccessionNumberList>
    <AccessionNumber>NCT07654321</AccessionNumber></AccessionNumberList></DataBank></DataBankList>
    </Article></MedlineCitation></PubmedArticle></PubmedArticleSet>"""
    (item,), _ = parse_efetch(XmlResponse("http://127.0.0.1/efetch", body=body))
    assert item.text == "BACKGROUND: MSCs were given.\n\nRESULTS: See NCT01234567."
    assert item.extra["nct_ids"] == ["NCT07654321", "NCT01234567"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<PubmedArticleSet><PubmedArticle>", "malformed XML"),
        (b"<html><body>Error</body></html>", "HTML page"),
        (b"<eSearchResult><Count>1</Count></eSearchResult>", "expected XML root"),
    ],
)
def test_pubmed_bad_efetch_raises(body: bytes, reason: str) -> None:
    with pytest.raises(ParseError, match=reason):
        parse_efetch(XmlResponse("http://127.0.0.1/efetch", body=body))


def test_pubmed_esearch_error_raises() -> None:
    body = b"<eSearchResult><ERROR>Invalid query</ERROR></eSearchResult>"
    with pytest.raises(ParseError, match="Invalid query"):
        parse_esearch(XmlResponse("http://127.0.0.1/esearch", body=body))
