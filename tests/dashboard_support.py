"""Helpers shared by the dashboard tests: the fixture registry and AppTest runs of one page."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
PAGES = ["overview", "products", "regulation", "cases", "trials", "signals", "sql"]


def run_page(page: str, query: dict[str, list[str] | str] | None = None) -> AppTest:
    """Run the app on one page (optionally from a link's query parameters) and return it."""
    at = AppTest.from_file(APP, default_timeout=30)
    for name, value in (query or {}).items():
        at.query_params[name] = value
    at.run()
    if page != "overview":
        at.switch_page(f"pages/{page}.py")
        at.run()
    return at


def metric_values(at: AppTest) -> list[str]:
    """Every st.metric value on the page, in order."""
    return [m.value for m in at.metric]
