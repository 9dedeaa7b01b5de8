"""Benchmark both review stores side by side on the same synthetic reviews: the JSON folder and PostgreSQL.

    nice python -m bench.store [--reviews 100000] [--appends 300] [--submits 41] [--import-reviews 3000]
                               [--database-url postgresql://…]   (default: a throw-away local cluster, tests.postgres)

Figures per backend: opening a store of N reviews, parsing every review, append p50/p95 (durable: fsync'd line /
committed transaction), Movies-table preparation, refresh when nothing changed, submit → new rating (the Movie
page's server-side rerun in AppTest, keyword fake model), and `import` throughput through the CLI with the shipped
model on 1 process and on 2 worker processes (a local Dask cluster). Ratios are PostgreSQL / JSON.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from core.json_store import LOG, SNAPSHOT
from core.schema import LogHeader, Review, now
from core.seed_data import load_movies
from core.store import ReviewStore
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


def percentile(samples_ms: list[float], q: float) -> float:
    ordered = sorted(samples_ms)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fill_json(folder: Path, reviews: list[Review]) -> str:
    ReviewStore.open(folder)   # seed it, then replace the log with the benchmark's reviews
    lines = [LogHeader().model_dump_json()] + [r.model_dump_json() for r in reviews]
    (folder / LOG).write_text("\n".join(lines) + "\n")
    (folder / SNAPSHOT).unlink()
    ReviewStore.open(folder)   # writes the snapshot
    return str(folder)


def fill_database(url: str, reviews: list[Review]) -> str:
    store = ReviewStore.open(url)
    for start in range(0, len(reviews), 20_000):
        store.append_many(reviews[start:start + 20_000])
    return url


def bench_store(location: str, appends: list[Review]) -> dict[str, float]:
    figures = {"open a store (ms)": timed(lambda: ReviewStore.open(location))}
    store = ReviewStore.open(location)
    figures["parse every review (ms)"] = timed(store.reviews)
    samples = [timed(lambda r=r: store.append(r)) for r in appends]
    figures |= {"append p50 (ms)": statistics.median(samples), "append p95 (ms)": percentile(samples, 0.95)}
    table = [timed(lambda: filter_movies(movies_frame(store), "the", ["Drama"], None, 1)) for _ in range(5)]
    figures["movies table prep p50 (ms)"] = statistics.median(table)
    figures["refresh, no change p50 (ms)"] = statistics.median([timed(store.refresh) for _ in range(200)])
    return figures


def bench_submit(location: str, imdb_id: str, submits: int) -> dict[str, float]:
    from streamlit.testing.v1 import AppTest

    from models.sentiment import SentimentModel
    from tests.fakes.sentiment import FakeSentimentModel

    import ui.access

    for limits in (ui.access.SESSION_LIMITS, ui.access.ADDRESS_LIMITS):   # one benchmark "visitor" submits them all
        limits.update(per_movie=1_000_000, overall=1_000_000)
    ui.access.visitor = lambda store: None
    fake = FakeSentimentModel()
    SentimentModel.load = classmethod(lambda cls, path=None: fake)
    with store_variables(location):
        app = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "streamlit_app.py"), default_timeout=60)
        app.run()
        app.query_params["id"] = imdb_id
        app.switch_page("pages/movie.py").run()
        samples = []
        for n in range(submits):
            app.text_area[0].input(f"Benchmark review {n}: a great, moving film.")
            samples.append(timed(lambda: next(b for b in app.button if b.label == "Submit review").click().run()))
            assert not app.exception, app.exception
    return {"submit → new rating p50 (ms)": statistics.median(samples[1:]),
            "submit → new rating p95 (ms)": percentile(samples[1:], 0.95)}


def bench_import(location: str, csv_path: Path, workers: int) -> dict[str, float]:
    """`python -m core.reviews import` in a child process (the shipped model), as an operator runs it."""
    import subprocess

    with store_variables(location):
        done = subprocess.run([sys.executable, "-m", "core.reviews", "import", str(csv_path), "--workers", str(workers)],
                              capture_output=True, text=True, env=dict(os.environ), check=True)
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    return {f"import, {workers} worker(s) (reviews/s)": summary["added"] / summary["seconds"]}


@contextlib.contextmanager
def store_variables(location: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("REELPULSE_DATA_DIR", "REELPULSE_STORE_URL")}
    database = location.startswith("postgresql")
    os.environ["REELPULSE_STORE_URL"] = location if database else ""
    if not database:
        os.environ["REELPULSE_DATA_DIR"] = location
    try:
        yield
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None)
            if value is not None:
                os.environ[key] = value


def bench_aggregate(url: str) -> None:
    """The two ways to keep ratings equal to the reviews table: read the tallies kept in each write's transaction
    (what PostgresStore does), or derive them with one aggregate over every review."""
    from sqlalchemy import create_engine, text

    from core.pg_store import engine_url

    aggregate = text("SELECT imdb_id, count(*), sum((doc->>'p_positive')::float8) FROM reviews "
                     "WHERE coalesce(doc->>'status', 'counted') = 'counted' GROUP BY imdb_id")
    with create_engine(engine_url(url)).connect() as conn:
        kept = statistics.median([timed(lambda: conn.execute(text("SELECT imdb_id, doc FROM tallies")).all())
                                  for _ in range(20)])
        derived = statistics.median([timed(lambda: conn.execute(aggregate).all()) for _ in range(5)])
    print(f"postgresql ratings: tallies kept in the write transaction {kept:.1f} ms to read; "
          f"one aggregate over the reviews {derived:.1f} ms ({derived / kept:.0f}×)")


def write_import_csv(path: Path, count: int, rng: random.Random) -> Path:
    """Reviews no store holds yet (each import run gets its own file: a second run of one file adds nothing)."""
    titles = [m.title for m in load_movies()[:500]]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "imdb_title_id", "x", "rating"])
        for n in range(count):
            writer.writerow([f"{path.stem} {n}: " + " ".join(rng.choices(WORDS, k=rng.randint(20, 120))), rng.choice(titles),
                             "", ""])
    return path


@contextlib.contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database on `url`'s server, or on a throw-away local cluster."""
    from tests.postgres import create_database, drop_database, start, stop

    with contextlib.ExitStack() as stack:
        if url is None:
            folder = Path(tempfile.mkdtemp(prefix="reelpulse-bench-pg-"))
            url = start(folder)
            stack.callback(stop, folder)
        fresh = create_database(url)
        stack.callback(drop_database, url, fresh)
        yield fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--appends", type=int, default=300)
    parser.add_argument("--submits", type=int, default=41)
    parser.add_argument("--import-reviews", type=int, default=3_000)
    parser.add_argument("--database-url", help="a server to make a fresh database on (default: a local cluster)")
    args = parser.parse_args(argv)
    rng = random.Random(20240101)
    movie_ids = [m.imdb_id for m in load_movies()]
    reviews = fake_reviews(args.reviews, movie_ids, rng)
    appends = fake_reviews(args.appends, movie_ids, rng, start=args.reviews)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="reelpulse-bench-") as scratch, database(args.database_url) as url:
        for name, location in (("json", fill_json(Path(scratch) / "store", reviews)), ("postgresql", fill_database(url, reviews))):
            print(f"{name}: {args.reviews:,} reviews stored; measuring…", file=sys.stderr)
            results[name] = bench_store(location, appends) | bench_submit(location, appends[0].imdb_id, args.submits)
            for workers in (1, 2):
                imports = write_import_csv(Path(scratch) / f"{name}-{workers}.csv", args.import_reviews, rng)
                results[name] |= bench_import(location, imports, workers)
        bench_aggregate(url)
    print(f"{'':38}{'json':>12}{'postgresql':>12}{'pg/json':>9}   ({args.reviews:,} reviews; CPU: {cpu_name()})")
    for metric in results["json"]:
        a, b = results["json"][metric], results["postgresql"][metric]
        print(f"{metric:38}{a:12.2f}{b:12.2f}{b / a if a else float('nan'):9.2f}")
    return 0


def cpu_name() -> str:
    from models.cpu import cpu_info

    return cpu_info().describe()


if __name__ == "__main__":
    sys.exit(main())
