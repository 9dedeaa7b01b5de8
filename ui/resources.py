"""Process-wide resources for the pages, loaded once (st.cache_resource) and shared by all sessions."""
from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import streamlit as st

from core.paths import store_dir
from core.highlights import Highlights, highlights
from core.store import ReviewStore, StoreError, without_paths
from core.trends import TrendData, trend_data
from core.views import HubFigures, hub_figures, movies_frame
from models.sentiment import SentimentModel
from models.story.config import compile_wanted
from models.story.generate import Generator


@st.cache_resource(show_spinner="Loading the sentiment model…")
def sentiment_model() -> SentimentModel:
    return SentimentModel.load(os.environ.get("REELPULSE_SENTIMENT_MODEL") or None)


@st.cache_resource(show_spinner="Opening the review store…")
def review_store(folder: str) -> ReviewStore:
    """One ReviewStore per store folder and process (seeded on first use)."""
    return ReviewStore.open(Path(folder))


def current_store() -> ReviewStore:
    """The live store (REELPULSE_DATA_DIR), caught up with writes from other processes (one stat if none).
    When its files cannot be read the page shows why (naming the file) and stops."""
    try:
        store = review_store(str(store_dir()))
        store.refresh()
    except (StoreError, OSError) as err:
        st.error(f"The review store cannot be read: {without_paths(err, store_dir())}")
        st.stop()
    return store


@st.cache_data(max_entries=4, show_spinner=False)
def movies_table(folder: str, version: int) -> pd.DataFrame:
    """The Movies table, rebuilt only when the store's version changes."""
    return movies_frame(review_store(folder))


@st.cache_data(max_entries=4, show_spinner=False)
def figures(folder: str, version: int) -> HubFigures:
    return hub_figures(review_store(folder))


@st.cache_data(max_entries=4, show_spinner=False, ttl=3600)   # "this week" moves on even when nothing is written
def home_highlights(folder: str, version: int) -> Highlights:
    return highlights(review_store(folder))


@st.cache_resource(show_spinner="Loading the story model (once per server: ~30 s the first time on a machine, "
                                "a few seconds later)…")
def story_generator() -> Generator:
    """SmolLM2-135M-Instruct + screenplay adapter, or the folder in $REELPULSE_STORY_MODEL; decoding eagerly at
    once, and through steps compiled ahead of time in the background (unless $REELPULSE_STORY_COMPILE is "0")
    once they are built (~2 min the first time on a machine, seconds later)."""
    return Generator.load(compiled=compile_wanted(True), background=True)


@st.cache_resource(max_entries=2, show_spinner="Preparing the review data…")
def trends_data(folder: str, version: int) -> TrendData:
    """Every review as one frame for the Trends page, rebuilt only when the store's version changes."""
    return trend_data(review_store(folder))
