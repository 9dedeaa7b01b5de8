"""Movie: poster, facts, rating history, reviews, and a form that scores and stores a new review."""
import re

import altair as alt
import streamlit as st

from core.posters import poster_svg
from core.schema import IMDB_ID_PATTERN, MAX_TEXT, MIN_TEXT
from core.store import StoreError, without_paths
from core.submission import model_unavailable, submit_review
from core.views import newest_first, rating_history
from models.sentiment import ArtifactError
from ui.access import SESSION_LIMITS, record_review, review_wait_s
from ui.explain import show_explanation
from ui.resources import current_store, sentiment_model

PAGE_SIZE = 20
HELD_OUT = {"duplicate": "it repeats a recent review of this movie and is held out of the rating",
            "held": "this movie is getting an unusual burst of reviews: it waits for an analyst before it counts",
            "rejected": "it was rejected"}
STATUS_BADGE = {"duplicate": "Duplicate · not counted", "held": "Held for review", "rejected": "Rejected · not counted"}

store = current_store()
imdb_id = st.query_params.get("id")
if imdb_id not in store.movies:
    st.title("⭐ Movie")
    if imdb_id:   # echoed only when it is an id: the warning renders Markdown, and the link is anyone's
        known_shape = re.fullmatch(IMDB_ID_PATTERN, imdb_id)
        st.warning(f"There is no movie with id “{imdb_id}” in the catalogue." if known_shape
                   else "The link's movie id is not an IMDb id (tt and 7–9 digits).")
    choices = sorted(store.movies.values(), key=lambda m: (m.title, m.year or 0))
    picked = st.selectbox("Pick a movie", choices, index=None, format_func=lambda m: f"{m.title} ({m.year or '?'})")
    if picked:
        st.query_params["id"] = picked.imdb_id
        st.rerun()
    st.stop()

movie = store.movie(imdb_id)
top = st.container()   # filled after the form, so a review stored below shows in the rating at once

OUTCOME = "review_outcome"


def submit(imdb_id: str) -> None:
    """The form's callback: it runs before the page, so the limits and the rating below already include it."""
    text = st.session_state.get("review_text", "")
    if review_wait_s(imdb_id):   # a second tab, or a click that beat the rerun
        st.session_state[OUTCOME] = ("warning", "Your review was not stored: you have reached this hour's review limit.")
        return
    try:
        submission = submit_review(store, sentiment_model(), imdb_id, text, source="web")
    except (ArtifactError, FileNotFoundError) as err:
        st.session_state[OUTCOME] = ("error", str(model_unavailable(err)))
    except ValueError as err:
        st.session_state[OUTCOME] = ("warning", f"Your review was not stored: {err}.")
    except StoreError as err:
        st.session_state[OUTCOME] = ("error", f"Your review was not stored: {without_paths(err, store.folder)}. "
                                               "Please try again later.")
    else:
        record_review(imdb_id)
        st.session_state[OUTCOME] = ("stored", submission)


wait_s = review_wait_s(movie.imdb_id)
with st.form("review", clear_on_submit=True):
    st.subheader("Write a review")
    st.text_area("Your review", max_chars=MAX_TEXT, height=140, key="review_text",
                 help=f"Between {MIN_TEXT} and {MAX_TEXT:,} characters.")
    st.caption(f"{MIN_TEXT}–{MAX_TEXT:,} characters. The sentiment model reads it and the rating updates. "
               f"Up to {SESSION_LIMITS['per_movie']} reviews of a movie and {SESSION_LIMITS['overall']} in all an hour.")
    if wait_s:
        st.info(f"You have reviewed a lot here this hour: your next review is allowed in {max(1, round(wait_s / 60))} min.")
    st.form_submit_button("Submit review", type="primary", disabled=bool(wait_s), on_click=submit, args=(movie.imdb_id,))

outcome = st.session_state.pop(OUTCOME, None)
if outcome and outcome[0] != "stored":
    getattr(st, outcome[0])(outcome[1])
elif outcome:
    submission = outcome[1]
    verdict, confidence, change = st.columns(3)
    verdict.metric("Verdict", "Positive 👍" if submission.review.label == "pos" else "Negative 👎")
    confidence.metric("Confidence", f"{submission.review.confidence:.0%}")
    change.metric("Rating", f"{submission.after.rating:.2f}",
                  delta=f"{submission.after.rating - submission.before.rating:+.2f} (was {submission.before.rating:.2f})")
    if submission.review.counted:
        st.success("Thanks! Your review is stored.")
    else:
        st.info(f"Thanks! Your review is stored, but {HELD_OUT[submission.review.status]}, so the rating did not move.")

reviews = store.reviews_of(movie.imdb_id)
tally = store.tally(movie.imdb_id)
with top:
    st.title(movie.title)
    poster, facts = st.columns([1, 3])
    poster.image(poster_svg(movie.title, movie.year, movie.genres), width="stretch")
    with facts:
        st.caption(f"{movie.year or 'Year unknown'} · {', '.join(movie.genres) or 'No genres listed'} · "
                   f"[IMDb {movie.imdb_id}](https://www.imdb.com/title/{movie.imdb_id}/)")
        rating, count, stars, imported = st.columns(4)
        rating.metric("Rating", f"{tally.rating:.2f} / 10")
        count.metric("Reviews here", f"{tally.counted:,}",
                     help=f"{tally.held_out:,} more held out of the rating (duplicates, held or rejected)"
                     if tally.held_out else None)
        stars.metric("IMDb reviewer stars", "–" if movie.reviewer_stars is None else f"{movie.reviewer_stars:.1f}")
        imported.metric("Imported reviews", f"{movie.imported_reviews:,}")
        history = rating_history(reviews)
        if len(history):
            st.altair_chart(alt.Chart(history).mark_line(point=True, interpolate="step-after").encode(
                x=alt.X("time:T", title=None), y=alt.Y("rating:Q", title="Rating", scale=alt.Scale(domain=[0, 10])),
                tooltip=["time:T", "rating:Q", "reviews:Q"]), width="stretch")
        else:
            st.info("No reviews yet: the rating is the neutral prior. Be the first to review it below.")

st.subheader(f"Reviews ({len(reviews):,})")
shown = st.session_state.setdefault("reviews_shown", PAGE_SIZE)
for review in newest_first(reviews)[:shown]:
    with st.container(border=True):
        badge, when = st.columns([1, 3])
        if not review.counted:
            badge.badge(STATUS_BADGE[review.status], icon="⏸️", color="gray")
        elif review.label == "pos":
            badge.badge(f"Positive · {review.confidence:.0%}", icon="👍", color="green")
        else:
            badge.badge(f"Negative · {review.confidence:.0%}", icon="👎", color="red")
        when.caption(f"{review.created_at:%Y-%m-%d %H:%M} UTC · {review.source} · model {review.model_version}")
        st.text(review.text)
        if st.toggle("Why this verdict?", key=f"why-{review.review_id}"):
            show_explanation(review.text)
if len(reviews) > shown and st.button("Show more reviews"):
    st.session_state["reviews_shown"] = shown + PAGE_SIZE
    st.rerun()
