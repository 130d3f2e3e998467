"""Spool items as JSON lines, then load complete spool files into the registry in short batches."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import RAW_FORMATS, SOURCE_KINDS, DocumentItem, utc_now

logger = logging.getLogger(__name__)
ITEM_KEYS = frozenset(f.name for f in dataclasses.fields(DocumentItem))


def validate(item: Any) -> dict[str, Any]:
    """The item as a contract dict; anything off-contract raises DropItem naming the fault."""
    if isinstance(item, DocumentItem):
        data = asdict(item)
    elif isinstance(item, dict):
        data = dict(item)
    else:
        raise DropItem(f"not a DocumentItem: {type(item).__name__}")
    if set(data) != ITEM_KEYS:
        raise DropItem(f"item keys differ from the contract: {sorted(set(data) ^ ITEM_KEYS)}")
    if data["source_kind"] not in SOURCE_KINDS:
        raise DropItem(f"unknown source_kind {data['source_kind']!r} ({data['url']})")
    if data["raw_format"] not in RAW_FORMATS:
        raise DropItem(f"unknown raw_format {data['raw_format']!r} ({data['url']})")
    for key in ("source", "external_id", "url"):
        if not data[key]:
            raise DropItem(f"empty {key} ({data.get('url')})")
    return data


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_parts(spool_dir: Path) -> list[Path]:
    """Complete the ``.part`` files of writers that died: keep whole lines, rename to ``.jsonl``."""
    recovered = []
    for part in sorted(spool_dir.glob("*.jsonl.part")):
        pid = part.name.split("-")[-2] if part.name.count("-") >= 3 else ""
        if not pid.isdigit() or _pid_alive(int(pid)):
            continue
        data = part.read_bytes()
        whole = data[: data.rfind(b"\n") + 1]  # drop a line cut off mid-write
        part.write_bytes(whole)
        part.rename(part.with_suffix(""))
        recovered.append(part.with_suffix(""))
    return recovered


class SpoolPipeline:
    """Spool items to ``<spider>-<utc>-<n>.jsonl`` files; load the spool every N items and at close.

    A spool file is written as ``.jsonl.part`` and renamed when complete, so the loader only ever
    sees whole files; the DuckDB write lock is held only while ``ingest_spool`` runs.
    """

    # One load at a time per process: spiders run together share the spool folder.
    _ingest_lock: asyncio.Lock | None = None

    def __init__(self, spool_dir: Path, db_path: Path | None, flush_every: int, load_every: int):
        self.spool_dir = spool_dir
        self.db_path = db_path
        self.flush_every = max(1, flush_every)
        self.load_every = max(1, load_every)
        self._file: IO[str] | None = None
        self._part: Path | None = None
        self._in_file = 0
        self._since_load = 0
        self._seq = 0
        self._stamp = ""
        self.lock_seconds: list[float] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SpoolPipeline:
        s = crawler.settings
        db = s.get("CELLVIGIL_DB")
        spool = s.get("CELLVIGIL_SPOOL_DIR") or (Path(db).parent / "spool" if db else None)
        if not spool:
            raise NotConfigured("set CELLVIGIL_SPOOL_DIR (or CELLVIGIL_DB) to spool items")
        pipe = cls(
            Path(spool),
            Path(db) if db else None,
            s.getint("CELLVIGIL_SPOOL_FLUSH"),
            s.getint("CELLVIGIL_LOAD_BATCH"),
        )
        pipe.crawler = crawler
        return pipe

    def open_spider(self) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        for part in recover_parts(self.spool_dir):
            logger.warning("Recovered spool file %s left by a killed crawl", part)
        self._spider_name = self.crawler.spider.name
        self._stamp = utc_now().replace(":", "").replace("-", "")
        logger.info("Spooling items to %s", self.spool_dir)

    def _open_file(self) -> IO[str]:
        self._seq += 1
        name = f"{self._spider_name}-{self._stamp}-{os.getpid()}-{self._seq:05d}.jsonl"
        self._part = self.spool_dir / (name + ".part")
        self._file = self._part.open("w", encoding="utf-8")
        return self._file

    def _complete_file(self) -> None:
        """Close the current spool file and rename it to ``.jsonl`` (now loadable)."""
        if self._file is None or self._part is None:
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        self._part.rename(self._part.with_suffix(""))
        self._file, self._part, self._in_file = None, None, 0

    async def process_item(self, item: Any) -> Any:
        data = validate(item)
        out = self._file or self._open_file()
        out.write(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n")
        out.flush()  # in the OS's hands now: a killed crawl keeps every item it yielded
        self._in_file += 1
        self._since_load += 1
        stats = self.crawler.stats
        stats.inc_value("cellvigil/spooled")
        if self._in_file >= self.flush_every:
            self._complete_file()
        if self._since_load >= self.load_every:
            self._complete_file()
            await self._load()
        return item

    async def close_spider(self) -> None:
        self._complete_file()
        await self._load()
        if self.lock_seconds:
            stats = self.crawler.stats
            stats.set_value("cellvigil/ingest/lock_seconds_max", round(max(self.lock_seconds), 4))
            stats.set_value("cellvigil/ingest/lock_seconds_total", round(sum(self.lock_seconds), 4))
            stats.set_value("cellvigil/ingest/batches", len(self.lock_seconds))

    async def _load(self) -> None:
        """Load complete spool files into the registry (one batch at a time, off the reactor)."""
        self._since_load = 0
        if self.db_path is None:
            return
        if SpoolPipeline._ingest_lock is None:
            SpoolPipeline._ingest_lock = asyncio.Lock()
        async with SpoolPipeline._ingest_lock:
            try:
                from registry.db import RegistryBusy
                from registry.ingest import ingest_spool
            except ImportError as exc:
                logger.warning(
                    "registry.ingest unavailable (%s); spool kept in %s", exc, self.spool_dir
                )
                return
            start = time.perf_counter()
            try:
                report = await asyncio.to_thread(ingest_spool, self.db_path, self.spool_dir)
            except RegistryBusy as exc:  # e.g. a dashboard holds the file: load next time
                logger.warning("%s; spool kept in %s for the next load", exc, self.spool_dir)
                return
            held = time.perf_counter() - start
        self.lock_seconds.append(held)
        stats = self.crawler.stats
        for key in ("inserted", "new_versions", "unchanged", "skipped"):
            stats.inc_value(f"cellvigil/ingest/{key}", getattr(report, key, 0))
        logger.info(
            "Loaded spool into %s in %.3fs: inserted=%s new_versions=%s unchanged=%s skipped=%s",
            self.db_path,
            held,
            getattr(report, "inserted", "?"),
            getattr(report, "new_versions", "?"),
            getattr(report, "unchanged", "?"),
            getattr(report, "skipped", "?"),
        )
