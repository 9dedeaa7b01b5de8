"""python -m core.reviews {add,export,rebuild,import,rescore}: the review store from the command line.

    add --movie IMDB_ID --text TEXT   score and store one review; print one JSON object
    export [--movie IMDB_ID]          print stored reviews as JSON Lines
    export --corrections              print the reviews their authors relabelled, as a labelled CSV
    rebuild                           recompute every rating from the log; report mismatches
    import FILE_OR_DIR [--limit N]    score and store a CSV (our IMDB form) or an aclImdb folder; print a summary
        [--workers N | --scheduler tcp://HOST:8786]   score on N local processes, or on a Dask cluster (core.cluster)
    rescore                           score again what an older model scored; print what changed
"""
from __future__ import annotations

import argparse
import contextlib
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from tqdm import tqdm

from core.corrections import corrections_frame
from core.import_sources import open_rows
from core.importer import import_reviews
from core.rescore import rescore
from core.schema import validate_text
from core.scoring import BATCH, Progress
from core.store import ReviewStore, StoreError
from core.submission import LOADER, ModelUnavailable, Scorer, load_model, submit_review

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
    if args.corrections:
        corrections_frame(store).to_csv(sys.stdout, index=False)
        return 0
    reviews = store.reviews_of(store.movie(args.movie).imdb_id) if args.movie else store.reviews()
    sys.stdout.writelines(review.model_dump_json() + "\n" for review in reviews)
    return 0


def run_rebuild(args: argparse.Namespace) -> int:
    mismatches = ReviewStore.open().rebuild()
    for imdb_id, (held, recomputed) in sorted(mismatches.items()):
        print(json.dumps({"imdb_id": imdb_id, "held": held.model_dump(), "recomputed": recomputed.model_dump()}))
    print(f"rebuilt ratings from the log: {len(mismatches)} mismatch(es)", file=sys.stderr)
    return 1 if mismatches else 0


def tqdm_progress(bar: tqdm) -> Progress:
    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)
    return update


def run_import(args: argparse.Namespace) -> int:
    store = ReviewStore.open()
    rows = list(tqdm(open_rows(args.source, limit=args.limit), desc="reading", unit=" rows", leave=False))
    with scorer_for(args) as (model, batch), tqdm(desc="scoring", unit=" reviews") as bar:
        summary = import_reviews(store, model, rows, tqdm_progress(bar), source=f"import:{args.source.name}",
                                 batch=batch)
    print(json.dumps(summary.to_dict() | {"workers": args.workers, "scheduler": bool(args.scheduler)}))
    return 0


@contextlib.contextmanager
def scorer_for(args: argparse.Namespace) -> Iterator[tuple[Scorer, int]]:
    """The model in this process, or spread over a Dask cluster; and how many texts to score at a time."""
    if args.workers == 1 and not args.scheduler:
        yield load_model(), BATCH
        return
    from core.cluster import cluster_scorer

    with cluster_scorer(args.workers, args.scheduler, args.loader) as scorer:
        yield scorer, scorer.batch


def run_rescore(args: argparse.Namespace) -> int:
    store = ReviewStore.open()
    with tqdm(desc="rescoring", unit=" reviews") as bar:
        summary = rescore(store, load_model(), tqdm_progress(bar))
    print(json.dumps(summary.to_dict()))
    return 0


COMMANDS: dict[str, Command] = {"add": run_add, "export": run_export, "rebuild": run_rebuild,
                                "import": run_import, "rescore": run_rescore}


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m core.reviews", description=__doc__,
                                   formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = root.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="score and store one review")
    add.add_argument("--movie", required=True, metavar="IMDB_ID")
    add.add_argument("--text", required=True)
    export = commands.add_parser("export", help="print stored reviews as JSON Lines")
    which = export.add_mutually_exclusive_group()
    which.add_argument("--movie", metavar="IMDB_ID")
    which.add_argument("--corrections", action="store_true",
                       help="the reviews their authors relabelled, as CSV (text, label = the author's, model_label, ...)")
    commands.add_parser("rebuild", help="recompute all ratings from the log")
    bulk = commands.add_parser("import", help="score and store many reviews (nothing is stored if cancelled)")
    bulk.add_argument("source", type=Path, metavar="FILE_OR_DIR")
    bulk.add_argument("--limit", type=int, metavar="N", help="read at most N rows")
    spread = bulk.add_mutually_exclusive_group()
    spread.add_argument("--workers", type=positive, default=1, metavar="N",
                        help="score with N processes on this machine, each with its own model (a local Dask cluster)")
    spread.add_argument("--scheduler", metavar="tcp://HOST:8786", help="score on an existing Dask cluster")
    bulk.add_argument("--loader", default=LOADER, help=argparse.SUPPRESS)   # tests: a fake model's factory
    commands.add_parser("rescore", help="score again every review an older model version scored")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, ModelUnavailable, StoreError) as err:
        detail = f" ({err.__cause__})" if isinstance(err, ModelUnavailable) and err.__cause__ else ""   # an operator's terminal
        print(f"error: {err}{detail}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("cancelled: nothing was stored", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
