"""Clinic pages, WordPress posts, FDA letters and Retry-After parsing, offline."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.http import HtmlResponse, TextResponse

from cellvigil.paths import shared_dir
from crawler.middlewares import retry_after_seconds
from crawler.parse_clinic import (
    is_wp_post_page,
    page_item,
    parse_wp_posts,
    same_site_links,
    wp_api_root,
    wp_post_item,
)
from crawler.parse_common import ParseError
from crawler.parse_fda import letter_facts, letter_item, letter_links

WP_POST = "clinics/wp_post_stemcelltherapyargentina.json"


def _html(url: str, body: str | bytes, charset: str = "utf-8", **headers: str) -> HtmlResponse:
    data = body.encode(charset) if isinstance(body, str) else body
    ctype = f"text/html; charset={charset}"
    return HtmlResponse(url, body=data, headers={"Content-Type": ctype, **headers})


def _page_from_excerpt(fixtures_dir: Path, name: str, url: str) -> HtmlResponse:
    text = (fixtures_dir / name).read_text("utf-8")
    paras = "".join(f"<p>{p}</p>" for p in text.split("\n\n") if p.strip())
    nav = '<nav><a href="/">Home</a> <a href="https://other.example/x">Other</a></nav>'
    body = (
        f"<html><head><title>Procedure</title></head><body>{nav}<main>{paras}</main></body></html>"
    )
    return _html(url, body)


def test_clinic_wordpress_post_item(fixtures_dir: Path) -> None:
    post = json.loads((fixtures_dir / WP_POST).read_text("utf-8"))
    item = wp_post_item(post, "stemcelltherapyargentina.com", "AR").to_dict()
    assert item["external_id"] == item["url"] == post["link"]
    assert item["title"] == (
        "The Critical Role of Tissue Factor in the Endovenous Safety of Mesenchymal Stem Cell "
        "Therapies"
    )
    assert item["text"].startswith("Introduction\nMesenchymal stem cell (MSC) therapies")
    assert "tissue factor (TF, or CD142)" in item["text"] and "<p>" not in item["text"]
    assert (item["published"], item["updated"]) == ("2025-09-02", "2026-03-27")
    assert item["extra"] == {"domain": "stemcelltherapyargentina.com", "wp_post_id": 3654}
    assert item["raw_format"] == "json" and json.loads(item["raw"])["id"] == 3654


def test_clinic_wordpress_posts_page_reads_total_pages(fixtures_dir: Path) -> None:
    body = b"[" + (fixtures_dir / WP_POST).read_bytes() + b"]"
    response = TextResponse(
        "https://stemcelltherapyargentina.com/en/wp-json/wp/v2/posts?page=1",
        body=body,
        headers={"Content-Type": "application/json", "X-WP-TotalPages": "3", "X-WP-Total": "250"},
    )
    posts, pages = parse_wp_posts(response)
    assert len(posts) == 1 and pages == 3


def test_clinic_wordpress_api_error_raises() -> None:
    body = b'{"code":"rest_post_invalid_page_number","message":"out of range","data":{}}'
    response = TextResponse("https://x.example/wp-json/wp/v2/posts?page=9", body=body, status=400)
    with pytest.raises(ParseError, match="rest_post_invalid_page_number"):
        parse_wp_posts(response)


def test_clinic_wordpress_discovery() -> None:
    link = '<https://x.example/en/wp-json/>; rel="https://api.w.org/"'
    by_header = _html("https://x.example/", "<html></html>", Link=link)
    assert wp_api_root(by_header) == "https://x.example/en/wp-json/"
    by_tag = _html("https://x.example/", '<link rel="https://api.w.org/" href="/wp-json/">')
    assert wp_api_root(by_tag) == "https://x.example/wp-json/"
    assert wp_api_root(_html("https://x.example/", "<p>static</p>")) is None
    post_page = '<link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/7">'
    assert is_wp_post_page(_html("https://x.example/p/", post_page))


def test_clinic_page_visible_text_and_links(fixtures_dir: Path) -> None:
    url = "http://novastem.mx/the-procedure/"
    response = _page_from_excerpt(fixtures_dir, "clinics/page_novastem_mx_the_procedure.txt", url)
    item = page_item(response, "novastem.mx", "MX").to_dict()
    assert item["external_id"] == url and item["country"] == "MX"
    assert "Step 1 - Pre-Approval Process" in item["text"]
    assert "Other" not in item["text"].split("\n")[0]
    assert item["raw_format"] == "html" and item["raw"].startswith("<html>")
    assert same_site_links(response) == ["http://novastem.mx/"]


def test_clinic_page_not_utf8_is_skipped() -> None:
    body = "<html><body><p>Cl\u00ednica de c\u00e9lulas madre</p></body></html>".encode("latin-1")
    response = HtmlResponse(
        "https://x.example/", body=body, headers={"Content-Type": "text/html; charset=utf-8"}
    )
    with pytest.raises(ParseError, match="not valid utf-8"):
        page_item(response, "x.example", None)


def test_clinic_page_declared_latin1_is_read() -> None:
    text = "<html><body><p>Cl\u00ednica de c\u00e9lulas madre mesenquimales.</p></body></html>"
    item = page_item(_html("https://x.example/", text, "latin-1"), "x.example", None)
    assert "Clínica de células madre" in item.text


def _snapshot_docs(kind: str) -> list[dict]:
    path = shared_dir() / "snapshot" / "documents.jsonl"
    if not path.exists():
        pytest.skip(f"snapshot not found at {path}")
    docs = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    return [d for d in docs if d["source_kind"] == kind]


def test_fda_letter_facts_on_real_letters() -> None:
    letters = {d["url"].rsplit("/", 1)[-1]: d for d in _snapshot_docs("regulatory_action")}
    utah = letters["utah-cord-bank-llc-dba-utah-cell-bank-614013-08102021"]
    facts = letter_facts(utah["title"], utah["text"])
    assert facts["firm"] == "Utah Cord Bank LLC dba Utah Cell Bank"
    assert (facts["letter_date"], facts["letter_type"]) == ("2021-08-10", "warning_letter")
    assert {"StemVive", "StemMaxx", "StemTru", "StemCellect"} <= set(facts["products"])
    assert "section 351(i) of the Public Health Service Act" in facts["violations"]
    ussc = letters["us-stem-cell-clinic-llc-524470-08242017"]
    facts = letter_facts(ussc["title"], ussc["text"])
    assert (facts["firm"], facts["marcs_cms"]) == ("US Stem Cell Clinic, LLC", "524470")
    assert "stromal vascular fraction" in facts["products"]
    notice = letters["public-safety-notification-exosome-products"]
    facts = letter_facts(notice["title"], notice["text"])
    assert (facts["letter_type"], facts["letter_date"]) == ("safety_notification", "2019-12-06")


def test_fda_letter_page_and_index_links() -> None:
    url = (
        "https://www.fda.gov/inspections-compliance-enforcement-and-criminal-investigations/"
        "warning-letters/acme-cells-123456-01022024"
    )
    body = (
        "<html><head><title>Acme Cells LLC - 123456 - 01/02/2024 | FDA</title></head><body>"
        "<h1>Acme Cells LLC</h1><article><p>WARNING LETTER</p><p>January 2, 2024</p>"
        "<p>Your umbilical cord product AcmeCord\u00ae is a drug under section 201(g) of the "
        "FD&amp;C Act and violates 21 CFR 1271.3(d).</p></article></body></html>"
    )
    item = letter_item(_html(url, body)).to_dict()
    extra = item["extra"]
    assert (extra["firm"], extra["letter_date"]) == ("Acme Cells LLC", "2024-01-02")
    assert extra["products"][0] == "AcmeCord" and "21 CFR 1271.3(d)" in extra["violations"]
    assert item["source_kind"] == "regulatory_action" and item["country"] == "US"
    index = _html(
        "https://www.fda.gov/x/warning-letters-biologics",
        '<a href="/i/warning-letters/acme-cells-123456-01022024">A</a><a href="/about">B</a>',
    )
    assert letter_links(index) == [
        "https://www.fda.gov/i/warning-letters/acme-cells-123456-01022024"
    ]


def test_retry_after_header_forms() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(b"7") == 7.0
    assert retry_after_seconds("Thu, 01 Jan 2026 12:00:30 GMT", now=now) == 30.0
    assert retry_after_seconds(b"soon") is None and retry_after_seconds(None) is None


def test_robots_wikipedia_with_bom_disallows_for_our_agent(fixtures_dir: Path) -> None:
    from scrapy.robotstxt import ProtegoRobotParser

    body = (fixtures_dir / "robots/wikipedia_robots.txt").read_bytes()
    assert body.startswith(b"\xef\xbb\xbf")
    parser = ProtegoRobotParser(body, None)
    agent = "CellVigilBot/0.1 (+https://example.org)"
    assert not parser.allowed("https://en.wikipedia.org/w/index.php?title=X", agent)
    assert not parser.allowed("https://en.wikipedia.org/wiki/Special:Random", agent)
    assert parser.allowed("https://en.wikipedia.org/wiki/Mesenchymal_stem_cell", agent)
    assert not parser.allowed("https://en.wikipedia.org/wiki/X", "MJ12bot")
