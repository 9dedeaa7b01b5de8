"""Trends: sentiment and rating over time, by genre and release year, model vs reviewers, confidence."""
from datetime import timedelta

import altair as alt
import pandas as pd
import streamlit as st

from core import trends
from ui.explain import show_explanation
from ui.navigation import through_navigation
from ui.resources import current_store, trends_data

through_navigation()

st.title("📈 Trends")
store = current_store()
data = trends_data(store.location, store.version)
if data.reviews.empty:
    st.info("No reviews stored yet.")
    st.stop()

with st.sidebar:
    st.header("Filters")
    first, last = data.reviews["time"].min().date(), data.reviews["time"].max().date()
    span = st.date_input("Reviews written", value=(first, last), min_value=first - timedelta(days=1),
                         max_value=last + timedelta(days=1))
    genres = st.multiselect("Genres (any of)", trends.all_genres(data))
    min_reviews = st.number_input("Min reviews per movie", min_value=0, value=0, step=1)
start, end = (tuple(span) + (None, None))[:2] if isinstance(span, (tuple, list)) else (span, span)
filters = trends.Filters(start=start, end=end, genres=tuple(genres), min_reviews=int(min_reviews))
reviews = trends.apply_filters(data, filters)
movies = trends.per_movie(data, reviews)
st.caption(f"{len(reviews):,} of {len(data.reviews):,} reviews, {len(movies):,} movies")
if reviews.empty:
    st.warning("No reviews match these filters: widen the date range, or pick other genres.")
    st.stop()


def download(frame: pd.DataFrame, name: str) -> None:
    st.download_button(f"Download {name} (CSV)", frame.to_csv(index=False).encode(), f"{name}.csv", "text/csv",
                       key=f"download-{name}", icon="⬇️")


def chart(figure: alt.Chart, frame: pd.DataFrame, name: str) -> None:
    st.altair_chart(figure, width="stretch")
    download(frame, name)


st.header("Over time")
every_col, compare_col, pick_col = st.columns([1, 1, 2])
every = every_col.radio("Every", trends.FREQUENCIES, index=1, horizontal=True)
compare = compare_col.radio("Compare", ["All movies", "Chosen movies"], horizontal=True)
if compare == "Chosen movies":
    titles = movies.sort_values("reviews", ascending=False)
    chosen = pick_col.multiselect("Movies", titles["imdb_id"], default=list(titles["imdb_id"][:3]), max_selections=8,
                                  format_func=dict(zip(titles["imdb_id"], titles["title"])).get)
    timeline_reviews = reviews[reviews["imdb_id"].isin(chosen)]
else:
    timeline_reviews = reviews
timeline = trends.over_time(timeline_reviews, every, "movies" if compare == "Chosen movies" else "all")
pick = alt.selection_point(fields=["series"], bind="legend")
base = alt.Chart(timeline).encode(
    x=alt.X("time:T", title=None), color=alt.Color("series:N", title=None),
    opacity=alt.condition(pick, alt.value(1), alt.value(0.2)),
    tooltip=["time:T", "series:N", "reviews:Q", alt.Tooltip("share_positive:Q", format=".0%"),
             alt.Tooltip("rating:Q", format=".2f")])
zoom = alt.selection_interval(bind="scales", encodings=["x"])
chart(alt.vconcat(
    base.mark_line(point=True).encode(y=alt.Y("rating:Q", title="Rating", scale=alt.Scale(domain=[0, 10])))
    .add_params(pick, zoom),
    base.mark_line(point=True).encode(y=alt.Y("share_positive:Q", title="Share positive", axis=alt.Axis(format="%"))),
), timeline, "over_time")

st.header("By genre and release year")
genre_col, year_col = st.columns(2)
with genre_col:
    per_genre = trends.by_genre(data, movies)
    chart(alt.Chart(per_genre).mark_bar().encode(
        x=alt.X("share_positive:Q", title="Share positive", axis=alt.Axis(format="%")), y=alt.Y("genre:N", sort="-x"),
        color=alt.Color("mean_rating:Q", title="Mean rating", scale=alt.Scale(scheme="redyellowgreen", domain=[0, 10])),
        tooltip=["genre:N", "reviews:Q", "movies:Q", alt.Tooltip("share_positive:Q", format=".0%"),
                 alt.Tooltip("mean_rating:Q", format=".2f")]), per_genre, "by_genre")
with year_col:
    per_year = trends.by_year(movies)
    chart(alt.Chart(per_year).mark_bar().encode(
        x=alt.X("year:O", title="Release year"), y=alt.Y("reviews:Q", title="Reviews"),
        color=alt.Color("share_positive:Q", title="Share positive", scale=alt.Scale(scheme="redyellowgreen")),
        tooltip=["year:O", "reviews:Q", "movies:Q", alt.Tooltip("share_positive:Q", format=".0%"),
                 alt.Tooltip("mean_rating:Q", format=".2f")]).interactive(bind_y=False), per_year, "by_year")

st.header("Model vs reviewers")
versus, agree = trends.model_vs_reviewers(movies)
by_review = trends.review_agreement(reviews)
left, right = st.columns(2)
left.metric("Movies on the same side (rating and stars ≥ 5.5 or both below)", "–" if agree is None else f"{agree:.0%}")
right.metric("Reviews whose verdict matches their stars (≤4 / ≥7)", "–" if by_review is None else f"{by_review:.0%}")
diagonal = alt.Chart(pd.DataFrame({"x": [1, 10]})).mark_line(color="gray", strokeDash=[4, 4]).encode(x="x:Q", y="x:Q")
chart(diagonal + alt.Chart(versus).mark_circle().encode(
    x=alt.X("reviewer_stars:Q", title="IMDb reviewer stars", scale=alt.Scale(domain=[1, 10])),
    y=alt.Y("rating:Q", title="Our rating", scale=alt.Scale(domain=[0, 10])), size=alt.Size("reviews:Q"),
    href="link:N", tooltip=["title:N", "year:Q", "reviews:Q", alt.Tooltip("rating:Q", format=".2f"),
                            "reviewer_stars:Q"]).interactive(), versus, "model_vs_reviewers")
st.subheader("Where they disagree most")
st.dataframe(versus.head(20), hide_index=True, width="stretch",
             column_order=["link", "title", "year", "reviews", "rating", "reviewer_stars", "gap"],
             column_config={"link": st.column_config.LinkColumn("Open", display_text="open ↗"),
                            "year": st.column_config.NumberColumn("Year", format="%d"),
                            "rating": st.column_config.NumberColumn("Our rating", format="%.2f"),
                            "reviewer_stars": st.column_config.NumberColumn("Reviewer stars", format="%.1f"),
                            "gap": st.column_config.NumberColumn("Gap", format="%+.2f")})

st.header("Model and authors")
st.caption("Among reviews written on this site, the share whose authors kept the model's reading (they may say "
           "\"that's not what I meant\" once): per period and model version.")
authors = trends.author_agreement(reviews, every)
if authors.empty:
    st.info("No reviews written on this site match these filters.")
else:
    chart(alt.Chart(authors).mark_line(point=True).encode(
        x=alt.X("time:T", title=None), y=alt.Y("agreement:Q", title="Authors agree", axis=alt.Axis(format="%"),
                                               scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("model_version:N", title="Model version"),
        tooltip=["time:T", "model_version:N", "reviews:Q", "corrected:Q", alt.Tooltip("agreement:Q", format=".0%")]),
        authors, "author_agreement")

st.header("Confidence")
bins = trends.confidence_bins(reviews)
chart(alt.Chart(bins).mark_bar().encode(
    x=alt.X("from:Q", bin="binned", title="Confidence"), x2="to:Q", y=alt.Y("reviews:Q", stack=True),
    color=alt.Color("label:N", scale=alt.Scale(domain=["neg", "pos"], range=["crimson", "forestgreen"])),
    tooltip=["from:Q", "to:Q", "label:N", "reviews:Q"]), bins, "confidence")

st.header("Most positive and most negative recent reviews")
most_positive, most_negative = trends.extremes(reviews)
for heading, table, name in (("Most positive", most_positive, "most_positive"),
                             ("Most negative", most_negative, "most_negative")):
    st.subheader(heading)
    st.dataframe(table, hide_index=True, width="stretch", column_order=["link", "title", "time", "p_positive", "text"],
                 column_config={"link": st.column_config.LinkColumn("Open", display_text="open ↗"),
                                "p_positive": st.column_config.NumberColumn("p(positive)", format="%.3f"),
                                "text": st.column_config.TextColumn("Review", width="large")})
    download(table, name)
shown = pd.concat([most_positive, most_negative]).drop_duplicates("review_id")
explained = st.selectbox("Why did the model decide so? Pick a review", shown["review_id"], index=None,
                         format_func=dict(zip(shown["review_id"], shown["title"] + ": " + shown["text"].str[:80])).get)
if explained:
    show_explanation(shown.set_index("review_id").at[explained, "text"])
