"""Loading raw document items (from spiders' spool files or a snapshot) into the registry.

Idempotent by content hash: an unchanged item adds nothing, a changed one adds a version, and
nothing stored is ever overwritten or deleted. Items name their source; a paper delivered by two
sources (PubMed and Europe PMC) is one document, matched through its pmid:/doi: aliases.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import shutil
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from cellvigil.vocabulary import keys
from registry.db import publish, write_in_place
from registry.jsonl import read_jsonl

log = logging.getLogger(__name__)

ITEM_KEYS = (
    "source",
    "source_kind",
    "external_id",
    "url",
    "title",
    "text",
    "year",
    "country",
    "published",
    "updated",
    "fetched_at",
    "raw",
    "raw_format",
    "extra",
)
KNOWN_PREFIXES = ("nct:", "pmid:", "pmcid:", "doi:", "url:")
NCT_RE = re.compile(r"^NCT\d{8}$", re.IGNORECASE)


@dataclass
class IngestReport:
    """What one ingest did; ``skipped_reasons`` names each skipped item and why."""

    inserted: int = 0
    new_versions: int = 0
    unchanged: int = 0
    skipped: int = 0
    skipped_reasons: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        self.inserted += other.inserted
        self.new_versions += other.new_versions
        self.unchanged += other.unchanged
        self.skipped += other.skipped
        self.skipped_reasons.extend(other.skipped_reasons)

    def skip(self, reason: str) -> None:
        self.skipped += 1
        self.skipped_reasons.append(reason)
        log.warning("skipped: %s", reason)


class InvalidItem(ValueError):
    """An item that cannot be stored, with the reason."""


def canonical_doc_id(source: str, external_id: str) -> str:
    """A stable document id: ``nct:``/``pmid:``/``doi:``/``url:`` prefixed, whatever the source."""
    ext = external_id.strip()
    lowered = ext.lower()
    if lowered.startswith(KNOWN_PREFIXES):
        prefix, _, rest = ext.partition(":")
        prefix = prefix.lower()
        if prefix == "doi":
            rest = rest.lower()
        if prefix == "nct":
            rest = rest.upper()
        return f"{prefix}:{rest}"
    if NCT_RE.match(ext):
        return f"nct:{ext.upper()}"
    if lowered.startswith(("http://", "https://")):
        return f"url:{ext}"
    return f"{source}:{ext}"


def aliases_of(doc_id: str, extra: dict[str, Any]) -> list[str]:
    """Every identifier under which this document may arrive from another source."""
    found = [doc_id]
    if extra.get("pmid"):
        found.append(f"pmid:{str(extra['pmid']).strip()}")
    if extra.get("doi"):
        found.append(f"doi:{str(extra['doi']).strip().lower()}")
    if extra.get("pmcid"):
        found.append(f"pmcid:{str(extra['pmcid']).strip().upper()}")
    return list(dict.fromkeys(found))


def content_hash(item: dict[str, Any]) -> str:
    """sha256 of the item's content (not its fetch time): refetching unchanged data is a no-op."""
    digest = hashlib.sha256()
    for key in sorted(k for k in ITEM_KEYS if k not in ("fetched_at", "source")):
        value = item.get(key)
        blob = (
            value
            if isinstance(value, str)
            else json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
        )
        digest.update(f"{key}\0{len(blob)}\0".encode())
        digest.update(blob.encode("utf-8", errors="surrogatepass"))
    return digest.hexdigest()


def validate_item(item: Any) -> dict[str, Any]:
    """Return a cleaned copy of an item or raise ``InvalidItem`` saying what is wrong."""
    if not isinstance(item, dict):
        raise InvalidItem(f"item is a {type(item).__name__}, not an object")
    for key in ("source", "source_kind", "external_id"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise InvalidItem(f"missing or empty {key!r}")
    if item["source_kind"] not in keys("source_kinds"):
        raise InvalidItem(f"unknown source_kind {item['source_kind']!r}")
    for key in ("title", "text", "url", "raw"):
        value = item.get(key)
        if value is not None and not isinstance(value, str):
            raise InvalidItem(f"{key!r} is a {type(value).__name__}, not text")
    clean = {k: item.get(k) for k in ITEM_KEYS}
    clean["provenance"] = item.get("provenance") or item.get("url")
    clean["extra"] = item.get("extra") or {}
    if not isinstance(clean["extra"], dict):
        raise InvalidItem("'extra' is not an object")
    year = clean.get("year")
    if year is not None:
        try:
            clean["year"] = int(year)
        except (TypeError, ValueError) as exc:
            raise InvalidItem(f"year {year!r} is not a number") from exc
        if not 1900 <= clean["year"] <= 2100:
            clean["year"] = None
    clean["fetched_at"] = _parse_time(item.get("fetched_at"))
    return clean


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError as exc:
            raise InvalidItem(f"fetched_at {value!r} is not an ISO time") from exc
    return datetime.now(UTC)


class _State:
    """What the registry already holds about the documents of the batch at hand.

    Looked up per chunk of items, for just their aliases and documents, so the cost of a load
    grows with the batch and not with the registry. Entries made during this ingest win over
    the database (they may not be flushed yet).
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.aliases: dict[str, str] = {}
        self.latest_hash: dict[tuple[str, str], str] = {}
        self.max_version: dict[str, int] = {}
        self.sources: set[tuple[str, str]] = set()
        self.looked_up: set[str] = set()
        self.hash_version: dict[tuple[str, str], int] = {}

    def lookup(self, aliases: list[str]) -> None:
        """Load from the database what is known about these aliases and their documents."""
        fresh = [a for a in dict.fromkeys(aliases) if a not in self.looked_up]
        if not fresh:
            return
        self.looked_up.update(fresh)
        self.con.register("_cv_keys", pa.table({"alias": fresh}))
        try:
            for alias, doc_id in self.con.execute(
                "SELECT alias, doc_id FROM document_aliases WHERE alias IN "
                "(SELECT alias FROM _cv_keys)"
            ).fetchall():
                self.aliases.setdefault(alias, doc_id)
            docs = list({self.aliases.get(a, a) for a in fresh})
            self.con.register("_cv_docs", pa.table({"doc_id": docs}))
            for doc_id, source, digest, version in self.con.execute(
                """SELECT doc_id, source, content_sha256, version FROM document_versions
                   WHERE doc_id IN (SELECT doc_id FROM _cv_docs)"""
            ).fetchall():
                if version >= self.max_version.get(doc_id, 0):
                    self.max_version[doc_id] = version
                key = (doc_id, source)
                if version > self.hash_version.get(key, 0):
                    self.hash_version[key] = version
                    self.latest_hash[key] = digest
            self.sources.update(
                self.con.execute(
                    "SELECT doc_id, source FROM document_sources "
                    "WHERE doc_id IN (SELECT doc_id FROM _cv_docs)"
                ).fetchall()
            )
        finally:
            self.con.unregister("_cv_keys")
            self.con.unregister("_cv_docs")


LOOKUP_CHUNK = 1_000


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for item in items:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def ingest_into(con: duckdb.DuckDBPyConnection, items: Iterable[Any]) -> IngestReport:
    """Store items through an open writable connection (used by ``publish`` callers)."""
    from registry.store import RowBuffer

    report = IngestReport()
    state = _State(con)
    buffer = RowBuffer(con)
    now = datetime.now(UTC)
    n = 0
    for chunk in _chunks(items, LOOKUP_CHUNK):
        valid: list[tuple[dict[str, Any], str, list[str]]] = []
        for raw_item in chunk:
            n += 1
            try:
                item = validate_item(raw_item)
            except InvalidItem as exc:
                where = raw_item.get("provenance") if isinstance(raw_item, dict) else None
                report.skip(f"item {n}{f' ({where})' if where else ''}: {exc}")
                continue
            doc_id = canonical_doc_id(item["source"], item["external_id"])
            valid.append((item, doc_id, aliases_of(doc_id, item["extra"])))
        state.lookup([a for _, _, aliases in valid for a in aliases])
        for item, doc_id, aliases in valid:
            _store(item, doc_id, aliases, state, buffer, report, now)
            buffer.flush_if_full()
    buffer.flush()
    return report


def _store(
    item: dict[str, Any],
    doc_id: str,
    aliases: list[str],
    state: _State,
    buffer: Any,
    report: IngestReport,
    now: datetime,
) -> None:
    """Add one validated item as a new document or version, unless its content is unchanged."""
    doc_id = next((state.aliases[a] for a in aliases if a in state.aliases), doc_id)
    digest = content_hash(item)
    key = (doc_id, item["source"])
    if state.latest_hash.get(key) == digest:
        report.unchanged += 1
        return
    version = state.max_version.get(doc_id, 0) + 1
    if version == 1:
        report.inserted += 1
    else:
        report.new_versions += 1
    state.max_version[doc_id] = version
    state.latest_hash[key] = digest
    buffer.add_version(doc_id, version, item, digest, now)
    for alias in aliases:
        if alias not in state.aliases:
            state.aliases[alias] = doc_id
            buffer.add_alias(alias, doc_id)
    if key not in state.sources:
        state.sources.add(key)
        buffer.add_source(doc_id, item, now)
    trial = item["extra"].get("trial")
    if isinstance(trial, dict):
        buffer.add_trial(doc_id, version, item["source"], trial)
        buffer.add_adverse_events(doc_id, version, item["extra"].get("adverse_events") or [])


def record_run(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    started: datetime,
    source: str,
    report: IngestReport,
    extractor_version: str | None = None,
    notes: str | None = None,
) -> None:
    """Write one row to ``build_runs`` so each registry says how it was made."""
    con.execute(
        "INSERT INTO build_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            uuid.uuid4().hex,
            kind,
            started,
            datetime.now(UTC),
            source,
            report.inserted,
            report.new_versions,
            report.unchanged,
            report.skipped,
            extractor_version,
            notes if notes is not None else "\n".join(report.skipped_reasons[:200]) or None,
        ],
    )


def ingest_items(db_path: str | Path, items: Iterable[Any], source: str = "items") -> IngestReport:
    """Store items into the registry at ``db_path`` in one atomic publish."""
    started = datetime.now(UTC)
    with publish(db_path) as con:
        report = ingest_into(con, items)
        record_run(con, "ingest", started, source, report)
    return report


def spool_items(path: Path, report: IngestReport) -> Iterator[dict[str, Any]]:
    """Items of one spool file; a line that is not JSON is a logged skip naming file and line."""
    for line_no, obj, error in read_jsonl(path):
        if error:
            report.skip(f"{path}:{line_no}: {error}")
        else:
            yield obj


def ingest_spool(db_path: str | Path, spool_dir: str | Path) -> IngestReport:
    """Load every complete ``*.jsonl`` file in ``spool_dir`` (writers use ``.part`` until done).

    The load is one transaction on the registry itself, so the write lock is held for the time
    the batch takes, however big the registry. Each loaded file moves to ``spool_dir/loaded/``
    after the commit; a crash before that loads it again next time, which the content hash
    makes harmless.
    """
    spool = Path(spool_dir)
    total = IngestReport()
    if not any(spool.glob("*.jsonl")):
        return total
    started = datetime.now(UTC)
    with write_in_place(db_path) as con:
        files = sorted(spool.glob("*.jsonl"))  # listed under the lock: another loader may race
        for path in files:
            total.add(ingest_into(con, spool_items(path, total)))
        record_run(con, "ingest_spool", started, str(spool), total)
    loaded = spool / "loaded"
    loaded.mkdir(exist_ok=True)
    for path in files:
        shutil.move(str(path), loaded / path.name)
    return total
