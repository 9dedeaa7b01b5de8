"""python -m core.reviews {add,export,rebuild}: the review store from the command line.

    add --movie IMDB_ID --text TEXT   score and store one review; print one JSON object
    export [--movie IMDB_ID]          print stored reviews as JSON Lines
    rebuild                           recompute every rating from the log; report mismatches
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from core.schema import validate_text
from core.store import ReviewStore, StoreError
from core.submission import ModelUnavailable, load_model, submit_review

Command = Callable[[argparse.Namespace], int]


def run_add(args: argparse.Namespace) -> int:
    store = ReviewStore.open()
    validate_text(args.text)   # bad input fails before the model is loaded
    store.movie(args.movie)
    submission = submit_review(store, load_model(), args.movie, args.text, source="cli")
    print(json.dumps(submission.to_dict()))
    return 0


def run_export(args: argparse.Namespace) -> int:
    store = ReviewStore.open()
    reviews = store.reviews_of(store.movie(args.movie).imdb_id) if args.movie else store.reviews()
    sys.stdout.writelines(review.model_dump_json() + "\n" for review in reviews)
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    mismatches = ReviewStore.open().rebuild()
    for imdb_id, (held, recomputed) in sorted(mismatches.items()):
        print(json.dumps({"imdb_id": imdb_id, "held": held.model_dump(), "recomputed": recomputed.model_dump()}))
    print(f"rebuilt ratings from the log: {len(mismatches)} mismatch(es)", file=sys.stderr)
    return 1 if mismatches else 0


COMMANDS: dict[str, Command] = {"add": run_add, "export": run_export, "rebuild": run_rebuild}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m core.reviews", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="score and store one review")
    add.add_argument("--movie", required=True, metavar="IMDB_ID")
    add.add_argument("--text", required=True)
    export = commands.add_parser("export", help="print stored reviews as JSON Lines")
    export.add_argument("--movie", metavar="IMDB_ID")
    commands.add_parser("rebuild", help="recompute all ratings from the log")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, ModelUnavailable, StoreError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
