"""Does the registry stay fast at a million event rows? Scale a real build by replication, time it.

Run from /work/main:  python benchmarks/registry_scale.py [--events 1000000] [--reps 10]

1. A base registry: ``--base`` if given, else built from the snapshot (NLP included when
   ``nlp.extract`` imports).
2. Replication inside one ``publish()``: documents with an event mention are copied until the
   ``fact_mentions`` event rows reach ``--events``; every other document ``--other-factor``
   times. Copies get ``~k`` appended to their ids (raw payloads dropped). Prints the load rate
   (rows/s), the view build time and the file size.
3. p50 / p95 latency of the analytic views' typical queries and, when ``dashboard.queries``
   imports, of every dashboard query function (its result cache cleared before each call).
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cellvigil.paths import DB_ENV, default_snapshot  # noqa: E402
from registry.db import publish  # noqa: E402
from registry.views import create_views  # noqa: E402

TARGET_MS = 200.0
# Tables copied per document, with the extra id columns to suffix besides doc_id.
REPLICATED: dict[str, tuple[str, ...]] = {
    "document_versions": ("external_id",),
    "document_sources": ("external_id",),
    "document_aliases": ("alias",),
    "trial_records": (),
    "trial_adverse_events": (),
    "doc_extractions": (),
    "fact_mentions": (),
}
# Typical queries on the analytic views (what a dashboard page or an analyst runs first).
VIEW_QUERIES: dict[str, str] = {
    "event_reports by term": "SELECT term, count(*) FROM event_reports GROUP BY term",
    "event_reports page": """SELECT doc_id, title, year, term, tissue_sources, route_class,
                                    setting, text FROM event_reports
                             WHERE setting = 'regulated_trial'
                             ORDER BY year DESC NULLS LAST, doc_id LIMIT 100""",
    "event_reports one doc": "SELECT * FROM event_reports WHERE doc_id = 'nct:NCT01270139~7'",
    "product heatmap": """SELECT tissue_source, route_class, sum(documents) AS docs,
                                 sum(event_documents) AS ev FROM product_event_counts
                          WHERE term = 'any_thrombotic' GROUP BY ALL""",
    "counts by setting x year": """SELECT setting, year, sum(event_documents)
                                   FROM product_event_counts WHERE term = 'any_thrombotic'
                                   GROUP BY ALL ORDER BY ALL""",
    "signals tissue": """SELECT * FROM signals WHERE dimension = 'tissue_source'
                         AND term = 'any_thrombotic' ORDER BY ror DESC NULLS LAST""",
    "signals flagged": "SELECT * FROM signals WHERE any_signal ORDER BY ic025 DESC",
    "trial results by arm": """SELECT nct_id, group_title, arm_role, event_key, num_affected,
                                      num_at_risk, incidence FROM trial_results_events
                               ORDER BY nct_id, event_key""",
    "clinics": "SELECT * FROM clinics ORDER BY regulator_actions DESC, business",
    "documents by setting": "SELECT setting, count(*) FROM documents GROUP BY setting",
    "product profiles intravascular": """SELECT count(*) FROM product_profiles
                                         WHERE route_class = 'intravascular'
                                           AND list_contains(tissue_sources, 'bone_marrow')""",
}


def base_registry(path: Path, snapshot: Path) -> float:
    """Build the base registry from the snapshot; return documents loaded per second."""
    from registry.build import build

    try:
        import nlp.extract  # noqa: F401

        extract = True
    except ImportError:
        extract = False
        print("nlp.extract is not importable: base built without extraction (no text events)")
    started = time.perf_counter()
    summary = build(path, snapshot=snapshot, extract=extract)
    seconds = time.perf_counter() - started
    docs = summary.ingest.inserted + summary.ingest.new_versions
    print(
        f"base build: {docs} document versions, {summary.extracted} extracted in {seconds:.1f} s "
        f"({docs / seconds:,.0f} versions/s end to end)"
    )
    return docs / seconds


def replicate(path: Path, target_events: int, other_factor: int) -> None:
    """Copy documents in place (one atomic publish) until the event rows reach the target."""
    with publish(path) as con:
        base_events, event_docs = con.execute(
            "SELECT count(*), count(DISTINCT doc_id) FROM current_mentions WHERE field = 'event'"
        ).fetchone()
        if base_events == 0:
            raise SystemExit("the base registry holds no event rows: build it with the NLP stage")
        factor = math.ceil(target_events / base_events)
        print(
            f"base: {base_events} event rows in {event_docs} documents -> x{factor}; "
            f"other documents x{other_factor}"
        )
        con.execute(f"""
            CREATE TEMP TABLE rep_plan AS
            WITH d AS (
                SELECT doc_id, doc_id IN (SELECT doc_id FROM current_mentions
                                          WHERE field = 'event') AS has_event
                FROM (SELECT DISTINCT doc_id FROM document_versions))
            SELECT doc_id, '~' || r.k AS suffix
            FROM d, range(1, CASE WHEN has_event THEN {factor} ELSE {other_factor} END) AS r(k)""")
        started = time.perf_counter()
        inserted = 0
        for table, extra in REPLICATED.items():
            replaced = ", ".join(f"t.{c} || p.suffix AS {c}" for c in ("doc_id", *extra))
            if table == "document_versions":
                replaced += ", NULL AS raw"
            before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            con.execute(f"""INSERT INTO {table} SELECT t.* REPLACE ({replaced})
                            FROM {table} t JOIN rep_plan p ON p.doc_id = t.doc_id""")
            inserted += con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] - before
        load_s = time.perf_counter() - started
        print(f"load: {inserted:,} rows in {load_s:.1f} s = {inserted / load_s:,.0f} rows/s")
        started = time.perf_counter()
        create_views(con)
        views_s = time.perf_counter() - started
        events, docs, reports = con.execute(
            """SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM documents),
                      (SELECT count(*) FROM event_reports)"""
        ).fetchone()
        print(
            f"views built (materialised) in {views_s:.1f} s: {docs:,} documents, "
            f"{events:,} event rows, {reports:,} event_reports rows"
        )


def time_calls(label: str, call: Callable[[], Any], reps: int) -> tuple[float, float]:
    """Latency percentiles (ms) of ``reps`` calls after one warm-up."""
    call()
    samples = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p50 = statistics.median(samples)
    p95 = samples[min(len(samples) - 1, math.ceil(0.95 * len(samples)) - 1)]
    flag = "ok" if p95 < TARGET_MS else "SLOW"
    print(f"  {label:<44} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   {flag}")
    return p50, p95


def time_view_queries(path: Path, reps: int) -> list[tuple[str, float, float]]:
    """The analytic views' typical queries on one read-only connection."""
    from registry.sql_sandbox import sandbox_connection

    con = sandbox_connection(path)
    print("analytic views (sandboxed read-only connection, as the SQL page):")
    out = [
        (name, *time_calls(name, lambda q=q: con.execute(q).fetchall(), reps))
        for name, q in VIEW_QUERIES.items()
    ]
    con.close()
    return out


def dashboard_calls() -> dict[str, Callable[[], Any]]:
    """Every query function of ``dashboard.queries`` with typical arguments."""
    from dashboard import queries
    from dashboard.filters import Filters

    typical: dict[str, Any] = {
        "tissue": "bone_marrow",
        "route_class": "intravascular",
        "dimension": "tissue",
        "thrombotic_only": True,
        "name": "event_reports",
    }
    calls: dict[str, Callable[[], Any]] = {}
    for name, fn in inspect.getmembers(queries, inspect.isfunction):
        if (
            fn.__module__ != queries.__name__
            or name.startswith("_")
            or name in ("registry_path", "filter_params", "registry_status")
        ):
            continue
        kwargs: dict[str, Any] = {}
        for pname, param in inspect.signature(fn).parameters.items():
            if pname == "f":
                kwargs[pname] = Filters()
            elif pname in typical:
                kwargs[pname] = typical[pname]
            elif param.default is inspect.Parameter.empty:
                break
        else:
            calls[name] = lambda fn=fn, kw=kwargs: (queries._cached.clear(), fn(**kw))
    return calls


def time_dashboard(path: Path, reps: int) -> list[tuple[str, float, float]]:
    """Every dashboard query function, result cache cleared before each call."""
    os.environ[DB_ENV] = str(path)
    try:
        calls = dashboard_calls()
    except Exception as exc:  # noqa: BLE001  (the dashboard is another engineer's work in progress)
        print(f"dashboard.queries not usable here ({type(exc).__name__}: {exc}); skipped")
        return []
    print(f"dashboard query functions ({len(calls)}, result cache cleared per call):")
    out = []
    for name, call in sorted(calls.items()):
        try:
            out.append((name, *time_calls(name, call, reps)))
        except Exception as exc:  # noqa: BLE001
            print(f"  {name:<44} failed: {type(exc).__name__}: {str(exc)[:120]}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="event rows to reach")
    parser.add_argument(
        "--other-factor", type=int, default=20, help="copies of each document without an event"
    )
    parser.add_argument("--reps", type=int, default=10, help="timed calls per query")
    parser.add_argument("--base", type=Path, help="an existing registry to scale (copied)")
    parser.add_argument("--snapshot", type=Path, default=default_snapshot())
    parser.add_argument("--out", type=Path, help="scaled registry path (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the scaled registry")
    args = parser.parse_args(argv)

    workdir = Path(tempfile.mkdtemp(prefix="cellvigil_scale_"))
    out = args.out or workdir / "scaled.duckdb"
    try:
        if args.base:
            shutil.copyfile(args.base, out)
        else:
            base_registry(out, args.snapshot)
        replicate(out, args.events, args.other_factor)
        size = out.stat().st_size
        print(f"file size: {size / 2**20:,.1f} MiB ({out})")
        results = time_view_queries(out, args.reps) + time_dashboard(out, args.reps)
        slow = [name for name, _, p95 in results if p95 >= TARGET_MS]
        worst = max((p95 for _, _, p95 in results), default=0.0)
        listed = ": " + ", ".join(slow) if slow else ""
        print(
            f"{len(results)} queries timed; worst p95 {worst:.0f} ms; "
            f"{len(slow)} above the {TARGET_MS:.0f} ms target{listed}"
        )
    finally:
        duckdb.default_connection().close()
        if not args.keep and args.out is None:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
