"""Crawler test fixtures: recorded fixtures folder and the loopback mock server (a subprocess)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from crawl_helpers import MOCKSERVER, MockServer

from cellvigil.paths import shared_dir


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    path = shared_dir() / "fixtures"
    if not path.is_dir():
        pytest.skip(f"fixtures not found at {path.resolve()} (set CELLVIGIL_SHARED)")
    return path


@pytest.fixture(scope="session")
def mockserver_session(fixtures_dir: Path) -> Iterator[MockServer]:
    env = dict(os.environ, CELLVIGIL_SHARED=str(fixtures_dir.parent.resolve()))
    proc = subprocess.Popen(
        [sys.executable, str(MOCKSERVER)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None
    base = proc.stdout.readline().strip()
    assert base.startswith("http://127.0.0.1:"), base
    yield MockServer(base, proc)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def mockserver(mockserver_session: MockServer) -> MockServer:
    """The session mock server, with faults, robots and the request log reset."""
    mockserver_session.reset()
    return mockserver_session
