"""A small deterministic registry with known facts, built by one function for tests and demos.

Twenty publications with hand-placed tissue sources, routes, doses and present events, so every
2x2 table of the disproportionality view can be checked by hand (see ``EXPECTED_2X2``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from registry.db import publish
from registry.ingest import ingest_into
from registry.store import insert_rows
from registry.views import create_views

EXTRACTOR = "sample-1"
N_DOCS = 20
BONE_MARROW_IV = range(0, 8)  # bone_marrow, intravenous (intravascular)
ADIPOSE_LOCAL = range(8, 16)  # adipose, intra_articular (local)
# docs 16-19: nothing stated
PRESENT_EVENTS: dict[str, tuple[int, ...]] = {
    "pulmonary_embolism": (0, 1, 2, 3, 8, 16),
    "deep_vein_thrombosis": (0, 1, 2, 3, 4, 5, 9),
}
POSSIBLE_EVENTS: dict[str, tuple[int, ...]] = {"stroke": (6, 10)}  # never counted
# (dimension, level, term) -> (a, b, c, d), worked out by hand from the lists above.
EXPECTED_2X2: dict[tuple[str, str, str], tuple[int, int, int, int]] = {
    ("tissue_source", "bone_marrow", "pulmonary_embolism"): (4, 4, 2, 10),
    ("tissue_source", "bone_marrow", "deep_vein_thrombosis"): (6, 2, 1, 11),
    ("tissue_source", "bone_marrow", "any_thrombotic"): (6, 2, 3, 9),
    ("tissue_source", "adipose", "pulmonary_embolism"): (1, 7, 5, 7),
    ("tissue_source", "not_stated", "pulmonary_embolism"): (1, 3, 5, 11),
    ("route_class", "intravascular", "deep_vein_thrombosis"): (6, 2, 1, 11),
    ("route_class", "local", "any_thrombotic"): (2, 6, 7, 5),
}


def doc_id(i: int) -> str:
    """The id of sample document ``i``."""
    return f"doi:10.5555/sample.{i:02d}"


def sample_items() -> list[dict[str, Any]]:
    """The documents as ingest items (neutral wording: no setting signal in the text)."""
    return [
        {
            "source": "literature_web",
            "source_kind": "publication",
            "external_id": doc_id(i),
            "url": f"https://example.org/sample/{i}",
            "title": f"Sample report {i}",
            "text": f"Patient {i} received cells.",
            "year": 2015 + i % 5,
            "country": "XX",
            "fetched_at": "2026-01-01T00:00:00+00:00",
            "extra": {"doi": f"10.5555/sample.{i:02d}"},
        }
        for i in range(N_DOCS)
    ]


def sample_mentions() -> list[dict[str, Any]]:
    """fact_mentions rows for the sample documents."""
    rows: list[dict[str, Any]] = []

    def add(i: int, field: str, key: str | None, **more: Any) -> None:
        rows.append(
            {
                "doc_id": doc_id(i),
                "version": 1,
                "extractor_version": EXTRACTOR,
                "seq": sum(r["doc_id"] == doc_id(i) for r in rows),
                "field": field,
                "key": key,
                "status": more.get("status"),
                "cells": more.get("cells"),
                "per_kg": more.get("per_kg"),
                "text": more.get("text", key),
                "sentence": f"Sentence about {key}.",
                "start": 0,
                "end": 5,
            }
        )

    for i in BONE_MARROW_IV:
        add(i, "tissue_sources", "bone_marrow")
        add(i, "routes", "intravenous")
        add(i, "dose", None, cells=2e6, per_kg=True, text="2 x 10^6 cells/kg")
    for i in ADIPOSE_LOCAL:
        add(i, "tissue_sources", "adipose")
        add(i, "routes", "intra_articular")
        add(i, "dose", None, cells=5e7, per_kg=False, text="50 million cells")
    for term, docs in PRESENT_EVENTS.items():
        for i in docs:
            add(i, "event", term, status="present")
    for term, docs in POSSIBLE_EVENTS.items():
        for i in docs:
            add(i, "event", term, status="possible")
    return rows


def build_sample_registry(db_path: str | Path) -> Path:
    """Write the sample registry to ``db_path`` (replacing it) and return the path."""
    path = Path(db_path)
    path.unlink(missing_ok=True)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with publish(path) as con:
        ingest_into(con, sample_items())
        insert_rows(
            con,
            "doc_extractions",
            [
                {
                    "doc_id": doc_id(i),
                    "version": 1,
                    "extractor_version": EXTRACTOR,
                    "extracted_at": now,
                    "setting": None,
                    "error": None,
                    "output": "{}",
                }
                for i in range(N_DOCS)
            ],
        )
        insert_rows(con, "fact_mentions", sample_mentions())
        create_views(con)
    return path
