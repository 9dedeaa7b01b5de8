"""Streamlit glue shared by the pages: cached resources and small widgets."""
