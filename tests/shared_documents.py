"""The real documents many NLP tests compare shortcuts on: every gold and snapshot record."""

from __future__ import annotations

import json
from typing import Any

from cellvigil.paths import shared_dir


def shared_records() -> list[dict[str, Any]]:
    """Every record of the gold files (sorted by name), then of the snapshot's documents;
    none from a file that is absent (tests that need them take the ``shared`` fixture, or skip
    on an empty list)."""
    shared = shared_dir()
    files = [*sorted((shared / "gold").glob("*.jsonl")), shared / "snapshot" / "documents.jsonl"]
    records = []
    for path in files:
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    records.append(json.loads(line))
    return records


def pipeline_text(record: dict[str, Any]) -> str:
    """Title, blank line, text: the string extraction reads (an absent part is empty)."""
    return (record.get("title") or "") + "\n\n" + (record.get("text") or "")
