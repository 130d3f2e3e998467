"""Overview: what the registry holds, and MSC trials by start year and tissue source."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries

st.title("CellVigil: MSC therapy safety registry")
problem = queries.registry_status()
if problem:
    st.info(problem)
    st.stop()

kinds = queries.documents_by_source_kind()
st.subheader("Documents by source kind")
st.caption("Trial registrations, publications, clinic pages and regulator actions in the registry.")
st.altair_chart(
    alt.Chart(kinds).mark_bar().encode(
        x=alt.X("documents:Q", title="Documents"),
        y=alt.Y("source_kind:N", sort="-x", title=None),
        tooltip=["source_kind", "documents"],
    ),
    width="stretch",
)
st.dataframe(kinds, hide_index=True, key="overview_kinds")

trials = queries.trials_by_start_year_and_tissue()
st.subheader("MSC trials by start year and tissue source")
st.caption("Tissue source as extracted from each registration's text; a trial naming two "
           "tissues is counted under both.")
st.altair_chart(
    alt.Chart(trials).mark_bar().encode(
        x=alt.X("start_year:O", title="Start year"),
        y=alt.Y("trials:Q", title="Trials"),
        color=alt.Color("tissue_source:N", scale=alt.Scale(scheme="tableau10"),
                        title="Tissue source"),
        tooltip=["start_year", "tissue_source", "trials"],
    ),
    width="stretch",
)
build = queries.last_build()
if not build.empty:
    st.caption(f"About the data: last {build['kind'].iloc[0]} from {build['input'].iloc[0]} "
               f"at {build['finished_at'].iloc[0]}.")
