"""One build: load a snapshot (optional), extract facts for new document versions, publish views."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from registry.db import publish
from registry.facts import extract_pending
from registry.ingest import IngestReport, ingest_into, record_run
from registry.snapshot import read_snapshot, snapshot_files
from registry.views import create_views

log = logging.getLogger(__name__)


@dataclass
class BuildSummary:
    """What a build did, for the command's report and the closing figures."""

    db_path: Path
    ingest: IngestReport = field(default_factory=IngestReport)
    extracted: int = 0
    extraction_errors: int = 0
    extractor_version: str | None = None
    seconds: float = 0.0
    documents_by_kind: dict[str, int] = field(default_factory=dict)


def build(
    db_path: str | Path,
    snapshot: str | Path | None = None,
    extract: bool = True,
    n_process: int = 1,
) -> BuildSummary:
    """Build or update the registry at ``db_path`` and publish it atomically.

    With ``snapshot`` the folder is loaded first (an unusable folder raises ``SnapshotError``
    before anything is touched). Extraction runs only on current document versions that the
    present extractor version has not seen, so a rebuild on unchanged data is cheap.
    """
    started_clock = time.perf_counter()
    started = datetime.now(UTC)
    summary = BuildSummary(db_path=Path(db_path))
    if snapshot is not None:
        snapshot_files(Path(snapshot))
    with publish(db_path) as con:
        if snapshot is not None:
            skips = IngestReport()
            summary.ingest = ingest_into(con, read_snapshot(snapshot, skips))
            summary.ingest.add(skips)
        create_views(con)
        if extract:
            from nlp.extract import EXTRACTOR_VERSION, extract_records

            summary.extractor_version = EXTRACTOR_VERSION
            summary.extracted, summary.extraction_errors = extract_pending(
                con,
                lambda records: extract_records(records, n_process=n_process),
                EXTRACTOR_VERSION,
            )
        create_views(con)
        summary.documents_by_kind = dict(
            con.execute(
                "SELECT source_kind, count(*) FROM documents GROUP BY 1 ORDER BY 1"
            ).fetchall()
        )
        summary.seconds = time.perf_counter() - started_clock
        record_run(
            con,
            "build",
            started,
            str(snapshot) if snapshot else "registry",
            summary.ingest,
            extractor_version=summary.extractor_version,
        )
    return summary
