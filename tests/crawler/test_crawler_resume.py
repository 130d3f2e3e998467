"""Crawls survive a stop (resume from JOBDIR, nothing lost or doubled) and re-crawls add nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import duckdb
from crawl_helpers import ROOT, MockServer, crawl_args, run_crawl, spooled


def test_killed_crawl_resumes_without_duplicates_or_loss(
    mockserver: MockServer, tmp_path: Path
) -> None:
    # One request at a time, slowly: the stop lands with most of the site still queued.
    slow = {"CONCURRENT_REQUESTS": "1", "DOWNLOAD_DELAY": "0.4", "CELLVIGIL_SPOOL_FLUSH": "1"}
    args = ["--jobdir", str(tmp_path / "job"), "-a", "domains=clinic.example"]
    first = subprocess.Popen(
        crawl_args("clinics", mockserver, tmp_path, *args, **slow),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not list((tmp_path / "spool").glob("*.jsonl")):
        assert time.monotonic() < deadline and first.poll() is None, first.communicate()
        time.sleep(0.05)
    first.send_signal(signal.SIGINT)  # one Ctrl-C: Scrapy stops gracefully, keeping its queue
    _, log1 = first.communicate(timeout=60)
    summary1 = json.loads((tmp_path / "summary.json").read_text())
    assert summary1["spiders"]["clinics"]["finish_reason"] == "shutdown", log1
    stopped_with = len(spooled(tmp_path / "spool"))
    assert 1 <= stopped_with < 6

    second = run_crawl("clinics", mockserver, tmp_path, *args, **slow)
    assert second.returncode == 0, second.log
    assert second.stats("clinics")["finish_reason"] == "finished"
    counts = Counter(i["url"] for i in second.items)
    assert set(counts.values()) == {1}, counts  # nothing twice
    assert len(counts) == 6, counts  # homepage, 4 pages, the WordPress post: nothing lost
    homepage_hits = [r for r in mockserver.log() if r["path"] == "/"]
    assert len(homepage_hits) == 1  # the resumed crawl did not start over


def test_ctgov_second_crawl_adds_no_version(mockserver: MockServer, tmp_path: Path) -> None:
    first = run_crawl("ctgov", mockserver, tmp_path, db=True)
    assert first.returncode == 0, first.log
    assert first.stats("ctgov")["ingest"]["inserted"] == 10
    state = json.loads((tmp_path / "crawl_state.json").read_text())
    assert "ctgov" in state

    second = run_crawl("ctgov", mockserver, tmp_path, db=True)
    assert second.returncode == 0, second.log
    ingest = second.stats("ctgov")["ingest"]
    assert (ingest["inserted"], ingest["new_versions"], ingest["unchanged"]) == (0, 0, 10)
    # The second crawl asked only for records updated since the day before the first one.
    last = [r for r in mockserver.log() if r["path"] == "/api/v2/studies"][-1]
    assert "LastUpdatePostDate" in last["query"]
    con = duckdb.connect(str(tmp_path / "registry.duckdb"), read_only=True)
    try:
        versions = con.execute("SELECT count(*) FROM document_versions").fetchone()[0]
    finally:
        con.close()
    assert versions == 10
    assert not list((tmp_path / "spool").glob("*.jsonl"))  # all loaded and moved aside
