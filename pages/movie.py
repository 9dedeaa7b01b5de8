"""Movie: poster, facts, rating history, reviews, and a form that scores and stores a new review."""
import os
import re

import altair as alt
import streamlit as st

from core.posters import poster_svg
from core.schema import IMDB_ID_PATTERN, MAX_TEXT, MIN_TEXT
from core.corrections import CorrectionRefused, correct
from core.drafts import DRAFT_SOURCE
from core.store import StoreError
from core.submission import model_unavailable, submit_review
from core.views import newest_first, rated_from, rating_history
from models.sentiment import ArtifactError
from ui.access import SESSION_LIMITS, record_review, review_wait_s, visitor
from ui.explain import show_explanation
from ui.drafts import BOX, draft_panel, forget_draft, review_box_key, review_source
from ui.navigation import through_navigation
from ui.resources import current_store, sentiment_model
from ui.reviews import WORD, show_badge

through_navigation()

PAGE_SIZE = 20
LIVE_EVERY_S = float(os.environ.get("REELPULSE_LIVE_EVERY_S") or 0.5) or None   # 0: the rating is not live
HELD_OUT = {"duplicate": "it repeats a recent review of this movie and is held out of the rating",
            "held": "this movie is getting an unusual burst of reviews: it waits for an analyst before it counts",
            "repeat": "a review of this movie from you (or your network) already counts this week: one voice each, "
                      "unless an analyst releases it",
            "rejected": "it was rejected"}

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
MINE = "correctable_reviews"   # ids of reviews this session wrote and has not corrected yet
box = review_box_key(imdb_id)   # before the form's text area exists in this run


def correct_mine(review_id: str, author_label: str) -> None:
    """A correction button's callback: only the session that wrote the review may relabel it, once."""
    mine = st.session_state.setdefault(MINE, set())
    if review_id not in mine:
        st.session_state[OUTCOME] = ("warning", "Only the visitor who wrote a review may correct it, once.")
        return
    try:
        review, before, after = correct(store, review_id, author_label)
    except (CorrectionRefused, StoreError) as err:
        st.session_state[OUTCOME] = ("warning", f"Nothing was changed: {store.public_message(err)}.")
    except OSError:   # anything else the disk refused (its message would name server paths)
        st.session_state[OUTCOME] = ("error", "Nothing was changed: the store could not be written. Try again later.")
    else:
        mine.discard(review_id)
        st.session_state[OUTCOME] = ("success", f"Thanks: your review now counts as {WORD[author_label]} "
                                                f"(rating {before.rating:.2f} → {after.rating:.2f}). The model's reading "
                                                "is kept beside yours, so it can learn from the correction.")


def correction_button(review, where: str) -> None:
    if review.review_id in st.session_state.get(MINE, ()) and review.counted:
        other = "neg" if review.label == "pos" else "pos"
        st.button(f"That's not what I meant: my review is {WORD[other]}", key=f"correct-{where}-{review.review_id}",
                  on_click=correct_mine, args=(review.review_id, other),
                  help="Your review then counts with your label; you can do this once.")


def submit(imdb_id: str) -> None:
    """The form's callback: it runs before the page, so the limits and the rating below already include it."""
    text = st.session_state.get(st.session_state[BOX], "")
    if review_wait_s(imdb_id):   # a second tab, or a click that beat the rerun
        st.session_state[OUTCOME] = ("warning", "Your review was not stored: you have reached this hour's review limit.")
        return
    source = review_source(imdb_id)
    try:
        submission = submit_review(store, sentiment_model(), imdb_id, text, source=source, visitor=visitor(store))
    except (ArtifactError, FileNotFoundError) as err:
        st.session_state[OUTCOME] = ("error", str(model_unavailable(err)))
    except ValueError as err:
        st.session_state[OUTCOME] = ("warning", f"Your review was not stored: {err}.")
    except StoreError as err:
        st.session_state[OUTCOME] = ("error", f"Your review was not stored: {store.public_message(err)}. "
                                               "Please try again later.")
    else:
        record_review(imdb_id)
        forget_draft()
        st.session_state.setdefault(MINE, set()).add(submission.review.review_id)
        st.session_state[OUTCOME] = ("stored", submission)


draft_panel(movie)

wait_s = review_wait_s(movie.imdb_id)
with st.form("review", clear_on_submit=True):
    st.subheader("Write a review")
    st.text_area("Your review", max_chars=MAX_TEXT, height=140, key=box,
                 help=f"Between {MIN_TEXT} and {MAX_TEXT:,} characters.")
    st.caption(f"{MIN_TEXT}–{MAX_TEXT:,} characters. The sentiment model reads it and the rating updates. "
               f"Up to {SESSION_LIMITS['per_movie']} reviews of a movie and {SESSION_LIMITS['overall']} in all an hour.")
    if wait_s:
        st.info(f"You have reviewed a lot here this hour: your next review is allowed in {max(1, round(wait_s / 60))} min.")
    st.form_submit_button("Submit review", type="primary", disabled=bool(wait_s), on_click=submit, args=(movie.imdb_id,))

outcome = st.session_state.pop(OUTCOME, None)
if outcome and outcome[0] != "stored":   # a message: warning, error or success
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
        correction_button(submission.review, "outcome")
    else:
        st.info(f"Thanks! Your review is stored, but {HELD_OUT[submission.review.status]}, so the rating did not move.")

reviews = store.reviews_of(movie.imdb_id)
tally = store.tally(movie.imdb_id)


@st.fragment(run_every=LIVE_EVERY_S)
def live_figures(movie) -> None:
    """The rating follows reviews other visitors store, on this server or on a replica beside it (one stat or one
    query a run when nothing changed)."""
    tally = current_store().tally(movie.imdb_id)
    rating, count, stars, imported = st.columns(4)
    rating.metric("Rating", f"{tally.rating:.2f} / 10", help=f"Rating {rated_from(tally)}.")
    count.metric("Reviews here", f"{tally.counted:,}",
                 help=f"{tally.held_out:,} more held out of the rating (duplicates, held or rejected)"
                 if tally.held_out else None)
    stars.metric("IMDb reviewer stars", "–" if movie.reviewer_stars is None else f"{movie.reviewer_stars:.1f}")
    imported.metric("Imported IMDB reviews", f"{tally.imported:,}",
                    help="Reviews from the IMDB dataset, scored by our model when the catalogue was built: "
                         "they vote in the rating beside the reviews written here.")


with top:
    st.title(movie.title)
    poster, facts = st.columns([1, 3])
    poster.image(poster_svg(movie.title, movie.year, movie.genres), width="stretch")
    with facts:
        st.caption(f"{movie.year or 'Year unknown'} · {', '.join(movie.genres) or 'No genres listed'} · "
                   f"[IMDb {movie.imdb_id}](https://www.imdb.com/title/{movie.imdb_id}/)")
        live_figures(movie)
        history = rating_history(reviews, movie.imported_votes())
        if len(history):
            st.altair_chart(alt.Chart(history).mark_line(point=True, interpolate="step-after").encode(
                x=alt.X("time:T", title=None), y=alt.Y("rating:Q", title="Rating", scale=alt.Scale(domain=[0, 10])),
                tooltip=["time:T", "rating:Q", "reviews:Q"]), width="stretch")
        else:
            st.info(f"No reviews written here yet: the rating is {rated_from(tally)}. Be the first to review it below.")

st.subheader(f"Reviews ({len(reviews):,})")
shown = st.session_state.setdefault("reviews_shown", PAGE_SIZE)
for review in newest_first(reviews)[:shown]:
    with st.container(border=True):
        badge, when = st.columns([1, 3])
        show_badge(badge, review)
        source = "🤖 AI draft" if review.source == DRAFT_SOURCE else review.source
        when.caption(f"{review.created_at:%Y-%m-%d %H:%M} UTC · {source} · model {review.model_version}")
        st.text(review.text)
        correction_button(review, "list")
        if st.toggle("Why this verdict?", key=f"why-{review.review_id}"):
            show_explanation(review.text)
if len(reviews) > shown and st.button("Show more reviews"):
    st.session_state["reviews_shown"] = shown + PAGE_SIZE
    st.rerun()
