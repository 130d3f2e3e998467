"""Shared fixtures: the shared data folder (skipped, with the reason, only when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cellvigil.paths import shared_dir


def _shared_or_skip(*parts: str) -> Path:
    path = shared_dir().joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data folder not found at {path.resolve()} (set CELLVIGIL_SHARED)")
    return path


@pytest.fixture(scope="session")
def shared() -> Path:
    """The third-party data folder (``../shared`` or ``$CELLVIGIL_SHARED``)."""
    return _shared_or_skip()


@pytest.fixture(scope="session")
def snapshot_dir() -> Path:
    """The real offline snapshot."""
    return _shared_or_skip("snapshot")


@pytest.fixture(scope="session")
def gold_files() -> list[Path]:
    """The dev gold files."""
    return sorted(_shared_or_skip("gold").glob("*.jsonl"))


@pytest.fixture(scope="session")
def snapshot_build(
    tmp_path_factory: pytest.TempPathFactory, snapshot_dir: Path
) -> tuple[Path, str]:
    """A registry built once per session from the real snapshot through ``cellvigil build``,
    NLP extraction included; returns the registry path and the command's output."""
    from typer.testing import CliRunner

    from cellvigil.cli import app

    db = tmp_path_factory.mktemp("registry") / "cellvigil.duckdb"
    result = CliRunner().invoke(app, ["build", "--snapshot", str(snapshot_dir), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db, result.output


@pytest.fixture(scope="session")
def snapshot_registry(snapshot_build: tuple[Path, str]) -> Path:
    """The path of the registry built from the real snapshot (read it, do not write it)."""
    return snapshot_build[0]
