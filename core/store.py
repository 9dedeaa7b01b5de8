"""The review store contract: what pages, the CLI and the importer may ask of a store, whatever keeps it.

Two backends keep it:
    core.json_store.JsonStore       a folder of JSON files (the default: $REELPULSE_DATA_DIR or data/store/)
    core.pg_store.PostgresStore     a PostgreSQL database ($REELPULSE_STORE_URL=postgresql://…), for replicas

Both are seeded from data/seed/ when empty, acknowledge a review only once it is durable, keep every movie's
tally equal to a recomputation from its reviews, and serialise writers (a file lock; a row lock).
`ReviewStore.open()` opens the configured one; tests/core/test_store_contract.py runs the contract on both.
"""
from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from core.access import configured_visitor_key
from core.paths import store_location
from core.rating import RatingTally
from core.schema import Movie, Review, ReviewStatus

DATABASE_SCHEMES = ("postgresql://", "postgresql+", "postgres://")


class StoreError(RuntimeError):
    """The store cannot be read as it is (the message says which part and where)."""


class StoreWriteError(StoreError):
    """The store refused a write (disk full, read-only, database down); the store is left as it was."""


class UnknownMovie(ValueError):
    def __init__(self, imdb_id: str):
        super().__init__(f"no movie {imdb_id!r} in the catalogue")


def without_paths(err: Exception, folder: Path) -> str:
    """The error's message as a visitor may read it: the store's file names, not the server's paths."""
    return str(err).replace(f"{folder}{os.sep}", "").replace(str(folder), "the store folder")


def public_message(err: Exception, location: str) -> str:
    """An error from the store at `location` as a visitor may read it. A database store words its own errors
    (core.pg_store never puts a host or password in one); anything else from a database is not shown."""
    if is_database_url(location):
        return str(err) if isinstance(err, (StoreError, UnknownMovie)) else "the database is unavailable"
    return without_paths(err, Path(location))


def tally_reviews(reviews: Iterable[Review]) -> dict[str, RatingTally]:
    return count_into({}, reviews)


def count_into(tallies: dict[str, RatingTally], reviews: Iterable[Review]) -> dict[str, RatingTally]:
    """Add each review's vote to its movie's tally in `tallies` (changed in place, and returned)."""
    for review in reviews:
        tallies[review.imdb_id] = tallies.get(review.imdb_id, RatingTally()).add(*review.vote, review.counted)
    return tallies


def is_database_url(location: str) -> bool:
    return location.lower().startswith(DATABASE_SCHEMES)


Decide = Callable[[list[Review]], ReviewStatus]


class ReviewStore(ABC):
    """One process's view of a store; thread-safe, and safe beside other processes (and replicas)."""

    movies: dict[str, Movie]
    _tallies: dict[str, RatingTally]     # movie -> votes from stored reviews alone (imported ones are in movies)
    _reviews: list[Review] | None        # every review, once read
    _by_movie: dict[str, list[Review]]
    _mutex: threading.RLock              # guards the above: one view serves every session of a process

    @staticmethod
    def open(location: str | Path | None = None) -> ReviewStore:
        """The store at `location` (a folder, or a postgresql:// URL); default: $REELPULSE_STORE_URL, else
        $REELPULSE_DATA_DIR. Seeded from data/seed/ when it is empty."""
        where = str(location if location is not None else store_location())
        if is_database_url(where):
            from core.pg_store import PostgresStore
            return PostgresStore.open(where)
        from core.json_store import JsonStore
        return JsonStore.open(Path(where))

    # ---------------------------------------------------------------- identity and secrets
    @property
    @abstractmethod
    def location(self) -> str:
        """What ReviewStore.open() opens this store from (a folder; a URL, password included: never show it)."""

    @property
    @abstractmethod
    def key(self) -> str:
        """Names this store in logs and messages (a folder; a URL without its password)."""

    def public_message(self, err: Exception) -> str:
        """What a visitor may read of an error from this store: no server path, host or password."""
        return public_message(err, self.key)

    def visitor_key(self) -> bytes:
        """The deployment's key for visitor pseudonyms: $REELPULSE_VISITOR_KEY, else a random one made once and kept
        in the store, so every replica on the store gives a visitor the same pseudonym."""
        return configured_visitor_key() or self._kept_visitor_key()

    @abstractmethod
    def _kept_visitor_key(self) -> bytes:
        """The store's own random visitor key, made on first use (concurrent first uses agree on one)."""

    # ---------------------------------------------------------------- reading
    @abstractmethod
    def refresh(self) -> int:
        """Catch up with writes made elsewhere (cheap when there are none); return the version."""

    @property
    @abstractmethod
    def version(self) -> int:
        """Grows with every stored review and every bulk write this view has seen: a cache key."""

    def reviews(self) -> list[Review]:
        """Every stored review, in the order they were stored (read once per view, then extended)."""
        with self._mutex:
            self._ensure_reviews()
            return list(self._reviews)

    def reviews_of(self, imdb_id: str) -> list[Review]:
        """One movie's reviews, in the order they were stored."""
        with self._mutex:
            self._ensure_reviews()
            return list(self._by_movie.get(imdb_id, ()))

    @abstractmethod
    def _ensure_reviews(self) -> None:
        """Read every review into _reviews and _by_movie if this view has not yet."""

    def movie(self, imdb_id: str) -> Movie:
        try:
            return self.movies[imdb_id]
        except KeyError:
            raise UnknownMovie(imdb_id) from None

    def tally(self, imdb_id: str) -> RatingTally:
        """The movie's votes: its imported ones (from the catalogue) plus its counted stored reviews."""
        return self._with_imported(imdb_id, self._tallies.get(imdb_id, RatingTally()))

    def tally_of(self, imdb_id: str, reviews: Iterable[Review]) -> RatingTally:
        """The tally the movie would have from these of its reviews alone (its imported votes included)."""
        return self._with_imported(imdb_id, tally_reviews(reviews).get(imdb_id, RatingTally()))

    def _with_imported(self, imdb_id: str, logged: RatingTally) -> RatingTally:
        return logged.with_imported_of(self.movies[imdb_id].imported_votes() if imdb_id in self.movies
                                       else RatingTally())

    def tallies(self) -> dict[str, RatingTally]:
        """tally() for every catalogue movie."""
        with self._mutex:
            return {imdb_id: self.tally(imdb_id) for imdb_id in self.movies.keys() | self._tallies.keys()}

    # ---------------------------------------------------------------- writing
    @abstractmethod
    def append(self, review: Review, decide: Decide | None = None) -> tuple[RatingTally, RatingTally]:
        """Store one review durably; return the movie's tally before and after it. `decide` gives its status from
        the movie's stored reviews, under the store's write lock: two reviews arriving at once are each decided
        on the other."""

    @abstractmethod
    def append_many(self, reviews: Sequence[Review]) -> int:
        """Store many reviews in one durable step (after an error or a crash: all of them or none), skipping any
        whose review_id is stored already (so an import run twice, or by two workers, adds each review once);
        return how many were added."""

    @abstractmethod
    def replace_reviews(self, changes: Mapping[str, Callable[[Review], Review]]) -> int:
        """Rewrite stored reviews in one durable step; return how many. `changes` maps a review_id to what to do to
        that review as it is stored when the write happens, under the lock, so concurrent changes to other fields
        are kept; a change that raises writes nothing. Ratings are recomputed."""

    @abstractmethod
    def rebuild(self) -> dict[str, tuple[RatingTally, RatingTally]]:
        """Recompute every tally from the stored reviews; return {movie: (held, recomputed)} where they differed."""

    @abstractmethod
    def record_decisions(self, entries: Sequence[Mapping[str, str]]) -> None:
        """Keep analysts' moderation decisions (at, analyst, review_id, imdb_id, status) in the store's audit log."""

    @abstractmethod
    def decisions(self) -> list[dict[str, str]]:
        """The audit log of moderation decisions, oldest first."""
