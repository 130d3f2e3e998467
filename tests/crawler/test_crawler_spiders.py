"""Spiders end to end against the loopback mock: paging, faults, robots.txt, retries, skips."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from crawl_helpers import MockServer, run_crawl

PAGE1 = "ctgov/search_page1_phelan_mcdermid.json"
PAGE2 = "ctgov/search_page2_phelan_mcdermid.json"


def _ncts(fixtures_dir: Path, name: str) -> list[str]:
    data = json.loads((fixtures_dir / name).read_text())
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in data["studies"]]


def _requests(mock: MockServer, path: str) -> list[dict[str, list[str]]]:
    return [parse_qs(r["query"]) for r in mock.log() if r["path"] == path]


def test_ctgov_pages_through_both_search_pages(
    mockserver: MockServer, tmp_path: Path, fixtures_dir: Path
) -> None:
    result = run_crawl("ctgov", mockserver, tmp_path)
    assert result.returncode == 0, result.log
    expected = _ncts(fixtures_dir, PAGE1) + _ncts(fixtures_dir, PAGE2)
    assert [i["external_id"] for i in result.items] == expected
    pages = _requests(mockserver, "/api/v2/studies")
    token1 = json.loads((fixtures_dir / PAGE1).read_text())["nextPageToken"]
    token2 = json.loads((fixtures_dir / PAGE2).read_text())["nextPageToken"]
    assert "pageToken" not in pages[0] and pages[0]["countTotal"] == ["true"]
    assert [p.get("pageToken") for p in pages[1:]] == [[token1], [token2]]
    assert all(p["pageSize"] == ["1000"] for p in pages)
    assert result.stats("ctgov")["items"] == 10


def test_ctgov_max_pages_and_since_filter(mockserver: MockServer, tmp_path: Path) -> None:
    result = run_crawl("ctgov", mockserver, tmp_path, "--max-pages", "1", "--since", "2024-05-01")
    assert result.returncode == 0, result.log
    assert len(result.items) == 5
    (only,) = _requests(mockserver, "/api/v2/studies")
    assert only["filter.advanced"] == ["AREA[LastUpdatePostDate]RANGE[2024-05-01,MAX]"]


def test_ctgov_single_studies_keep_adverse_events(mockserver: MockServer, tmp_path: Path) -> None:
    ids = "NCT00791778,NCT02552212,NCT03630471"
    result = run_crawl("ctgov", mockserver, tmp_path, "-a", f"ids={ids}")
    assert result.returncode == 0, result.log
    by_id = {i["external_id"]: i for i in result.items}
    assert set(by_id) == set(ids.split(","))
    events = by_id["NCT00791778"]["extra"]["adverse_events"]
    assert Counter(e["serious"] for e in events) == {True: 44 * 2, False: 54 * 2}
    assert by_id["NCT03630471"]["extra"]["adverse_events"] == []
    assert json.loads(by_id["NCT02552212"]["raw"])["hasResults"] is True


def test_ctgov_429_then_success_honours_retry_after(mockserver: MockServer, tmp_path: Path) -> None:
    mockserver.fault("/api/v2/studies", "429")
    result = run_crawl("ctgov", mockserver, tmp_path)
    assert result.returncode == 0, result.log
    assert len(result.items) == 10
    first_two = [r for r in mockserver.log() if r["path"] == "/api/v2/studies"][:2]
    assert first_two[0]["query"] == first_two[1]["query"]
    assert first_two[1]["t"] - first_two[0]["t"] >= 0.95  # Retry-After: 1
    assert result.stats("ctgov")["retries"] == 1


def test_ctgov_5xx_is_retried_with_backoff(mockserver: MockServer, tmp_path: Path) -> None:
    mockserver.fault("/api/v2/studies", "503", "503")
    result = run_crawl("ctgov", mockserver, tmp_path)
    assert result.returncode == 0, result.log
    assert len(result.items) == 10
    assert result.stats("ctgov")["retries"] == 2


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("malformed", "malformed JSON"),
        ("html_error", "expected JSON, got an HTML page"),
        ("latin1", "not valid utf-8"),
        ("redirect_loop", "redirect loop"),
    ],
)
def test_ctgov_bad_page_is_a_logged_skip_and_keeps_the_rest(
    mockserver: MockServer, tmp_path: Path, fault: str, reason: str
) -> None:
    # Page 1 is fine, page 2 is bad: page 1's items are stored, page 2 is skipped with a reason.
    mockserver.fault("/api/v2/studies", "none", fault)
    result = run_crawl("ctgov", mockserver, tmp_path, db=True)
    assert result.returncode == 0, result.log
    assert len(result.items) == 5
    skips = [line for line in result.log.splitlines() if "SKIP " in line]
    assert len(skips) == 1 and reason in skips[0], result.log[-3000:]
    assert "/api/v2/studies" in skips[0] or "/_loop/" in skips[0]
    assert result.stats("ctgov")["skipped"] == 1
    assert result.stats("ctgov")["ingest"]["inserted"] == 5


def test_pubmed_history_server_then_efetch(mockserver: MockServer, tmp_path: Path) -> None:
    result = run_crawl(
        "pubmed", mockserver, tmp_path, "--since", "2026-01-01", "-a", "until=2026-01-10"
    )
    assert result.returncode == 0, result.log
    (search,) = _requests(mockserver, "/entrez/eutils/esearch.fcgi")
    assert search["usehistory"] == ["y"] and search["datetype"] == ["mdat"]
    assert (search["mindate"], search["maxdate"]) == (["2026/01/01"], ["2026/01/10"])
    fetches = _requests(mockserver, "/entrez/eutils/efetch.fcgi")
    assert [f["retstart"] for f in fetches] == [["0"]]
    assert fetches[0]["WebEnv"] == ["MCID_6927d6e7fee3e90f880ec190"]
    assert fetches[0]["query_key"] == ["1"] and fetches[0]["retmax"] == ["20"]
    assert {i["external_id"] for i in result.items} == {"pmid:11748933", "pmid:11700088"}


def test_pubmed_slices_dates_below_the_esearch_cap(mockserver: MockServer, tmp_path: Path) -> None:
    # The mock answers 2 records a day: 31 days = 62 > cap 20, so slices of <= 10 days.
    result = run_crawl(
        "pubmed",
        mockserver,
        tmp_path,
        "--since",
        "2026-01-01",
        "-a",
        "until=2026-01-31",
        "-a",
        "batch=50",
        PUBMED_ESEARCH_CAP="20",
    )
    assert result.returncode == 0, result.log
    searches = _requests(mockserver, "/entrez/eutils/esearch.fcgi")
    leaves = sorted((s["mindate"][0], s["maxdate"][0]) for s in searches if s not in searches[:1])
    fetches = _requests(mockserver, "/entrez/eutils/efetch.fcgi")
    # The fetched slices tile January exactly, each within the cap.
    days = sorted(d for lo, hi in leaves for d in (lo, hi))
    assert days[0] == "2026/01/01" and days[-1] == "2026/01/31"
    assert sum(int(f["retmax"][0]) for f in fetches) == 62
    assert all(int(f["retmax"][0]) <= 20 for f in fetches)


def test_europepmc_cursor_paging_then_empty_page(mockserver: MockServer, tmp_path: Path) -> None:
    result = run_crawl("europepmc", mockserver, tmp_path)
    assert result.returncode == 0, result.log
    cursors = [q["cursorMark"] for q in _requests(mockserver, "/europepmc/webservices/rest/search")]
    assert cursors == [["*"], ["AoIIP4ZawSg1MzEyODI1MA=="]]
    assert len(result.items) == 25
    assert all(i["external_id"].startswith("pmid:") for i in result.items)


def test_europepmc_empty_result(mockserver: MockServer, tmp_path: Path) -> None:
    query = "asdkfjhasdkfjhasdfasdasdasdfgsagsd"
    result = run_crawl("europepmc", mockserver, tmp_path, "-a", f"query={query}")
    assert result.returncode == 0, result.log
    assert result.items == []
    assert len(_requests(mockserver, "/europepmc/webservices/rest/search")) == 1


def test_clinics_wordpress_posts_pages_and_robots(mockserver: MockServer, tmp_path: Path) -> None:
    mockserver.robots("wikipedia")
    result = run_crawl(
        "clinics",
        mockserver,
        tmp_path,
        "-a",
        "domains=stemcelltherapyargentina.com",
        "-a",
        "country=AR",
    )
    assert result.returncode == 0, result.log
    paths = [r["path"] for r in mockserver.log()]
    # The real Wikipedia robots.txt (with BOM) disallows /w/ and /wiki/Special: for every agent.
    assert "/robots.txt" in paths
    assert not any(p.startswith(("/w/", "/wiki/Special")) for p in paths)
    assert "/en/wp-json/wp/v2/posts" in paths
    post = next(i for i in result.items if i["extra"].get("wp_post_id") == 3654)
    assert post["title"].startswith("The Critical Role of Tissue Factor")
    assert post["country"] == "AR" and post["source_kind"] == "clinic_ad"
    urls = [i["url"] for i in result.items]
    assert len(urls) == len(set(urls))  # the post's HTML page is not stored a second time
    assert sum(1 for u in urls if "the-critical-role" in u) == 1
    assert any(u.endswith("/the-procedure/") for u in urls)
    assert "SKIP" in result.log and "/bad/latin1/" in result.log
    assert not any("example.com" in u for u in urls)


def test_clinic_page_over_the_size_cap_is_a_logged_skip(
    mockserver: MockServer, tmp_path: Path
) -> None:
    mockserver.fault("/the-procedure/", "huge")  # 20 MB against the 10 MB cap for web pages
    result = run_crawl("clinics", mockserver, tmp_path, "-a", "domains=clinic.example")
    assert result.returncode == 0, result.log
    skips = [line for line in result.log.splitlines() if "SKIP " in line]
    assert any("/the-procedure/" in s and "larger than download max size" in s for s in skips)
    urls = {i["url"].rsplit("/", 2)[-2] for i in result.items}
    assert "the-procedure" not in urls and "how-are-stem-cells-prepared" in urls


def test_pubmed_malformed_efetch_xml_is_a_logged_skip(
    mockserver: MockServer, tmp_path: Path
) -> None:
    mockserver.fault("/entrez/eutils/efetch.fcgi", "malformed")
    result = run_crawl(
        "pubmed",
        mockserver,
        tmp_path,
        "--since",
        "2026-01-01",
        "-a",
        "until=2026-01-31",
        "-a",
        "batch=40",
    )
    assert result.returncode == 0, result.log
    skips = [line for line in result.log.splitlines() if "SKIP " in line]
    assert len(skips) == 1 and "malformed XML" in skips[0] and "efetch.fcgi" in skips[0]
    assert len(result.items) == 2  # the second efetch batch (retstart=40) was read


def test_pubmed_rate_follows_the_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from scrapy.settings import Settings

    from crawler.spiders.pubmed import PubmedSpider

    for key, delay in ((None, 0.343), ("secret", 0.11)):
        if key:
            monkeypatch.setenv("NCBI_API_KEY", key)
        else:
            monkeypatch.delenv("NCBI_API_KEY", raising=False)
        settings = Settings()
        PubmedSpider.update_settings(settings)
        assert settings.getfloat("DOWNLOAD_DELAY") == delay  # 3 or 10 requests a second


def test_clinics_page_limit_counts_distinct_pages(mockserver: MockServer, tmp_path: Path) -> None:
    result = run_crawl(
        "clinics", mockserver, tmp_path, "-a", "domains=clinic.example", "--max-pages", "3"
    )
    assert result.returncode == 0, result.log
    html_paths = [
        r["path"]
        for r in mockserver.log()
        if r["path"] != "/robots.txt" and "wp-json" not in r["path"]
    ]
    assert len(html_paths) == 3 and html_paths[0] == "/"
