"""Reliability benchmark: concurrent writers, a SIGKILL crash loop and browser load, each on a fresh store
through the app's own code (keyword fake sentiment model, instant fake story generator). Prints JSON figures.

    nice python -m bench.reliability          # quick: 8 processes + 8 threads x 50 reviews, 50 kills, 20 users x 20 s
    nice python -m bench.reliability --full   # 8 processes + 8 threads x 500 reviews, 250 kills, 20 users x 60 s

The small versions of the same workloads run in tests/reliability/.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from core.store import ReviewStore
from tests.browser_app import serving
from tests.reliability.load import measure_load
from tests.reliability.workloads import concurrent_writes, crash_loop, movies, problems

SIZES = {"quick": dict(per_writer=50, kills=50, users=20, seconds=20),
         "full": dict(per_writer=500, kills=250, users=20, seconds=60)}


def fresh_store() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="reelpulse-reliability-")) / "store"
    ReviewStore.open(folder)
    return folder


def writes(size: dict) -> dict:
    folder = fresh_store()
    expected, seconds = concurrent_writes(folder, processes=8, threads=8, per_writer=size["per_writer"])
    return dict(writers="8 processes + 8 threads", reviews=len(expected), seconds=round(seconds, 1),
                reviews_per_s=round(len(expected) / seconds), problems=problems(folder, expected))


def crashes(size: dict) -> dict:
    started = time.perf_counter()
    figures = crash_loop(fresh_store(), kills=size["kills"])
    return dict(figures, seconds=round(time.perf_counter() - started, 1))


def load(size: dict) -> dict:
    folder = fresh_store()
    with serving(folder) as url:
        measured = measure_load(url, movies(folder, size["users"]), size["seconds"])
    return dict(users=size["users"], streamlit_sessions=2 * size["users"], seconds=size["seconds"],
                **measured.figures(), first_errors=measured.errors[:3], problems=problems(folder, measured.submitted))


def contention() -> dict:
    busy = subprocess.run(["pgrep", "-f", "models.sentiment train|models.story"], capture_output=True, text=True)
    return dict(cpus=os.cpu_count(), load_average=os.getloadavg()[0], training_running=bool(busy.stdout.strip()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="the full sizes (run on an otherwise idle machine)")
    parser.add_argument("--only", choices=["writes", "crashes", "load"], action="append")
    args = parser.parse_args()
    size = SIZES["full" if args.full else "quick"]
    print(json.dumps(dict(size="full" if args.full else "quick", **contention())), flush=True)
    for part in args.only or ["writes", "crashes", "load"]:
        print(json.dumps({part: globals()[part](size)}), flush=True)


if __name__ == "__main__":
    main()
