"""Benchmark the Trends page's data preparation on a synthetic 100k-review store. Prints figures.

    nice python -m bench.trends [--reviews 100000] [--runs 20]

Figures: building the review frame (once per store version, cached by the page) and the
per-rerun preparation (filters, time series, genre/year, model vs reviewers, confidence,
extremes) under a few filter settings. Target: per-rerun p50 ≤ 300 ms.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from bench.store import fake_reviews, percentiles, timed
from core import trends
from core.store import ReviewStore

FILTER_SETS = [trends.Filters(), trends.Filters(genres=("Drama", "Comedy")), trends.Filters(min_reviews=20)]


def prepare(data: trends.TrendData, filters: trends.Filters) -> None:
    """What pages/trends.py computes on every rerun."""
    reviews = trends.apply_filters(data, filters)
    movies = trends.per_movie(data, reviews)
    trends.over_time(reviews, "Week")
    trends.by_genre(data, movies)
    trends.by_year(movies)
    trends.model_vs_reviewers(movies)
    trends.review_agreement(reviews)
    trends.confidence_bins(reviews)
    trends.extremes(reviews)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.trends", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="reelpulse-bench-") as scratch:
        store = ReviewStore.open(Path(scratch) / "store")
        rng = random.Random(20240101)
        store.append_many(fake_reviews(args.reviews, list(store.movies), rng))
        print(f"store: {len(store.reviews()):,} reviews")
        builds = [timed(lambda: trends.trend_data(store)) for _ in range(3)]
        print(f"review frame (once per store version) {percentiles(builds)}")
        data = trends.trend_data(store)
        for filters in FILTER_SETS:
            samples = [timed(lambda f=filters: prepare(data, f)) for _ in range(args.runs)]
            print(f"per-rerun prep {filters}\n    {percentiles(samples)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
