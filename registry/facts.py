"""Running the NLP extraction over current documents; one stored row per mention, with evidence."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import duckdb

from registry.store import FLUSH_ROWS, insert_rows

log = logging.getLogger(__name__)

Extractor = Callable[[Iterable[dict[str, Any]]], Iterator[dict[str, Any]]]

SET_FIELDS = ("tissue_sources", "donor", "routes")


def pending_documents(
    con: duckdb.DuckDBPyConnection, extractor_version: str
) -> list[tuple[str, int, str, str, str]]:
    """Current document versions that this extractor version has not processed yet."""
    return con.execute(
        """SELECT c.doc_id, c.version, coalesce(c.title, ''), coalesce(c.text, ''), c.source_kind
           FROM current_versions c
           ANTI JOIN doc_extractions e
             ON e.doc_id = c.doc_id AND e.version = c.version
            AND e.extractor_version = ?
           ORDER BY c.doc_id""",
        [extractor_version],
    ).fetchall()


def mention_rows(
    doc_id: str, version: int, extractor_version: str, output: dict[str, Any]
) -> list[dict[str, Any]]:
    """Flatten one extraction output into ``fact_mentions`` rows.

    Every set value gets at least one row: a value the extractor reports without a mention
    (e.g. ``unspecified_msc``, decided from the whole document) gets a row with no offsets.
    """
    base = {"doc_id": doc_id, "version": version, "extractor_version": extractor_version}
    rows: list[dict[str, Any]] = []

    def add(field: str, key: Any, src: dict[str, Any], **more: Any) -> None:
        rows.append(
            {
                **base,
                "seq": len(rows),
                "field": field,
                "key": key,
                "status": more.get("status"),
                "cells": more.get("cells"),
                "per_kg": more.get("per_kg"),
                "text": src.get("text"),
                "sentence": src.get("sentence"),
                "start": src.get("start"),
                "end": src.get("end"),
            }
        )

    seen: set[tuple[str, str]] = set()
    for mention in output.get("mentions") or []:
        add(mention.get("field"), mention.get("key"), mention)
        seen.add((mention.get("field"), mention.get("key")))
    for field in SET_FIELDS:
        for key in output.get(field) or []:
            if (field, key) not in seen:
                add(field, key, {})
    for dose in output.get("doses") or []:
        add("dose", None, dose, cells=_float(dose.get("cells")), per_kg=bool(dose.get("per_kg")))
    for event in output.get("events") or []:
        add("event", event.get("term"), event, status=event.get("status"))
    for signal in output.get("setting_signals") or []:
        add("setting_signal", signal.get("signal"), signal)
    return rows


def _float(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def extract_pending(
    con: duckdb.DuckDBPyConnection, extractor: Extractor, extractor_version: str
) -> tuple[int, int]:
    """Extract facts for every pending document; return (documents, documents with an error)."""
    pending = pending_documents(con, extractor_version)
    records = (
        {"id": doc_id, "title": title, "text": text, "source_kind": kind}
        for doc_id, _, title, text, kind in pending
    )
    versions = {doc_id: version for doc_id, version, *_ in pending}
    now = datetime.now(UTC)
    extraction_rows: list[dict[str, Any]] = []
    mentions: list[dict[str, Any]] = []
    errors = 0
    for output in extractor(records):
        doc_id = output.get("id")
        if doc_id not in versions:
            log.warning("extractor returned an unknown id %r; ignored", doc_id)
            continue
        version = versions[doc_id]
        errors += bool(output.get("error"))
        extraction_rows.append(
            {
                "doc_id": doc_id,
                "version": version,
                "extractor_version": extractor_version,
                "extracted_at": now,
                "setting": output.get("setting"),
                "error": output.get("error"),
                "output": json.dumps(output, ensure_ascii=False),
            }
        )
        mentions.extend(mention_rows(doc_id, version, extractor_version, output))
        if len(mentions) >= FLUSH_ROWS:
            _flush(con, extraction_rows, mentions)
    _flush(con, extraction_rows, mentions)
    return len(pending), errors


def _flush(con: duckdb.DuckDBPyConnection, extractions: list, mentions: list) -> None:
    if extractions:
        insert_rows(con, "doc_extractions", extractions)
    if mentions:
        insert_rows(con, "fact_mentions", mentions)
    extractions.clear()
    mentions.clear()
