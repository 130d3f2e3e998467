"""Helpers for crawler tests: fixture responses, the mock server handle, subprocess crawls."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.http import TextResponse, XmlResponse

ROOT = Path(__file__).resolve().parents[2]
MOCKSERVER = ROOT / "tests" / "mockserver.py"
# Fast, deterministic crawls against loopback: no delays, quick backoff.
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CELLVIGIL_RETRY_BACKOFF_BASE": "0.1",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
    "LOG_LEVEL": "INFO",
}


def fixture_response(
    fixtures_dir: Path, name: str, url: str = "http://127.0.0.1/", **headers: str
) -> TextResponse:
    """A Scrapy response built from a recorded fixture file's bytes."""
    body = (fixtures_dir / name).read_bytes()
    cls = XmlResponse if name.endswith(".xml") else TextResponse
    ctype = "text/xml" if name.endswith(".xml") else "application/json"
    return cls(url, body=body, headers={"Content-Type": ctype, **headers})


@dataclass
class MockServer:
    base: str
    proc: subprocess.Popen[str]

    def url(self, path: str = "") -> str:
        return self.base + path

    def _post(self, path: str, body: bytes) -> None:
        req = urllib.request.Request(self.url(path), data=body, method="POST")
        urllib.request.urlopen(req, timeout=5).read()

    def reset(self) -> None:
        self._post("/_mock/reset", b"")

    def faults(self, **by_path: list[str]) -> None:
        self._post("/_mock/faults", json.dumps(by_path).encode())

    def fault(self, path: str, *actions: str) -> None:
        self._post("/_mock/faults", json.dumps({path: list(actions)}).encode())

    def robots(self, name: str) -> None:
        self._post("/_mock/robots", name.encode())

    def log(self) -> list[dict[str, Any]]:
        with urllib.request.urlopen(self.url("/_mock/log"), timeout=5) as resp:
            return json.loads(resp.read())


@dataclass
class CrawlResult:
    returncode: int
    summary: dict[str, Any]
    log: str
    items: list[dict[str, Any]] = field(default_factory=list)

    def stats(self, spider: str) -> dict[str, Any]:
        return self.summary["spiders"][spider]


def spooled(spool: Path) -> list[dict[str, Any]]:
    """Every item written to a spool folder (loaded or not), in file order."""
    files = sorted(spool.glob("*.jsonl")) + sorted(spool.glob("loaded/*.jsonl"))
    files.sort(key=lambda p: p.name)
    return [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines()]


def crawl_args(
    spider: str, mock: MockServer, tmp: Path, *extra: str, db: bool = False, **settings: str
) -> list[str]:
    cmd = [sys.executable, "-m", "crawler.runner", spider, "--base-url", mock.url()]
    cmd += ["--spool", str(tmp / "spool"), "--summary", str(tmp / "summary.json")]
    if db:
        cmd += ["--db", str(tmp / "registry.duckdb")]
    for key, value in {**FAST, **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd + list(extra)


def run_crawl(
    spider: str, mock: MockServer, tmp: Path, *extra: str, db: bool = False, **settings: str
) -> CrawlResult:
    """Run one spider against the mock in a fresh process; return its summary, log and items."""
    summary_file = tmp / "summary.json"
    summary_file.unlink(missing_ok=True)
    proc = subprocess.run(
        crawl_args(spider, mock, tmp, *extra, db=db, **settings),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    summary = json.loads(summary_file.read_text()) if summary_file.exists() else {}
    return CrawlResult(proc.returncode, summary, proc.stderr, spooled(tmp / "spool"))
