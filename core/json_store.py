"""The default review store (core.store's contract): an append-only JSON Lines review log plus a JSON snapshot
of ratings, in one folder.

Folder layout (created from the shipped seed when the folder has no log yet):
    movies.jsonl   catalogue facts (one Movie per line), written once
    reviews.jsonl  a header line, then one Review per line (the source of truth)
    ratings.json   RatingTally per movie from the log alone, valid for its first `log_offset` bytes
                   (tally() adds the movie's imported votes from the catalogue)
    .lock          serialises writers across threads and processes

Appending fsyncs one line; the snapshot is rewritten atomically every SNAPSHOT_EVERY appends
and on rebuild, and whatever the log holds beyond it is replayed on load. A torn last line
(a crash mid-append) is cut off under the lock; a snapshot that does not parse or does not
fit the log is rebuilt from the log. Bulk writes (append_many, replace_reviews) swap in a whole
new log atomically; every view notices the new file (its inode) and reloads.
"""
from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from filelock import FileLock
from pydantic import ValidationError

from core import seed_data
from core.access import folder_visitor_key
from core.durable import append_durably, atomic_extend, atomic_write, keep_backup, remove_stale_temps, truncate_to
from core.rating import RatingTally
from core.store import Decide, ReviewStore, StoreError, StoreWriteError, count_into, tally_reviews
from core.schema import LogHeader, Movie, Review, Snapshot

log = logging.getLogger(__name__)

MOVIES, LOG, SNAPSHOT, LOCK = "movies.jsonl", "reviews.jsonl", "ratings.json", ".lock"
MODERATION_LOG = "moderation.jsonl"   # analysts' decisions, one JSON object a line
SNAPSHOT_EVERY = 1_000
MAX_LINE = 64 * 1024   # a review line is at most ~20 KB (5,000 characters of UTF-8 plus fields)


class _LogReplaced(Exception):
    """The log file was swapped for a new one since this view last read it."""


class JsonStore(ReviewStore):
    """One process's view of a store folder; thread-safe, and safe beside other processes."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.log_path = folder / LOG
        self.snapshot_path = folder / SNAPSHOT
        self._file_lock = FileLock(folder / LOCK)
        self._mutex = threading.RLock()
        self._offset = 0                      # log bytes folded into _tallies (and _reviews)
        self._inode = 0                       # which log file _offset refers to
        self._replaced = 0                    # log bytes of earlier log files (keeps version growing)
        self._tallies: dict[str, RatingTally] = {}
        self._reviews: list[Review] | None = None   # parsed on first demand
        self._by_movie: dict[str, list[Review]] = {}
        self._appends_since_snapshot = 0
        self.movies: dict[str, Movie] = {}

    # ---------------------------------------------------------------- opening
    @classmethod
    def open(cls, folder: Path) -> JsonStore:   # type: ignore[override]
        """Open the store in `folder`, seeding it first if it has no log."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        store = cls(folder)
        with store._file_lock:
            if remove_stale_temps(folder):
                log.warning("%s: removed temp files left by a writer that was killed", folder)
            if not store.log_path.exists():
                store._create_from_seed()
            store._repair_torn_tail()
            store._load()
        return store

    def _create_from_seed(self) -> None:
        movies, reviews = self._write_catalogue(), seed_data.demo_reviews()
        self.snapshot_path.unlink(missing_ok=True)
        lines = [LogHeader().model_dump_json()] + [r.model_dump_json() for r in reviews]
        atomic_write(self.log_path, ("\n".join(lines) + "\n").encode())
        log.info("created a store in %s from the seed: %d movies, %d reviews", self.folder, len(movies), len(reviews))

    def _write_catalogue(self) -> list[Movie]:
        movies = seed_data.load_movies()
        atomic_write(self.folder / MOVIES, "".join(f"{m.model_dump_json()}\n" for m in movies).encode())
        return movies

    def _read_catalogue(self) -> list[Movie]:
        """The catalogue; rewritten from the seed (a backup kept) when it is missing, empty or unreadable."""
        path = self.folder / MOVIES
        try:
            data = path.read_bytes()
            movies = [Movie.model_validate_json(line) for line in data.splitlines()]
        except FileNotFoundError:
            log.warning("%s is missing: writing it again from the seed", path)
            return self._write_catalogue()
        except ValidationError as err:
            movies, problem = [], err
        if movies and all(m.imported_weight is None for m in movies):   # written before imported votes
            seed = seed_data.load_movies()
            if any(m.imported_weight is not None for m in seed):
                log.warning("%s has no imported votes: written again from the seed (kept as %s)", path,
                            keep_backup(path, data))
                return self._write_catalogue()
        if movies:
            return movies
        log.warning("%s is unreadable (%s): kept as %s, written again from the seed",
                    path, problem if data else "empty", keep_backup(path, data))
        return self._write_catalogue()

    def _load(self) -> None:
        self._replaced += self._offset
        self._inode, self._offset, self._reviews, self._by_movie = self.log_path.stat().st_ino, 0, None, {}
        self.movies = {movie.imdb_id: movie for movie in self._read_catalogue()}
        snapshot = self._read_snapshot()
        if snapshot is None:
            self._rebuild_snapshot()
        else:
            self._offset, self._tallies = snapshot.log_offset, dict(snapshot.tallies)
            self._catch_up()

    def _read_snapshot(self) -> Snapshot | None:
        """The snapshot, or None to rebuild it from the log (a damaged one is kept in recovered/ first)."""
        try:
            data = self.snapshot_path.read_bytes()
            snapshot = Snapshot.model_validate_json(data)
        except FileNotFoundError:
            return None
        except ValidationError as err:
            problem = f"is unreadable ({err.errors()[0]['msg']})"
        else:
            if self._is_line_boundary(snapshot.log_offset):
                return snapshot
            problem = "does not fit the log"
        log.warning("%s %s: kept as %s, rebuilding it from the log",
                    self.snapshot_path, problem, keep_backup(self.snapshot_path, data))
        return None

    def _is_line_boundary(self, offset: int) -> bool:
        with open(self.log_path, "rb") as f:
            if offset > f.seek(0, 2) or offset == 0:
                return False
            f.seek(offset - 1)
            return f.read(1) == b"\n"

    # ---------------------------------------------------------------- reading the log
    def _parse(self, start: int) -> tuple[list[Review], int]:
        """Reviews in complete lines from byte `start` on, and the offset after the last one."""
        with open(self.log_path, "rb") as f:
            if os.fstat(f.fileno()).st_ino != self._inode:
                raise _LogReplaced
            f.seek(start)
            data = f.read()
        end = data.rfind(b"\n") + 1
        reviews, lines, at = [], data[:end].split(b"\n")[:-1], start
        if start == 0:
            self._check_header(lines.pop(0) if lines else b"")
            at = data.find(b"\n") + 1
        for line in lines:
            try:
                reviews.append(Review.model_validate_json(line))
            except ValidationError as err:
                raise StoreError(f"{self.log_path}: a bad line at byte {at}: {err}") from err
            at += len(line) + 1
        return reviews, start + end

    def _check_header(self, line: bytes) -> None:
        try:
            LogHeader.model_validate_json(line)
        except ValidationError as err:
            raise StoreError(f"{self.log_path} does not start with a reelpulse.reviews v1 header: {err}") from err

    def _catch_up(self) -> None:
        """Fold in whatever other processes (or a stale snapshot) left beyond our offset."""
        reviews, end = self._parse(self._offset)
        self._fold(reviews, end)

    def _fold(self, reviews: list[Review], end: int) -> None:
        count_into(self._tallies, reviews)
        if self._reviews is not None:
            self._index(reviews)
        self._offset = end

    def _index(self, reviews: list[Review]) -> None:
        self._reviews.extend(reviews)
        for review in reviews:
            self._by_movie.setdefault(review.imdb_id, []).append(review)

    def _repair_torn_tail(self) -> None:
        """Under the file lock: move the bytes after the last newline (an append cut short by a crash)
        to recovered/, and cut them off."""
        size = self.log_path.stat().st_size
        with open(self.log_path, "rb") as f:
            f.seek(max(0, size - 1))
            if f.read(1) in (b"", b"\n"):
                return
            keep = size
            while keep > 0:   # back from the end, a block at a time, to the last newline
                start = max(0, keep - MAX_LINE)
                f.seek(start)
                block = f.read(keep - start)
                if b"\n" in block:
                    keep = start + block.rfind(b"\n") + 1
                    break
                keep = start
            if keep == 0:
                raise StoreError(f"{self.log_path} has no complete line: it is not a review log")
            f.seek(keep)
            backup = keep_backup(self.log_path, f.read())
        log.warning("%s: cutting a torn last line (%d bytes, kept as %s)", self.log_path, size - keep, backup)
        truncate_to(self.log_path, keep)

    # ---------------------------------------------------------------- public reading
    def refresh(self) -> int:
        """Catch up with appends made elsewhere (one stat when there are none); return the version."""
        with self._mutex:
            stat = self.log_path.stat()
            if stat.st_ino != self._inode:
                self._reload()
            elif stat.st_size != self._offset:
                try:
                    self._catch_up()
                except _LogReplaced:
                    self._reload()
            return self.version

    def _reload(self) -> None:
        with self._file_lock:
            self._load()

    @property
    def version(self) -> int:
        """Grows with every stored review and every bulk write: the log bytes this view has read."""
        return self._replaced + self._offset

    def _ensure_reviews(self) -> None:
        if self._reviews is None:
            try:
                reviews, end = self._parse(0)
            except _LogReplaced:
                self._reload()
                reviews, end = self._parse(0)
            known = sum(t.reviews for t in self._tallies.values())
            self._reviews, self._by_movie = [], {}
            self._index(reviews[:known])
            self._fold(reviews[known:], end)

    # ---------------------------------------------------------------- writing
    def append(self, review: Review, decide: Decide | None = None) -> tuple[RatingTally, RatingTally]:
        self.movie(review.imdb_id)
        with self._mutex, self._file_lock:
            self._sync_locked()
            if decide is not None:
                review = review.model_copy(update={"status": decide(self.reviews_of(review.imdb_id))})
            line = (review.model_dump_json() + "\n").encode()
            before = self.tally(review.imdb_id)
            try:
                end = append_durably(self.log_path, line)
            except OSError as err:
                self._undo_append()
                raise StoreWriteError(f"{self.log_path} could not be written ({err.strerror or err})") from err
            self._fold([review], end)
            self._appends_since_snapshot += 1
            if self._appends_since_snapshot >= SNAPSHOT_EVERY:
                try:
                    self._write_snapshot()
                except OSError as err:   # the review is in the log already; a snapshot is only a shortcut
                    log.warning("%s not written (%s); the log holds every review", self.snapshot_path, err)
            return before, self.tally(review.imdb_id)

    def _undo_append(self) -> None:
        """Cut off what a failed append wrote (best effort: a torn tail left here is cut on the next open)."""
        with contextlib.suppress(OSError):
            if self.log_path.stat().st_size > self._offset:
                truncate_to(self.log_path, self._offset)

    def _sync_locked(self) -> None:
        """Under the file lock: fold in what another process (or a crash) left in the log."""
        if self.log_path.stat().st_ino != self._inode:
            self._load()
        if self.log_path.stat().st_size != self._offset:
            self._repair_torn_tail()
            self._catch_up()

    def append_many(self, reviews: Sequence[Review]) -> int:
        """The log is copied, extended and swapped in atomically (the old bytes stay a prefix)."""
        for imdb_id in {review.imdb_id for review in reviews}:
            self.movie(imdb_id)
        with self._mutex, self._file_lock:
            self._sync_locked()
            self._ensure_reviews()
            stored = {r.review_id for r in self._reviews}
            reviews = [r for r in reviews if r.review_id not in stored and not stored.add(r.review_id)]
            if not reviews:
                return 0
            data = "".join(review.model_dump_json() + "\n" for review in reviews).encode()
            self._inode, end = atomic_extend(self.log_path, data)
            self._fold(list(reviews), end)
            self._write_snapshot()
            return len(reviews)

    def replace_reviews(self, changes: Mapping[str, Callable[[Review], Review]]) -> int:
        """Lines that are not in `changes` are kept byte for byte."""
        with self._mutex, self._file_lock:
            self._sync_locked()
            lines = self.log_path.read_bytes().splitlines(keepends=True)
            count = 0
            for number, line in enumerate(lines[1:], 1):
                stored = Review.model_validate_json(line)
                change = changes.get(stored.review_id)
                if change is not None:
                    lines[number], count = (change(stored).model_dump_json() + "\n").encode(), count + 1
            self.snapshot_path.unlink(missing_ok=True)   # a crash before the new one: rebuilt on open
            try:
                atomic_write(self.log_path, b"".join(lines))
            except OSError as err:   # the old log is still whole: rebuild the snapshot from it
                self._rebuild_snapshot()
                raise StoreWriteError(f"{self.log_path} could not be rewritten ({err.strerror or err})") from err
            self._replaced += self._offset
            self._inode = self.log_path.stat().st_ino
            self._rebuild_snapshot()
            return count

    def _write_snapshot(self) -> None:
        snapshot = Snapshot(log_offset=self._offset, tallies=self._tallies)
        atomic_write(self.snapshot_path, snapshot.model_dump_json().encode())
        self._appends_since_snapshot = 0

    def _rebuild_snapshot(self) -> None:
        reviews, end = self._parse(0)
        self._tallies, self._offset = tally_reviews(reviews), end
        self._reviews, self._by_movie = [], {}
        self._index(reviews)
        self._write_snapshot()

    def rebuild(self) -> dict[str, tuple[RatingTally, RatingTally]]:
        with self._mutex, self._file_lock:
            self._repair_torn_tail()
            self._catch_up()
            held = dict(self._tallies)
            self._rebuild_snapshot()
            return {imdb_id: (held.get(imdb_id, RatingTally()), self._tallies.get(imdb_id, RatingTally()))
                    for imdb_id in held.keys() | self._tallies.keys()
                    if held.get(imdb_id) != self._tallies.get(imdb_id)}

    # ---------------------------------------------------------------- identity, secrets, audit
    @property
    def location(self) -> str:
        return str(self.folder)

    @property
    def key(self) -> str:
        return str(self.folder)

    def _kept_visitor_key(self) -> bytes:
        return folder_visitor_key(self.folder)

    def record_decisions(self, entries: Sequence[Mapping[str, str]]) -> None:
        append_durably(self.folder / MODERATION_LOG, "".join(json.dumps(dict(e)) + "\n" for e in entries).encode())

    def decisions(self) -> list[dict[str, str]]:
        try:
            return [json.loads(line) for line in (self.folder / MODERATION_LOG).read_text().splitlines()]
        except FileNotFoundError:
            return []
