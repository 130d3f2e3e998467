"""Every SQL query the dashboard runs: what it copies from the registry and what pages ask.

Pages never write SQL of their own: they call these functions, which return DataFrames.
Filters reach SQL only as named parameters, never formatted into the text. Page queries run on
the in-memory copy kept by ``dashboard.store`` (same table names as the registry's views);
results are cached per query text, parameters and registry file.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd
import streamlit as st

from cellvigil.vocabulary import keys
from dashboard import store
from dashboard.filters import Filters
from dashboard.store import registry_path  # noqa: F401  (re-exported for pages and tools)
from registry.db import RegistryMissing

CASE_ROWS = 1000  # rows shown (and downloaded) on the case-reports page

# What the dashboard copies from the registry: (table, SELECT, relation required or None).
MART_TABLES: tuple[store.TableSpec, ...] = (
    (
        "documents",
        """SELECT doc_id, source, source_kind, external_id, url, title, year, country,
                            setting, fetched_at, version FROM documents""",
        None,
    ),
    ("tissue_sources", "SELECT DISTINCT doc_id, tissue_source FROM tissue_sources", None),
    ("routes", "SELECT DISTINCT doc_id, route, route_class FROM routes", None),
    ("events", "SELECT doc_id, term, status, text, sentence FROM events", None),
    ("doses", "SELECT DISTINCT doc_id, text FROM doses", None),
    (
        "trials",
        """SELECT nct_id, doc_id, title, phase, status, start_year, countries, enrollment,
                         lead_sponsor, setting, has_results, url FROM trials""",
        None,
    ),
    (
        "trial_adverse_events",
        """SELECT * FROM trial_adverse_events
                                QUALIFY version = max(version) OVER (PARTITION BY doc_id)""",
        None,
    ),
    (
        "published",
        """SELECT doc_id, published FROM document_versions
                     WHERE source_kind = 'regulatory_action'""",
        None,
    ),
    ("extractions", "SELECT count(DISTINCT doc_id) AS n FROM doc_extractions", None),
    ("build_runs", "SELECT * FROM build_runs", None),
    ("vocab_settings", "SELECT * FROM vocab_settings", None),
    ("trial_results_events", "SELECT * FROM trial_results_events", "trial_results_events"),
    ("clinics", "SELECT * FROM clinics", "clinics"),
    ("signals", "SELECT * FROM signals", "signals"),
)

# Built in the mart once per registry file, after the copy: one row per document with its
# product profile and its "term|status" event keys as lists (filters become list tests), and
# the tissue × route class pairs.
MART_DERIVED: tuple[str, ...] = (
    """CREATE TABLE doc_facts AS
       SELECT d.*, coalesce(t.tissues, []) AS tissues, coalesce(r.route_keys, []) AS route_keys,
              coalesce(r.rclasses, []) AS rclasses, s.doses,
              coalesce(e.event_keys, []) AS event_keys
       FROM documents d
       LEFT JOIN (SELECT doc_id, list(DISTINCT tissue_source ORDER BY tissue_source) AS tissues
                  FROM tissue_sources GROUP BY 1) t USING (doc_id)
       LEFT JOIN (SELECT doc_id, list(DISTINCT route ORDER BY route) AS route_keys,
                         list(DISTINCT route_class ORDER BY route_class)
                             FILTER (WHERE route_class IS NOT NULL) AS rclasses
                  FROM routes GROUP BY 1) r USING (doc_id)
       LEFT JOIN (SELECT doc_id, string_agg(DISTINCT text, '; ' ORDER BY text) AS doses
                  FROM doses GROUP BY 1) s USING (doc_id)
       LEFT JOIN (SELECT doc_id, list(DISTINCT term || '|' || status) AS event_keys
                  FROM events GROUP BY 1) e USING (doc_id)""",
    """CREATE TABLE profile_facts AS
       SELECT p.*, d.year, d.source_kind, d.setting, d.tissues, d.rclasses, d.event_keys
       FROM (SELECT DISTINCT t.doc_id, t.tissue_source, r.route_class
             FROM tissue_sources t JOIN routes r USING (doc_id)
             WHERE r.route_class IS NOT NULL) p JOIN doc_facts d USING (doc_id)""",
    """CREATE TABLE trial_facts AS
       SELECT t.* REPLACE (list_distinct(coalesce(t.countries, [])) AS countries),
              d.year, d.source_kind, d.tissues, d.rclasses
       FROM trials t JOIN doc_facts d USING (doc_id)""",
    # The shared document filter, applied alike to documents, product pairs and trials.
    """CREATE MACRO passes(year, kind, setting, tissues, rclasses,
                           y0, y1, kinds, settings, ftissues, frclasses) AS
       (y0 IS NULL OR year >= y0) AND (y1 IS NULL OR year <= y1)
       AND (len(kinds) = 0 OR list_contains(kinds, kind))
       AND (len(settings) = 0 OR list_contains(settings, setting))
       AND (len(ftissues) = 0 OR list_has_any(tissues, ftissues))
       AND (len(frclasses) = 0 OR list_has_any(rclasses, frclasses))""",
)

# The documents and event rows that pass the shared filters; every filtered query starts here.
FILTERED = """
WITH fdocs AS (
    SELECT d.* FROM doc_facts d
    WHERE passes(d.year, d.source_kind, d.setting, d.tissues, d.rclasses, $y0::INTEGER,
                 $y1::INTEGER, $kinds::VARCHAR[], $settings::VARCHAR[], $tissues::VARCHAR[],
                 $rclasses::VARCHAR[])
),
fevents AS (  -- keys only: evidence text is joined for the rows a page shows
    SELECT e.doc_id, e.term, e.status, d.setting, d.year, d.source_kind
    FROM events e JOIN fdocs d USING (doc_id)
    WHERE (len($terms::VARCHAR[]) = 0 OR list_contains($terms, e.term))
      AND (len($statuses::VARCHAR[]) = 0 OR list_contains($statuses, e.status))
),
fevent_docs AS (SELECT doc_id, year, setting FROM fdocs
                WHERE list_has_any(event_keys, $combos::VARCHAR[]))
"""


@st.cache_data(ttl=3600, max_entries=1024, show_spinner=False)
def _cached(sql: str, params: dict[str, Any] | None, key: store.FileKey) -> pd.DataFrame:
    return store.run(sql, params, MART_TABLES, MART_DERIVED)


def _query(sql: str, params: dict[str, Any] | None = None) -> pd.DataFrame:
    """Run one query through the result cache, keyed by text, parameters and registry file."""
    return _cached(sql, params, store.file_key())


def filter_params(f: Filters) -> dict[str, Any]:
    """The named parameters of ``FILTERED`` for one filter set."""
    y0, y1 = f.years if f.years else (None, None)
    terms = f.terms or tuple(keys("events"))
    statuses = f.statuses or tuple(keys("statuses"))
    return {
        "y0": y0,
        "y1": y1,
        "kinds": list(f.kinds),
        "settings": list(f.settings),
        "tissues": list(f.tissues),
        "rclasses": list(f.route_classes),
        "terms": list(f.terms),
        "statuses": list(f.statuses),
        "combos": [f"{t}|{s}" for t in terms for s in statuses],
    }


def _filtered(f: Filters, body: str, **extra: Any) -> pd.DataFrame:
    return _query(FILTERED + body, {**filter_params(f), **extra})


# ---- registry state -------------------------------------------------------------------------


def registry_status() -> str | None:
    """None when the registry is usable, else a sentence saying what to run."""
    path = registry_path()
    build = (
        f"`cellvigil build --snapshot ../shared/snapshot --db {path}` (or `cellvigil run`, "
        "which crawls the live sources first)"
    )
    if not path.exists():
        return f"No registry at `{path}` yet. Build one with {build}, then reload this page."
    try:
        count = _query("SELECT count(*) AS n FROM documents")["n"].iloc[0]
    except (duckdb.Error, RegistryMissing) as exc:
        return f"The registry at `{path}` cannot be read ({exc}). Rebuild it with {build}."
    if count == 0:
        return f"The registry at `{path}` holds no documents yet. Load some with {build}."
    return None


def has_relation(name: str) -> bool:
    """Whether this registry provided that table or view (older registries lack newer views)."""
    found = _query(
        "SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = $name", {"name": name}
    )
    return bool(found["n"].iloc[0])


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
        """SELECT (SELECT max(n) FROM extractions) AS extracted,
                  (SELECT count(*) FROM events) AS events"""
    )


# ---- overview -------------------------------------------------------------------------------


def documents_by_source_kind(f: Filters) -> pd.DataFrame:
    """Documents per source kind, within the filters."""
    return _filtered(
        f, "SELECT source_kind, count(*) AS documents FROM fdocs GROUP BY 1 ORDER BY documents DESC"
    )


def event_reports_by_year(f: Filters) -> pd.DataFrame:
    """Documents reporting a thrombotic event (within the filters), per year and setting."""
    return _filtered(
        f,
        """SELECT year, setting, count(*) AS reports
                           FROM fevent_docs WHERE year IS NOT NULL GROUP BY ALL ORDER BY year""",
    )


# ---- product types --------------------------------------------------------------------------

PRODUCTS = """,
profile AS (SELECT p.*, list_has_any(p.event_keys, $combos::VARCHAR[]) AS ev
            FROM profile_facts p
            WHERE passes(p.year, p.source_kind, p.setting, p.tissues, p.rclasses, $y0::INTEGER,
                         $y1::INTEGER, $kinds::VARCHAR[], $settings::VARCHAR[],
                         $tissues::VARCHAR[], $rclasses::VARCHAR[]))
"""


def product_heatmap(f: Filters) -> pd.DataFrame:
    """Tissue × route class: documents, documents reporting an event, and their share."""
    return _filtered(
        f,
        PRODUCTS
        + """
        SELECT tissue_source, route_class, count(*) AS documents,
               count(*) FILTER (WHERE ev) AS event_documents,
               round(100.0 * event_documents / documents, 1) AS event_pct
        FROM profile GROUP BY ALL ORDER BY ALL""",
    )


def product_cases(f: Filters, tissue: str, route_class: str) -> pd.DataFrame:
    """The event rows behind one heatmap cell."""
    return _filtered(
        f,
        """
        SELECT e.doc_id, d.title, d.year, e.term, e.status, first(v.sentence) AS sentence, d.url
        FROM fevents e JOIN fdocs d USING (doc_id)
        LEFT JOIN events v USING (doc_id, term, status)
        WHERE list_contains(d.tissues, $tissue) AND list_contains(d.rclasses, $rclass)
        GROUP BY ALL ORDER BY d.year DESC NULLS LAST, e.doc_id LIMIT 500""",
        tissue=tissue,
        rclass=route_class,
    )


# ---- regulation -----------------------------------------------------------------------------


def setting_summary(f: Filters) -> pd.DataFrame:
    """Per setting: documents, event reports, and the share using an intravascular route."""
    return _filtered(
        f,
        """
        SELECT d.setting, v.rank, count(*) AS documents,
               count(*) FILTER (WHERE list_has_any(d.event_keys, $combos::VARCHAR[]))
                   AS event_reports,
               count(*) FILTER (WHERE len(d.rclasses) > 0) AS with_route,
               count(*) FILTER (WHERE list_contains(d.rclasses, 'intravascular')) AS intravascular,
               round(100.0 * intravascular / nullif(with_route, 0), 1) AS intravascular_pct
        FROM fdocs d LEFT JOIN vocab_settings v ON v.key = d.setting
        GROUP BY ALL ORDER BY v.rank""",
    )


def clinics_by_country(f: Filters) -> pd.DataFrame:
    """Direct-to-consumer clinic pages per country ('unknown' when the page does not say)."""
    return _filtered(
        f,
        """SELECT coalesce(country, 'unknown') AS country, count(*) AS clinics
                           FROM fdocs WHERE source_kind = 'clinic_ad'
                           GROUP BY 1 ORDER BY clinics DESC""",
    )


def clinics(f: Filters) -> pd.DataFrame:
    """Clinic businesses (``clinics`` view) with a page or a regulator action within the filters."""
    return _filtered(
        f,
        """,
        kept AS (SELECT list(doc_id) AS ids, list(url) FILTER (WHERE url IS NOT NULL) AS urls
                 FROM fdocs WHERE source_kind IN ('clinic_ad', 'regulatory_action'))
        SELECT c.business, c.domain, coalesce(c.country, 'unknown') AS country, c.pages,
               array_to_string(c.tissues_advertised, ', ') AS tissues_advertised,
               array_to_string(c.routes_advertised, ', ') AS routes_advertised,
               array_to_string(c.events_present, ', ') AS events_present,
               c.regulator_actions, c.last_action_year, c.urls[1] AS url
        FROM clinics c, kept k
        WHERE list_has_any(c.urls, k.urls) OR list_has_any(c.regulator_action_ids, k.ids)
        ORDER BY c.regulator_actions DESC, c.business""",
    )


def regulator_actions(f: Filters) -> pd.DataFrame:
    """Regulator letters and notices, dated, with their source."""
    return _filtered(
        f,
        """
        SELECT d.doc_id, d.title, d.year, v.published, d.country, d.source, d.url
        FROM fdocs d LEFT JOIN (SELECT doc_id, max(published) AS published FROM published
                                GROUP BY 1) v USING (doc_id)
        WHERE d.source_kind = 'regulatory_action'
        ORDER BY coalesce(try_cast(left(v.published, 10) AS DATE),
                          make_date(d.year, 1, 1)) DESC NULLS LAST""",
    )


# ---- case reports ---------------------------------------------------------------------------


def case_reports(f: Filters) -> pd.DataFrame:
    """Event rows with their evidence and the document's product profile (newest first);
    ``total`` is the number of rows within the filters (the page holds at most ``CASE_ROWS``).

    The newest rows are picked on keys alone; their evidence text is joined afterwards.
    """
    return _filtered(
        f,
        """,
        keys AS (SELECT doc_id, term, status, year, (SELECT count(*) FROM fevents) AS total
                 FROM (SELECT doc_id, term, status, year FROM fevents
                       ORDER BY year DESC NULLS LAST, doc_id, term, status LIMIT $limit)),
        page AS (SELECT k.*, ev.text, ev.sentence, d.setting FROM keys k
                 JOIN doc_facts d USING (doc_id)
                 LEFT JOIN (SELECT doc_id, term, status, first(text) AS text,
                                   first(sentence) AS sentence
                            FROM events WHERE doc_id IN (SELECT doc_id FROM keys)
                            GROUP BY ALL) ev USING (doc_id, term, status))
        SELECT e.doc_id, d.title, e.year, e.term, e.status, e.text AS event_text, e.sentence,
               array_to_string(d.tissues, ', ') AS tissue,
               array_to_string(d.route_keys, ', ') AS route, d.doses AS dose,
               e.setting, d.source, d.country,
               CASE WHEN e.doc_id LIKE 'pmid:%'
                        THEN 'https://pubmed.ncbi.nlm.nih.gov/' || substr(e.doc_id, 6) || '/'
                    WHEN e.doc_id LIKE 'nct:%'
                        THEN 'https://clinicaltrials.gov/study/' || substr(e.doc_id, 5)
                    ELSE d.url END AS url,
               e.total
        FROM page e JOIN doc_facts d USING (doc_id)
        ORDER BY e.year DESC NULLS LAST, e.doc_id, e.term, e.status""",
        limit=CASE_ROWS,
    )


# ---- trials ---------------------------------------------------------------------------------

# Fixed SQL fragments per breakdown: the page picks one by name, users never supply SQL here.
TRIAL_DIMENSIONS = {
    "tissue": """SELECT unnest(CASE WHEN len(tissues) = 0 THEN ['not stated'] ELSE tissues END)
                 AS value FROM ftrials""",
    "route_class": """SELECT unnest(CASE WHEN len(rclasses) = 0 THEN ['not stated']
                                         ELSE rclasses END) AS value FROM ftrials""",
    "phase": "SELECT coalesce(phase, 'not stated') AS value FROM ftrials",
    "country": """SELECT unnest(CASE WHEN len(countries) = 0 THEN ['not stated']
                                     ELSE countries END) AS value FROM ftrials""",
    "start_year": "SELECT CAST(start_year AS VARCHAR) AS value FROM ftrials "
    "WHERE start_year IS NOT NULL",
}
TRIALS = """, ftrials AS (
    SELECT t.doc_id, t.nct_id, t.start_year, t.phase, t.countries, t.tissues, t.rclasses
    FROM trial_facts t
    WHERE passes(t.year, t.source_kind, t.setting, t.tissues, t.rclasses, $y0::INTEGER,
                 $y1::INTEGER, $kinds::VARCHAR[], $settings::VARCHAR[], $tissues::VARCHAR[],
                 $rclasses::VARCHAR[]))\n"""


def trials_by(f: Filters, dimension: str) -> pd.DataFrame:
    """MSC trials counted by one of ``TRIAL_DIMENSIONS`` (a trial may count under several)."""
    values = TRIAL_DIMENSIONS[dimension]
    return _filtered(
        f,
        TRIALS + f", v AS ({values})\n"
        "SELECT value, count(*) AS trials FROM v "
        "GROUP BY 1 ORDER BY trials DESC, value",
    )


def trial_list(f: Filters) -> pd.DataFrame:
    """The newest 1,000 trials within the filters; ``total`` counts them all."""
    return _filtered(
        f,
        TRIALS
        + """,
        k AS (SELECT doc_id FROM ftrials ORDER BY start_year DESC NULLS LAST, nct_id LIMIT 1000)
        SELECT t.nct_id, t.title, t.phase, t.status, t.start_year,
               array_to_string(t.countries, ', ') AS countries, t.enrollment, t.lead_sponsor,
               t.setting, t.has_results, t.url, (SELECT count(*) FROM ftrials) AS total
        FROM k JOIN trial_facts t USING (doc_id)
        ORDER BY t.start_year DESC NULLS LAST, t.nct_id""",
    )


THROMBOTIC_TERM = (
    r"thromb|embol|infarct|stroke|cerebrovascular|coagul|isch(a)?emi|occlusion"
    r"|\bdic\b"
)


def trial_results_by_arm(f: Filters, thrombotic_only: bool) -> pd.DataFrame:
    """Results adverse events per trial arm (from the newest record that has results).

    With the registry's ``trial_results_events`` view the thrombotic rows are its mapping to the
    event vocabulary (and follow the event filter); without it, a term pattern stands in.
    """
    if thrombotic_only and has_relation("trial_results_events"):
        return _filtered(
            f,
            """
            SELECT r.nct_id, r.group_title AS arm, r.arm_role, r.term, r.event_key AS event,
                   r.serious, r.num_affected, r.num_at_risk,
                   round(100.0 * r.incidence, 1) AS pct_affected, t.url
            FROM trial_results_events r JOIN trials t USING (doc_id)
            WHERE r.doc_id IN (SELECT doc_id FROM fdocs)
              AND (len($terms::VARCHAR[]) = 0 OR list_contains($terms, r.event_key))
            ORDER BY r.nct_id, r.term, arm""",
        )
    return _filtered(
        f,
        """
        SELECT t.nct_id, a.group_title AS arm, a.term, a.organ_system, a.serious,
               a.num_affected, a.num_at_risk,
               round(100.0 * a.num_affected / nullif(a.num_at_risk, 0), 1) AS pct_affected,
               t.url
        FROM trial_adverse_events a
        JOIN trials t USING (doc_id)
        WHERE a.doc_id IN (SELECT doc_id FROM fdocs)
          AND (NOT $thrombotic OR regexp_matches(lower(a.term), $pattern))
        ORDER BY t.nct_id, a.serious DESC, a.num_affected DESC NULLS LAST, arm""",
        thrombotic=thrombotic_only,
        pattern=THROMBOTIC_TERM,
    )


# ---- signals --------------------------------------------------------------------------------


def signals(f: Filters) -> pd.DataFrame:
    """Disproportionality of thrombotic event reports by tissue source and by route class.

    Reports are the filtered documents that state a tissue or a route; a report "has the event"
    when it carries an event row within the filters (default: present). 2×2 table per value:
    a = value & event, b = value & no event, c = other & event, d = other & no event.
    PRR with Yates χ², ROR with a 95% CI, IC with IC025 (Norén's approximation).
    """
    return _filtered(
        f,
        """,
        base AS (SELECT tissues, rclasses, list_has_any(event_keys, $combos::VARCHAR[]) AS ev
                 FROM fdocs WHERE len(tissues) > 0 OR len(rclasses) > 0),
        expo AS (SELECT 'tissue source' AS dimension, unnest(tissues) AS value, ev FROM base
                 UNION ALL
                 SELECT 'route class', unnest(rclasses), ev FROM base),
        tot AS (SELECT count(*) AS n, count(*) FILTER (WHERE ev) AS n_ev FROM base),
        cells AS (SELECT dimension, value, count(*) FILTER (WHERE ev) AS a,
                         count(*) FILTER (WHERE NOT ev) AS b
                  FROM expo GROUP BY ALL),
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
        ORDER BY dimension, ror DESC NULLS LAST, value""",
    )


def registry_signals(f: Filters) -> pd.DataFrame:
    """The registry's own ``signals`` view (every document; only the event filter applies)."""
    return _query(
        """SELECT dimension, level, term, a, b, c, d, prr, chi2, ror, ror_lower95,
                            ror_upper95, ic, ic025, prr_signal, ror_signal, ic_signal, small_count
                     FROM signals
                     WHERE CASE WHEN len($terms::VARCHAR[]) = 0 THEN term = 'any_thrombotic'
                                ELSE list_contains($terms, term) END
                     ORDER BY dimension, term, ror DESC NULLS LAST, level""",
        {"terms": list(f.terms)},
    )


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
