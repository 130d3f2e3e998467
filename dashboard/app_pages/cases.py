"""Case reports & evidence: each thrombotic event report with the sentence that supports it."""

from __future__ import annotations

import streamlit as st

from dashboard import queries, ui
from dashboard.filters import label

f = ui.page(
    "Case reports & evidence",
    "Which documents report a thrombotic event, what exactly do they say, and what "
    "product, route, dose and setting were involved?",
)

cases = queries.case_reports(f)
total = int(cases["total"].iloc[0]) if len(cases) else 0
st.metric("Event reports within the filters", f"{total:,}")
st.caption(
    "One row per document and event. The evidence column is the sentence the event was "
    "found in, with the event words between ⟦ ⟧. Status says whether the event happened "
    "(present), was ruled out (absent), was only a risk or hypothesis (possible), or was "
    "an exclusion criterion or history (excluded). Extraction is automatic: check the "
    "source before quoting."
)
if total > len(cases):
    st.caption(f"Showing the newest {len(cases):,} of {total:,}; narrow the filters to see others.")
if cases.empty:
    ui.empty("No event reports pass these filters (or facts are not extracted yet).")
    st.stop()

view = cases.assign(
    event=[label("events", t) for t in cases["term"]],
    evidence=[
        ui.marked_text(s, t) for s, t in zip(cases["sentence"], cases["event_text"], strict=True)
    ],
    setting=[label("settings", s) for s in cases["setting"]],
)[
    [
        "doc_id",
        "url",
        "year",
        "event",
        "status",
        "evidence",
        "tissue",
        "route",
        "dose",
        "setting",
        "country",
        "title",
    ]
]
shown = ui.table(
    view,
    "cases_table",
    "case_reports.csv",
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "url": st.column_config.LinkColumn("Source", display_text="open"),
        "evidence": st.column_config.TextColumn("Evidence", width="large"),
    },
)

st.subheader("Evidence of the selected report")
rows = shown.selection.rows if shown is not None and shown.selection else []
row = cases.iloc[rows[0] if rows else 0]
st.caption("Select a row in the table to read its evidence here.")
st.text(f"{label('events', row['term'])} ({row['status']}) in {row['doc_id']}")
st.text(f"Title: {row['title'] or ''}")
st.html(ui.evidence_html(row["sentence"], row["event_text"]))
