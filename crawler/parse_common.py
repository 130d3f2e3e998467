"""Shared checks for parse helpers: decode, JSON/XML sanity, dates; bad input raises ParseError."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from lxml import etree
from scrapy.http import Response

_MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


class ParseError(ValueError):
    """A response that cannot be parsed; the message is the reason logged with the URL."""


def strict_text(response: Response, encoding: str = "utf-8") -> str:
    """The body decoded strictly; a body that is not valid ``encoding`` raises ParseError."""
    try:
        return response.body.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(f"body is not valid {encoding} (byte {exc.start})") from exc


def _content_type(response: Response) -> str:
    return (response.headers.get(b"Content-Type") or b"").decode("latin-1").lower()


def json_body(response: Response) -> Any:
    """Decode a JSON API response; HTML error pages, non-UTF-8 and malformed JSON raise."""
    text = strict_text(response)
    head = text.lstrip()[:200].lower()
    if "html" in _content_type(response) or head.startswith(("<!doctype", "<html", "<")):
        raise ParseError(f"expected JSON, got an HTML page (HTTP {response.status})")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ParseError(f"malformed JSON: {exc.msg} at line {exc.lineno}") from exc


_XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def xml_root(response: Response, expected_tag: str) -> etree._Element:
    """Parse an XML API response whose root must be ``expected_tag``; anything else raises."""
    body = response.body
    if b"<html" in body[:500].lower():
        raise ParseError(
            f"expected XML <{expected_tag}>, got an HTML page (HTTP {response.status})"
        )
    try:
        root = etree.fromstring(body, parser=_XML_PARSER)
    except etree.XMLSyntaxError as exc:
        raise ParseError(f"malformed XML: {exc}") from exc
    if root is None or root.tag != expected_tag:
        tag = None if root is None else root.tag
        raise ParseError(f"expected XML root <{expected_tag}>, got <{tag}>")
    return root


def iso_date(value: str | None) -> str | None:
    """Normalise '2008-11', '2008-11-17' or '2008' to an ISO date (missing parts = 01)."""
    if not value:
        return None
    m = re.match(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", value.strip())
    if not m:
        return None
    year, month, day = int(m.group(1)), int(m.group(2) or 1), int(m.group(3) or 1)
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def ymd(year: str | None, month: str | None = None, day: str | None = None) -> str | None:
    """An ISO date from year/month/day parts; month may be a number or 'Jun'."""
    if not year or not year.strip().isdigit():
        return None
    mon = 1
    if month:
        month = month.strip()
        mon = int(month) if month.isdigit() else _MONTHS.get(month[:3].lower(), 1)
    d = int(day) if day and day.strip().isdigit() else 1
    try:
        return date(int(year), mon, d).isoformat()
    except ValueError:
        return None


def year_of(iso: str | None) -> int | None:
    """The year of an ISO date string, or None."""
    return int(iso[:4]) if iso and iso[:4].isdigit() else None


NCT_RE = re.compile(r"\bNCT\d{8}\b")


def nct_ids_in(*texts: str | None) -> list[str]:
    """Distinct NCT ids mentioned in the texts, in order of first mention."""
    seen: dict[str, None] = {}
    for text in texts:
        for m in NCT_RE.finditer(text or ""):
            seen.setdefault(m.group(0), None)
    return list(seen)
