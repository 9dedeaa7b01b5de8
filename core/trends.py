"""The Trends page's data: one review frame per store version, then filters and aggregates (no Streamlit).

Ratings here use the store's rule (core.rating) in floating point over whatever reviews the
filters keep: rating = (PRIOR_MEAN·PRIOR_WEIGHT + TOP·Σ w_positive) / (PRIOR_WEIGHT + Σ w).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from core.rating import PRIOR_MEAN, PRIOR_WEIGHT, TOP
from core.store import ReviewStore
from core.views import movie_link

FREQUENCIES = ("Day", "Week", "Month")
CORRECTABLE_SOURCES = ("web", "ai-draft")   # written on the site: their authors may correct the model
STAR_SIDES = (4, 7)   # aclImdb's convention: ≤4 stars is negative, ≥7 positive, between is neither


@dataclass(frozen=True)
class TrendData:
    reviews: pd.DataFrame   # one row per review
    movies: pd.DataFrame    # one row per catalogue movie, indexed by imdb_id
    genres: pd.DataFrame    # one row per (imdb_id, genre)


@dataclass(frozen=True)
class Filters:
    start: date | None = None
    end: date | None = None
    genres: tuple[str, ...] = ()          # any of
    min_reviews: int = 0                  # per movie, within the other filters
    movies: tuple[str, ...] = field(default=())


def trend_data(store: ReviewStore) -> TrendData:
    movies = pd.DataFrame([{"imdb_id": m.imdb_id, "title": m.title, "year": m.year, "genres": m.genres,
                            "reviewer_stars": m.reviewer_stars} for m in store.movies.values()]).set_index("imdb_id")
    # label and p_positive are the review's vote (the author's label where they corrected the model)
    columns = ["review_id", "imdb_id", "time", "label", "p_positive", "stars", "source", "text", "model_label",
               "corrected", "model_version"]
    rows = [(r.review_id, r.imdb_id, r.created_at, *r.vote, r.stars, r.source, r.text, r.label,
             r.author_label is not None, r.model_version)
            for r in store.reviews() if r.counted]
    reviews = pd.DataFrame(rows, columns=columns)
    reviews["time"] = pd.to_datetime(reviews["time"], utc=True).dt.tz_convert(None)
    reviews["stars"] = reviews["stars"].astype(float)
    reviews["positive"] = reviews["label"] == "pos"
    reviews["confidence"] = reviews["p_positive"].where(reviews["positive"], 1 - reviews["p_positive"])
    reviews["weight"] = (2 * reviews["p_positive"] - 1).abs()
    reviews["title"] = reviews["imdb_id"].map(movies["title"])
    reviews["imdb_id"] = reviews["imdb_id"].astype("category")
    genres = movies["genres"].explode().dropna().rename("genre").reset_index()
    return TrendData(reviews, movies, genres)


def all_genres(data: TrendData) -> list[str]:
    return sorted({g for genres in data.movies["genres"] for g in genres})


def apply_filters(data: TrendData, filters: Filters) -> pd.DataFrame:
    frame = data.reviews
    keep = pd.Series(True, index=frame.index)
    if filters.start:
        keep &= frame["time"] >= pd.Timestamp(filters.start)
    if filters.end:
        keep &= frame["time"] < pd.Timestamp(filters.end) + pd.Timedelta(days=1)
    if filters.genres:
        wanted = set(filters.genres)
        keep &= frame["imdb_id"].isin(data.movies.index[data.movies["genres"].map(wanted.intersection).astype(bool)])
    if filters.movies:
        keep &= frame["imdb_id"].isin(filters.movies)
    frame = frame[keep]
    if filters.min_reviews > 1:
        frame = frame[frame.groupby("imdb_id", observed=True)["imdb_id"].transform("size") >= filters.min_reviews]
    return frame


def rating(weight: pd.Series, weight_positive: pd.Series) -> pd.Series:
    return (PRIOR_MEAN * PRIOR_WEIGHT + TOP * weight_positive) / (PRIOR_WEIGHT + weight)


def summarise(frame: pd.DataFrame, by: list[pd.Series]) -> pd.DataFrame:
    """reviews, share_positive and rating per group (only the columns needed are grouped)."""
    figures = pd.DataFrame({"positive": frame["positive"], "weight": frame["weight"], "stars": frame["stars"],
                            "weight_positive": frame["weight"] * frame["positive"]})
    out = figures.groupby(by, observed=True, sort=True).agg(reviews=("positive", "size"), share_positive=("positive", "mean"), weight=("weight", "sum"),
                      weight_positive=("weight_positive", "sum"), stars=("stars", "mean"))
    out["rating"] = rating(out["weight"], out["weight_positive"])
    return out.drop(columns=["weight", "weight_positive"])


def period_start(times: pd.Series, every: str) -> pd.Series:
    """The day, the Monday of the week, or the first of the month each time falls in (one of FREQUENCIES)."""
    days = times.to_numpy().astype("datetime64[D]")
    if every == "Week":
        days = days - (days.view("int64") + 3) % 7          # 1970-01-01 was a Thursday (Monday = 0)
    elif every == "Month":
        days = days.astype("datetime64[M]").astype("datetime64[D]")
    return pd.Series(days.astype("datetime64[ns]"), index=times.index, name="time")


def over_time(frame: pd.DataFrame, every: str, compare: str = "all") -> pd.DataFrame:
    """Figures per period (one of FREQUENCIES); compare "all" (one series) or "movies" (one per title)."""
    series = (frame["title"] if compare == "movies" else pd.Series("All reviews", index=frame.index)).rename("series")
    out = summarise(frame, [series, period_start(frame["time"], every)]).reset_index()
    return out[["time", "series", "reviews", "share_positive", "rating"]]


def per_movie(data: TrendData, frame: pd.DataFrame) -> pd.DataFrame:
    """One row per reviewed movie: our figures beside its catalogue facts and IMDb reviewer stars."""
    out = summarise(frame, [frame["imdb_id"]]).join(data.movies, how="left")
    out["link"] = [movie_link(i) for i in out.index]
    return out.rename(columns={"stars": "stored_stars"}).reset_index()


def by_genre(data: TrendData, movies: pd.DataFrame) -> pd.DataFrame:
    return _regroup(data.genres.merge(movies.drop(columns="genres"), on="imdb_id"), "genre")


def by_year(movies: pd.DataFrame) -> pd.DataFrame:
    return _regroup(movies.dropna(subset=["year"]).astype({"year": int}), "year")


def _regroup(movies: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per-movie figures summed into a coarser group, weighting each movie by its review count."""
    positives = movies["share_positive"] * movies["reviews"]
    rated = (movies["rating"] * movies["reviews"])
    out = movies.assign(positives=positives, rated=rated).groupby(key).agg(
        reviews=("reviews", "sum"), movies=("imdb_id", "size"), positives=("positives", "sum"), rated=("rated", "sum"))
    out["share_positive"] = out.pop("positives") / out["reviews"]
    out["mean_rating"] = out.pop("rated") / out["reviews"]
    return out.reset_index()


def model_vs_reviewers(movies: pd.DataFrame) -> tuple[pd.DataFrame, float | None]:
    """Movies with IMDb reviewer stars, largest disagreement first; and the share on the same side of 5.5."""
    both = movies.dropna(subset=["reviewer_stars"]).copy()
    both["gap"] = both["rating"] - both["reviewer_stars"]
    both = both.reindex(both["gap"].abs().sort_values(ascending=False).index)
    agree = ((both["rating"] >= 5.5) == (both["reviewer_stars"] >= 5.5)).mean() if len(both) else None
    return both[["imdb_id", "title", "year", "reviews", "rating", "reviewer_stars", "gap", "link"]], agree


def review_agreement(frame: pd.DataFrame) -> float | None:
    """Among reviews whose stars take a side (≤4 or ≥7), the share where the model's verdict agrees."""
    sided = frame[(frame["stars"] <= STAR_SIDES[0]) | (frame["stars"] >= STAR_SIDES[1])]
    return float(((sided["stars"] >= STAR_SIDES[1]) == sided["positive"]).mean()) if len(sided) else None


def author_agreement(frame: pd.DataFrame, every: str) -> pd.DataFrame:
    """Per period and model version, among reviews written on the site (their authors could correct the model):
    reviews, corrections, and the share the authors left as the model read them."""
    web = frame[frame["source"].isin(CORRECTABLE_SOURCES)]
    out = web.groupby([period_start(web["time"], every), web["model_version"]], observed=True).agg(
        reviews=("corrected", "size"), corrected=("corrected", "sum")).reset_index()
    out["agreement"] = 1 - out["corrected"] / out["reviews"]
    return out


def confidence_bins(frame: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """How many reviews fall in each confidence band (0.5–1.0), per verdict."""
    band = np.clip(((frame["confidence"].to_numpy() - 0.5) * 2 * bins).astype(int), 0, bins - 1)
    positive = frame["positive"].to_numpy()
    edges = np.linspace(0.5, 1.0, bins + 1)
    return pd.DataFrame([{"from": edges[b], "to": edges[b + 1], "label": label, "reviews": int(count)}
                         for label, counts in (("neg", np.bincount(band[~positive], minlength=bins)),
                                               ("pos", np.bincount(band[positive], minlength=bins)))
                         for b, count in enumerate(counts)])


def extremes(frame: pd.DataFrame, count: int = 5, recent: int = 500) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The most positive and the most negative of the `recent` newest reviews."""
    times = frame["time"].to_numpy()
    newest = frame.iloc[np.argpartition(times, -recent)[-recent:]] if len(frame) > recent else frame
    newest = newest.sort_values("time", ascending=False)   # ties go to the newer review
    shown = newest[["time", "title", "p_positive", "text", "review_id"]].assign(
        imdb_id=newest["imdb_id"].astype(str), link=[movie_link(i) for i in newest["imdb_id"]])
    return shown.nlargest(count, "p_positive"), shown.nsmallest(count, "p_positive")
