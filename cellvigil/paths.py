"""Where CellVigil finds the shared data folder and its registry, each overridable."""

from __future__ import annotations

import os
from pathlib import Path

SHARED_ENV = "CELLVIGIL_SHARED"
DB_ENV = "CELLVIGIL_DB"


def shared_dir() -> Path:
    """The third-party data folder: ``$CELLVIGIL_SHARED``, else ``../shared`` from the cwd."""
    return Path(os.environ.get(SHARED_ENV, "../shared")).expanduser()


def default_snapshot() -> Path:
    """The offline snapshot folder inside the shared folder."""
    return shared_dir() / "snapshot"


def default_db() -> Path:
    """The registry file: ``$CELLVIGIL_DB``, else ``cellvigil.duckdb`` in the cwd."""
    return Path(os.environ.get(DB_ENV, "cellvigil.duckdb")).expanduser()
