"""Pure parsing of clinic web pages and WordPress REST posts into clinic_ad items."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
import trafilatura
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor

from crawler.items import DocumentItem, utc_now
from crawler.parse_common import ParseError, iso_date, json_body, strict_text, year_of

WP_API_REL = "https://api.w.org/"
_LINK_HEADER = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')
# Files whose text is not a page: never followed.
_SKIP_EXT = ["pdf", "jpg", "jpeg", "png", "gif", "webp", "svg", "zip", "mp4", "mp3", "doc", "docx"]


def visible_text(html: str, url: str | None = None) -> str:
    """Main visible text of an HTML page, extracted with trafilatura (lxml text as fallback)."""
    text = trafilatura.extract(
        html, url=url, favor_recall=True, include_comments=False, include_tables=True
    )
    if text:
        return text.strip()
    try:
        root = lxml.html.fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    for bad in root.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    return "\n".join(line.strip() for line in root.text_content().splitlines() if line.strip())


def decoded_html(response: Response) -> str:
    """The page's HTML decoded strictly with its declared or detected encoding."""
    if not isinstance(response, TextResponse):
        raise ParseError(f"not a text page (Content-Type {response.headers.get('Content-Type')!r})")
    return strict_text(response, response.encoding)


def page_title(response: TextResponse) -> str:
    """The page's <title> (or first <h1>), whitespace-collapsed."""
    title = response.xpath("normalize-space(//title)").get() or ""
    return title or response.xpath("normalize-space(//h1)").get() or ""


def page_item(
    response: Response, domain: str, country: str | None, html: str | None = None
) -> DocumentItem:
    """A clinic_ad item for one HTML page (raw = the page HTML)."""
    html = html if html is not None else decoded_html(response)
    text = visible_text(html, response.url)
    if not text:
        raise ParseError("page has no visible text")
    modified = response.xpath("//meta[@property='article:modified_time']/@content").get()
    published = response.xpath("//meta[@property='article:published_time']/@content").get()
    return DocumentItem(
        source="clinic",
        source_kind="clinic_ad",
        external_id=response.url,
        url=response.url,
        title=page_title(response),
        text=text,
        year=year_of(iso_date(published)),
        country=country,
        published=iso_date(published),
        updated=iso_date(modified),
        fetched_at=utc_now(),
        raw=html,
        raw_format="html",
        extra={"domain": domain},
    )


def wp_api_root(response: Response) -> str | None:
    """The WordPress REST root advertised by a page (Link header or <link rel>), if any."""
    for value in response.headers.getlist(b"Link"):
        for href, rel in _LINK_HEADER.findall(value.decode("latin-1")):
            if rel.strip() == WP_API_REL:
                return urljoin(response.url, href)
    if isinstance(response, TextResponse):
        href = response.xpath(f"//link[@rel='{WP_API_REL}']/@href").get()
        if href:
            return urljoin(response.url, href)
    return None


def is_wp_post_page(response: TextResponse) -> bool:
    """True when the page is a WordPress post that the REST API already serves."""
    alternates = response.xpath("//link[@rel='alternate'][@type='application/json']/@href").getall()
    return any("/wp/v2/posts/" in href for href in alternates)


def _site(url: str) -> str:
    """host[:port] without a leading ``www.``: www.example.com and example.com are one site."""
    return urlsplit(url).netloc.lower().removeprefix("www.")


def same_site_links(response: TextResponse) -> list[str]:
    """Links on the page that stay on the page's own site, without fragments or files."""
    site = _site(response.url)
    extractor = LinkExtractor(deny_extensions=_SKIP_EXT, unique=True)
    return [
        link.url
        for link in extractor.extract_links(response)
        if _site(link.url) == site and urlsplit(link.url).scheme in ("http", "https")
    ]


def parse_wp_posts(response: Response) -> tuple[list[dict[str, Any]], int]:
    """Posts of one ``/wp/v2/posts`` page and the total number of pages (X-WP-TotalPages)."""
    data = json_body(response)
    if isinstance(data, dict) and data.get("code"):
        raise ParseError(f"WordPress API error {data.get('code')}: {data.get('message')}")
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ParseError("WordPress posts response is not a list")
    pages = (response.headers.get(b"X-WP-TotalPages") or b"1").decode("latin-1").strip()
    return data, int(pages) if pages.isdigit() else 1


def _rendered(value: Any) -> str:
    return value.get("rendered", "") if isinstance(value, dict) else str(value or "")


def wp_post_item(post: dict[str, Any], domain: str, country: str | None) -> DocumentItem:
    """A clinic_ad item from one WordPress REST post (raw = the post JSON)."""
    link = post.get("link") or _rendered(post.get("guid"))
    if not link or "id" not in post:
        raise ParseError("WordPress post without link or id")
    title_html = _rendered(post.get("title"))
    title = (
        lxml.html.fromstring(f"<p>{title_html}</p>").text_content().strip() if title_html else ""
    )
    content = _rendered(post.get("content"))
    text = visible_text(f"<html><body><article>{content}</article></body></html>", link)
    if not text:
        raise ParseError(f"WordPress post {post.get('id')} has no text")
    published = iso_date(post.get("date_gmt") or post.get("date"))
    return DocumentItem(
        source="clinic",
        source_kind="clinic_ad",
        external_id=link,
        url=link,
        title=title,
        text=text,
        year=year_of(published),
        country=country,
        published=published,
        updated=iso_date(post.get("modified_gmt") or post.get("modified")),
        fetched_at=utc_now(),
        raw=json.dumps(post, ensure_ascii=False, separators=(",", ":")),
        raw_format="json",
        extra={"domain": domain, "wp_post_id": post.get("id")},
    )
