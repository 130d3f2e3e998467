"""Overview: what the registry holds, and thrombotic event reports over time by setting."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries, ui

f = ui.page(
    "CellVigil: MSC therapy safety registry",
    "What does the registry hold, and how have reports of thrombotic events changed "
    "over time in each regulatory setting?",
)

kinds = ui.with_labels(queries.documents_by_source_kind(f), "source_kind", "source_kinds")
st.subheader("Documents by source kind")
st.caption(
    "Trial registrations, publications, clinic pages and regulator actions that pass the filters."
)
st.metric("Documents", f"{int(kinds['documents'].sum()):,}")
if kinds.empty:
    ui.empty("No documents pass these filters.")
else:
    st.altair_chart(
        alt.Chart(kinds)
        .mark_bar(color=ui.OKABE_ITO[4])
        .encode(
            x=alt.X("documents:Q", title="Documents"),
            y=alt.Y("source_kind:N", sort="-x", title=None),
            tooltip=["source_kind", "documents"],
        ),
        width="stretch",
    )
    ui.table(kinds, "overview_kinds", "documents_by_source_kind.csv")

st.subheader("Last crawl per source")
st.caption(
    "When each source was last fetched (for a snapshot build: when the snapshot file was written)."
)
ui.table(queries.sources_updated(), "overview_sources", "sources.csv")

reports = ui.with_labels(queries.event_reports_by_year(f), "setting", "settings")
st.subheader("Thrombotic event reports over time, by setting")
st.caption(
    "Each bar counts documents that mention a thrombotic event with the chosen status "
    "(default: the event happened). More reports can mean more use, more scrutiny or "
    "more publishing, not only more risk."
)
st.metric("Event reports", f"{int(reports['reports'].sum()):,}")
if reports.empty:
    ui.empty("No thrombotic event reports pass these filters (or facts are not extracted yet).")
else:
    st.altair_chart(
        alt.Chart(reports)
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Year"),
            y=alt.Y("reports:Q", title="Documents reporting an event"),
            color=alt.Color("setting:N", scale=ui.setting_scale(), title="Setting"),
            tooltip=["year", "setting", "reports"],
        ),
        width="stretch",
    )
    ui.table(reports, "overview_reports", "event_reports_by_year.csv")
