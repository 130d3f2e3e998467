"""Loading the real snapshot and the registry's versioning rules."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import duckdb

from registry.ctgov_legacy import legacy_adverse_events
from registry.ingest import IngestReport, ingest_items
from registry.snapshot import read_snapshot


def _items(snapshot_dir: Path) -> tuple[list[dict], IngestReport]:
    report = IngestReport()
    return list(read_snapshot(snapshot_dir, report)), report


def test_snapshot_reads_every_csv_row_record_and_document(snapshot_dir: Path) -> None:
    items, report = _items(snapshot_dir)
    with open(snapshot_dir / "ctgov_msc_search_export.csv", encoding="utf-8-sig", newline="") as fh:
        csv_rows = sum(1 for _ in csv.DictReader(fh))
    jsonl_lines = {
        p.name: sum(1 for line in p.open(encoding="utf-8") if line.strip())
        for p in snapshot_dir.glob("*.jsonl")
    }
    by_source: dict[str, int] = {}
    for item in items:
        by_source[item["source"]] = by_source.get(item["source"], 0) + 1
    assert report.skipped == 0, report.skipped_reasons
    assert by_source["ctgov_csv"] == csv_rows
    assert by_source["ctgov_legacy"] == jsonl_lines["ctgov_msc_legacy_records.jsonl"]
    documents = sum(n for s, n in by_source.items() if not s.startswith("ctgov"))
    assert documents == jsonl_lines["documents.jsonl"]


def test_snapshot_csv_trial_fields_normalised(snapshot_dir: Path) -> None:
    items, _ = _items(snapshot_dir)
    trials = [i["extra"]["trial"] for i in items if i["source"] == "ctgov_csv"]
    assert all(t["nct_id"].startswith("NCT") for t in trials)
    phases = {p for t in trials if t["phase"] for p in t["phase"].split("|")}
    assert phases <= {"EARLY_PHASE1", "PHASE1", "PHASE2", "PHASE3", "PHASE4", "NA"}
    dated = [t["start_date"] for t in trials if t["start_date"]]
    assert len(dated) > 0.9 * len(trials)
    assert all(d[:4].isdigit() and d[4] == "-" for d in dated)


def test_legacy_adverse_events_match_group_totals(snapshot_dir: Path) -> None:
    """Each event's numAtRisk equals its group's total at risk: flat lists unpacked right."""
    checked = 0
    for line in (snapshot_dir / "ctgov_msc_legacy_records.jsonl").open(encoding="utf-8"):
        fields = json.loads(line)["fields"]
        events = legacy_adverse_events(fields)
        if not events:
            continue
        groups = fields["EventGroupId"]
        serious_at_risk = dict(zip(groups, fields["EventGroupSeriousNumAtRisk"], strict=False))
        terms = len(fields.get("SeriousEventTerm") or []) + len(fields.get("OtherEventTerm") or [])
        assert len(events) == terms * len(groups)
        for event in events:
            if event["serious"] and serious_at_risk.get(event["group_id"]):
                assert event["num_at_risk"] == serious_at_risk[event["group_id"]]
                checked += 1
    assert checked > 0


def test_loading_the_same_snapshot_twice_changes_nothing(
    snapshot_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "r.duckdb"
    items, _ = _items(snapshot_dir)
    first = ingest_items(db, items)
    second = ingest_items(db, _items(snapshot_dir)[0])
    assert first.inserted > 1000
    assert (second.inserted, second.new_versions) == (0, 0)
    assert second.unchanged == len(items)
    con = duckdb.connect(str(db), read_only=True)
    versions = con.execute("SELECT count(*) FROM document_versions").fetchone()[0]
    con.close()
    assert versions == first.inserted + first.new_versions


def _paper(**changes: object) -> dict:
    item = {
        "source": "pubmed",
        "source_kind": "publication",
        "external_id": "pmid:101",
        "title": "A case of pulmonary embolism",
        "text": "After infusion ...",
        "extra": {"pmid": "101", "doi": "10.1000/ABC"},
        "fetched_at": "2026-01-01T00:00:00Z",
    }
    item.update(changes)
    return item


def test_changed_document_becomes_a_new_version_and_keeps_the_old(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    ingest_items(db, [_paper()])
    report = ingest_items(db, [_paper(text="After infusion, corrected text.")])
    assert report.new_versions == 1
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute(
        "SELECT version, text FROM document_versions WHERE doc_id='pmid:101' ORDER BY version"
    ).fetchall()
    con.close()
    assert [r[0] for r in rows] == [1, 2]
    assert rows[0][1] == "After infusion ..."


def test_paper_from_two_sources_is_one_document(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    europe = _paper(
        source="europepmc",
        external_id="doi:10.1000/abc",
        extra={"doi": "10.1000/abc", "pmid": None},
    )
    ingest_items(db, [_paper(), europe])
    con = duckdb.connect(str(db), read_only=True)
    docs = con.execute("SELECT DISTINCT doc_id FROM document_versions").fetchall()
    sources = con.execute("SELECT source FROM document_sources ORDER BY source").fetchall()
    con.close()
    assert docs == [("pmid:101",)]
    assert sources == [("europepmc",), ("pubmed",)]


def test_invalid_items_are_named_skips(tmp_path: Path) -> None:
    report = ingest_items(
        tmp_path / "r.duckdb",
        [
            _paper(),
            {"source": "x"},
            _paper(external_id="pmid:7", source_kind="blog"),
            "text",
        ],
    )
    assert report.inserted == 1
    assert report.skipped == 3
    assert any("source_kind" in r for r in report.skipped_reasons)
