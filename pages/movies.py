"""Movies: the searchable, filterable, sortable catalogue with ratings and review figures."""
import streamlit as st

from core.views import SORTS, all_genres, filter_movies
from ui.navigation import through_navigation
from ui.resources import current_store, movies_table

through_navigation()

st.title("🎞️ Movies")
store = current_store()
table = movies_table(store.location, store.version)
years = int(table["year"].min()), int(table["year"].max())

search, genre, sort = st.columns([2, 2, 1])
query = search.text_input("Search titles", placeholder="e.g. Toy Story")
genres = genre.multiselect("Genres (all of)", all_genres(table))
sort_by = sort.selectbox("Sort by", list(SORTS))
span, least, order = st.columns([2, 1, 1])
year_range = span.slider("Year", *years, value=years)
min_reviews = least.number_input("Min reviews", min_value=0, value=0, step=1)
descending = order.toggle("Highest first", value=True)

shown = filter_movies(table, query, genres, year_range if year_range != years else None,   # all: undated ones too
                      int(min_reviews), sort_by, descending)
st.caption(f"{len(shown):,} of {len(table):,} movies")
st.dataframe(
    shown, hide_index=True, width="stretch",
    column_order=["link", "title", "year", "genres", "rating", "rated_from", "reviews", "share_positive",
                  "reviewer_stars"],
    column_config={
        "link": st.column_config.LinkColumn("Open", display_text="open ↗"),
        "title": "Title", "year": st.column_config.NumberColumn("Year", format="%d"), "genres": "Genres",
        "rating": st.column_config.NumberColumn("Rating (0–10)", format="%.2f"),
        "rated_from": st.column_config.TextColumn("Rating from", help="The votes the rating is computed from: "
                                                  "reviews written here plus IMDB reviews imported with the catalogue"),
        "reviews": st.column_config.NumberColumn("Reviews here"),
        "share_positive": st.column_config.NumberColumn("Share positive (here)", format="percent"),
        "reviewer_stars": st.column_config.NumberColumn("IMDb reviewer stars", format="%.1f"),
    })
