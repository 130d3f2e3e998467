"""Opening the registry file: schema from the SQLModel models, atomic writes, read-only access.

Two ways to write, both all-or-nothing:
- ``publish`` (builds) works on a private copy and swaps it in with one ``os.replace``: a build
  that fails or is killed leaves the previous registry untouched, and readers never wait.
- ``write_in_place`` (crawl batches) appends inside one DuckDB transaction: its cost grows with
  the batch, not with the registry, so a long crawl holds the write lock only briefly.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from duckdb_engine import Dialect
from sqlalchemy.schema import CreateTable
from sqlmodel import SQLModel

from registry import models  # noqa: F401  (registers the tables on SQLModel.metadata)

log = logging.getLogger(__name__)


class RegistryMissing(FileNotFoundError):
    """The registry file does not exist yet: run ``cellvigil build`` (or ``cellvigil run``)."""


def schema_ddl() -> list[str]:
    """CREATE TABLE IF NOT EXISTS statements for every model, compiled for DuckDB."""
    dialect = Dialect()
    return [
        str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)).strip()
        for table in SQLModel.metadata.sorted_tables
    ]


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create any missing table; existing tables and rows are left as they are."""
    for ddl in schema_ddl():
        con.execute(ddl)


def connect_readonly(db_path: str | Path) -> duckdb.DuckDBPyConnection:
    """Open the registry read-only; raise ``RegistryMissing`` naming the path if it is absent."""
    path = Path(db_path)
    if not path.exists():
        raise RegistryMissing(
            f"no registry at {path}: build one with `cellvigil build --db {path}`"
        )
    return duckdb.connect(str(path), read_only=True)


@contextmanager
def publish(db_path: str | Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a writable connection to a copy of the registry, then atomically replace the original.

    Writers are serialised by an advisory lock file beside the registry. On any exception the
    copy is discarded and the published file is not touched.
    """
    path = Path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for stale in path.parent.glob(f".{path.name}.*.tmp"):  # left by a killed writer
            _discard(stale)
        if path.exists():
            shutil.copy2(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            create_schema(con)
            yield con
            con.execute("CHECKPOINT")
            con.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            con.close()
            _discard(tmp)
            log.error("registry write failed; %s left unchanged", path)
            raise


@contextmanager
def _writer_lock(path: Path) -> Iterator[None]:
    """Serialise this project's writers of one registry through an advisory lock file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@contextmanager
def write_in_place(
    db_path: str | Path, wait_seconds: float = 60.0
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Yield a connection inside one transaction on the registry itself; commit on success.

    A failure or a kill before the commit leaves the registry as it was (DuckDB writes a
    transaction to its log only when it commits). A registry that does not exist yet is created
    through ``publish``. While another process (say, a dashboard) holds the file open, the
    connection is retried for ``wait_seconds``; then the error says who to stop.
    """
    path = Path(db_path)
    if not path.exists():
        with publish(path) as con:
            yield con
        return
    with _writer_lock(path):
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                con = duckdb.connect(str(path))
                break
            except duckdb.IOException as exc:
                if time.monotonic() >= deadline:
                    raise RegistryBusy(
                        f"{path} is held open by another process ({exc}); stop it or load later"
                    ) from exc
                time.sleep(0.5)
        try:
            con.execute("BEGIN TRANSACTION")
            create_schema(con)
            yield con
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            log.error("registry write rolled back; %s left unchanged", path)
            raise
        finally:
            con.close()


class RegistryBusy(RuntimeError):
    """Another process holds the registry file open, so it cannot be written in place."""


def _discard(tmp: Path) -> None:
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal")):
        leftover.unlink(missing_ok=True)
