"""Benchmark importing the 25k IMDB test reviews with the real sentiment model. Prints one JSON object.

    nice python -m bench.import [--source ../shared/datasets/imdb/imdb_test.csv.xz] [--limit N]

Figures: reviews/s end to end (read, check, score, store in one step) and peak memory (max RSS).
Needs the trained model in models/sentiment/weights (or $REELPULSE_SENTIMENT_MODEL): until its
card.json is there it says it is waiting for the model and exits 0. It refuses to run beside
a `models.sentiment train` process (the figures would measure the contention, and slow training).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

from core.import_sources import open_rows
from core.importer import import_reviews
from core.paths import ROOT
from core.store import ReviewStore
from core.submission import MODEL_VARIABLE, load_model

DEFAULT_SOURCE = ROOT.parent / "shared" / "datasets" / "imdb" / "imdb_test.csv.xz"


def training_running() -> bool:
    return subprocess.run(["pgrep", "-f", "models.sentiment train"], capture_output=True).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.import", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args(argv)
    weights = Path(os.environ.get(MODEL_VARIABLE) or ROOT / "models" / "sentiment" / "weights")
    if not (weights / "card.json").exists():
        print(f"waiting for the sentiment model: {weights / 'card.json'} is not there yet")
        return 0
    if training_running():
        print("a `models.sentiment train` process is running: not benchmarking beside it")
        return 0
    if not args.source.exists():
        print(f"error: {args.source} is absent", file=sys.stderr)
        return 2
    model = load_model()
    with tempfile.TemporaryDirectory(prefix="reelpulse-bench-") as scratch:
        store = ReviewStore.open(Path(scratch) / "store")
        summary = import_reviews(store, model, open_rows(args.source, limit=args.limit))
    figures = summary.to_dict() | {"model_version": model.version, "cpu_threads": os.cpu_count(),
                                   "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
    figures.pop("rejections")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
