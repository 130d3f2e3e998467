"""Product types: which tissue source × route class combinations carry thrombotic event reports."""

from __future__ import annotations

import altair as alt
import streamlit as st

from dashboard import queries, ui
from dashboard.filters import label, options

f = ui.page(
    "Product types",
    "For each kind of MSC product (tissue source × how it is given), what share of "
    "its documents report a thrombotic event?",
)

grid = queries.product_heatmap(f)
st.caption(
    "Colour: documents reporting an event with the chosen status, as a share of all "
    "documents describing that product type; each cell reads 'documents with an event / "
    "documents'. A document naming two tissues or routes counts in each cell. Small "
    "cells are noisy. Click a cell to list its cases."
)
if grid.empty:
    ui.empty("No document within the filters states both a tissue source and a route.")
    st.stop()
grid["tissue"] = [label("tissue_sources", k) for k in grid["tissue_source"]]
grid["route"] = [label("route_classes", k) for k in grid["route_class"]]
grid["label"] = [
    f"{e} / {d}" for e, d in zip(grid["event_documents"], grid["documents"], strict=True)
]
st.metric("Documents reporting an event", f"{int(grid['event_documents'].sum()):,}")
click = alt.selection_point(fields=["tissue_source", "route_class"], name="cell")
x_order = [label("route_classes", k) for k in options("route_classes")]
y_order = [label("tissue_sources", k) for k in options("tissue_sources")]
heatmap = (
    alt.Chart(grid)
    .mark_rect(stroke="white")
    .encode(
        x=alt.X("route:N", title="Route class", sort=x_order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("tissue:N", title="Tissue source", sort=y_order, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("event_pct:Q", title="% with event", scale=alt.Scale(scheme=ui.SEQUENTIAL)),
        opacity=alt.condition(click, alt.value(1.0), alt.value(0.5)),
        tooltip=["tissue", "route", "documents", "event_documents", "event_pct"],
    )
    .add_params(click)
)
labels = (
    alt.Chart(grid)
    .mark_text(baseline="middle")
    .encode(
        x=alt.X("route:N", sort=x_order),
        y=alt.Y("tissue:N", sort=y_order),
        text=alt.Text("label:N"),
        color=alt.condition("datum.event_pct > 40", alt.value("white"), alt.value("black")),
    )
)
event = st.altair_chart(
    (heatmap + labels).properties(height=alt.Step(36)),
    width="stretch",
    on_select="rerun",
    key="products_heatmap",
)
ui.table(
    grid[["tissue", "route", "documents", "event_documents", "event_pct"]],
    "products_grid",
    "product_types.csv",
)

st.subheader("Cases of one product type")
picked = (event.selection.get("cell") or [{}])[0] if event and event.selection else {}
if picked.get("tissue_source") and picked.get("route_class"):
    tissue, route_class = picked["tissue_source"], picked["route_class"]
    st.caption(
        f"Clicked in the heatmap: {label('tissue_sources', tissue)} × "
        f"{label('route_classes', route_class)} (click the cell again to clear)."
    )
else:
    col1, col2 = st.columns(2)
    tissue = col1.selectbox(
        "Tissue source",
        list(grid["tissue_source"].unique()),
        index=None,
        key="products_tissue",
        placeholder="Choose or click a cell",
        format_func=lambda k: label("tissue_sources", k),
    )
    route_class = col2.selectbox(
        "Route class",
        list(grid["route_class"].unique()),
        index=None,
        key="products_route",
        placeholder="Choose or click a cell",
        format_func=lambda k: label("route_classes", k),
    )
if tissue and route_class:
    cases = queries.product_cases(f, tissue, route_class)
    if cases.empty:
        ui.empty("No event reports for this product type within the filters.")
    else:
        ui.table(
            cases,
            "products_cases",
            "product_type_cases.csv",
            column_config={"url": st.column_config.LinkColumn("Source")},
        )
st.caption(
    "The full evidence of each case, with filters for event and status, is on the "
    "Case reports & evidence page."
)
