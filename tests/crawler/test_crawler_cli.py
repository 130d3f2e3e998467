"""The ``cellvigil crawl`` command, ``crawl_all`` and the network probe, against the mock."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from crawl_helpers import FAST, ROOT, MockServer

from crawler.commands import crawl_all, network_available


def test_cli_crawl_loads_the_registry(mockserver: MockServer, tmp_path: Path) -> None:
    db = tmp_path / "registry.duckdb"
    cmd = [
        sys.executable,
        "-m",
        "cellvigil.cli",
        "crawl",
        "europepmc",
        "--base-url",
        mockserver.url(),
    ]
    cmd += ["--db", str(db), "--max-pages", "1"]
    for key, value in FAST.items():
        cmd += ["--set", f"{key}={value}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads(proc.stdout)
    stats = summary["spiders"]["europepmc"]
    assert stats["items"] == 25 and stats["ingest"]["inserted"] == 25
    assert stats["ingest"]["lock_seconds_max"] > 0
    assert (tmp_path / "spool" / "loaded").is_dir()


def test_cli_crawl_help_names_every_option() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "cellvigil.cli", "crawl", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 0
    for option in ("--base-url", "--db", "--since", "--max-pages", "--jobdir", "--spool"):
        assert option in proc.stdout


def test_crawl_all_runs_spiders_in_a_subprocess(mockserver: MockServer, tmp_path: Path) -> None:
    summary = crawl_all(
        tmp_path / "registry.duckdb",
        spiders=("ctgov", "fda"),
        base_url=mockserver.url(),
        settings=FAST,
        timeout=120,
    )
    assert summary["returncode"] == 0
    assert summary["spiders"]["ctgov"]["ingest"]["inserted"] == 10
    # The FDA seed pages do not exist on the mock: each is a logged skip, not a crash.
    fda = summary["spiders"]["fda"]
    assert fda["finish_reason"] == "finished" and fda["items"] == 0 and fda["skipped"] == 5


def test_network_available_false_on_closed_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert network_available(timeout=1, host="127.0.0.1", port=port) is False


@pytest.mark.skipif(not network_available(timeout=3), reason="no network: live smoke test skipped")
def test_live_ctgov_smoke(tmp_path: Path) -> None:
    """One real page of ClinicalTrials.gov (runs only where the network is reachable)."""
    cmd = [sys.executable, "-m", "crawler.runner", "ctgov", "--spool", str(tmp_path / "spool")]
    cmd += ["--max-pages", "1", "-a", "page_size=5", "--summary", str(tmp_path / "s.json")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = json.loads((tmp_path / "s.json").read_text())
    assert summary["spiders"]["ctgov"]["items"] == 5
