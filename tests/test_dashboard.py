"""AppTest of every dashboard page: renders, follows the shared filters, survives no registry."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.fixture import build_fixture_registry
from registry.db import publish
from registry.views import create_views

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["overview", "products", "regulation", "cases", "trials", "signals", "sql"]
# A filter that changes what each page counts (query parameters, as in a shared link).
NARROWING = {
    "overview": {"kind": "publication"},
    "products": {"tissue": "bone_marrow"},
    "regulation": {"route": "intravascular"},
    "cases": {"event": "stroke"},
    "trials": {"years": "2010-2014"},
    "signals": {"kind": "trial_registration"},
}


def run_page(page: str, query: dict[str, list[str] | str] | None = None) -> AppTest:
    """Run the app on one page (optionally from a shared link's query parameters)."""
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page != "overview":
        at.switch_page(f"app_pages/{page}.py")
        at.run()
    return at


def metric_values(at: AppTest) -> list[str]:
    return [m.value for m in at.metric]


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture_registry(tmp_path_factory.mktemp("dash") / "fixture.duckdb")


@pytest.fixture()
def registry(fixture_db: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CELLVIGIL_DB", str(fixture_db))
    return fixture_db


def numbers(at) -> tuple:
    """Every metric and the numeric totals of every table: what a filter should change."""
    totals = []
    for frame in at.dataframe:
        value = frame.value
        if isinstance(value, pd.DataFrame):
            totals.append((len(value), float(value.select_dtypes("number").sum().sum())))
    return tuple(metric_values(at)), tuple(totals)


@pytest.mark.parametrize("page", PAGES)
def test_dashboard_page_renders_without_exception(registry: Path, page: str) -> None:
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title and at.caption
    assert any(e.label.startswith("About the data") for e in at.expander)
    assert len(at.download_button) >= 1


@pytest.mark.parametrize("page", sorted(NARROWING))
def test_dashboard_filter_changes_the_numbers(registry: Path, page: str) -> None:
    before = numbers(run_page(page))
    after_at = run_page(page, NARROWING[page])
    assert not after_at.exception
    assert numbers(after_at) != before


def _filter_app() -> None:
    import streamlit as st

    from dashboard import filters, queries

    chosen = filters.sidebar(queries.year_bounds())
    st.metric("Event reports", int(queries.event_reports_by_year(chosen)["reports"].sum()))


def test_dashboard_filter_widget_updates_link_and_numbers(registry: Path) -> None:
    # The shared filter module on its own: AppTest drops the entry script's sidebar on reruns.
    at = AppTest.from_function(_filter_app, default_timeout=30).run()
    before = metric_values(at)
    at.multiselect(key="f_tissue").set_value(["adipose"]).run()
    adipose = metric_values(at)
    assert adipose != before
    assert at.query_params["tissue"] in ("adipose", ["adipose"])
    at.multiselect(key="f_status").set_value([]).run()  # every status, not the default
    assert at.query_params["status"] in ("all", ["all"])
    assert int(metric_values(at)[0]) > int(adipose[0])
    at.button(key="f_reset").click().run()
    assert metric_values(at) == before and "tissue" not in at.query_params


def test_dashboard_link_restores_filters(registry: Path) -> None:
    at = run_page("overview", {"setting": ["regulated_trial"], "years": "2012-2016"})
    assert at.multiselect(key="f_setting").value == ["regulated_trial"]
    assert tuple(at.slider(key="f_years").value) == (2012, 2016)
    unknown = run_page("overview", {"tissue": ["no_such_tissue"], "years": "junk"})
    assert not unknown.exception and unknown.multiselect(key="f_tissue").value == []


def test_dashboard_heatmap_cell_lists_its_cases(registry: Path) -> None:
    at = run_page("products")
    tables = len(at.dataframe)
    at.selectbox(key="products_tissue").set_value("umbilical_cord").run()
    at.selectbox(key="products_route").set_value("intravascular").run()
    assert not at.exception
    assert len(at.dataframe) == tables + 1  # the cases of that cell
    cases = at.dataframe[-1].value
    assert len(cases) >= 1 and set(cases["status"]) == {"present"}


@pytest.mark.parametrize("page", PAGES)
def test_dashboard_missing_registry_explains_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str
) -> None:
    monkeypatch.setenv("CELLVIGIL_DB", str(tmp_path / "absent.duckdb"))
    at = run_page(page)
    assert not at.exception
    assert any("cellvigil build" in i.value for i in at.info)


def test_dashboard_empty_registry_explains_what_to_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "empty.duckdb"
    with publish(db) as con:
        create_views(con)
    monkeypatch.setenv("CELLVIGIL_DB", str(db))
    for page in PAGES:
        at = run_page(page)
        assert not at.exception
        assert any("holds no documents" in i.value for i in at.info)


def test_dashboard_crawled_script_and_links_render_inert(registry: Path) -> None:
    at = run_page("cases", {"kind": "clinic_ad", "event": "pulmonary_embolism"})
    assert not at.exception
    html_bodies = [h.proto.body for h in at.get("html")]
    assert html_bodies and "&lt;script&gt;" in html_bodies[0]
    assert "<script" not in "".join(html_bodies) and "<b>" not in "".join(html_bodies)
    assert "<mark>[pulmonary embolism](https://evil.example/phish)</mark>" in html_bodies[0]
    markdown = " ".join(m.value for m in at.markdown)
    assert "evil.example" not in markdown and "<script" not in markdown
    assert any("<script>" in t.value for t in at.text)  # shown, as plain text
    table = at.dataframe(key="cases_table").value
    assert table["evidence"].str.contains("<script>", regex=False).any()


def test_dashboard_sql_page_runs_examples_through_the_sandbox(registry: Path) -> None:
    at = run_page("sql")
    at.button(key="sql_run").click().run()
    assert not at.exception and not at.error
    result = at.dataframe[-1].value  # (plain dataframes carry no key in AppTest)
    assert len(result) > 0 and "setting" in result.columns
    assert at.download_button(key="sql_result_csv")


@pytest.mark.parametrize(
    "hostile",
    [
        "COPY documents TO '/tmp/cv_leak.csv'",
        "SELECT * FROM read_text('/etc/passwd')",
        "DROP VIEW documents",
    ],
)
def test_dashboard_sql_page_shows_refusals_as_text(registry: Path, hostile: str) -> None:
    at = run_page("sql")
    at.text_area(key="sql_text").set_value(hostile).run()
    at.button(key="sql_run").click().run()
    assert not at.exception
    assert at.error and at.text  # the refusal, shown as plain text
    assert len(at.dataframe) == 1  # only the "About the data" table, no result
    assert not Path("/tmp/cv_leak.csv").exists()
