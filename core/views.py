"""Figures and tables the pages show, computed from a ReviewStore (no Streamlit here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

import pandas as pd

from core.rating import RatingTally
from core.schema import Review
from core.store import ReviewStore

MOVIE_PAGE = "movie"
SORTS = {"Rating": "rating", "Reviews": "reviews", "Share positive": "share_positive",
         "Reviewer stars": "reviewer_stars", "Year": "year", "Title": "title"}


@dataclass(frozen=True)
class HubFigures:
    movies: int
    reviews: int
    share_positive: float | None
    reviews_today: int


def hub_figures(store: ReviewStore, today: datetime | None = None) -> HubFigures:
    tallies = store.tallies().values()
    reviews = sum(t.reviews for t in tallies)
    day = (today or datetime.now(timezone.utc)).date()
    return HubFigures(movies=len(store.movies), reviews=reviews,
                      share_positive=sum(t.positive for t in tallies) / reviews if reviews else None,
                      reviews_today=sum(r.created_at.astimezone(timezone.utc).date() == day for r in store.reviews()))


def movie_link(imdb_id: str) -> str:
    return f"/{MOVIE_PAGE}?id={imdb_id}"


def movies_frame(store: ReviewStore) -> pd.DataFrame:
    """One row per catalogue movie with its current rating and figures."""
    tallies = store.tallies()
    rows = []
    for movie in store.movies.values():
        tally = tallies.get(movie.imdb_id, RatingTally())
        rows.append({"imdb_id": movie.imdb_id, "title": movie.title, "year": movie.year,
                     "genres": ", ".join(movie.genres), "rating": round(tally.rating, 2),
                     "rated_from": rated_from(tally), "reviews": tally.reviews,
                     "share_positive": tally.share_positive, "reviewer_stars": movie.reviewer_stars,
                     "imported_reviews": movie.imported_reviews, "link": movie_link(movie.imdb_id)})
    return pd.DataFrame(rows).astype({"year": "Int64"})


def rated_from(tally: RatingTally) -> str:
    """Where a rating comes from, never hidden: "from 14 reviews (11 imported)"."""
    if not tally.votes:
        return "no reviews yet (neutral prior)"
    return f"from {tally.votes:,} review{'s' * (tally.votes != 1)} ({tally.imported:,} imported)"


def filter_movies(frame: pd.DataFrame, search: str = "", genres: list[str] | None = None,
                  years: tuple[int, int] | None = None, min_reviews: int = 0,
                  sort_by: str = "Rating", descending: bool = True) -> pd.DataFrame:
    keep = frame["reviews"] >= min_reviews
    if search.strip():
        keep &= frame["title"].str.contains(search.strip(), case=False, regex=False)
    for genre in genres or ():
        keep &= frame["genres"].str.contains(genre, regex=False)
    if years:
        keep &= frame["year"].between(*years).fillna(False).astype(bool)
    return frame[keep].sort_values([SORTS[sort_by], "title"], ascending=[not descending, True],
                                   na_position="last", kind="stable")


def all_genres(frame: pd.DataFrame) -> list[str]:
    return sorted({g for genres in frame["genres"] for g in genres.split(", ") if g})


def rating_history(reviews: list[Review], imported: RatingTally) -> pd.DataFrame:
    """The movie's rating after each of its reviews, in time order, starting from its imported votes."""
    tally, rows = imported, []
    for review in sorted(reviews, key=lambda r: r.created_at):
        tally = tally.add(*review.vote, review.counted)
        rows.append({"time": review.created_at, "rating": round(tally.rating, 3), "reviews": tally.reviews})
    return pd.DataFrame(rows, columns=["time", "rating", "reviews"])


def newest_first(reviews: list[Review]) -> list[Review]:
    return sorted(reviews, key=lambda r: r.created_at, reverse=True)
