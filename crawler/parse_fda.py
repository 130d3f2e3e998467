"""Pure parsing of FDA warning/untitled letters and safety notices: who, when, what, which rules."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response, TextResponse

from crawler.items import DocumentItem, utc_now
from crawler.parse_clinic import decoded_html, page_title, visible_text
from crawler.parse_common import ParseError, year_of

# FDA letter page titles read "Firm Name - MARCS-CMS 123456 - 08/24/2017" (or without MARCS).
_TITLE = re.compile(
    r"^(?P<firm>.+?)\s+-\s+(?:MARCS-CMS\s+)?(?P<marcs>\d{5,7})\s+-\s+(?P<date>\d{2}/\d{2}/\d{4})"
)
_LONG_DATE = re.compile(
    r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
    r"\s+(\d{1,2}),\s+(\d{4})\b"
)
_CFR = re.compile(r"\b21\s+CFR\s+(?:Part\s+)?\d{1,4}(?:\.\d+)?(?:\([a-z0-9]+\))*", re.I)
_SECTION = re.compile(
    r"\b[Ss]ection\s+\d{3}[A-Za-z]?(?:\([a-zA-Z0-9]+\))*\s+of\s+the\s+"
    r"(?:PHS Act|Public Health Service Act|FD&C Act|Federal Food, Drug,? and Cosmetic Act|Act)"
)
_BRAND = re.compile(r"\b([A-Z][A-Za-z0-9-]{2,}(?:\s[A-Z][A-Za-z0-9-]{2,})?)\s?[®™]")
_PRODUCT_TERMS = (
    "stromal vascular fraction",
    "mesenchymal stem cell",
    "mesenchymal stromal cell",
    "umbilical cord blood",
    "umbilical cord",
    "wharton's jelly",
    "amniotic fluid",
    "amniotic membrane",
    "exosome",
    "adipose",
    "bone marrow",
    "placenta",
)
LETTER_LINK = re.compile(r"/warning-letters/[^/?#]+|untitled-letter", re.I)


def letter_type(title: str, text: str) -> str:
    """warning_letter, untitled_letter, safety_notification, or other."""
    head = f"{title}\n{text[:1500]}".lower()
    if "warning letter" in head:
        return "warning_letter"
    if "untitled letter" in head or "it has come to the attention" in head:
        return "untitled_letter"
    if "safety notification" in head or "safety communication" in head or "consumer alert" in head:
        return "safety_notification"
    return "other"


def _long_date(text: str) -> str | None:
    m = _LONG_DATE.search(text)
    if not m:
        return None
    return datetime.strptime(" ".join(m.groups()), "%B %d %Y").date().isoformat()


def letter_facts(title: str, text: str) -> dict[str, Any]:
    """Firm, letter date, type, products and cited violations from a letter's title and text."""
    m = _TITLE.match(title.strip())
    firm = m.group("firm").strip() if m else None
    if m:
        letter_date = datetime.strptime(m.group("date"), "%m/%d/%Y").date().isoformat()
    else:
        letter_date = _long_date(text)
    if firm is None:
        rec = re.search(r"Recipient:\s*(?:Recipient Name)?\s*(.+)", text)
        firm = rec.group(1).strip() if rec else None
    lower = text.lower()
    products = list(dict.fromkeys(b.strip() for b in _BRAND.findall(text)))
    products += [t for t in _PRODUCT_TERMS if t in lower and t not in (p.lower() for p in products)]
    violations = list(
        dict.fromkeys(" ".join(v.split()) for v in _CFR.findall(text) + _SECTION.findall(text))
    )
    return {
        "firm": firm,
        "marcs_cms": m.group("marcs") if m else None,
        "letter_date": letter_date,
        "letter_type": letter_type(title, text),
        "products": products,
        "violations": violations,
    }


def letter_item(response: Response) -> DocumentItem:
    """A regulatory_action item for one FDA letter or notice page (raw = the page HTML)."""
    if not isinstance(response, TextResponse):
        raise ParseError("FDA page is not text")
    html = decoded_html(response)
    text = visible_text(html, response.url)
    if not text:
        raise ParseError("FDA page has no visible text")
    title = response.xpath("normalize-space(//h1)").get() or page_title(response)
    full_title = page_title(response)
    facts = letter_facts(full_title if _TITLE.match(full_title) else title, text)
    return DocumentItem(
        source="fda",
        source_kind="regulatory_action",
        external_id=response.url,
        url=response.url,
        title=full_title or title,
        text=text,
        year=year_of(facts["letter_date"]),
        country="US",
        published=facts["letter_date"],
        updated=None,
        fetched_at=utc_now(),
        raw=html,
        raw_format="html",
        extra=facts | {"domain": urlsplit(response.url).hostname},
    )


def letter_links(response: TextResponse) -> list[str]:
    """Links on an index page that lead to individual letters."""
    hrefs = response.xpath("//a/@href").getall()
    own = urlsplit(response.url).path.rstrip("/")
    links = []
    for href in hrefs:
        url = response.urljoin(href)
        path = urlsplit(url).path.rstrip("/")
        if LETTER_LINK.search(path) and path != own:
            links.append(url)
    return list(dict.fromkeys(links))
