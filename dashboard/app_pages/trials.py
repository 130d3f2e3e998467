"""Trials: which MSC products are being tested, where and how, and what the results report."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries, ui
from dashboard.filters import label

f = ui.page(
    "Trials",
    "Which MSC trials are registered (by tissue, route, phase, country and start year), "
    "and which adverse events do their posted results report, arm by arm?",
)

DIMENSIONS = {
    "tissue": ("Tissue source", "tissue_sources"),
    "route_class": ("Route class", "route_classes"),
    "phase": ("Phase", None),
    "country": ("Country", None),
    "start_year": ("Start year", None),
}
trials = queries.trial_list(f)
total = int(trials["total"].iloc[0]) if len(trials) else 0
trials = trials.drop(columns="total")
trials["setting"] = [label("settings", k) for k in trials["setting"]]
st.metric("Trials within the filters", f"{total:,}")
dimension = (
    st.segmented_control(
        "Break down by",
        list(DIMENSIONS),
        default="tissue",
        key="trials_dimension",
        format_func=lambda k: DIMENSIONS[k][0],
    )
    or "tissue"
)
title, vocab = DIMENSIONS[dimension]
st.caption("A trial naming two tissues, routes or countries is counted under each.")
counts = queries.trials_by(f, dimension)
if vocab:
    counts["value"] = [label(vocab, v) if v != "not stated" else v for v in counts["value"]]
if counts.empty:
    ui.empty("No trials pass these filters.")
else:
    x = (
        alt.X("value:O", title=title)
        if dimension == "start_year"
        else alt.X("trials:Q", title="Trials")
    )
    y = (
        alt.Y("trials:Q", title="Trials")
        if dimension == "start_year"
        else alt.Y("value:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260))
    )
    st.altair_chart(
        alt.Chart(counts.head(40))
        .mark_bar(color=ui.OKABE_ITO[2])
        .encode(x=x, y=y, tooltip=["value", "trials"]),
        width="stretch",
    )
    ui.table(
        counts.rename(columns={"value": title}), "trials_breakdown", f"trials_by_{dimension}.csv"
    )

st.subheader("Trials")
if total > len(trials):
    st.caption(f"The newest {len(trials):,} of {total:,}; the filters narrow the list.")
ui.table(
    trials,
    "trials_list",
    "trials.csv",
    column_config={"url": st.column_config.LinkColumn("Registration")},
)

st.subheader("Results adverse events by arm")
st.caption(
    "As posted on ClinicalTrials.gov: people affected out of people at risk in each arm. "
    "Only trials with posted results appear; most MSC trials post none. Thrombotic terms "
    "are those the registry maps to its event vocabulary."
)
thrombotic = st.toggle("Thrombotic events only", value=True, key="trials_thrombotic")
results = queries.trial_results_by_arm(f, thrombotic)
if results.empty:
    ui.empty("No posted results adverse events within the filters.")
else:
    shown = results.head(60).assign(arm_label=lambda d: d["nct_id"] + " · " + d["arm"].fillna(""))
    st.altair_chart(
        alt.Chart(shown)
        .mark_bar()
        .encode(
            x=alt.X("pct_affected:Q", title="% of arm affected"),
            y=alt.Y("arm_label:N", title=None),
            yOffset="term:N",
            color=alt.Color("term:N", scale=alt.Scale(range=ui.OKABE_ITO), title="Term"),
            tooltip=["nct_id", "arm", "term", "num_affected", "num_at_risk", "pct_affected"],
        ),
        width="stretch",
    )
    if len(results) > len(shown):
        st.caption(
            f"The chart shows the first {len(shown)} of {len(results):,} rows; the table "
            "and its download hold all."
        )
    ui.table(
        results,
        "trials_results",
        "trial_results_adverse_events.csv",
        column_config={"url": st.column_config.LinkColumn("Registration")},
    )
