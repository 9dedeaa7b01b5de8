"""Showing why the model gave a review its verdict (occlusion highlights, escaped HTML)."""
from __future__ import annotations

import streamlit as st

from core.explain import Segment, explain, highlight_html
from core.submission import model_unavailable
from models.sentiment import ArtifactError
from ui.resources import sentiment_model


@st.cache_data(max_entries=256, show_spinner="Finding the words that drove the verdict…")
def explanation(text: str, model_version: str) -> list[Segment]:
    return explain(sentiment_model(), text)


def show_explanation(text: str) -> None:
    """The review with the words that pushed it positive in green and negative in red."""
    try:
        model = sentiment_model()
    except (ArtifactError, FileNotFoundError) as err:
        st.error(str(model_unavailable(err)))
        return
    st.markdown(highlight_html(explanation(text, model.version)), unsafe_allow_html=True)   # every piece escaped
    st.caption("Green words pushed the verdict towards positive, red towards negative (hover for the change in "
               "p_positive when the word is left out).")
