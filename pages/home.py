"""Home: the two ReelPulse platforms, live figures, and what is happening in the review hub right now."""
import altair as alt
import streamlit as st

from core.views import movie_link
from ui.navigation import through_navigation
from ui.resources import current_store, figures, home_highlights
from ui.reviews import show_badge

through_navigation()

st.title("🎬 ReelPulse")
st.caption("Movie reviews read by a sentiment model, and an AI studio for movie stories.")

store = current_store()
live = figures(store.location, store.version)
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

now = home_highlights(store.location, store.version)
LINK = st.column_config.LinkColumn("Open", display_text="open ↗")
top, movers = st.columns(2)
with top:
    st.subheader("Top rated")
    st.dataframe(now.top_rated, hide_index=True, width="stretch", column_order=["link", "title", "rating", "rated_from"],
                 column_config={"link": LINK, "title": "Title", "rating": st.column_config.NumberColumn("Rating", format="%.2f"),
                                "rated_from": "Rating from"})
with movers:
    st.subheader("Biggest movers this week")
    if now.movers.empty:
        st.caption("No rating has moved this week yet.")
    else:
        st.dataframe(now.movers, hide_index=True, width="stretch",
                     column_order=["link", "title", "change", "after", "reviews"],
                     column_config={"link": LINK, "title": "Title",
                                    "change": st.column_config.NumberColumn("Change", format="%+.2f"),
                                    "after": st.column_config.NumberColumn("Rating", format="%.2f"),
                                    "reviews": st.column_config.NumberColumn("Reviews this week")})

latest, per_day = st.columns(2)
with latest:
    st.subheader("Latest reviews")
    for review in now.latest:
        with st.container(border=True):
            badge, title = st.columns([1, 2])
            show_badge(badge, review)
            title.markdown(f"[{store.movies[review.imdb_id].title}]({movie_link(review.imdb_id)}) · "
                           f"{review.created_at:%Y-%m-%d %H:%M} UTC")
            st.text(review.text[:160] + ("…" if len(review.text) > 160 else ""))
with per_day:
    st.subheader("Reviews per day (30 days)")
    st.altair_chart(alt.Chart(now.per_day).mark_bar().encode(
        x=alt.X("day:T", title=None), y=alt.Y("reviews:Q", title="Reviews", stack=True),
        color=alt.Color("status:N", title=None, scale=alt.Scale(domain=["counted", "held out"], range=["#4c78a8", "#bab0ac"])),
        tooltip=["day:T", "status:N", "reviews:Q"]), width="stretch")
