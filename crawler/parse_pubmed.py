"""Pure parsing of NCBI E-utilities responses (esearch history, efetch PubmedArticle XML)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from scrapy.http import Response

from crawler.items import DocumentItem, utc_now
from crawler.parse_common import ParseError, nct_ids_in, xml_root, year_of, ymd

PUBMED_URL = "https://pubmed.ncbi.nlm.nih.gov/{pmid}/"


@dataclass(frozen=True)
class SearchResult:
    """What an esearch with ``usehistory=y`` returns: the count and the history handle."""

    count: int
    query_key: str | None
    webenv: str | None
    ids: list[str]


def parse_esearch(response: Response) -> SearchResult:
    """Count, QueryKey, WebEnv and ids of an esearch XML response."""
    root = xml_root(response, "eSearchResult")
    error = root.findtext("ERROR")
    if error:
        raise ParseError(f"esearch error: {error}")
    count = root.findtext("Count")
    if count is None or not count.strip().isdigit():
        raise ParseError("esearch response has no <Count>")
    return SearchResult(
        count=int(count),
        query_key=root.findtext("QueryKey"),
        webenv=root.findtext("WebEnv"),
        ids=[i.text for i in root.iterfind("IdList/Id") if i.text],
    )


def _text(el: etree._Element | None) -> str:
    """All text inside an element (inline markup such as <i> kept as plain text)."""
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def abstract_text(article: etree._Element) -> str:
    """The abstract, one paragraph per AbstractText, structured sections as 'LABEL: text'."""
    paras = []
    for part in article.iterfind("MedlineCitation/Article/Abstract/AbstractText"):
        body = _text(part)
        if not body:
            continue
        label = part.get("Label")
        paras.append(f"{label}: {body}" if label else body)
    return "\n\n".join(paras)


def _pub_date(article: etree._Element) -> str | None:
    pub = article.find("MedlineCitation/Article/Journal/JournalIssue/PubDate")
    if pub is not None:
        found = ymd(pub.findtext("Year"), pub.findtext("Month"), pub.findtext("Day"))
        if found:
            return found
        medline = pub.findtext("MedlineDate") or ""
        if medline[:4].isdigit():
            return ymd(medline[:4])
    for status in ("pubmed", "entrez"):
        el = article.find(f"PubmedData/History/PubMedPubDate[@PubStatus='{status}']")
        if el is not None:
            return ymd(el.findtext("Year"), el.findtext("Month"), el.findtext("Day"))
    return None


def _article_id(article: etree._Element, id_type: str) -> str | None:
    el = article.find(f"PubmedData/ArticleIdList/ArticleId[@IdType='{id_type}']")
    return el.text.strip() if el is not None and el.text else None


def article_fields(article: etree._Element) -> dict[str, Any]:
    """Every field the registry keeps from one <PubmedArticle>."""
    cit = article.find("MedlineCitation")
    if cit is None or not (cit.findtext("PMID") or "").strip():
        raise ParseError("PubmedArticle without MedlineCitation/PMID")
    art = cit.find("Article")
    title = _text(art.find("ArticleTitle")) if art is not None else ""
    abstract = abstract_text(article)
    doi = _article_id(article, "doi")
    if doi is None and art is not None:
        el = art.find("ELocationID[@EIdType='doi']")
        doi = el.text.strip() if el is not None and el.text else None
    databank = [
        acc.text.strip()
        for acc in cit.iterfind("Article/DataBankList/DataBank/AccessionNumberList/AccessionNumber")
        if acc.text and acc.text.strip().upper().startswith("NCT")
    ]
    revised = cit.find("DateRevised")
    return {
        "pmid": cit.findtext("PMID").strip(),
        "title": title,
        "abstract": abstract,
        "journal": (art.findtext("Journal/Title") if art is not None else None),
        "published": _pub_date(article),
        "updated": (
            ymd(revised.findtext("Year"), revised.findtext("Month"), revised.findtext("Day"))
            if revised is not None
            else None
        ),
        "doi": doi.lower() if doi else None,
        "pmcid": _article_id(article, "pmc"),
        "publication_types": [
            _text(p) for p in cit.iterfind("Article/PublicationTypeList/PublicationType")
        ],
        "mesh": [_text(d) for d in cit.iterfind("MeshHeadingList/MeshHeading/DescriptorName")],
        "nct_ids": list(dict.fromkeys(databank + nct_ids_in(title, abstract))),
        "country": cit.findtext("MedlineJournalInfo/Country"),
    }


def article_item(article: etree._Element, fetched_at: str | None = None) -> DocumentItem:
    """A publication item from one <PubmedArticle> (raw = that element's XML)."""
    f = article_fields(article)
    return DocumentItem(
        source="pubmed",
        source_kind="publication",
        external_id=f"pmid:{f['pmid']}",
        url=PUBMED_URL.format(pmid=f["pmid"]),
        title=f["title"],
        text=f["abstract"],
        year=year_of(f["published"]),
        country=None,
        published=f["published"],
        updated=f["updated"],
        fetched_at=fetched_at or utc_now(),
        raw=etree.tostring(article, encoding="unicode"),
        raw_format="xml",
        extra={
            "pmid": f["pmid"],
            "doi": f["doi"],
            "pmcid": f["pmcid"],
            "journal": f["journal"],
            "publication_types": f["publication_types"],
            "mesh": f["mesh"],
            "nct_ids": f["nct_ids"],
            "journal_country": f["country"],
        },
    )


def parse_efetch(response: Response) -> tuple[list[DocumentItem], list[str]]:
    """Items of an efetch batch, and the reasons for any article skipped inside it."""
    root = xml_root(response, "PubmedArticleSet")
    items, skipped = [], []
    fetched_at = utc_now()
    for article in root.iterfind("PubmedArticle"):
        try:
            items.append(article_item(article, fetched_at))
        except ParseError as exc:
            skipped.append(str(exc))
    return items, skipped
