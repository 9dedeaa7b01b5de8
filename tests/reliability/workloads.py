"""Write workloads through the app's own code (submit_review, ReviewStore, the keyword fake model), shared by
the tests (small sizes) and bench/reliability.py (full sizes). Writers are forked: they start at once."""
from __future__ import annotations

import itertools
import multiprocessing
import os
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

from core import json_store
from core.durable import BACKUPS
from core.store import ReviewStore, is_database_url, tally_reviews
from core.submission import submit_review
from tests.fakes.sentiment import FakeSentimentModel

FAKE = FakeSentimentModel()
WORDS = ("great", "moving", "dull", "awful", "fine", "brilliant", "boring")
FORK = multiprocessing.get_context("fork")


def movies(location: str, count: int = 5) -> list[str]:
    """A few catalogue ids: many writers share each movie's tally."""
    return sorted(ReviewStore.open(location).movies)[:count]


def text(writer: str, i: int) -> str:
    return f"{writer} review {i}: a {WORDS[i % len(WORDS)]} film"


def write_reviews(location: str, writer: str, count: int, ids: list[str]) -> None:
    store = ReviewStore.open(location)
    for i in range(count):
        submit_review(store, FAKE, ids[i % len(ids)], text(writer, i), source=writer)


def concurrent_writes(location: str, processes: int, threads: int, per_writer: int) -> tuple[list[str], float]:
    """`processes` forked writers and `threads` threads of this process, all writing at once.
    Returns the texts that must be stored and the seconds it took."""
    ids, started = movies(location), time.perf_counter()
    forked = [FORK.Process(target=write_reviews, args=(location, f"process-{p}", per_writer, ids))
              for p in range(processes)]
    threaded = [threading.Thread(target=write_reviews, args=(location, f"thread-{t}", per_writer, ids))
                for t in range(threads)]
    for worker in forked + threaded:
        worker.start()
    for worker in forked + threaded:
        worker.join()
    assert [p.exitcode for p in forked] == [0] * processes
    writers = [f"process-{p}" for p in range(processes)] + [f"thread-{t}" for t in range(threads)]
    return [text(w, i) for w in writers for i in range(per_writer)], time.perf_counter() - started


def problems(location: str, expected: list[str]) -> list[str]:
    """Everything wrong with the store: texts missing or stored twice, verdicts or ratings that a
    recomputation does not reproduce, leftover temp files. Empty when all is well."""
    store = ReviewStore.open(location)
    reviews = store.reviews()
    counts = Counter(r.text for r in reviews)
    found = [f"{t!r} stored {counts[t]} times" for t in expected if counts[t] != 1]
    found += [f"{r.review_id}: verdict differs from a rescoring" for r in reviews if r.model_version == FAKE.version
              and FAKE.predict([r.text])[0].p_positive != r.p_positive]
    found += [f"{m}: rating differs from a recomputation" for m, t in tally_reviews(reviews).items()
              if store.tally(m).logged != t]
    found += [f"{m}: rebuild found a mismatch" for m in store.rebuild()]
    return found + [f"leftover {p.name}" for p in json_files(location).glob(".*.tmp")]


def json_files(location: str) -> Path:
    """The store's folder; for a database, a folder with nothing in it."""
    return Path("/nonexistent") if is_database_url(str(location)) else Path(location)


def _crash_writer(location: str, acks: int, seed: int) -> None:
    """Write until killed; report each review id once its write has returned (acknowledged)."""
    json_store.SNAPSHOT_EVERY = 3   # so that kills also land inside the JSON store's snapshot writes
    store, ids = ReviewStore.open(location), movies(location)
    for i in itertools.count():
        review = submit_review(store, FAKE, ids[i % len(ids)], text(f"crash-{seed}", i), source="crash").review
        os.write(acks, f"{review.review_id}\n".encode())


def crash_once(location: str, rng: random.Random, seed: int, reader: ReviewStore) -> list[str]:
    """Start a writer, read the store while it writes, SIGKILL it at a random moment; return what it
    acknowledged. A half-written line seen by the reader raises (StoreError) here."""
    read_end, write_end = os.pipe()
    writer = FORK.Process(target=_crash_writer, args=(location, write_end, seed))
    writer.start()
    os.close(write_end)
    with os.fdopen(read_end, "rb", buffering=0) as acks:
        first = acks.readline() if rng.random() < 0.8 else b""   # else the kill may land while it opens
        until = time.monotonic() + rng.uniform(0.0, 0.2)
        while time.monotonic() < until:
            reader.refresh()
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        return (first + acks.read()).decode().split()


def crash_loop(location: str, kills: int, seed: int = 0) -> dict:
    """`kills` writers killed at random points; after each, the store must open and hold every
    acknowledged review. Returns figures (and raises AssertionError at the first broken promise)."""
    rng, reader, acked = random.Random(seed), ReviewStore.open(location), []
    for n in range(kills):
        acked += crash_once(location, rng, n, reader)
        stored = {r.review_id for r in ReviewStore.open(location).reviews()}
        assert not set(acked) - stored, f"kill {n}: acknowledged reviews lost: {set(acked) - stored}"
    return dict(kills=kills, acknowledged=len(acked),
                torn_tails_kept=len(list((json_files(location) / BACKUPS).glob("*.bad"))),
                problems=problems(location, []))
