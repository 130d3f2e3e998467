"""Bad snapshot input gets a named skip or a clear error, and never loses stored data."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from cellvigil.cli import app
from registry.build import build
from registry.db import publish
from registry.ingest import IngestReport
from registry.snapshot import SnapshotError, read_snapshot

runner = CliRunner()


def _doc(n: int) -> str:
    return json.dumps(
        {
            "id": f"url:https://clinic.example/{n}",
            "source_kind": "clinic_ad",
            "url": f"https://clinic.example/{n}",
            "title": f"Page {n}",
            "text": "Stem cell infusions in our clinic.",
            "year": None,
            "country": None,
        }
    )


def _load(folder: Path) -> tuple[list[dict], IngestReport]:
    report = IngestReport()
    return list(read_snapshot(folder, report)), report


def test_truncated_csv_keeps_rows_before_the_cut(snapshot_dir: Path, tmp_path: Path) -> None:
    lines = (snapshot_dir / "ctgov_msc_search_export.csv").read_text("utf-8-sig").splitlines()
    cut = "\n".join(lines[:6]) + "\n" + lines[6][: len(lines[6]) // 3]
    (tmp_path / "export.csv").write_text(cut, encoding="utf-8")
    items, report = _load(tmp_path)
    assert len(items) == 5
    assert report.skipped == 1
    assert "export.csv:7" in report.skipped_reasons[0]


def test_jsonl_line_that_is_not_json_is_skipped_by_line(tmp_path: Path) -> None:
    body = "\n".join([_doc(1), _doc(2), '{"id": "broken', _doc(4)]) + "\n"
    (tmp_path / "documents.jsonl").write_text(body, encoding="utf-8")
    items, report = _load(tmp_path)
    assert [i["external_id"] for i in items] == [
        "url:https://clinic.example/1",
        "url:https://clinic.example/2",
        "url:https://clinic.example/4",
    ]
    assert report.skipped == 1
    assert "documents.jsonl:3" in report.skipped_reasons[0]
    assert "not JSON" in report.skipped_reasons[0]


def test_file_that_is_not_utf8_skips_only_its_bad_lines(tmp_path: Path) -> None:
    latin = json.dumps(
        {
            "id": "url:https://clinica.example/x",
            "source_kind": "clinic_ad",
            "title": "Clínica",
            "text": "Células madre",
        },
        ensure_ascii=False,
    )
    body = (_doc(1) + "\n").encode() + (latin + "\n").encode("latin-1") + (_doc(3) + "\n").encode()
    (tmp_path / "documents.jsonl").write_bytes(body)
    items, report = _load(tmp_path)
    assert len(items) == 2
    assert "documents.jsonl:2" in report.skipped_reasons[0]
    assert "not UTF-8" in report.skipped_reasons[0]


def test_csv_row_with_bad_bytes_is_skipped(snapshot_dir: Path, tmp_path: Path) -> None:
    raw = (snapshot_dir / "ctgov_msc_search_export.csv").read_bytes().splitlines(keepends=True)
    header, rows = raw[0], raw[1:4]
    bad = rows[1].replace(b"Mesenchymal", b"Mesenchym\xe4l", 1)
    (tmp_path / "export.csv").write_bytes(header + rows[0] + bad + rows[2])
    items, report = _load(tmp_path)
    assert len(items) == 2
    assert report.skipped == 1 and "not UTF-8" in report.skipped_reasons[0]


def test_empty_snapshot_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="holds no .csv or .jsonl"):
        build(tmp_path / "r.duckdb", snapshot=tmp_path, extract=False)
    result = runner.invoke(
        app,
        ["build", "--snapshot", str(tmp_path), "--db", str(tmp_path / "r.duckdb"), "--no-extract"],
    )
    assert result.exit_code == 2
    assert "holds no .csv or .jsonl" in result.output
    assert not (tmp_path / "r.duckdb").exists()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _small_snapshot(folder: Path, n: int) -> Path:
    folder.mkdir()
    (folder / "documents.jsonl").write_text("\n".join(_doc(i) for i in range(n)) + "\n")
    return folder


def test_failed_write_leaves_the_registry_untouched(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    build(db, snapshot=_small_snapshot(tmp_path / "s1", 3), extract=False)
    before = _sha(db)
    with pytest.raises(RuntimeError), publish(db) as con:
        con.execute("DELETE FROM document_versions")
        raise RuntimeError("crash in the middle of a write")
    assert _sha(db) == before
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 3
    con.close()


def test_killed_build_leaves_the_previous_registry_readable(tmp_path: Path) -> None:
    db = tmp_path / "r.duckdb"
    build(db, snapshot=_small_snapshot(tmp_path / "s1", 3), extract=False)
    before = _sha(db)
    script = (
        "import os, signal, sys\n"
        "from registry.db import publish\n"
        "with publish(sys.argv[1]) as con:\n"
        "    con.execute('DELETE FROM document_versions')\n"
        "    os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(db)], cwd=os.getcwd())
    assert proc.returncode == -9
    assert _sha(db) == before
    assert list(tmp_path.glob(".r.duckdb.*.tmp"))
    build(db, snapshot=_small_snapshot(tmp_path / "s2", 5), extract=False)
    assert not list(tmp_path.glob(".r.duckdb.*.tmp"))
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM documents").fetchone()[0] == 5
    con.close()


def test_in_place_write_waits_then_names_the_busy_registry(tmp_path: Path) -> None:
    from registry.db import RegistryBusy, write_in_place

    db = tmp_path / "r.duckdb"
    build(db, snapshot=_small_snapshot(tmp_path / "s1", 2), extract=False)
    before = _sha(db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(30)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(RegistryBusy, match="held open by another process"):
            with write_in_place(db, wait_seconds=1.0) as con:
                con.execute("DELETE FROM document_versions")
    finally:
        holder.kill()
        holder.wait()
    assert _sha(db) == before


def test_in_place_write_rolls_back_on_error(tmp_path: Path) -> None:
    from registry.db import write_in_place

    db = tmp_path / "r.duckdb"
    build(db, snapshot=_small_snapshot(tmp_path / "s1", 2), extract=False)
    with pytest.raises(RuntimeError), write_in_place(db) as con:
        con.execute("DELETE FROM document_versions")
        raise RuntimeError("crash before the commit")
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT count(*) FROM document_versions").fetchone()[0] == 2
    con.close()
