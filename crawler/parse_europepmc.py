"""Pure parsing of Europe PMC REST search (resultType=core) pages into publication items."""

from __future__ import annotations

import json
from typing import Any

import lxml.html
from scrapy.http import Response

from crawler.items import DocumentItem, utc_now
from crawler.parse_common import ParseError, iso_date, json_body, nct_ids_in, year_of

ARTICLE_URL = "https://europepmc.org/article/{source}/{id}"
# Index counters that change without the paper changing; left out of the stored raw JSON so an
# unchanged paper is not a new version each crawl.
VOLATILE_KEYS = frozenset({"citedByCount"})


def parse_search_page(response: Response) -> tuple[list[dict[str, Any]], str | None, int]:
    """Results, nextCursorMark and hitCount of one search page."""
    data = json_body(response)
    if not isinstance(data, dict) or "hitCount" not in data:
        raise ParseError("Europe PMC response has no hitCount")
    results = (data.get("resultList") or {}).get("result")
    if not isinstance(results, list):
        raise ParseError("Europe PMC response has no resultList.result list")
    return results, data.get("nextCursorMark") or None, int(data["hitCount"])


def abstract_text(html: str | None) -> str:
    """Abstract HTML to text; ``<h4>Label</h4>`` section heads become 'Label: ' paragraphs."""
    if not html or not html.strip():
        return ""
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    paras: list[str] = []
    current = [root.text or ""]
    for child in root:
        if child.tag in ("h4", "h3", "b") and child.text_content().strip():
            paras.append(" ".join("".join(current).split()))
            current = [child.text_content().strip().rstrip(":") + ": "]
        else:
            current.append(child.text_content())
        current.append(child.tail or "")
    paras.append(" ".join("".join(current).split()))
    return "\n\n".join(p for p in paras if p and not p.endswith(":"))


def external_id(result: dict[str, Any]) -> str:
    """The shared id rule: pmid:… when a PMID exists, else doi:…, else pmcid:…."""
    if result.get("pmid"):
        return f"pmid:{result['pmid']}"
    if result.get("doi"):
        return f"doi:{result['doi'].lower()}"
    if result.get("pmcid"):
        return f"pmcid:{result['pmcid']}"
    if result.get("id") and result.get("source"):
        return f"europepmc:{result['source']}:{result['id']}"
    raise ParseError("Europe PMC result without pmid, doi, pmcid or id")


def result_item(result: dict[str, Any], fetched_at: str | None = None) -> DocumentItem:
    """A publication item from one core result (raw = the result's JSON)."""
    ext = external_id(result)
    journal = ((result.get("journalInfo") or {}).get("journal") or {}).get("title")
    title = " ".join((result.get("title") or "").split())
    text = abstract_text(result.get("abstractText"))
    published = iso_date(result.get("firstPublicationDate")) or iso_date(result.get("pubYear"))
    mesh = [
        m.get("descriptorName")
        for m in (result.get("meshHeadingList") or {}).get("meshHeading") or []
        if m.get("descriptorName")
    ]
    url = (
        f"https://pubmed.ncbi.nlm.nih.gov/{result['pmid']}/"
        if result.get("pmid")
        else ARTICLE_URL.format(source=result.get("source", "MED"), id=result.get("id", ""))
    )
    return DocumentItem(
        source="europepmc",
        source_kind="publication",
        external_id=ext,
        url=url,
        title=title,
        text=text,
        year=year_of(published),
        published=published,
        updated=iso_date(result.get("dateOfRevision")),
        fetched_at=fetched_at or utc_now(),
        raw=json.dumps(
            {k: v for k, v in result.items() if k not in VOLATILE_KEYS},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        raw_format="json",
        extra={
            "pmid": result.get("pmid"),
            "doi": (result.get("doi") or "").lower() or None,
            "pmcid": result.get("pmcid"),
            "journal": journal,
            "publication_types": list((result.get("pubTypeList") or {}).get("pubType") or []),
            "mesh": mesh,
            "nct_ids": nct_ids_in(title, text),
            "europepmc_id": f"{result.get('source')}:{result.get('id')}",
            "also_source": "pubmed" if result.get("pmid") else None,
        },
    )


def parse_results(results: list[dict[str, Any]]) -> tuple[list[DocumentItem], list[str]]:
    """Items for a page's results, and the reason for any result that was skipped."""
    items, skipped = [], []
    fetched_at = utc_now()
    for result in results:
        try:
            items.append(result_item(result, fetched_at))
        except (ParseError, AttributeError, TypeError) as exc:
            skipped.append(f"result {result.get('id')!r}: {exc}")
    return items, skipped
