"""Times each dashboard page's script run (AppTest) on a registry of at least 1,000,000 events.

Targets (issue 6): first render < 2 s, a filter change < 300 ms. The registry is either given
(``--db``, e.g. one built by ``benchmarks/registry_scale.py``) or built here by replicating the
dashboard fixture registry in SQL until the ``events`` view holds ``--events`` rows.

    python benchmarks/dashboard_render.py [--db PATH] [--events 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "dashboard" / "app.py")
PAGES = ["overview", "products", "regulation", "cases", "trials", "signals", "sql"]
# Per page: session-state filter changes applied one after the other (each one is timed).
FILTER_CHANGES = [("f_tissue", ["adipose"]), ("f_route", ["intravascular"]),
                  ("f_setting", ["regulated_trial"]), ("f_event", ["pulmonary_embolism"])]
# Tables copied with a suffixed doc_id on each replication round.
REPLICATED = ["document_versions", "document_aliases", "document_sources", "trial_records",
              "trial_adverse_events", "doc_extractions", "fact_mentions"]


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
        con.execute("CREATE TEMP TABLE copies AS SELECT range AS k FROM range(1, $n + 1)",
                    {"n": copies})
        for table in REPLICATED:
            columns = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
            select = ", ".join(
                "c.doc_id || '#' || k AS doc_id" if col == "doc_id"
                else "c.alias || '#' || k AS alias" if col == "alias"
                else f'c."{col}"' for col in columns)
            con.execute(f"INSERT INTO {table} SELECT {select} FROM {table} c, copies "
                        f"WHERE c.doc_id NOT LIKE '%#%'")
        create_views(con)
    con = duckdb.connect(str(db), read_only=True)
    n_events, n_docs = con.execute(
        "SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM documents)").fetchone()
    con.close()
    print(f"built {db}: {n_events:,} events, {n_docs:,} documents, "
          f"{db.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - started:.0f} s")


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def time_page(page: str) -> tuple[float, list[float]]:
    """(first render with cold caches, each filter change) in seconds for one page."""
    from streamlit.testing.v1 import AppTest

    _clear_caches()
    at = AppTest.from_file(APP, default_timeout=120)
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
    started = time.perf_counter()
    at.run()
    first = time.perf_counter() - started
    if at.exception:
        raise RuntimeError(f"{page}: {at.exception[0].value}")
    changes = []
    for key, value in FILTER_CHANGES:
        at.session_state[key] = value
        started = time.perf_counter()
        at.run()
        changes.append(time.perf_counter() - started)
        if at.exception:
            raise RuntimeError(f"{page} after {key}: {at.exception[0].value}")
    return first, changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an existing large registry (else one is built)")
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs per page (median reported)")
    args = parser.parse_args()
    db = args.db
    if db is None:
        db = Path(tempfile.mkdtemp(prefix="cv-bench-")) / "scaled.duckdb"
        build_replicated(db, args.events)
    os.environ["CELLVIGIL_DB"] = str(db.resolve())
    sys.path.insert(0, str(ROOT))
    print(f"{'page':<12} {'first render':>13} {'filter change (median / max)':>30}")
    failures = 0
    for page in PAGES:
        firsts, changes = [], []
        for _ in range(args.repeat):
            first, change = time_page(page)
            firsts.append(first)
            changes.extend(change)
        first, median, worst = statistics.median(firsts), statistics.median(changes), max(changes)
        ok = first < 2.0 and median < 0.3
        failures += not ok
        print(f"{page:<12} {first * 1000:>10.0f} ms {median * 1000:>14.0f} / {worst * 1000:.0f} ms"
              f"  {'ok' if ok else 'SLOW'}")
    print("targets: first render < 2000 ms, filter change < 300 ms"
          + ("" if not failures else f" — {failures} page(s) over target"))


if __name__ == "__main__":
    main()
