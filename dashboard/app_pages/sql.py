"""SQL: researchers query the registry's public views through the read-only sandbox."""

from __future__ import annotations

import streamlit as st

from dashboard import queries, sql_worker, ui

ui.page("SQL", "What else can the registry answer? Query its public views directly.")

st.caption(
    "Read-only and sandboxed: no files, no network, no writes, a time limit and a row "
    "limit. Public views: documents, tissue_sources, donors, routes, doses, events, "
    "trials (and, in newer registries, event_reports, product_event_counts, "
    "trial_results_events, clinics, signals). See docs/data_dictionary.md."
)
example = st.selectbox("Example queries", list(queries.EXAMPLE_QUERIES), key="sql_example")
if st.session_state.get("sql_loaded") != example:
    st.session_state["sql_text"] = queries.EXAMPLE_QUERIES[example]
    st.session_state["sql_loaded"] = example
sql = st.text_area("Query", key="sql_text", height=160)
if st.button("Run", key="sql_run", type="primary"):
    st.session_state.pop("sql_result", None)
    try:
        st.session_state["sql_result"] = (
            sql,
            sql_worker.run_user_sql(queries.registry_path(), sql),
        )
    except ModuleNotFoundError:
        st.info(
            "The SQL sandbox (registry.sql_sandbox) is not installed in this version; use "
            '`cellvigil sql --db PATH "QUERY"` or open the registry read-only with DuckDB.'
        )
        st.stop()
    except sql_worker.QueryRejected as exc:  # the sandbox's refusal or DuckDB's error, as text
        st.error("The query was refused or failed:")
        st.text(str(exc))
        st.stop()
saved = st.session_state.get("sql_result")
if saved and saved[0] == sql:  # kept across reruns (downloads, filters) until the text changes
    result = saved[1]
    truncated = " (cut at the row limit)" if result.attrs.get("truncated") else ""
    st.caption(f"{len(result):,} rows{truncated}")
    ui.table(result, "sql_result", "query_result.csv")
