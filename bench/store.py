"""Benchmark the JSON review store on 100k reviews beside SQLite (WAL). Prints figures.

    nice python -m bench.store [--reviews 100000] [--appends 300] [--submits 41]

Figures: store load (no snapshot / with snapshot / all review texts), append latency (fsync'd),
Movies-table preparation, SQLite WAL inserting the same rows (bulk, then one commit per row), and
submit → new rating (the Movie page's server-side rerun in AppTest, keyword fake model).
"""
from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from core.schema import LogHeader, Review, now
from core.seed_data import load_movies
from core.store import LOG, SNAPSHOT, ReviewStore
from core.views import filter_movies, movies_frame

WORDS = ("great acting dull plot moving score awful pacing brilliant ending boring twist loved hated "
         "the a film movie really quite somewhat never always").split()


def fake_reviews(count: int, movie_ids: list[str], rng: random.Random, start: int = 0) -> list[Review]:
    stamp = now()
    reviews = []
    for n in range(start, start + count):
        p = round(rng.random(), 6)
        reviews.append(Review(review_id=f"bench-{n}", imdb_id=rng.choice(movie_ids),
                              text=" ".join(rng.choices(WORDS, k=rng.randint(20, 120))),
                              created_at=stamp - timedelta(minutes=n), source="bench",
                              label="pos" if p >= 0.5 else "neg", p_positive=p, model_version="bench"))
    return reviews


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return 1000 * (time.perf_counter() - started)


def percentiles(samples_ms: list[float]) -> str:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered):7.2f} ms  p95 {p95:7.2f} ms  max {ordered[-1]:7.2f} ms  (n={len(ordered)})"


def bench_store(folder: Path, reviews: list[Review], appends: list[Review]) -> None:
    ReviewStore.open(folder)   # seed it, then replace the log with the benchmark's reviews
    lines = [LogHeader().model_dump_json()] + [r.model_dump_json() for r in reviews]
    (folder / LOG).write_text("\n".join(lines) + "\n")
    (folder / SNAPSHOT).unlink()
    print(f"log: {len(reviews):,} reviews, {(folder / LOG).stat().st_size / 1e6:.1f} MB")
    print(f"load, no snapshot (rebuild)   {timed(lambda: ReviewStore.open(folder)):8.1f} ms")
    print(f"load, with snapshot           {timed(lambda: ReviewStore.open(folder)):8.1f} ms")
    store = ReviewStore.open(folder)
    print(f"parse every review (lazy)     {timed(store.reviews):8.1f} ms")
    print(f"append (fsync)       {percentiles([timed(lambda r=r: store.append(r)) for r in appends])}")
    table_ms = [timed(lambda: filter_movies(movies_frame(store), "the", ["Drama"], None, 1)) for _ in range(5)]
    print(f"movies table prep    {percentiles(table_ms)}")
    print(f"refresh, no change   {percentiles([timed(store.refresh) for _ in range(200)])}")


def bench_sqlite(path: Path, reviews: list[Review], appends: list[Review]) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE reviews (review_id TEXT PRIMARY KEY, imdb_id TEXT, text TEXT, created_at TEXT, "
               "source TEXT, label TEXT, p_positive REAL, model_version TEXT)")
    rows = [tuple(r.model_dump(mode="json").values()) for r in reviews]
    insert = "INSERT INTO reviews VALUES (?,?,?,?,?,?,?,?)"

    def bulk() -> None:
        db.execute("BEGIN")
        db.executemany(insert, rows)
        db.execute("COMMIT")

    print(f"sqlite WAL bulk insert        {timed(bulk):8.1f} ms")
    one_by_one = [timed(lambda r=r: db.execute(insert, tuple(r.model_dump(mode="json").values()))) for r in appends]
    print(f"sqlite WAL insert (commit each, synchronous=FULL) {percentiles(one_by_one)}")
    db.close()


def bench_submit(folder: Path, imdb_id: str, submits: int) -> None:
    from streamlit.testing.v1 import AppTest

    from models.sentiment import SentimentModel
    from tests.fakes.sentiment import FakeSentimentModel

    fake = FakeSentimentModel()
    SentimentModel.load = classmethod(lambda cls, path=None: fake)
    os.environ["REELPULSE_DATA_DIR"] = str(folder)
    app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=60)
    app.run()
    app.query_params["id"] = imdb_id
    app.switch_page("pages/movie.py").run()
    samples = []
    for n in range(submits):
        app.text_area[0].input(f"Benchmark review {n}: a great, moving film.")
        samples.append(timed(lambda: next(b for b in app.button if b.label == "Submit review").click().run()))
        assert not app.exception, app.exception
    print(f"submit → new rating, first (loads the model)  {samples[0]:8.1f} ms")
    print(f"submit → new rating (AppTest rerun) {percentiles(samples[1:])}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=300)
    parser.add_argument("--submits", type=int, default=41)
    args = parser.parse_args(argv)
    rng = random.Random(20240101)
    movie_ids = [m.imdb_id for m in load_movies()]
    reviews = fake_reviews(args.reviews, movie_ids, rng)
    appends = fake_reviews(args.appends, movie_ids, rng, start=args.reviews)
    with tempfile.TemporaryDirectory(prefix="reelpulse-bench-") as scratch:
        folder = Path(scratch) / "store"
        bench_store(folder, reviews, appends)
        bench_sqlite(Path(scratch) / "bench.sqlite", reviews, appends)
        bench_submit(folder, appends[0].imdb_id, args.submits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
