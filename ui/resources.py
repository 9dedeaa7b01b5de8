"""Process-wide resources for the pages, loaded once (st.cache_resource) and shared by all sessions."""
from __future__ import annotations

import os

import streamlit as st

from models.sentiment import SentimentModel


@st.cache_resource(show_spinner="Loading the sentiment model…")
def sentiment_model() -> SentimentModel:
    return SentimentModel.load(os.environ.get("REELPULSE_SENTIMENT_MODEL") or None)
