"""Home: the two ReelPulse platforms and live figures from the review store."""
import streamlit as st

from ui.resources import current_store, figures

st.title("🎬 ReelPulse")
st.caption("Movie reviews read by a sentiment model, and an AI studio for movie stories.")

store = current_store()
live = figures(str(store.folder), store.version)
movies, reviews, share, today = st.columns(4)
movies.metric("Movies", f"{live.movies:,}")
reviews.metric("Reviews", f"{live.reviews:,}")
share.metric("Share positive", "–" if live.share_positive is None else f"{live.share_positive:.0%}")
today.metric("Reviews today", f"{live.reviews_today:,}")

hub, studio = st.columns(2)
with hub.container(border=True):
    st.subheader("⭐ Reviews hub")
    st.write("Browse the catalogue, read what people think, and add your own review: "
             "the model reads it and the movie's rating moves.")
    st.page_link("pages/movies.py", label="Browse movies", icon="🎞️")
with studio.container(border=True):
    st.subheader("✍️ Story studio")
    st.write("Draft movie stories and scenes with a small language model.")
    st.page_link("pages/story_studio.py", label="Open the story studio", icon="✍️")
