"""Exporting every public view and the data dictionary, so the registry is usable without DuckDB."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from registry.db import connect_readonly
from registry.views import PUBLIC_VIEWS

# The analytics views of issue 5, after the lead's base views (docs/data_dictionary.md).
ANALYTIC_VIEWS = (
    "event_reports",
    "product_event_counts",
    "trial_results_events",
    "clinics",
    "signals",
    "product_profiles",
    "document_settings",
    "document_links",
    "trial_results_arms",
)
FORMATS = ("parquet", "csv")
DICTIONARY_NAME = "data_dictionary.md"


class ExportError(ValueError):
    """The export cannot run (unknown format, missing view or dictionary)."""


@dataclass
class ExportReport:
    """What an export wrote: one file per view with its row count, plus the dictionary."""

    out_dir: Path
    files: dict[str, Path] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    dictionary: Path | None = None


def export_views() -> tuple[str, ...]:
    """Every public view, base views first."""
    return tuple(dict.fromkeys(PUBLIC_VIEWS + ANALYTIC_VIEWS))


def dictionary_path() -> Path:
    """``docs/data_dictionary.md`` of the source tree (the package is installed editable)."""
    candidate = Path(str(resources.files("registry"))).parent / "docs" / DICTIONARY_NAME
    if not candidate.is_file():
        raise ExportError(f"data dictionary not found at {candidate}")
    return candidate


def export_registry(db_path: str | Path, out_dir: str | Path, fmt: str = "parquet") -> ExportReport:
    """Write ``<view>.<fmt>`` for every public view, and the data dictionary, into ``out_dir``."""
    if fmt not in FORMATS:
        raise ExportError(f"format {fmt!r} is not one of {', '.join(FORMATS)}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = ExportReport(out_dir=out)
    con = connect_readonly(db_path)
    try:
        present = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views()").fetchall()}
        missing = [v for v in export_views() if v not in present]
        if missing:
            raise ExportError(
                f"registry {db_path} lacks view(s) {', '.join(missing)}: rebuild it with "
                "`cellvigil build`"
            )
        for view in export_views():
            target = out / f"{view}.{fmt}"
            options = (
                "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT csv, HEADER"
            )
            relation = f'"{view}"' if fmt == "parquet" else _csv_select(con, view)
            con.execute(f"COPY (SELECT * FROM {relation}) TO '{_quote(target)}' ({options})")
            report.files[view] = target
            report.rows[view] = con.execute(f'SELECT count(*) FROM "{view}"').fetchone()[0]
    finally:
        con.close()
    report.dictionary = out / DICTIONARY_NAME
    shutil.copyfile(dictionary_path(), report.dictionary)
    return report


def _csv_select(con, view: str) -> str:  # type: ignore[no-untyped-def]
    """CSV has no list type: list and struct columns are written as JSON text."""
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE table_name = ? ORDER BY column_index",
        [view],
    ).fetchall()
    parts = [
        f'to_json("{name}") AS "{name}"'
        if ("[]" in dtype or dtype.startswith(("STRUCT", "MAP")))
        else f'"{name}"'
        for name, dtype in cols
    ]
    return f'(SELECT {", ".join(parts)} FROM "{view}")'


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
