"""Entry script of the dashboard: one navigation over the pages, each answering one question."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="CellVigil", layout="wide")
navigation = st.navigation([
    st.Page(PAGES / "overview.py", title="Overview", default=True),
])
navigation.run()
