"""The Streamlit dashboard: adverse events by product type and regulatory setting."""
