"""The review store (core.store's contract) in PostgreSQL, for several app replicas on one database.

    REELPULSE_STORE_URL=postgresql://user:password@host/db streamlit run streamlit_app.py

Tables (created and migrated by the app; `store_state.schema_version` is the format version):
    store_state   one row: schema_version, version (grows with every write transaction), rewrites (grows with
                  every bulk rewrite), the visitor key
    movies        the catalogue (Movie JSON), written once by the seed
    reviews       one row per review (Review JSON), seq in the order stored; review_id unique: an import's ids
                  are a hash of movie + text (core.importer.content_key), so importing twice adds nothing
    tallies       per movie, the votes from its reviews (RatingTally JSON), kept in the same transaction
    moderation    analysts' decisions

Every write transaction starts by taking store_state's row lock (bumping `version`), so writers are serialised
as the JSON store's file lock serialises them, reviews get their seq in commit order, and a reader that has
seen version v and seq s catches up by reading the rows after s. A review is acknowledged once its
transaction has committed. Errors are worded here without host, user or password.
"""
from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from pydantic import ValidationError
from sqlalchemy import (BigInteger, Column, ColumnElement, Connection, Engine, ForeignKey, Identity, Integer, MetaData, SmallInteger,
                        Table, Text, any_, bindparam, create_engine, literal, func, inspect, select, text, update)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError

from core import seed_data
from core.access import new_visitor_key
from core.rating import RatingTally
from core.schema import Movie, Review
from core.store import Decide, ReviewStore, StoreError, StoreWriteError, count_into, tally_reviews

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
SETUP_LOCK = 0x5265656C   # pg_advisory_xact_lock key: one process creates, migrates and seeds at a time

metadata = MetaData()
state = Table("store_state", metadata,
              Column("id", SmallInteger, primary_key=True),
              Column("schema_version", Integer, nullable=False),
              Column("version", BigInteger, nullable=False),
              Column("rewrites", BigInteger, nullable=False),
              Column("visitor_key", Text))
movies = Table("movies", metadata,
               Column("imdb_id", Text, primary_key=True),
               Column("doc", JSONB, nullable=False))
reviews = Table("reviews", metadata,
                Column("seq", BigInteger, Identity(), primary_key=True),
                Column("review_id", Text, nullable=False, unique=True),
                Column("imdb_id", Text, ForeignKey("movies.imdb_id"), nullable=False, index=True),
                Column("doc", JSONB, nullable=False))
tallies = Table("tallies", metadata,
                Column("imdb_id", Text, ForeignKey("movies.imdb_id"), primary_key=True),
                Column("doc", JSONB, nullable=False))
moderation = Table("moderation", metadata,
                   Column("seq", BigInteger, Identity(), primary_key=True),
                   Column("doc", JSONB, nullable=False))

# schema version -> the step that brings the database from the version before it
MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: lambda conn: metadata.create_all(conn)}


def engine_url(url: str) -> str:
    """SQLAlchemy's name for the URL with the psycopg 3 driver (postgresql:// alone would mean psycopg2; psycopg 3 is
    the driver installed, so it is used whatever the URL names)."""
    return f"postgresql+psycopg://{url.split('://', 1)[1]}"


def redacted(url: str) -> str:
    return make_url(engine_url(url)).render_as_string(hide_password=True)


@contextlib.contextmanager
def worded(action: str) -> Iterator[None]:
    """Database errors as StoreError/StoreWriteError saying what failed, never where (no host, user, password)."""
    try:
        yield
    except IntegrityError as err:
        raise StoreWriteError(f"the database refused to {action}: it conflicts with what is stored") from err
    except DBAPIError as err:
        kind = "cannot be reached" if err.connection_invalidated or err.orig is None else "refused it"
        raise StoreWriteError(f"could not {action}: the database {kind} ({type(err.orig or err).__name__})") from err
    except SQLAlchemyError as err:
        raise StoreError(f"could not {action} ({type(err).__name__})") from err


def as_text(doc: Column) -> ColumnElement[str]:
    """A JSON column read as its text, for pydantic's JSON parser (several times faster than dicts from psycopg)."""
    return doc.cast(Text).label("doc")


def among(column: Column, values: Iterable[str]) -> ColumnElement[bool]:
    """column = ANY(one array parameter): any number of values (IN would bind one parameter each, at most 65,535)."""
    return column == any_(literal(sorted(values), ARRAY(Text)))


def _review(doc: str) -> Review:
    try:
        return Review.model_validate_json(doc)
    except ValidationError as err:
        raise StoreError(f"a stored review does not validate: {err.errors()[0]['msg']}") from err


def _doc(record) -> dict:
    return record.model_dump(mode="json")


class PostgresStore(ReviewStore):
    """One process's view of a PostgreSQL store; thread-safe. Other processes and replicas write beside it."""

    def __init__(self, engine: Engine, url: str):
        self.engine, self._url = engine, url
        self._mutex = threading.RLock()
        self._version, self._rewrites, self._last_seq = 0, 0, 0
        self._tallies: dict[str, RatingTally] = {}
        self._reviews: list[Review] | None = None   # loaded on first demand
        self._by_movie: dict[str, list[Review]] = {}
        self.movies: dict[str, Movie] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, url: str) -> PostgresStore:   # type: ignore[override]
        """Connect, create or migrate the schema, and seed an empty database from data/seed/ (all in one transaction)."""
        engine = create_engine(engine_url(url), pool_pre_ping=True, pool_size=4, max_overflow=4)
        store = cls(engine, url)
        with worded("open the store"):
            with engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})
                store._migrate(conn)
            with engine.connect() as conn:
                store.movies = {row.imdb_id: Movie.model_validate_json(row.doc)
                                for row in conn.execute(select(movies.c.imdb_id, as_text(movies.c.doc)))}
            store._reload()
        return store

    def _migrate(self, conn: Connection) -> None:
        found = (conn.execute(select(state.c.schema_version)).scalar_one_or_none()
                 if inspect(conn).has_table(state.name) else 0)
        if found > SCHEMA_VERSION:
            raise StoreError(f"the database holds store format {found}; this ReelPulse reads up to {SCHEMA_VERSION}")
        for version in range(found + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[version](conn)
            log.info("store schema migrated to version %d", version)
        if found == 0:
            self._seed(conn)
        elif found < SCHEMA_VERSION:
            conn.execute(update(state).values(schema_version=SCHEMA_VERSION))

    def _seed(self, conn: Connection) -> None:
        catalogue, demo = seed_data.load_movies(), seed_data.demo_reviews()
        conn.execute(insert(movies), [dict(imdb_id=m.imdb_id, doc=_doc(m)) for m in catalogue])
        conn.execute(insert(reviews), [dict(review_id=r.review_id, imdb_id=r.imdb_id, doc=_doc(r)) for r in demo])
        conn.execute(insert(tallies), [dict(imdb_id=m, doc=_doc(t)) for m, t in tally_reviews(demo).items()])
        conn.execute(insert(state).values(id=1, schema_version=SCHEMA_VERSION, version=1, rewrites=0))
        log.info("seeded the database store: %d movies, %d reviews", len(catalogue), len(demo))

    # ---------------------------------------------------------------- identity, secrets, audit
    @property
    def location(self) -> str:
        return self._url

    @property
    def key(self) -> str:
        return redacted(self._url)

    def _kept_visitor_key(self) -> bytes:
        with worded("read the visitor key"), self.engine.begin() as conn:
            conn.execute(update(state).where(state.c.visitor_key.is_(None)).values(visitor_key=new_visitor_key()))
            return conn.execute(select(state.c.visitor_key)).scalar_one().encode()

    def record_decisions(self, entries: Sequence[Mapping[str, str]]) -> None:
        with worded("record the decisions"), self.engine.begin() as conn:
            conn.execute(insert(moderation), [dict(doc=dict(e)) for e in entries])

    def decisions(self) -> list[dict[str, str]]:
        with worded("read the decisions"), self.engine.connect() as conn:
            return list(conn.execute(select(moderation.c.doc).order_by(moderation.c.seq)).scalars())

    # ---------------------------------------------------------------- reading
    @property
    def version(self) -> int:
        return self._version

    def refresh(self) -> int:
        """One query when nothing changed; the new rows when others only appended; everything after a rewrite."""
        with self._mutex, worded("read the store"), self._snapshot() as conn:
            self._sync(conn, *self._state(conn))
            return self._version

    @staticmethod
    def _state(conn: Connection) -> tuple[int, int]:
        return tuple(conn.execute(select(state.c.version, state.c.rewrites)).one())

    def _sync(self, conn: Connection, version: int, rewrites: int) -> None:
        """Bring our view to the committed state (version, rewrites) that `conn` sees."""
        if (version, rewrites) == (self._version, self._rewrites):
            return
        if rewrites != self._rewrites:
            self._load(conn, version, rewrites)
            return
        rows = conn.execute(select(reviews.c.seq, as_text(reviews.c.doc)).where(reviews.c.seq > self._last_seq)
                            .order_by(reviews.c.seq)).all()
        self._fold([(row.seq, _review(row.doc)) for row in rows])
        self._version = version

    @contextlib.contextmanager
    def _snapshot(self) -> Iterator[Connection]:
        """A read-only transaction that sees one committed state throughout."""
        with self.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            yield conn

    def _reload(self) -> None:
        with self._mutex, worded("read the store"), self._snapshot() as conn:
            self._load(conn, *self._state(conn))

    def _load(self, conn: Connection, version: int, rewrites: int, with_reviews: bool = False) -> None:
        """Everything again (the reviews too when this view holds them) from what `conn` sees, which is the committed
        state (version, rewrites). All is read before anything is assigned: a failed read leaves the view as it was."""
        loaded = {row.imdb_id: RatingTally.model_validate_json(row.doc)
                  for row in conn.execute(select(tallies.c.imdb_id, as_text(tallies.c.doc)))}
        last_seq = conn.execute(select(func.coalesce(func.max(reviews.c.seq), 0))).scalar_one()
        stored = None
        if with_reviews or self._reviews is not None:
            rows = conn.execute(select(as_text(reviews.c.doc)).where(reviews.c.seq <= last_seq).order_by(reviews.c.seq))
            stored = [_review(doc) for doc in rows.scalars()]
        self._tallies, self._last_seq, self._reviews, self._by_movie = loaded, last_seq, stored, {}
        for review in stored or ():
            self._by_movie.setdefault(review.imdb_id, []).append(review)
        self._version, self._rewrites = version, rewrites

    def _fold(self, added: list[tuple[int, Review]]) -> None:
        """Our view of reviews committed after _last_seq, in seq order (ours or another process's)."""
        count_into(self._tallies, (review for _, review in added))
        for seq, review in added:
            if self._reviews is not None:
                self._reviews.append(review)
                self._by_movie.setdefault(review.imdb_id, []).append(review)
            self._last_seq = seq

    def _ensure_reviews(self) -> None:
        if self._reviews is None:
            with worded("read the reviews"), self._snapshot() as conn:
                self._load(conn, *self._state(conn), with_reviews=True)

    # ---------------------------------------------------------------- writing
    @contextlib.contextmanager
    def _writing(self, action: str, rewrite: bool = False) -> Iterator[tuple[Connection, int, int]]:
        """A write transaction holding the store's row lock, our view caught up with every write before it:
        (connection, new version, new rewrites)."""
        bump = dict(version=state.c.version + 1) | (dict(rewrites=state.c.rewrites + 1) if rewrite else {})
        self.refresh()   # the catching up done before the lock, so that under it only the last few rows are read
        with worded(action), self.engine.begin() as conn:
            version, rewrites = conn.execute(update(state).values(**bump)
                                             .returning(state.c.version, state.c.rewrites)).one()
            self._sync(conn, version - 1, rewrites - rewrite)
            yield conn, version, rewrites

    def _after_write(self, version: int, added: list[tuple[int, Review]]) -> None:
        """Take our own committed write into the view (it was caught up to the version before it)."""
        self._fold(added)
        self._version = version

    @staticmethod
    def _locked_tallies(conn: Connection, imdb_ids: set[str]) -> dict[str, RatingTally]:
        rows = conn.execute(select(tallies.c.imdb_id, as_text(tallies.c.doc)).where(among(tallies.c.imdb_id, imdb_ids))
                            .with_for_update())
        return {row.imdb_id: RatingTally.model_validate_json(row.doc) for row in rows}

    @staticmethod
    def _put_tallies(conn: Connection, changed: Mapping[str, RatingTally]) -> None:
        if changed:
            upsert = insert(tallies).values([dict(imdb_id=m, doc=_doc(t)) for m, t in changed.items()])
            conn.execute(upsert.on_conflict_do_update(index_elements=[tallies.c.imdb_id], set_=dict(doc=upsert.excluded.doc)))

    def append(self, review: Review, decide: Decide | None = None) -> tuple[RatingTally, RatingTally]:
        self.movie(review.imdb_id)
        with self._mutex:
            if decide is not None:
                self._ensure_reviews()
            with self._writing("store the review") as (conn, version, _):
                if decide is not None:
                    review = review.model_copy(update={"status": decide(self.reviews_of(review.imdb_id))})
                before = self._locked_tallies(conn, {review.imdb_id}).get(review.imdb_id, RatingTally())
                after = before.add(*review.vote, review.counted)
                seq = conn.execute(insert(reviews).values(review_id=review.review_id, imdb_id=review.imdb_id,
                                                          doc=_doc(review)).returning(reviews.c.seq)).scalar_one()
                self._put_tallies(conn, {review.imdb_id: after})
            self._after_write(version, [(seq, review)])
            return self._with_imported(review.imdb_id, before), self._with_imported(review.imdb_id, after)

    def append_many(self, new: Sequence[Review]) -> int:
        for imdb_id in {review.imdb_id for review in new}:
            self.movie(imdb_id)
        if not new:
            return 0
        by_id: dict[str, Review] = {}
        for review in new:   # the first of two with one id, as the JSON store keeps it
            by_id.setdefault(review.review_id, review)
        with self._mutex:
            with self._writing(f"store {len(new)} reviews") as (conn, version, _):
                rows = [dict(review_id=r.review_id, imdb_id=r.imdb_id, doc=_doc(r)) for r in by_id.values()]
                added = sorted((seq, by_id[rid]) for seq, rid in conn.execute(
                    insert(reviews).on_conflict_do_nothing(index_elements=[reviews.c.review_id])
                    .returning(reviews.c.seq, reviews.c.review_id), rows).all())
                held = self._locked_tallies(conn, {review.imdb_id for _, review in added})
                self._put_tallies(conn, count_into(held, (review for _, review in added)))
            self._after_write(version, added)
            return len(added)

    def replace_reviews(self, changes: Mapping[str, Callable[[Review], Review]]) -> int:
        if not changes:
            return 0
        with self._mutex:
            with self._writing(f"change {len(changes)} reviews", rewrite=True) as (conn, _, _):
                rows = conn.execute(select(reviews.c.seq, reviews.c.review_id, as_text(reviews.c.doc))
                                    .where(among(reviews.c.review_id, changes)).with_for_update()).all()
                changed = [(row.seq, changes[row.review_id](_review(row.doc))) for row in rows]
                if changed:
                    conn.execute(update(reviews).where(reviews.c.seq == bindparam("seq_")).values(doc=bindparam("doc_")),
                                 [dict(seq_=seq, doc_=_doc(review)) for seq, review in changed])
                    self._put_tallies(conn, self._recount(conn, {review.imdb_id for _, review in changed}))
            self._reload()
            return len(changed)

    @staticmethod
    def _recount(conn: Connection, imdb_ids: set[str]) -> dict[str, RatingTally]:
        stored = conn.execute(select(as_text(reviews.c.doc)).where(among(reviews.c.imdb_id, imdb_ids)).order_by(reviews.c.seq))
        recounted = tally_reviews(_review(doc) for doc in stored.scalars())
        return {imdb_id: recounted.get(imdb_id, RatingTally()) for imdb_id in imdb_ids}

    def rebuild(self) -> dict[str, tuple[RatingTally, RatingTally]]:
        with self._mutex:
            with self._writing("rebuild the ratings", rewrite=True) as (conn, _, _):
                held = {row.imdb_id: RatingTally.model_validate_json(row.doc)
                        for row in conn.execute(select(tallies.c.imdb_id, as_text(tallies.c.doc)).with_for_update())}
                stored = conn.execute(select(as_text(reviews.c.doc)).order_by(reviews.c.seq)).scalars()
                recomputed = tally_reviews(_review(doc) for doc in stored)
                differ = {m: (held.get(m, RatingTally()), recomputed.get(m, RatingTally()))
                          for m in held.keys() | recomputed.keys()
                          if held.get(m, RatingTally()) != recomputed.get(m, RatingTally())}
                self._put_tallies(conn, {m: after for m, (_, after) in differ.items()})
            self._reload()
            return differ

