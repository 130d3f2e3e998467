"""Pieces every page shares: the header with its question, the registry check, tables with a CSV
download, the "About the data" note, the colour-blind-safe palette and inert evidence text."""

from __future__ import annotations

import html
import re
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import queries
from dashboard.filters import Filters, current, label, options

# Okabe & Ito (2008), safe for the common colour-vision deficiencies.
OKABE_ITO = [
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#000000",
    "#999999",
]
SEQUENTIAL = "blues"  # single-hue ramp for heatmaps: readable without colour discrimination
LINK_COLUMNS = {"url", "link"}
SAFE_URL = re.compile(r"^https?://", re.IGNORECASE)


def setting_scale() -> alt.Scale:
    """One fixed colour per regulatory setting, in rank order, on every chart."""
    labels = [label("settings", k) for k in options("settings")]
    return alt.Scale(domain=labels, range=OKABE_ITO[: len(labels)])


def page(title: str, question: str) -> Filters:
    """Title, the question the page answers, and a stop with an explanation if no registry."""
    st.title(title)
    st.caption(question)
    problem = queries.registry_status()
    if problem:
        st.info(problem)
        st.stop()
    about_the_data()
    return current()


def about_the_data() -> None:
    """Sources and last update, on every page."""
    sources = queries.sources_updated()
    build = queries.last_build()
    facts = queries.fact_counts().iloc[0]
    when, day = "unknown", "unknown"
    if not build.empty and pd.notna(build["finished_at"].iloc[0]):
        finished = pd.Timestamp(build["finished_at"].iloc[0])
        day = f"{finished:%Y-%m-%d}"
        when = (
            f"{finished:%Y-%m-%d %H:%M %Z} ({build['kind'].iloc[0]} from {build['input'].iloc[0]})"
        )
    with st.expander(f"About the data · last update {day}", expanded=False):
        st.write(f"Last update of the registry: {when}.")
        st.write(
            "Sources: ClinicalTrials.gov registrations, PubMed / Europe PMC publications, "
            "direct-to-consumer clinic web pages and regulator letters (FDA, Health Canada). "
            "Facts (tissue source, route, dose, thrombotic events and their status) are extracted "
            "automatically from the text; each comes with its evidence sentence."
        )
        if int(facts["extracted"]) == 0:
            st.warning(
                "No facts have been extracted in this registry yet (it was built with "
                "`--no-extract`): event, tissue and route charts stay empty. Run "
                "`cellvigil build` to extract them."
            )
        table(sources, "about_sources", "sources.csv")


def table(df: pd.DataFrame, key: str, filename: str, **kwargs: Any) -> Any:
    """A dataframe (crawled text stays plain text) with its CSV download beside it.

    Link columns keep only http(s) addresses: a crawled ``javascript:`` URL never becomes a link.
    """
    df = df.copy()
    for column in LINK_COLUMNS & set(df.columns):
        df[column] = [v if isinstance(v, str) and SAFE_URL.match(v) else None for v in df[column]]
    shown = st.dataframe(df, hide_index=True, key=key, **kwargs)
    st.download_button(  # the CSV is written only when the button is clicked
        "Download CSV",
        lambda: df.to_csv(index=False).encode("utf-8"),
        file_name=filename,
        mime="text/csv",
        key=f"{key}_csv",
    )
    return shown


def empty(message: str) -> bool:
    """Show a plain note when a chart or table has nothing to show; return True if so."""
    st.info(message)
    return True


def with_labels(df: pd.DataFrame, column: str, vocab: str) -> pd.DataFrame:
    """Replace vocabulary keys by their labels in one column (a copy)."""
    out = df.copy()
    out[column] = [label(vocab, v) if isinstance(v, str) else "not stated" for v in out[column]]
    return out


def split_evidence(sentence: str | None, event_text: str | None) -> tuple[str, str, str]:
    """(before, event words, after) of an evidence sentence; no match puts all in ``before``."""
    sentence = sentence or ""
    if event_text:
        at = sentence.lower().find(event_text.lower())
        if at >= 0:
            end = at + len(event_text)
            return sentence[:at], sentence[at:end], sentence[end:]
    return sentence, "", ""


def marked_text(sentence: str | None, event_text: str | None) -> str:
    """Plain text with the event in ⟦brackets⟧, for tables and downloads."""
    before, event, after = split_evidence(sentence, event_text)
    return f"{before}⟦{event}⟧{after}" if event else before


def evidence_html(sentence: str | None, event_text: str | None) -> str:
    """The sentence as inert HTML: every crawled part escaped before the <mark> is added."""
    before, event, after = (
        html.escape(part, quote=True) for part in split_evidence(sentence, event_text)
    )
    return f"<p>{before}<mark>{event}</mark>{after}</p>" if event else f"<p>{before}</p>"
