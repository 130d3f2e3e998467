"""Signals: is any product type over-represented among thrombotic event reports?"""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries, ui
from dashboard.filters import label

f = ui.page(
    "Signals",
    "Are thrombotic events reported more often for some tissue sources or routes than "
    "for the others (disproportionality)?",
)

st.caption(
    "What this can show: whether, among documents in the registry, reports of a thrombotic "
    "event mention one tissue source or route class more often than the others (a 'signal' worth "
    "a closer look). What it cannot show: a risk or a rate. Documents are not patients, nobody "
    "is counted who was treated without a report, publication and clinic marketing are biased, "
    "and the extraction makes mistakes. A signal is a reason to read the cases, not a finding."
)
st.markdown(
    "Thresholds (flagged in the table): **PRR** ≥ 2 with χ² ≥ 4 and at least 3 reports; "
    "**ROR** lower 95% bound > 1; **IC025** > 0. Small counts are shown, not hidden."
)
st.subheader("Within the current filters")
st.caption(
    "Reports are the documents passing the filters that state a tissue source or a route; "
    "a report counts as an event report when it carries an event within the event and "
    "status filters."
)
table = queries.signals(f)
if table.empty:
    ui.empty("No documents within the filters state a tissue source or route.")
    st.stop()
vocab = {"tissue source": ("Tissue", "tissue_sources"), "route class": ("Route", "route_classes")}
table["label"] = [
    f"{vocab[d][0]}: {label(vocab[d][1], v)}"
    for d, v in zip(table["dimension"], table["value"], strict=True)
]
st.metric(
    "Flagged by any rule",
    int((table["prr_signal"] | table["ror_signal"] | table["ic_signal"]).sum()),
)
ui.table(table[["label", *table.columns[:-1]]].round(3), "signals_table", "signals.csv")

st.subheader("Reporting odds ratio with 95% confidence interval")
st.caption(
    "Right of the line at 1: reported with events more often than the other product "
    "types. Wide bars mean few reports. Rows with a zero cell have no interval."
)
plot = table.dropna(subset=["ror_lo", "ror_hi"])
if plot.empty:
    ui.empty("Too few reports for any confidence interval.")
else:
    plot = plot.assign(flag=plot["ror_signal"].map({True: "lower bound > 1", False: "no signal"}))
    base = alt.Chart(plot).encode(
        y=alt.Y("label:N", title=None, sort=list(plot["label"]), axis=alt.Axis(labelLimit=300))
    )
    scale = alt.Scale(type="log")
    colour = alt.Color(
        "flag:N",
        scale=alt.Scale(
            domain=["lower bound > 1", "no signal"], range=[ui.OKABE_ITO[5], ui.OKABE_ITO[4]]
        ),
        title=None,
    )
    st.altair_chart(
        alt.layer(
            base.mark_rule(strokeWidth=2).encode(
                x=alt.X("ror_lo:Q", scale=scale, title="ROR (log scale)"),
                x2="ror_hi:Q",
                color=colour,
            ),
            base.mark_point(filled=True, size=70).encode(
                x=alt.X("ror:Q", scale=scale),
                color=colour,
                shape=alt.Shape("flag:N", title=None),
                tooltip=["dimension", "label", "a", "b", "c", "d", "ror", "ror_lo", "ror_hi"],
            ),
            alt.Chart(plot).mark_rule(strokeDash=[4, 4], color="#000000").encode(x=alt.datum(1)),
        ),
        width="stretch",
    )

if queries.has_relation("signals"):
    st.subheader("The registry's signal table (every document)")
    st.caption(
        "Computed once per build over every document in the registry, by tissue source, "
        "route class and setting, for each event term ('any_thrombotic' unless the event "
        "filter names terms); the other filters do not apply here."
    )
    ui.table(queries.registry_signals(f).round(3), "signals_registry", "registry_signals.csv")
