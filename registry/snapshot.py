"""Reading an offline snapshot folder (CSV export, legacy trial records, documents) as items.

Files are recognised by content, not name: a ``.csv`` with an "NCT Number" column is a
ClinicalTrials.gov export; a ``.jsonl`` whose first good line has ``nct_id`` and ``fields`` holds
legacy records; one with ``source_kind`` and ``text`` holds documents. A bad line or row is a
logged skip naming file and line; rows before it are kept.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from registry.ctgov_csv import REQUIRED_COLUMNS, csv_row_item
from registry.ctgov_legacy import legacy_record_item
from registry.ingest import IngestReport
from registry.jsonl import read_jsonl

log = logging.getLogger(__name__)
csv.field_size_limit(50_000_000)


class SnapshotError(ValueError):
    """The snapshot folder cannot be used at all (missing, empty, no known file)."""


def _fetched_at(path: Path) -> str:
    """A snapshot carries no fetch time; the file's modification time is the best provenance."""
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat()


def snapshot_files(folder: Path) -> list[Path]:
    """The snapshot's data files, CSV exports first (legacy records then refine them)."""
    if not folder.is_dir():
        raise SnapshotError(f"snapshot folder {folder} does not exist")
    files = sorted(folder.glob("*.csv")) + sorted(folder.glob("*.jsonl"))
    if not files:
        raise SnapshotError(
            f"snapshot folder {folder} holds no .csv or .jsonl file: expected a ClinicalTrials.gov "
            "search-results CSV export, legacy trial records (JSONL) and/or documents (JSONL)"
        )
    return files


def read_snapshot(folder: str | Path, report: IngestReport) -> Iterator[dict[str, Any]]:
    """Yield every item of the snapshot; skips go to ``report``."""
    for path in snapshot_files(Path(folder)):
        if path.suffix == ".csv":
            yield from read_ctgov_csv(path, report)
        else:
            yield from read_snapshot_jsonl(path, report)


def read_ctgov_csv(path: Path, report: IngestReport) -> Iterator[dict[str, Any]]:
    """Rows of a search-results export; a row that is short, cut off or not UTF-8 is skipped."""
    fetched_at = _fetched_at(path)
    text = path.read_bytes().decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        report.skip(f"{path}: no CSV header ({exc or 'empty file'})")
        return
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        report.skip(f"{path}: not a ClinicalTrials.gov export (no column {', '.join(missing)})")
        return
    while True:
        start_line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            report.skip(f"{path}:{start_line}: malformed CSV ({exc}); rest of file not read")
            return
        if not any(cells):
            continue
        if len(cells) != len(header):
            report.skip(f"{path}:{start_line}: {len(cells)} fields, header has {len(header)}")
            continue
        if any(_has_bad_bytes(c) for c in cells):
            report.skip(f"{path}:{start_line}: not UTF-8")
            continue
        row = dict(zip(header, cells, strict=True))
        if not row["NCT Number"].strip():
            report.skip(f"{path}:{start_line}: empty NCT Number")
            continue
        yield csv_row_item(row, f"{path.name}:{start_line}", fetched_at)


def _has_bad_bytes(cell: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in cell)


def read_snapshot_jsonl(path: Path, report: IngestReport) -> Iterator[dict[str, Any]]:
    """Legacy trial records or documents, told apart by their keys line by line."""
    fetched_at = _fetched_at(path)
    for line_no, obj, error in read_jsonl(path):
        where = f"{path}:{line_no}"
        if error:
            report.skip(f"{where}: {error}")
            continue
        try:
            if "fields" in obj and "nct_id" in obj:
                yield legacy_record_item(obj, f"{path.name}:{line_no}", fetched_at)
            elif "source_kind" in obj:
                yield document_item(obj, f"{path.name}:{line_no}", fetched_at)
            else:
                report.skip(f"{where}: neither a legacy trial record nor a document")
        except (ValueError, TypeError, KeyError) as exc:
            report.skip(f"{where}: {exc}")


def snapshot_source(doc: dict[str, Any]) -> str:
    """Which source a snapshot document stands for (fda, clinic, pubmed, ...)."""
    doc_id = str(doc.get("id") or "")
    host = urlparse(str(doc.get("url") or "")).hostname or ""
    kind = doc.get("source_kind")
    if host.endswith("fda.gov"):
        return "fda"
    if host.endswith("canada.ca"):
        return "health_canada"
    if kind == "clinic_ad":
        return "clinic"
    if kind == "regulatory_action":
        return "regulator_news"
    if doc_id.startswith("pmid:"):
        return "pubmed"
    return "literature_web"


def document_item(doc: dict[str, Any], provenance: str, fetched_at: str) -> dict[str, Any]:
    """A snapshot document line as an item; ``id``, ``source_kind`` and ``text`` are required."""
    for key in ("id", "source_kind", "text"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise ValueError(f"document has no {key!r}")
    extra = {k: doc[k] for k in ("gold",) if k in doc}
    doc_id = doc["id"]
    if doc_id.startswith("pmid:"):
        extra["pmid"] = doc_id.split(":", 1)[1]
    if doc_id.startswith("doi:"):
        extra["doi"] = doc_id.split(":", 1)[1]
    return {
        "source": snapshot_source(doc),
        "source_kind": doc["source_kind"],
        "external_id": doc_id,
        "url": doc.get("url"),
        "title": doc.get("title") or "",
        "text": doc["text"],
        "year": doc.get("year"),
        "country": doc.get("country"),
        "published": None,
        "updated": None,
        "fetched_at": fetched_at,
        "raw": None,
        "raw_format": None,
        "extra": extra,
        "provenance": provenance,
    }
