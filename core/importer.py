"""Bulk import: check rows, drop duplicates, score in batches, store everything in one durable step.

A row is rejected (row number and reason kept, nothing stored for it) when its text is too short
or too long, its date or stars do not parse, or its movie is not in the catalogue: an import never
adds movies, because a review source gives no title, year or genres to add one with. A movie may
be named by IMDb id, by exact title (case-insensitive), or by "Title (Year)" when titles clash.
Nothing is stored until every row is scored, so a cancelled or failed import changes nothing.
"""
from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from core.import_sources import Row
from core.schema import IMDB_ID_PATTERN, Review, now, validate_text
from core.scoring import BATCH, Progress, no_progress, score_batches
from core.store import ReviewStore
from core.submission import Scorer

LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
TITLE_YEAR = re.compile(r"^(.*\S)\s*\((\d{4})\)$")
SOURCE = "import"


@dataclass(frozen=True)
class Rejection:
    row: int
    reason: str
    where: str = ""


@dataclass
class ImportSummary:
    read: int = 0
    added: int = 0
    duplicates: int = 0
    rejections: list[Rejection] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rejected(self) -> int:
        return len(self.rejections)

    def to_dict(self) -> dict:
        return {"read": self.read, "added": self.added, "duplicates": self.duplicates, "rejected": self.rejected,
                "seconds": round(self.seconds, 3),
                "reviews_per_s": round(self.read / self.seconds, 1) if self.seconds else None,
                "rejections": [{"row": r.row, "reason": r.reason} | ({"where": r.where} if r.where else {})
                               for r in self.rejections]}


class MovieIndex:
    """Resolves a row's movie field (IMDb id, title, or "Title (Year)") against the catalogue."""

    def __init__(self, store: ReviewStore):
        self.ids = set(store.movies)
        self.by_title: dict[str, list[tuple[str, int | None]]] = {}
        for movie in store.movies.values():
            self.by_title.setdefault(movie.title.casefold(), []).append((movie.imdb_id, movie.year))

    def resolve(self, name: str) -> str:
        name = name.strip()
        if re.match(IMDB_ID_PATTERN, name):
            if name not in self.ids:
                raise ValueError(f"movie {name} is not in the catalogue (imports do not add movies)")
            return name
        if not name:
            raise ValueError("no movie given")
        titled = TITLE_YEAR.match(name)
        title, year = (titled.group(1), int(titled.group(2))) if titled else (name, None)
        matches = [i for i, y in self.by_title.get(title.casefold(), []) if year is None or y == year]
        if not matches:
            raise ValueError(f"no movie titled {name!r} in the catalogue (imports do not add movies)")
        if len(matches) > 1:
            raise ValueError(f"{len(matches)} movies are titled {name!r}: name it as 'Title (Year)' or by IMDb id")
        return matches[0]


def parse_date(value: str, default: datetime) -> datetime:
    if not value.strip():
        return default
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"date {value!r} is not an ISO date (YYYY-MM-DD[ HH:MM])") from None
    stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
    if stamp > default:
        raise ValueError(f"date {value!r} is in the future")
    return stamp


def parse_stars(value: str) -> float | None:
    if not value.strip():
        return None
    try:
        stars = float(value)
    except ValueError:
        raise ValueError(f"stars {value!r} are not a number") from None
    if not 1 <= stars <= 10:
        raise ValueError(f"stars {value!r} are outside 1–10")
    return stars


def content_key(imdb_id: str, text: str) -> str:
    """Same movie and same text (whitespace aside) is the same review."""
    return hashlib.sha256(f"{imdb_id}\n{' '.join(text.split())}".encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Checked:
    key: str
    imdb_id: str
    text: str
    created_at: datetime
    stars: float | None


def check_row(row: Row, movies: MovieIndex, stamp: datetime) -> Checked:
    """The row as a review to score, or ValueError with the reason it is rejected."""
    text = validate_text(LINE_BREAK.sub("\n", row.text))
    imdb_id = movies.resolve(row.movie)
    return Checked(content_key(imdb_id, text), imdb_id, text, parse_date(row.date, stamp), parse_stars(row.stars))


def import_reviews(store: ReviewStore, model: Scorer, rows: Iterable[Row], progress: Progress = no_progress,
                   source: str = SOURCE, batch: int = BATCH) -> ImportSummary:
    """Import `rows` into `store`; `progress` is called after each scored batch (raise there to cancel)."""
    started, stamp, summary = time.perf_counter(), now(), ImportSummary()
    movies = MovieIndex(store)
    seen = {content_key(r.imdb_id, r.text) for r in store.reviews()}
    todo: list[Checked] = []
    for row in rows:
        summary.read += 1
        try:
            checked = check_row(row, movies, stamp)
        except ValueError as err:
            summary.rejections.append(Rejection(row.number, str(err), row.where))
            continue
        if checked.key in seen:
            summary.duplicates += 1
            continue
        seen.add(checked.key)
        todo.append(checked)
    results = score_batches(model, [c.text for c in todo], progress, batch)
    reviews = [Review(review_id=f"imp-{c.key}", imdb_id=c.imdb_id, text=c.text, created_at=c.created_at,
                      source=source, label=result.label, p_positive=result.p_positive,
                      model_version=model.version, stars=c.stars) for c, result in zip(todo, results)]
    summary.added = store.append_many(reviews)
    summary.seconds = time.perf_counter() - started
    return summary
