"""Times each dashboard page's script run (AppTest) on a registry of at least 1,000,000 events.

Targets (issue 6): first render < 2 s, a filter change < 300 ms. "First render" is a page's
first run with every query result uncached; the in-memory mart (``dashboard.store``), loaded
once per registry build, is timed on its own first. The registry is either given
(``--db``, e.g. one built by ``benchmarks/registry_scale.py``) or built here by replicating the
dashboard fixture registry in SQL until the ``events`` view holds ``--events`` rows.

    python benchmarks/dashboard_render.py [--db PATH] [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["overview", "products", "regulation", "cases", "trials", "signals", "sql"]
# Filter changes, each timed as the page's run with that filter (as a shared link carries it)
# while the unfiltered results are cached: the work a filter change costs on a live server.
FILTER_CHANGES = [
    {"tissue": "adipose"},
    {"route": "intravascular"},
    {"setting": "regulated_trial"},
    {"event": "pulmonary_embolism"},
    {"kind": "publication", "status": "all"},
]
# Tables copied with a suffixed doc_id on each replication round.
REPLICATED = [
    "document_versions",
    "document_aliases",
    "document_sources",
    "trial_records",
    "trial_adverse_events",
    "doc_extractions",
    "fact_mentions",
]


def build_replicated(db: Path, events: int) -> None:
    """The fixture registry, replicated in SQL until it holds at least ``events`` event rows."""
    from dashboard.fixture import build_fixture_registry
    from registry.db import publish
    from registry.views import create_views

    started = time.perf_counter()
    build_fixture_registry(db)
    con = duckdb.connect(str(db), read_only=True)
    per_copy = con.execute("SELECT count(*) FROM events").fetchone()[0]
    con.close()
    copies = -(-events // per_copy) - 1
    with publish(db) as con:
        con.execute(
            "CREATE TEMP TABLE copies AS SELECT range AS k FROM range(1, $n + 1)", {"n": copies}
        )
        for table in REPLICATED:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            select = ", ".join(
                "c.doc_id || '#' || k AS doc_id"
                if col == "doc_id"
                else "c.alias || '#' || k AS alias"
                if col == "alias"
                else f'c."{col}"'
                for col in columns
            )
            con.execute(
                f"INSERT INTO {table} SELECT {select} FROM {table} c, copies "
                f"WHERE c.doc_id NOT LIKE '%#%'"
            )
        create_views(con)
    con = duckdb.connect(str(db), read_only=True)
    n_events, n_docs = con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM documents)"
    ).fetchone()
    con.close()
    print(
        f"built {db}: {n_events:,} events, {n_docs:,} documents, "
        f"{db.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.0f} s"
    )


def load_mart() -> float:
    """Seconds to copy the registry into the dashboard's in-memory mart (once per build)."""
    from dashboard import queries, store

    started = time.perf_counter()
    store.mart(store.file_key(), queries.MART_TABLES, queries.MART_DERIVED)
    return time.perf_counter() - started


def _clear_results() -> None:
    import streamlit as st

    st.cache_data.clear()  # query results only: the mart stays loaded, as on a running server


_COMPONENTS: list = []


def _share_component_scan(at) -> None:
    """Give every AppTest one component registry, scanned once, as a running server has.

    Each new AppTest otherwise rescans the metadata of every installed package (~0.3 s here),
    which a server does once at start: timing it per run would measure AppTest, not the app.
    """
    if not hasattr(at, "_bidi_component_manager"):
        return
    if not _COMPONENTS:
        from streamlit.components.v2.component_manager import BidiComponentManager

        manager = BidiComponentManager()
        manager.discover_and_register_components(start_file_watching=False)
        _COMPONENTS.append(manager)
    at._bidi_component_manager = _COMPONENTS[0]


def _run(page: str, query: dict[str, str] | None = None) -> tuple[float, list[str]]:
    """(seconds, numbers shown) of one page run in a fresh session opened from a link."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    _share_component_scan(at)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    if page != "overview":  # the link's filters are read on the session's first run
        at.run()
        at.switch_page(f"app_pages/{page}.py")
    started = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page} {query or ''}: {at.exception[0].value}")
    return seconds, [m.value for m in at.metric] + [str(len(d.value)) for d in at.dataframe]


def time_page(page: str) -> tuple[float, list[float], int]:
    """(first render with no result cached, each filter change, changes that moved a number)."""
    _clear_results()
    first, baseline = _run(page)
    changes, moved = [], 0
    for query in FILTER_CHANGES:
        seconds, shown = _run(page, query)
        changes.append(seconds)
        moved += shown != baseline
    return first, changes, moved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing large registry (else one is built)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per page (median reported)")
    parser.add_argument("--keep", action="store_true", help="keep a registry built here")
    args = parser.parse_args()
    db, workdir = args.db, None
    if db is None:
        workdir = Path(tempfile.mkdtemp(prefix="cv-bench-"))
        db = workdir / "scaled.duckdb"
        build_replicated(db, args.events)
    try:
        run_pages(db, args.repeat)
    finally:
        if workdir is not None and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        elif workdir is not None:
            print(f"kept {db}")


def run_pages(db: Path, repeat: int) -> None:
    """Print the first-render and filter-change figures of every page."""
    os.environ["CELLVIGIL_DB"] = str(db.resolve())
    sys.path.insert(0, str(ROOT))
    print(f"registry {db}: in-memory mart loaded in {load_mart():.1f} s (once per registry build)")
    print(f"{'page':<12} {'first render':>13} {'filter change (median / max)':>30}")
    failures = 0
    for page in PAGES:
        firsts, changes, moved = [], [], 0
        for _ in range(repeat):
            first, change, moved = time_page(page)
            firsts.append(first)
            changes.extend(change)
        first, median, worst = statistics.median(firsts), statistics.median(changes), max(changes)
        ok = first < 2.0 and median < 0.3
        failures += not ok
        print(
            f"{page:<12} {first * 1000:>10.0f} ms {median * 1000:>14.0f} / {worst * 1000:.0f} ms"
            f"  {'ok' if ok else 'SLOW'}  ({moved}/{len(FILTER_CHANGES)} changes moved a number)"
        )
    print(
        "targets: first render < 2000 ms, filter change < 300 ms"
        + ("" if not failures else f" — {failures} page(s) over target")
    )


if __name__ == "__main__":
    main()
