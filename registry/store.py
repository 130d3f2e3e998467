"""Column buffers flushed into DuckDB tables as Arrow batches: the fast path for bulk loading."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any

import duckdb
import pyarrow as pa

FLUSH_ROWS = 20_000
FLUSH_BYTES = 32 * 1024 * 1024  # raw payloads are large: bound the memory of one Arrow batch


def as_json(value: Any) -> str | None:
    """Lists and dicts are stored as JSON text; views turn them into DuckDB lists."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool) or value is None:
        return value
    text = str(value).strip().lower()
    if text in ("yes", "true", "1"):
        return True
    if text in ("no", "false", "0"):
        return False
    return None


TRIAL_FIELDS = (
    "title",
    "acronym",
    "status",
    "phase",
    "study_type",
    "lead_sponsor",
    "sponsor_class",
    "collaborators",
    "enrollment",
    "conditions",
    "interventions",
    "countries",
    "start_date",
    "completion_date",
    "first_posted",
    "last_update_posted",
    "is_fda_regulated_drug",
    "is_fda_regulated_device",
    "has_dmc",
    "has_expanded_access",
    "has_results",
    "url",
)
LIST_FIELDS = {"collaborators", "conditions", "interventions", "countries"}
BOOL_FIELDS = {
    "is_fda_regulated_drug",
    "is_fda_regulated_device",
    "has_dmc",
    "has_expanded_access",
    "has_results",
}


class RowBuffer:
    """Collects rows per table and inserts them by column name in large batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.pending_bytes = 0

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def add_version(
        self, doc_id: str, version: int, item: dict[str, Any], digest: str, now: datetime
    ) -> None:
        self.add(
            "document_versions",
            {
                "doc_id": doc_id,
                "version": version,
                "source": item["source"],
                "source_kind": item["source_kind"],
                "external_id": item["external_id"],
                "url": item.get("url"),
                "title": item.get("title"),
                "text": item.get("text"),
                "year": item.get("year"),
                "country": item.get("country"),
                "published": _text(item.get("published")),
                "updated": _text(item.get("updated")),
                "fetched_at": item["fetched_at"],
                "loaded_at": now,
                "provenance": item.get("provenance"),
                "content_sha256": digest,
                "raw": item.get("raw"),
                "raw_format": item.get("raw_format"),
                "extra": as_json(item.get("extra")),
            },
        )
        self.pending_bytes += len(item.get("raw") or "") + len(item.get("text") or "")

    def add_alias(self, alias: str, doc_id: str) -> None:
        self.add("document_aliases", {"alias": alias, "doc_id": doc_id})

    def add_source(self, doc_id: str, item: dict[str, Any], now: datetime) -> None:
        self.add(
            "document_sources",
            {
                "doc_id": doc_id,
                "source": item["source"],
                "external_id": item["external_id"],
                "url": item.get("url"),
                "first_seen": now,
            },
        )

    def add_trial(self, doc_id: str, version: int, source: str, trial: dict[str, Any]) -> None:
        row: dict[str, Any] = {
            "doc_id": doc_id,
            "version": version,
            "source": source,
            "nct_id": str(trial.get("nct_id") or doc_id.split(":")[-1]),
        }
        for name in TRIAL_FIELDS:
            value = trial.get(name)
            if name in LIST_FIELDS:
                value = as_json(value if isinstance(value, list) else None)
            elif name in BOOL_FIELDS:
                value = _bool(value)
            elif name == "enrollment":
                value = _int(value)
            elif value is not None:
                value = str(value)
            row[name] = value
        self.add("trial_records", row)

    def add_adverse_events(self, doc_id: str, version: int, events: list[Any]) -> None:
        for seq, event in enumerate(e for e in events if isinstance(e, dict) and e.get("term")):
            self.add(
                "trial_adverse_events",
                {
                    "doc_id": doc_id,
                    "version": version,
                    "seq": seq,
                    "group_id": _text(event.get("group_id")),
                    "group_title": _text(event.get("group_title")),
                    "group_description": _text(event.get("group_description")),
                    "term": str(event["term"]),
                    "organ_system": _text(event.get("organ_system")),
                    "serious": bool(event.get("serious")),
                    "num_affected": _int(event.get("num_affected")),
                    "num_at_risk": _int(event.get("num_at_risk")),
                    "num_events": _int(event.get("num_events")),
                    "source_vocabulary": _text(event.get("source_vocabulary")),
                },
            )

    def flush_if_full(self) -> None:
        if (
            self.pending_bytes >= FLUSH_BYTES
            or sum(len(rows) for rows in self.rows.values()) >= FLUSH_ROWS
        ):
            self.flush()

    def flush(self) -> None:
        for table, rows in self.rows.items():
            if rows:
                insert_rows(self.con, table, rows)
        self.rows.clear()
        self.pending_bytes = 0


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    """Insert dict rows into ``table`` by column name through one Arrow batch."""
    columns = list(rows[0])
    batch = pa.table({c: [r.get(c) for r in rows] for c in columns})
    con.register("_cv_batch", batch)
    try:
        con.execute(f'INSERT INTO "{table}" BY NAME SELECT * FROM _cv_batch')
    finally:
        con.unregister("_cv_batch")
