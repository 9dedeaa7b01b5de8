"""Streamlit-free domain logic: review store, ratings, trends, imports."""
