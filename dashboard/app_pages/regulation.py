"""Regulation: how event reports and intravascular use differ from approved products to clinics."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries, ui

f = ui.page(
    "Regulation",
    "Does the way MSCs are given, and how often thrombotic events are reported, change "
    "as oversight weakens from approved products to direct-to-consumer clinics?",
)

summary = ui.with_labels(queries.setting_summary(f), "setting", "settings")
st.subheader("Events and intravascular use by regulatory setting")
st.caption(
    "Settings run from most to least regulated. Intravascular share: documents stating "
    "an intravascular route (intravenous, intra-arterial, intracoronary, intraportal) "
    "among those stating any route. Reports depend on who publishes: clinics rarely "
    "report harms, so a low count there is not evidence of safety."
)
if summary.empty:
    ui.empty("No documents pass these filters.")
else:
    order = list(summary["setting"])
    col1, col2 = st.columns(2)
    col1.altair_chart(
        alt.Chart(summary)
        .mark_bar()
        .encode(
            x=alt.X("event_reports:Q", title="Documents reporting an event"),
            y=alt.Y("setting:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
            color=alt.Color("setting:N", scale=ui.setting_scale(), legend=None),
            tooltip=["setting", "documents", "event_reports"],
        ),
        width="stretch",
    )
    col2.altair_chart(
        alt.Chart(summary)
        .mark_bar()
        .encode(
            x=alt.X(
                "intravascular_pct:Q",
                title="% intravascular (of documents with a route)",
                scale=alt.Scale(domain=[0, 100]),
            ),
            y=alt.Y("setting:N", sort=order, title=None, axis=alt.Axis(labelLimit=220)),
            color=alt.Color("setting:N", scale=ui.setting_scale(), legend=None),
            tooltip=["setting", "with_route", "intravascular", "intravascular_pct"],
        ),
        width="stretch",
    )
    col1, col2 = st.columns(2)
    col1.metric("Documents", f"{int(summary['documents'].sum()):,}")
    col2.metric("Documents reporting an event", f"{int(summary['event_reports'].sum()):,}")
    ui.table(summary.drop(columns=["rank"]), "regulation_settings", "settings.csv")

st.subheader("Direct-to-consumer clinics by country")
if queries.has_relation("clinics"):
    businesses = queries.clinics(f)
    clinics = (
        businesses.groupby("country", as_index=False)
        .size()
        .rename(columns={"size": "clinics"})
        .sort_values("clinics", ascending=False)
    )
    st.caption(
        "Clinic businesses found through their web pages or named in regulator letters, "
        "by country; many pages do not say where they are ('unknown')."
    )
else:
    businesses, clinics = None, queries.clinics_by_country(f)
    st.caption("Clinic web pages by the country the page names ('unknown' when it does not).")
if clinics.empty:
    ui.empty("No clinics pass these filters.")
else:
    st.altair_chart(
        alt.Chart(clinics)
        .mark_bar(color=ui.OKABE_ITO[5])
        .encode(
            x=alt.X("clinics:Q", title="Clinics"),
            y=alt.Y("country:N", sort="-x", title=None),
            tooltip=["country", "clinics"],
        ),
        width="stretch",
    )
    ui.table(clinics, "regulation_clinics", "clinics_by_country.csv")
    if businesses is not None:
        ui.table(
            businesses,
            "regulation_businesses",
            "clinics.csv",
            column_config={"url": st.column_config.LinkColumn("Page")},
        )

st.subheader("Timeline of regulator actions")
st.caption("Warning letters, untitled letters and notices by regulators about MSC products.")
actions = queries.regulator_actions(f)
if actions.empty:
    ui.empty("No regulator actions pass these filters.")
else:
    st.altair_chart(
        alt.Chart(actions)
        .mark_tick(thickness=3, size=30, color=ui.OKABE_ITO[6])
        .encode(
            x=alt.X("year:O", title="Year"),
            tooltip=["title", "year", "published", "source"],
        ),
        width="stretch",
    )
    ui.table(
        actions,
        "regulation_actions",
        "regulator_actions.csv",
        column_config={"url": st.column_config.LinkColumn("Source")},
    )
