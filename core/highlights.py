"""What the Home page highlights, computed from a ReviewStore: top-rated movies, this week's biggest movers,
the latest reviews and reviews per day. Every row carries a link to its movie."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd

from core.store import ReviewStore
from core.views import movie_link, rated_from

MIN_VOTES_TO_RANK = 10   # a movie rated from a handful of votes is not "top rated"


@dataclass(frozen=True)
class Highlights:
    top_rated: pd.DataFrame        # title, rating, rated_from, link
    movers: pd.DataFrame           # title, before, after, change, reviews (this week), link
    latest: list                   # the newest reviews (core.schema.Review)
    per_day: pd.DataFrame          # day, status ("counted" or "held out"), reviews


def top_rated(store: ReviewStore, n: int) -> pd.DataFrame:
    rows = [{"title": store.movies[imdb_id].title, "rating": round(tally.rating, 2), "rated_from": rated_from(tally),
             "link": movie_link(imdb_id)}
            for imdb_id, tally in store.tallies().items() if tally.votes >= MIN_VOTES_TO_RANK]
    frame = pd.DataFrame(rows, columns=["title", "rating", "rated_from", "link"])
    return frame.sort_values(["rating", "title"], ascending=[False, True]).head(n).reset_index(drop=True)


def movers(store: ReviewStore, since: datetime, n: int) -> pd.DataFrame:
    """Movies whose rating moved most through reviews written since `since`."""
    recent = {r.imdb_id for r in store.reviews() if r.created_at >= since}
    rows = []
    for imdb_id in recent:
        reviews = store.reviews_of(imdb_id)
        before = store.tally_of(imdb_id, (r for r in reviews if r.created_at < since)).rating
        after = store.tally(imdb_id).rating
        rows.append({"title": store.movies[imdb_id].title, "before": round(before, 2), "after": round(after, 2),
                     "change": round(after - before, 2), "reviews": sum(r.created_at >= since for r in reviews),
                     "link": movie_link(imdb_id)})
    frame = pd.DataFrame(rows, columns=["title", "before", "after", "change", "reviews", "link"])
    frame = frame[frame["change"] != 0]
    return frame.reindex(frame["change"].abs().sort_values(ascending=False).index).head(n).reset_index(drop=True)


def per_day(store: ReviewStore, since: datetime) -> pd.DataFrame:
    rows = [{"day": r.created_at.astimezone(timezone.utc).date(), "status": "counted" if r.counted else "held out"}
            for r in store.reviews() if r.created_at >= since]
    frame = pd.DataFrame(rows, columns=["day", "status"])
    counts = frame.groupby(["day", "status"]).size().rename("reviews").reset_index()
    counts["day"] = pd.to_datetime(counts["day"])
    return counts


def highlights(store: ReviewStore, now: datetime | None = None, n: int = 5) -> Highlights:
    now = now or datetime.now(timezone.utc)
    newest = sorted(store.reviews(), key=lambda r: r.created_at, reverse=True)[:n]
    return Highlights(top_rated=top_rated(store, n), movers=movers(store, now - timedelta(days=7), n),
                      latest=newest, per_day=per_day(store, now - timedelta(days=30)))
