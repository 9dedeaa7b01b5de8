"""The shipped seed (data/seed/): catalogue facts and figures, and our own demo reviews.

    movies.csv           one row per title (built by `python -m core.seed build`)
    demo_reviews.jsonl   reviews we wrote: imdb_id, days_ago, author_label, text
    demo_verdicts.json   the shipped model's p_positive for each demo text (seed build)

Demo reviews get timestamps relative to the moment a store is created, so a fresh store
always has recent activity. Without verdicts from a model, a demo review carries its
author's own label (p_positive 1 or 0, model_version "author-label").
"""
from __future__ import annotations

import csv
import hashlib
import json
from datetime import timedelta
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from core.paths import SEED_DIR
from core.rating import MICRO
from core.schema import Movie, Review, now

MOVIES_CSV, DEMO_REVIEWS, DEMO_VERDICTS = "movies.csv", "demo_reviews.jsonl", "demo_verdicts.json"
AUTHOR_LABEL_VERSION = "author-label"
MOVIE_COLUMNS = ("imdb_id", "title", "year", "genres", "imported_reviews", "reviewer_stars", "share_positive",
                 "imported_weight", "imported_weight_positive")


class DemoReview(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    imdb_id: str
    days_ago: int = Field(ge=0)
    author_label: str = Field(pattern="^(pos|neg)$")
    text: str


class DemoVerdicts(BaseModel):
    model_version: str
    p_positive: dict[str, float]   # text_key(text) -> p_positive


def text_key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def optional(value: str | None, cast: type) -> object:
    return cast(value) if value else None


def millionths(value: str) -> int:
    """A weight written with six decimals, as the whole millionths core.rating sums."""
    return round(float(value) * MICRO)


def movie_from_row(row: dict[str, str]) -> Movie:
    return Movie(imdb_id=row["imdb_id"], title=row["title"], year=optional(row["year"], int),
                 genres=tuple(g for g in row["genres"].split("|") if g),
                 imported_reviews=int(row["imported_reviews"]),
                 reviewer_stars=optional(row["reviewer_stars"], float),
                 share_positive=optional(row["share_positive"], float),
                 imported_weight=optional(row.get("imported_weight"), millionths),
                 imported_weight_positive=optional(row.get("imported_weight_positive"), millionths))


def load_movies(seed_dir: Path = SEED_DIR) -> list[Movie]:
    with open(seed_dir / MOVIES_CSV, newline="", encoding="utf-8") as f:
        return [movie_from_row(row) for row in csv.DictReader(f)]


def load_demo_reviews(seed_dir: Path = SEED_DIR) -> list[DemoReview]:
    lines = (seed_dir / DEMO_REVIEWS).read_text(encoding="utf-8").splitlines()
    return [DemoReview.model_validate_json(line) for line in lines if line.strip()]


def load_verdicts(seed_dir: Path = SEED_DIR) -> DemoVerdicts | None:
    path = seed_dir / DEMO_VERDICTS
    return DemoVerdicts.model_validate_json(path.read_bytes()) if path.exists() else None


def demo_reviews(seed_dir: Path = SEED_DIR) -> list[Review]:
    """The demo reviews as store records, dated back from now, oldest first."""
    verdicts, created = load_verdicts(seed_dir), now()
    reviews = []
    for number, demo in enumerate(load_demo_reviews(seed_dir), 1):
        p = verdicts.p_positive.get(text_key(demo.text)) if verdicts else None
        if p is None:
            p, version = float(demo.author_label == "pos"), AUTHOR_LABEL_VERSION
        else:
            version = verdicts.model_version
        reviews.append(Review(
            review_id=f"demo-{number:04d}", imdb_id=demo.imdb_id, text=demo.text,
            created_at=created - timedelta(days=demo.days_ago, minutes=(number * 37) % 180),
            source="demo", label="pos" if p >= 0.5 else "neg", p_positive=p, model_version=version))
    return sorted(reviews, key=lambda r: r.created_at)


def write_movies(movies: list[dict], seed_dir: Path = SEED_DIR) -> None:
    with open(seed_dir / MOVIES_CSV, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=MOVIE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(movies)


def write_verdicts(verdicts: DemoVerdicts, seed_dir: Path = SEED_DIR) -> None:
    (seed_dir / DEMO_VERDICTS).write_text(json.dumps(verdicts.model_dump(), indent=1, sort_keys=True) + "\n")
