"""Every SQL query the dashboard runs, over one cached read-only connection to the registry.

Pages never write SQL of their own: they call these functions, which return DataFrames.
Filters reach SQL only as named parameters, never formatted into the text. The connection is
reopened, and cached results are dropped, when the registry file is replaced by a new build.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from cellvigil.paths import DB_ENV, default_db
from dashboard.filters import Filters
from registry.db import RegistryMissing, connect_readonly

CASE_ROWS = 2000  # rows shown (and downloaded) on the case-reports page

# The documents and event rows that pass the shared filters; every filtered query starts here.
FILTERED = """
WITH fdocs AS (
    SELECT d.* FROM documents d
    WHERE ($y0::INTEGER IS NULL OR d.year >= $y0)
      AND ($y1::INTEGER IS NULL OR d.year <= $y1)
      AND (len($kinds::VARCHAR[]) = 0 OR list_contains($kinds, d.source_kind))
      AND (len($settings::VARCHAR[]) = 0 OR list_contains($settings, d.setting))
      AND (len($tissues::VARCHAR[]) = 0 OR d.doc_id IN (
            SELECT doc_id FROM tissue_sources WHERE list_contains($tissues, tissue_source)))
      AND (len($rclasses::VARCHAR[]) = 0 OR d.doc_id IN (
            SELECT doc_id FROM routes WHERE list_contains($rclasses, route_class)))
),
fevents AS (
    SELECT e.*, d.setting, d.year, d.source_kind FROM events e JOIN fdocs d USING (doc_id)
    WHERE (len($terms::VARCHAR[]) = 0 OR list_contains($terms, e.term))
      AND (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses, e.status))
)
"""


def registry_path() -> Path:
    """The registry the dashboard shows (``$CELLVIGIL_DB``, set by ``cellvigil serve``)."""
    return Path(os.environ.get(DB_ENV) or default_db())


def _file_key(path: Path) -> tuple[str, int, float]:
    stat = path.stat()
    return (str(path), stat.st_ino, stat.st_mtime)


@st.cache_resource(max_entries=2)
def _connection(key: tuple[str, int, float]) -> duckdb.DuckDBPyConnection:
    """Read-only, with the SQL sandbox's locked configuration when it is installed.

    DuckDB refuses a second connection to one file with a different configuration in the same
    process, so the dashboard and the SQL page's sandbox must open the registry alike.
    """
    try:
        from registry.sql_sandbox import sandbox_connection
    except ImportError:
        return connect_readonly(key[0])
    return sandbox_connection(key[0])


def _execute(sql: str, params: dict[str, Any] | None) -> pd.DataFrame:
    path = registry_path()
    if not path.exists():
        raise RegistryMissing(f"no registry at {path}")
    cursor = _connection(_file_key(path)).cursor()
    try:
        return cursor.execute(sql, params or {}).df()
    finally:
        cursor.close()


@st.cache_data(ttl=600, max_entries=512, show_spinner=False)
def _cached(
    sql: str, params: dict[str, Any] | None, file_key: tuple[str, int, float]
) -> pd.DataFrame:
    return _execute(sql, params)


def _query(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one query through the result cache, keyed by text, parameters and registry file."""
    return _cached(sql, params, _file_key(registry_path()))


def filter_params(f: Filters) -> dict[str, Any]:
    """The named parameters of ``FILTERED`` for one filter set."""
    y0, y1 = f.years if f.years else (None, None)
    return {"y0": y0, "y1": y1, "kinds": list(f.kinds), "settings": list(f.settings),
            "tissues": list(f.tissues), "rclasses": list(f.route_classes),
            "terms": list(f.terms), "statuses": list(f.statuses)}


def _filtered(f: Filters, body: str, **extra: Any) -> pd.DataFrame:
    return _query(FILTERED + body, {**filter_params(f), **extra})


# ---- registry state -------------------------------------------------------------------------

def registry_status() -> str | None:
    """None when the registry is usable, else a sentence saying what to run."""
    path = registry_path()
    build = (f"`cellvigil build --snapshot ../shared/snapshot --db {path}` (or `cellvigil run`, "
             "which crawls the live sources first)")
    if not path.exists():
        return f"No registry at `{path}` yet. Build one with {build}, then reload this page."
    try:
        count = _execute("SELECT count(*) AS n FROM documents", None)["n"].iloc[0]
    except duckdb.Error as exc:
        return f"The registry at `{path}` cannot be read ({exc}). Rebuild it with {build}."
    if count == 0:
        return f"The registry at `{path}` holds no documents yet. Load some with {build}."
    return None


def has_relation(name: str) -> bool:
    """Whether the registry holds a table or view of that name (newer views may be missing)."""
    found = _query("SELECT count(*) AS n FROM duckdb_views() WHERE view_name = $name "
                   "UNION ALL SELECT count(*) FROM duckdb_tables() WHERE table_name = $name",
                   {"name": name})
    return bool(found["n"].sum())


def year_bounds() -> tuple[int, int] | None:
    """First and last document year, for the year slider."""
    row = _query("SELECT min(year) AS lo, max(year) AS hi FROM documents").iloc[0]
    if pd.isna(row["lo"]):
        return None
    return int(row["lo"]), int(row["hi"])


def sources_updated() -> pd.DataFrame:
    """Per source: documents and the last time one was fetched."""
    return _query(
        """SELECT source, source_kind, count(*) AS documents, max(fetched_at) AS last_fetched
           FROM documents GROUP BY ALL ORDER BY source_kind, source"""
    )


def last_build() -> pd.DataFrame:
    """When the registry was last built or loaded, and from what."""
    return _query(
        """SELECT kind, input, finished_at, extractor_version
           FROM build_runs ORDER BY finished_at DESC LIMIT 1"""
    )


def fact_counts() -> pd.DataFrame:
    """How many documents carry extracted facts (zero means the NLP step has not run)."""
    return _query(
        """SELECT (SELECT count(DISTINCT doc_id) FROM current_extractions) AS extracted,
                  (SELECT count(*) FROM events) AS events"""
    )


# ---- overview -------------------------------------------------------------------------------

def documents_by_source_kind(f: Filters) -> pd.DataFrame:
    """Documents per source kind, within the filters."""
    return _filtered(f, "SELECT source_kind, count(*) AS documents FROM fdocs "
                        "GROUP BY 1 ORDER BY documents DESC")


def event_reports_by_year(f: Filters) -> pd.DataFrame:
    """Documents reporting a thrombotic event (within the filters), per year and setting."""
    return _filtered(f, """SELECT year, setting, count(DISTINCT doc_id) AS reports
                           FROM fevents WHERE year IS NOT NULL GROUP BY ALL ORDER BY year""")


# ---- product types --------------------------------------------------------------------------

PRODUCTS = """,
profile AS (
    SELECT DISTINCT t.doc_id, t.tissue_source, r.route_class
    FROM tissue_sources t JOIN routes r USING (doc_id)
    WHERE t.doc_id IN (SELECT doc_id FROM fdocs) AND r.route_class IS NOT NULL
)
"""


def product_heatmap(f: Filters) -> pd.DataFrame:
    """Tissue × route class: documents, documents reporting an event, and their share."""
    return _filtered(f, PRODUCTS + """
        SELECT p.tissue_source, p.route_class, count(DISTINCT p.doc_id) AS documents,
               count(DISTINCT p.doc_id) FILTER (WHERE p.doc_id IN (SELECT doc_id FROM fevents))
                   AS event_documents,
               round(100.0 * event_documents / documents, 1) AS event_pct
        FROM profile p GROUP BY ALL ORDER BY ALL""")


def product_cases(f: Filters, tissue: str, route_class: str) -> pd.DataFrame:
    """The event rows behind one heatmap cell."""
    return _filtered(f, PRODUCTS + """
        SELECT e.doc_id, d.title, d.year, e.term, e.status, e.sentence, d.url
        FROM fevents e JOIN fdocs d USING (doc_id)
        WHERE e.doc_id IN (SELECT doc_id FROM profile
                           WHERE tissue_source = $tissue AND route_class = $rclass)
        ORDER BY d.year DESC NULLS LAST, e.doc_id LIMIT 500""", tissue=tissue, rclass=route_class)


# ---- regulation -----------------------------------------------------------------------------

def setting_summary(f: Filters) -> pd.DataFrame:
    """Per setting: documents, event reports, and the share using an intravascular route."""
    return _filtered(f, """,
        routed AS (SELECT doc_id, bool_or(route_class = 'intravascular') AS iv
                   FROM routes WHERE doc_id IN (SELECT doc_id FROM fdocs) GROUP BY 1)
        SELECT d.setting, v.rank, count(*) AS documents,
               count(*) FILTER (WHERE d.doc_id IN (SELECT doc_id FROM fevents)) AS event_reports,
               count(r.doc_id) AS with_route,
               count(*) FILTER (WHERE r.iv) AS intravascular,
               round(100.0 * intravascular / nullif(with_route, 0), 1) AS intravascular_pct
        FROM fdocs d LEFT JOIN routed r USING (doc_id)
        LEFT JOIN vocab_settings v ON v.key = d.setting
        GROUP BY ALL ORDER BY v.rank""")


def clinics_by_country(f: Filters) -> pd.DataFrame:
    """Direct-to-consumer clinic pages per country ('unknown' when the page does not say)."""
    return _filtered(f, """SELECT coalesce(country, 'unknown') AS country, count(*) AS clinics
                           FROM fdocs WHERE source_kind = 'clinic_ad'
                           GROUP BY 1 ORDER BY clinics DESC""")


def regulator_actions(f: Filters) -> pd.DataFrame:
    """Regulator letters and notices, dated, with their source."""
    return _filtered(f, """
        SELECT d.doc_id, d.title, d.year, v.published, d.country, d.source, d.url
        FROM fdocs d JOIN document_versions v USING (doc_id, version)
        WHERE d.source_kind = 'regulatory_action'
        ORDER BY coalesce(try_cast(left(v.published, 10) AS DATE),
                          make_date(d.year, 1, 1)) DESC NULLS LAST""")


# ---- case reports ---------------------------------------------------------------------------

def case_reports(f: Filters) -> pd.DataFrame:
    """Event rows with their evidence and the document's product profile (newest first)."""
    return _filtered(f, """,
        page AS (SELECT * FROM fevents ORDER BY year DESC NULLS LAST, doc_id, term
                 LIMIT $limit)
        SELECT e.doc_id, d.title, e.year, e.term, e.status, e.text AS event_text, e.sentence,
               (SELECT string_agg(DISTINCT tissue_source, ', ' ORDER BY tissue_source)
                  FROM tissue_sources t WHERE t.doc_id = e.doc_id) AS tissue,
               (SELECT string_agg(DISTINCT route, ', ' ORDER BY route)
                  FROM routes r WHERE r.doc_id = e.doc_id) AS route,
               (SELECT string_agg(DISTINCT s.text, '; ' ORDER BY s.text)
                  FROM doses s WHERE s.doc_id = e.doc_id) AS dose,
               e.setting, d.source, d.country,
               CASE WHEN e.doc_id LIKE 'pmid:%'
                        THEN 'https://pubmed.ncbi.nlm.nih.gov/' || substr(e.doc_id, 6) || '/'
                    WHEN e.doc_id LIKE 'nct:%'
                        THEN 'https://clinicaltrials.gov/study/' || substr(e.doc_id, 5)
                    ELSE d.url END AS url
        FROM page e JOIN fdocs d USING (doc_id)
        ORDER BY e.year DESC NULLS LAST, e.doc_id, e.term""", limit=CASE_ROWS)


def case_report_count(f: Filters) -> int:
    """How many event rows pass the filters (the table shows at most ``CASE_ROWS``)."""
    return int(_filtered(f, "SELECT count(*) AS n FROM fevents")["n"].iloc[0])


# ---- trials ---------------------------------------------------------------------------------

# Fixed SQL fragments per breakdown: the page picks one by name, users never supply SQL here.
TRIAL_DIMENSIONS = {
    "tissue": """SELECT coalesce(t.tissue_source, 'not stated') AS value,
                        count(DISTINCT f.doc_id) AS trials
                 FROM ftrials f LEFT JOIN tissue_sources t USING (doc_id) GROUP BY 1""",
    "route_class": """SELECT coalesce(r.route_class, 'not stated') AS value,
                             count(DISTINCT f.doc_id) AS trials
                      FROM ftrials f LEFT JOIN routes r USING (doc_id) GROUP BY 1""",
    "phase": """SELECT coalesce(phase, 'not stated') AS value, count(*) AS trials
                FROM ftrials GROUP BY 1""",
    "country": """SELECT coalesce(c.country, 'not stated') AS value,
                         count(DISTINCT f.doc_id) AS trials
                  FROM ftrials f
                  LEFT JOIN (SELECT doc_id, unnest(countries) AS country FROM ftrials) c
                  USING (doc_id) GROUP BY 1""",
    "start_year": """SELECT CAST(start_year AS VARCHAR) AS value, count(*) AS trials
                     FROM ftrials WHERE start_year IS NOT NULL GROUP BY 1""",
}
TRIALS = ", ftrials AS (SELECT t.* FROM trials t WHERE t.doc_id IN (SELECT doc_id FROM fdocs))\n"


def trials_by(f: Filters, dimension: str) -> pd.DataFrame:
    """MSC trials counted by one of ``TRIAL_DIMENSIONS`` (a trial may count under several)."""
    body = TRIAL_DIMENSIONS[dimension]
    return _filtered(f, TRIALS + body + " ORDER BY trials DESC, value")


def trial_list(f: Filters) -> pd.DataFrame:
    """The trials within the filters, newest start first."""
    return _filtered(f, TRIALS + """
        SELECT nct_id, title, phase, status, start_year,
               array_to_string(countries, ', ') AS countries,
               enrollment, lead_sponsor, setting, has_results, url
        FROM ftrials ORDER BY start_year DESC NULLS LAST, nct_id LIMIT 5000""")


THROMBOTIC_TERM = (r"thromb|embol|infarct|stroke|cerebrovascular|coagul|isch(a)?emi|occlusion"
                   r"|\bdic\b")


def trial_results_by_arm(f: Filters, thrombotic_only: bool) -> pd.DataFrame:
    """Results adverse events per trial arm (from the newest record that has results)."""
    return _filtered(f, """
        SELECT t.nct_id, a.group_title AS arm, a.term, a.organ_system, a.serious,
               a.num_affected, a.num_at_risk,
               round(100.0 * a.num_affected / nullif(a.num_at_risk, 0), 1) AS pct_affected,
               t.url
        FROM trial_adverse_events a
        JOIN trials t USING (doc_id)
        WHERE a.doc_id IN (SELECT doc_id FROM fdocs)
          AND a.version = (SELECT max(version) FROM trial_adverse_events b
                           WHERE b.doc_id = a.doc_id)
          AND (NOT $thrombotic OR regexp_matches(lower(a.term), $pattern))
        ORDER BY t.nct_id, a.serious DESC, a.num_affected DESC NULLS LAST, arm""",
        thrombotic=thrombotic_only, pattern=THROMBOTIC_TERM)


# ---- signals --------------------------------------------------------------------------------

def signals(f: Filters) -> pd.DataFrame:
    """Disproportionality of thrombotic event reports by tissue source and by route class.

    Reports are the filtered documents that state a tissue or a route; a report "has the event"
    when it carries an event row within the filters (default: present). 2×2 table per value:
    a = value & event, b = value & no event, c = other & event, d = other & no event.
    PRR with Yates χ², ROR with a 95% CI, IC with IC025 (Norén's approximation).
    """
    return _filtered(f, """,
        base AS (SELECT doc_id, doc_id IN (SELECT doc_id FROM fevents) AS ev FROM fdocs
                 WHERE doc_id IN (SELECT doc_id FROM tissue_sources
                                  UNION SELECT doc_id FROM routes)),
        expo AS (SELECT DISTINCT 'tissue source' AS dimension, tissue_source AS value, doc_id
                 FROM tissue_sources WHERE doc_id IN (SELECT doc_id FROM base)
                 UNION
                 SELECT DISTINCT 'route class', route_class, doc_id
                 FROM routes WHERE route_class IS NOT NULL AND doc_id IN (SELECT doc_id FROM base)),
        tot AS (SELECT count(*) AS n, count(*) FILTER (WHERE ev) AS n_ev FROM base),
        cells AS (SELECT x.dimension, x.value, count(*) FILTER (WHERE b.ev) AS a,
                         count(*) FILTER (WHERE NOT b.ev) AS b
                  FROM expo x JOIN base b USING (doc_id) GROUP BY ALL),
        t AS (SELECT dimension, value, a, b, n_ev - a AS c, n - n_ev - b AS d, n
              FROM cells, tot)
        SELECT dimension, value, a, b, c, d,
               CASE WHEN a + b > 0 AND c > 0
                    THEN (a / (a + b)) / (c / (c + d)) END AS prr,
               CASE WHEN (a + b) * (c + d) * (a + c) * (b + d) > 0
                    THEN n * power(greatest(abs(a * d - b * c) - n / 2, 0), 2)
                         / ((a + b) * (c + d) * (a + c) * (b + d)) END AS chi2,
               CASE WHEN b * c > 0 THEN (a * d) / (b * c) END AS ror,
               CASE WHEN a * b * c * d > 0
                    THEN exp(ln(ror) - 1.96 * sqrt(1 / a + 1 / b + 1 / c + 1 / d)) END AS ror_lo,
               CASE WHEN a * b * c * d > 0
                    THEN exp(ln(ror) + 1.96 * sqrt(1 / a + 1 / b + 1 / c + 1 / d)) END AS ror_hi,
               log2((a + 0.5) / ((a + b) * (a + c) / n + 0.5)) AS ic,
               ic - 3.3 * power(a + 0.5, -0.5) - 2 * power(a + 0.5, -1.5) AS ic025,
               coalesce(prr >= 2 AND chi2 >= 4 AND a >= 3, false) AS prr_signal,
               coalesce(ror_lo > 1, false) AS ror_signal,
               ic025 > 0 AS ic_signal
        FROM (SELECT dimension, value, a::DOUBLE AS a, b::DOUBLE AS b, c::DOUBLE AS c,
                     d::DOUBLE AS d, n::DOUBLE AS n FROM t)
        ORDER BY dimension, ror DESC NULLS LAST, value""")


def registry_signals() -> pd.DataFrame:
    """The registry's own ``signals`` view (all documents), when this registry has it."""
    return _query("SELECT * FROM signals")


# ---- SQL sandbox ----------------------------------------------------------------------------

EXAMPLE_QUERIES = {
    "Present thrombotic events by setting": """\
SELECT d.setting, e.term, count(DISTINCT e.doc_id) AS documents
FROM events e JOIN documents d USING (doc_id)
WHERE e.status = 'present'
GROUP BY ALL ORDER BY documents DESC""",
    "Intravenous products by tissue source": """\
SELECT t.tissue_source, count(DISTINCT r.doc_id) AS documents
FROM routes r JOIN tissue_sources t USING (doc_id)
WHERE r.route = 'intravenous'
GROUP BY 1 ORDER BY 2 DESC""",
    "Trials by phase and country": """SELECT phase, unnest(countries) AS country, count(*) AS trials
FROM trials GROUP BY ALL ORDER BY trials DESC LIMIT 50""",
    "Evidence sentences for pulmonary embolism": """SELECT doc_id, status, sentence
FROM events WHERE term = 'pulmonary_embolism' LIMIT 100""",
}


def run_user_sql(sql: str, max_rows: int = 10_000) -> pd.DataFrame:
    """Run a researcher's query through the registry's sandbox (never any other way).

    Raises ``ModuleNotFoundError`` while ``registry.sql_sandbox`` is not installed and the
    sandbox's ``QueryRefused`` when it refuses the query.
    """
    from registry.sql_sandbox import run_query

    return run_query(registry_path(), sql, timeout_s=10, max_rows=max_rows)
