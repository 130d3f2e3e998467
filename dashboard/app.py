"""Entry script of the dashboard: the shared filters and one navigation over the pages."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard import filters, queries

# Not "pages/": Streamlit would serve a folder of that name as v1 pages, bypassing this script
# (and the shared filters) when a deep link is the first request after start.
PAGES = Path(__file__).resolve().parent / "app_pages"

st.set_page_config(page_title="CellVigil", layout="wide")
navigation = st.navigation(
    [
        st.Page(PAGES / "overview.py", title="Overview", icon=":material/home:", default=True),
        st.Page(PAGES / "products.py", title="Product types", icon=":material/grid_on:"),
        st.Page(PAGES / "regulation.py", title="Regulation", icon=":material/gavel:"),
        st.Page(PAGES / "cases.py", title="Case reports & evidence", icon=":material/description:"),
        st.Page(PAGES / "trials.py", title="Trials", icon=":material/science:"),
        st.Page(PAGES / "signals.py", title="Signals", icon=":material/monitoring:"),
        st.Page(PAGES / "sql.py", title="SQL", icon=":material/terminal:"),
    ]
)
if queries.registry_status() is None:
    filters.sidebar(queries.year_bounds())
navigation.run()
