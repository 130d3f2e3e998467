"""Every analytics view on a registry built from the real snapshot: shape, keys and invariants."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from registry.export import ANALYTIC_VIEWS, export_views

SETTINGS = {
    "approved_product",
    "regulated_trial",
    "registered_unverified",
    "clinic_direct_to_consumer",
    "regulatory_action",
    "unknown",
}
ROUTE_CLASSES = {"intravascular", "local", "other", "not_stated"}


@pytest.fixture(scope="module")
def con(snapshot_registry: Path) -> duckdb.DuckDBPyConnection:
    c = duckdb.connect(str(snapshot_registry), read_only=True)
    yield c
    c.close()


def _one(con: duckdb.DuckDBPyConnection, sql: str):
    return con.execute(sql).fetchone()[0]


def _distinct(con: duckdb.DuckDBPyConnection, column: str, view: str) -> set:
    return {r[0] for r in con.execute(f"SELECT DISTINCT {column} FROM {view}").fetchall()}


@pytest.mark.parametrize("view", export_views())
def test_analytics_every_public_view_queries(con, view: str) -> None:
    assert _one(con, f'SELECT count(*) FROM "{view}"') >= 0


@pytest.mark.parametrize("view", [v for v in ANALYTIC_VIEWS if v != "event_reports"])
def test_analytics_view_not_empty_on_snapshot(con, view: str) -> None:
    assert _one(con, f'SELECT count(*) FROM "{view}"') > 0


def test_analytics_document_settings_cover_every_document(con) -> None:
    n_settings = _one(con, "SELECT count(*) FROM document_settings")
    assert _one(con, "SELECT count(*) FROM documents") == n_settings
    assert _distinct(con, "setting", "documents") <= SETTINGS
    assert _one(con, "SELECT count(*) FROM document_settings WHERE setting_reason IS NULL") == 0
    assert _one(con, "SELECT count(*) FROM documents WHERE setting IS NULL") == 0


def test_analytics_event_reports_are_present_events_with_profile(con) -> None:
    assert _one(con, "SELECT count(*) FROM event_reports") > 0
    assert (
        _one(
            con,
            """SELECT count(*) FROM event_reports r
                        LEFT JOIN vocab_events v ON v.key = r.term WHERE v.key IS NULL""",
        )
        == 0
    )
    assert _one(con, "SELECT count(*) - count(DISTINCT (doc_id, term)) FROM event_reports") == 0
    text_rows = con.execute("""SELECT count(*), count(*) FILTER (WHERE e.status = 'present')
        FROM event_reports r JOIN events e ON e.doc_id = r.doc_id AND e.term = r.term
         AND e.status = 'present' WHERE r.evidence_source = 'text'""").fetchone()
    assert text_rows[0] == text_rows[1]
    assert _distinct(con, "route_class", "event_reports") <= ROUTE_CLASSES
    assert _one(con, "SELECT count(*) FROM event_reports WHERE mesh_id = ''") == 0


def test_analytics_trial_results_mapped_with_mesh(con) -> None:
    rows = con.execute("""SELECT nct_id, event_key, mesh_id, num_affected, num_at_risk, arm_role
                          FROM trial_results_events WHERE nct_id = 'NCT01270139'""").fetchall()
    assert rows and {r[1] for r in rows} == {"myocardial_infarction"}
    assert {r[2] for r in rows} == {"D009203"}
    assert all(r[4] and r[4] > 0 for r in rows)
    assert {r[5] for r in rows} >= {"cells", "control"}
    assert _one(con, "SELECT count(*) FROM trial_results_events WHERE event_key IS NULL") == 0
    arms = _one(con, "SELECT count(*) FROM trial_results_arms WHERE nct_id = 'NCT01270139'")
    assert arms == 3


def test_analytics_product_event_counts_grid(con) -> None:
    docs_tissues = _one(con, "SELECT count(*) FROM document_tissues")
    assert (
        _one(con, "SELECT sum(documents) FROM product_event_counts WHERE term = 'any_thrombotic'")
        == docs_tissues
    )
    assert (
        _one(con, "SELECT count(*) FROM product_event_counts WHERE event_documents > documents")
        == 0
    )
    assert _distinct(con, "route_class", "product_event_counts") <= ROUTE_CLASSES


def test_analytics_signals_tables_add_up(con) -> None:
    n = _one(con, "SELECT count(*) FROM documents")
    assert _one(con, f"SELECT count(*) FROM signals WHERE a + b + c + d <> {n} OR n <> {n}") == 0
    assert _one(con, "SELECT count(*) FROM signals WHERE least(a, b, c, d) < 0") == 0
    dims = {r[0] for r in con.execute("SELECT DISTINCT dimension FROM signals").fetchall()}
    assert dims == {"tissue_source", "route_class", "setting"}
    assert (
        _one(
            con,
            """SELECT count(*) FROM signals
                        WHERE prr_signal AND NOT (prr >= 2 AND chi2 >= 4 AND a >= 3)""",
        )
        == 0
    )


def test_analytics_clinics_and_regulator_actions(con) -> None:
    assert _one(con, "SELECT count(*) FROM clinics WHERE known_from = 'clinic_pages'") == _one(
        con, "SELECT count(DISTINCT cv_host(url)) FROM documents WHERE source_kind = 'clinic_ad'"
    )
    firm = con.execute("""SELECT regulator_actions, regulator_action_urls FROM clinics
                          WHERE clinic_id = 'firm:us-stem-cell-clinic-llc'""").fetchone()
    assert firm is not None and firm[0] == 2
    assert any("fda.gov" in u for u in firm[1])


def test_analytics_links(con) -> None:
    merged = _one(con, "SELECT count(*) FROM document_links WHERE link_type = 'same_document'")
    assert merged > 0
    assert (
        _one(
            con,
            """SELECT count(*) FROM document_links l
                        LEFT JOIN documents d ON d.doc_id = l.linked_doc_id
                        WHERE d.doc_id IS NULL""",
        )
        == 0
    )


def test_analytics_approved_products_reference(con) -> None:
    rows = {
        (r[0], r[1]): r[2:]
        for r in con.execute(
            "SELECT product, jurisdiction, approval_year, status, withdrawn_year, source_url "
            "FROM ref_approved_products"
        ).fetchall()
    }
    assert rows[("Ryoncil", "US")][:2] == (2024, "approved")
    assert rows[("Alofisel", "EU")][:3] == (2018, "withdrawn", 2024)
    assert rows[("Temcell HS", "JP")][0] == 2015
    assert rows[("Prochymal", "CA")][0] == 2012
    assert all(r[3].startswith("https://") for r in rows.values())


@pytest.mark.parametrize(
    ("term", "key"),
    [
        ("Pulmonary embolism", "pulmonary_embolism"),
        ("Deep vein thrombosis", "deep_vein_thrombosis"),
        ("Portal vein thrombosis", "venous_thrombosis"),
        ("Catheter site thrombosis", "venous_thrombosis"),
        ("Cerebrovascular accident", "stroke"),
        ("Ischaemic stroke", "stroke"),
        ("Haemorrhagic stroke", None),
        ("Acute myocardial infarction", "myocardial_infarction"),
        ("Target vessel myocardial infarction", "myocardial_infarction"),
        ("Thrombotic microangiopathy", "microthrombosis"),
        ("Disseminated intravascular coagulation", "disseminated_intravascular_coagulation"),
        ("Fibrin D dimer increased", "coagulation_activation"),
        ("Thrombosis", "thromboembolism"),
        ("Thrombocytopenia", None),
        ("Air embolism", None),
        ("Pyrexia", None),
    ],
)
def test_analytics_ae_term_rules(con, term: str, key: str | None) -> None:
    got = con.execute(
        "SELECT r.event_key FROM (SELECT cv_ae_rule(?) AS rule_id) x "
        "LEFT JOIN ref_ae_term_map r USING (rule_id)",
        [term],
    ).fetchone()[0]
    assert got == key


def test_analytics_regulator_letter_links_to_clinic_by_domain_and_firm(tmp_path: Path) -> None:
    """A warning letter naming a crawled clinic's domain, and one whose firm slug matches it."""
    import json

    from registry.build import build

    docs = [
        {
            "id": "url:https://www.acmestemcell.com/treatments",
            "source_kind": "clinic_ad",
            "url": "https://www.acmestemcell.com/treatments",
            "title": "Treatments | Acme",
            "text": "Book a consultation for umbilical cord stem cell IV therapy.",
            "country": "MX",
        },
        {
            "id": "url:https://www.fda.gov/warning-letters/acme-stem-cell-llc-600001-01022020",
            "source_kind": "regulatory_action",
            "year": 2020,
            "country": "US",
            "url": "https://www.fda.gov/warning-letters/acme-stem-cell-llc-600001-01022020",
            "title": "Acme Stem Cell LLC",
            "text": "WARNING LETTER. Dear Sir, ...",
        },
        {
            "id": "url:https://recalls-rappels.canada.ca/en/alert-recall/acme",
            "year": 2021,
            "source_kind": "regulatory_action",
            "country": "CA",
            "url": "https://recalls-rappels.canada.ca/en/alert-recall/acme",
            "title": "Advisory",
            "text": "Products sold at acmestemcell.com are unauthorized.",
        },
    ]
    folder = tmp_path / "snap"
    folder.mkdir()
    (folder / "documents.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    db = tmp_path / "r.duckdb"
    build(db, snapshot=folder, extract=False)
    con = duckdb.connect(str(db), read_only=True)
    links = sorted(
        r[0]
        for r in con.execute(
            "SELECT evidence FROM document_links WHERE link_type = 'regulator_to_clinic'"
        ).fetchall()
    )
    assert links == ["domain acmestemcell.com", "firm acmestemcell"]
    row = con.execute("""SELECT business, country, regulator_actions, last_action_year, known_from
                         FROM clinics""").fetchall()
    assert row == [("acmestemcell", "MX", 2, 2021, "clinic_pages")]
    con.close()
