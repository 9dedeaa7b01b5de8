"""Process-wide resources for the pages, loaded once (st.cache_resource) and shared by all sessions."""
from __future__ import annotations

import os

import pandas as pd
import streamlit as st

from core.paths import store_location
from core.highlights import Highlights, highlights
from core.store import ReviewStore, StoreError, public_message
from core.trends import TrendData, trend_data
from core.views import HubFigures, hub_figures, movies_frame
from models.sentiment import SentimentModel
from models.story.config import compile_wanted
from models.story.generate import Generator


@st.cache_resource(show_spinner="Loading the sentiment model…")
def sentiment_model() -> SentimentModel:
    return SentimentModel.load(os.environ.get("REELPULSE_SENTIMENT_MODEL") or None)


@st.cache_resource(show_spinner="Opening the review store…")
def review_store(location: str) -> ReviewStore:
    """One ReviewStore per store (folder or database) and process, seeded on first use."""
    return ReviewStore.open(location)


def current_store() -> ReviewStore:
    """The live store ($REELPULSE_STORE_URL or $REELPULSE_DATA_DIR), caught up with writes from other processes and
    replicas (one stat or one query when there are none). When it cannot be read the page says why and stops."""
    location = store_location()
    try:
        store = review_store(location)
        store.refresh()
    except (StoreError, OSError) as err:
        st.error(f"The review store cannot be read: {public_message(err, location)}")
        st.stop()
    return store


@st.cache_data(max_entries=4, show_spinner=False)
def movies_table(location: str, version: int) -> pd.DataFrame:
    """The Movies table, rebuilt only when the store's version changes."""
    return movies_frame(review_store(location))


@st.cache_data(max_entries=4, show_spinner=False)
def figures(location: str, version: int) -> HubFigures:
    return hub_figures(review_store(location))


@st.cache_data(max_entries=4, show_spinner=False, ttl=3600)   # "this week" moves on even when nothing is written
def home_highlights(location: str, version: int) -> Highlights:
    return highlights(review_store(location))


@st.cache_resource(show_spinner="Loading the story model (once per server: ~30 s the first time on a machine, "
                                "a few seconds later)…")
def story_generator() -> Generator:
    """SmolLM2-135M-Instruct + screenplay adapter, or the folder in $REELPULSE_STORY_MODEL; decoding eagerly at
    once, and through steps compiled ahead of time in the background (unless $REELPULSE_STORY_COMPILE is "0")
    once they are built (~2 min the first time on a machine, seconds later)."""
    return Generator.load(compiled=compile_wanted(True), background=True)


@st.cache_resource(max_entries=2, show_spinner="Preparing the review data…")
def trends_data(location: str, version: int) -> TrendData:
    """Every review as one frame for the Trends page, rebuilt only when the store's version changes."""
    return trend_data(review_store(location))
