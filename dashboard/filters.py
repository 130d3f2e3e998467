"""One shared filter set for all pages, kept in ``st.query_params`` so a view is a link."""

from __future__ import annotations

from typing import NamedTuple

import streamlit as st

from cellvigil.vocabulary import vocabulary

DEFAULT_STATUSES = ("present",)
ALL = "all"


class Filters(NamedTuple):
    """The filter values; an empty tuple means "all", ``years`` None means every year."""

    years: tuple[int, int] | None = None
    kinds: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    tissues: tuple[str, ...] = ()
    route_classes: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DEFAULT_STATUSES


# (query-parameter name, widget key, vocabulary, label, Filters field)
MULTI = (
    ("kind", "f_kind", "source_kinds", "Source kind", "kinds"),
    ("setting", "f_setting", "settings", "Regulatory setting", "settings"),
    ("tissue", "f_tissue", "tissue_sources", "Tissue source", "tissues"),
    ("route", "f_route", "route_classes", "Route class", "route_classes"),
    ("event", "f_event", "events", "Thrombotic event", "terms"),
    ("status", "f_status", "statuses", "Event status", "statuses"),
)
YEARS_PARAM, YEARS_KEY = "years", "f_years"


def label(vocab: str, key: str | None) -> str:
    """Human label of a vocabulary key (the key itself when unknown, "not stated" for None)."""
    if key is None:
        return "not stated"
    return vocabulary().get(vocab, {}).get(key, {}).get("label", str(key))


def options(vocab: str) -> list[str]:
    """Vocabulary keys in display order (settings by rank)."""
    entries = vocabulary()[vocab]
    if vocab == "settings":
        return sorted(entries, key=lambda k: entries[k]["rank"])
    return list(entries)


def _years_from_param(text: str | None, bounds: tuple[int, int]) -> tuple[int, int]:
    try:
        low, high = (int(part) for part in (text or "").split("-", 1))
    except ValueError:
        return bounds
    low, high = max(bounds[0], min(low, high)), min(bounds[1], max(low, high))
    return (low, high) if low <= high else bounds


def _init_state(year_bounds: tuple[int, int] | None) -> None:
    """Seed widget state from the link's query parameters once per session."""
    params = st.query_params
    for param, key, vocab, _, _ in MULTI:
        if key in st.session_state:
            continue
        known = set(options(vocab))
        if param in params:
            wanted = [v for v in params.get_all(param) if v in known]  # "all" -> []
        else:
            wanted = list(DEFAULT_STATUSES) if param == "status" else []
        st.session_state[key] = wanted
    if year_bounds and YEARS_KEY not in st.session_state:
        st.session_state[YEARS_KEY] = _years_from_param(params.get(YEARS_PARAM), year_bounds)


def _sync_params(current: Filters, year_bounds: tuple[int, int] | None) -> None:
    """Write the filter values back into the URL (only what differs from the default)."""
    params = st.query_params
    for param, _, _, _, field in MULTI:
        values = list(getattr(current, field))
        default = list(DEFAULT_STATUSES) if param == "status" else []
        if values == default:
            if param in params:
                del params[param]
        elif not values:
            params[param] = ALL  # an explicit "every value" where the default is narrower
        elif params.get_all(param) != values:
            params[param] = values
    if current.years and current.years != year_bounds:
        text = f"{current.years[0]}-{current.years[1]}"
        if params.get(YEARS_PARAM) != text:
            params[YEARS_PARAM] = text
    elif YEARS_PARAM in params:
        del params[YEARS_PARAM]


def sidebar(year_bounds: tuple[int, int] | None) -> Filters:
    """Draw the shared filters in the sidebar and return their values."""
    _init_state(year_bounds)
    with st.sidebar:
        st.header("Filters")
        st.caption("Empty means all. The page address keeps your filters: copy it to share.")
        years = None
        if year_bounds and year_bounds[0] < year_bounds[1]:
            chosen = st.slider("Years", year_bounds[0], year_bounds[1], key=YEARS_KEY)
            years = (
                None if tuple(chosen) == tuple(year_bounds) else (int(chosen[0]), int(chosen[1]))
            )
        values = {}
        for _, key, vocab, title, field in MULTI:
            values[field] = tuple(
                st.multiselect(
                    title,
                    options(vocab),
                    key=key,
                    format_func=lambda k, v=vocab: label(v, k),
                )
            )
        if st.button("Reset filters", key="f_reset"):
            for _, key, _, _, _ in MULTI:
                st.session_state.pop(key, None)
            st.session_state.pop(YEARS_KEY, None)
            st.query_params.clear()
            st.rerun()
    current = Filters(years=years, **values)
    _sync_params(current, year_bounds)
    st.session_state["filters"] = current
    return current


def current() -> Filters:
    """The filters drawn by the entry script for this run."""
    return st.session_state.get("filters", Filters())
