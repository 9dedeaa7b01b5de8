"""Decoding threads when the cores are shared: the app's story model (int4, compiled steps) generating on two
threads, on one, and choosing between them as it decodes (the app's default, generate.AdaptiveThreads), with the
cores to itself and beside a busy loop on one core (what another visitor scoring reviews, an import, or a browser
on the same machine does to it). The three ways take turns within each round. Prints JSON: median tok/s for each
way and condition.

    python -m bench.story_threads [--runs 3] [--tokens 200]   # ~4 min, warm compile cache
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
from contextlib import contextmanager

from models.cpu import cpu_info
from models.story.config import PRESETS
from models.story.generate import Generator, Request
from models.story.threads import on_own_thread

PROMPT = "a lighthouse keeper who finds a message in a bottle addressed to her, dated tomorrow"
WAYS = {"2 threads": 2, "1 thread": 1, "adaptive (default)": None}


def _spin() -> None:
    while True:
        pass


@contextmanager
def busy_core(on: bool):
    """A process spinning on one core for the block (none where `on` is False)."""
    hog = multiprocessing.get_context("spawn").Process(target=_spin, daemon=True) if on else None
    if hog:
        hog.start()
    try:
        yield
    finally:
        if hog:
            hog.terminate()
            hog.join()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.story_threads", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args(argv)
    generator = on_own_thread(Generator.load, compiled=True)
    if generator.step_threads() != (1, 2):
        raise SystemExit(f"needs compiled steps for 1 and 2 threads, has {generator.step_threads()}")
    rates: dict[str, dict[str, list[float]]] = {}
    for condition, busy in (("idle", False), ("beside a busy core", True)):
        with busy_core(busy):
            for run in range(args.runs + 1):   # the first round warms up
                for way, threads in WAYS.items():
                    generator.decode_threads = threads
                    sampling = PRESETS["Balanced"].with_(seed=run, max_new_tokens=args.tokens, stop=())
                    decoding = generator.run(Request(PROMPT, "story", sampling, screenplay_style=True))
                    decoding.text()
                    if run:
                        rates.setdefault(condition, {}).setdefault(way, []).append(decoding.result.tokens_per_s)
    print(json.dumps(dict(cpu=cpu_info().describe(), tokens=args.tokens, runs=args.runs,
                          tokens_per_s={condition: {way: statistics.median(values) for way, values in ways.items()}
                                        for condition, ways in rates.items()}, all=rates), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
