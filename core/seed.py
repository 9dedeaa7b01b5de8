"""Build the shipped seed (data/seed/movies.csv, demo_verdicts.json) from ../shared/datasets.

    python -m core.seed build --no-model                 # facts and stars; share_positive left empty
    python -m core.seed build --model models/sentiment/weights

Only facts and figures are written: no review text, no overviews. With a model, every
imported review of a catalogued title is scored once, and the vote weights (core.rating) are summed
per movie (imported_weight, imported_weight_positive): the imported votes its rating starts from.
Scores are cached per model version in work/seed_scores/ (appended batch by batch), so an interrupted
build resumes where it stopped.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from core import seed_data
from core.durable import append_durably
from core.paths import ROOT, SEED_DIR
from core.rating import MICRO, vote_weight

SHARED = ROOT.parent / "shared" / "datasets"
SPLITS = ("train", "test", "unsup")
SCORE_CACHE = ROOT / "work" / "seed_scores"
BATCH = 256

Scorer = Callable[[list[str]], list[float]]


def catalogue(shared: Path) -> pd.DataFrame:
    columns = ["imdb_title_id", "title", "year", "genres"] + [f"n_reviews_{s}" for s in SPLITS]
    movies = pd.read_csv(shared / "movies" / "movies_catalogue.csv.xz", usecols=columns,
                         dtype={"year": "Int64", "genres": "string"}, keep_default_na=False, na_values={"year": [""]})
    return movies[movies[[f"n_reviews_{s}" for s in SPLITS]].sum(axis=1) > 0].set_index("imdb_title_id")


def imported_reviews(shared: Path, titles: pd.Index, with_text: bool) -> pd.DataFrame:
    columns = ["split", "id", "rating", "label", "imdb_title_id"] + (["text"] if with_text else [])
    frames = [pd.read_csv(shared / "imdb" / f"imdb_{s}.csv.xz", usecols=columns, keep_default_na=False,
                          dtype={"rating": "string", "label": "string"}) for s in SPLITS]
    reviews = pd.concat(frames, ignore_index=True)
    reviews = reviews[reviews["imdb_title_id"].isin(titles)].copy()
    reviews["key"] = reviews["split"] + "/" + reviews["label"] + "/" + reviews["id"].astype(str)
    reviews["stars"] = pd.to_numeric(reviews["rating"], errors="coerce")
    return reviews


def cached_scores(reviews: pd.DataFrame, score: Scorer, cache: Path) -> pd.Series:
    """p_positive per review key, scoring only what `cache` (JSON Lines) does not hold yet."""
    cache.parent.mkdir(parents=True, exist_ok=True)
    known: dict[str, float] = {}
    if cache.exists():
        for line in cache.read_text().splitlines():
            if line.endswith("}"):
                known.update(json.loads(line))
    todo = reviews[~reviews["key"].isin(known.keys())]
    for start in range(0, len(todo), BATCH):
        batch = todo.iloc[start:start + BATCH]
        scored = dict(zip(batch["key"], score(batch["text"].tolist())))
        append_durably(cache, (json.dumps(scored) + "\n").encode())
        known.update(scored)
        print(f"scored {len(known):,} reviews", file=sys.stderr, flush=True)
    return reviews["key"].map(known)


def movie_rows(movies: pd.DataFrame, reviews: pd.DataFrame) -> list[dict]:
    by_title = reviews.groupby("imdb_title_id")
    counts, stars = by_title.size(), by_title["stars"].mean()
    scored = "p_positive" in reviews
    if scored:
        weights = reviews["p_positive"].map(vote_weight)
        weight = weights.groupby(reviews["imdb_title_id"]).sum()
        weight_positive = weights.where(reviews["p_positive"] >= 0.5, 0).groupby(reviews["imdb_title_id"]).sum()
        share = (reviews["p_positive"] >= 0.5).groupby(reviews["imdb_title_id"]).mean()
    else:
        weight = weight_positive = share = pd.Series(dtype=float)
    rows = []
    for imdb_id, movie in movies.sort_index().iterrows():
        rows.append({"imdb_id": imdb_id, "title": movie["title"],
                     "year": "" if pd.isna(movie["year"]) else int(movie["year"]), "genres": movie["genres"],
                     "imported_reviews": int(counts.get(imdb_id, 0)),
                     "reviewer_stars": figure(stars.get(imdb_id), 2), "share_positive": figure(share.get(imdb_id), 4),
                     "imported_weight": figure(weight.get(imdb_id, 0) / MICRO if scored else None, 6),
                     "imported_weight_positive": figure(weight_positive.get(imdb_id, 0) / MICRO if scored else None, 6)})
    return rows


def figure(value: float | None, digits: int) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.{digits}f}"


def model_scorer(path: Path) -> tuple[Scorer, str]:
    from models.sentiment import ArtifactError, SentimentModel

    try:
        model = SentimentModel.load(path)
    except (ArtifactError, FileNotFoundError) as err:
        raise SystemExit(f"error: no usable sentiment model at {path} ({err}); build with --no-model "
                         "until the trained weights are there") from err
    return (lambda texts: [r.p_positive for r in model.predict(texts)]), model.version


def build(shared: Path, seed_dir: Path, model: Path | None) -> None:
    movies = catalogue(shared)
    reviews = imported_reviews(shared, movies.index, with_text=model is not None)
    demos = seed_data.load_demo_reviews(seed_dir)
    missing = {d.imdb_id for d in demos} - set(movies.index)
    if missing:
        raise SystemExit(f"error: demo reviews name titles outside the catalogue: {sorted(missing)}")
    verdicts_path = seed_dir / seed_data.DEMO_VERDICTS
    if model is None:
        verdicts_path.unlink(missing_ok=True)
    else:
        score, version = model_scorer(model)
        reviews["p_positive"] = cached_scores(reviews, score, SCORE_CACHE / f"{version}.jsonl")
        texts = [d.text for d in demos]
        verdicts = {seed_data.text_key(t): p for t, p in zip(texts, score(texts))}
        seed_data.write_verdicts(seed_data.DemoVerdicts(model_version=version, p_positive=verdicts), seed_dir)
    rows = movie_rows(movies, reviews)
    seed_data.write_movies(rows, seed_dir)
    print(f"wrote {len(rows):,} movies ({len(reviews):,} imported reviews) to {seed_dir}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.seed", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="rebuild data/seed from the shared datasets")
    build_cmd.add_argument("--shared", type=Path, default=SHARED, help="the shared datasets folder")
    build_cmd.add_argument("--seed-dir", type=Path, default=SEED_DIR)
    which = build_cmd.add_mutually_exclusive_group(required=True)
    which.add_argument("--model", type=Path, help="a sentiment model folder (e.g. models/sentiment/weights)")
    which.add_argument("--no-model", action="store_true", help="leave share_positive empty, demo reviews unscored")
    args = parser.parse_args(argv)
    build(args.shared, args.seed_dir, None if args.no_model else args.model)
    return 0


if __name__ == "__main__":
    sys.exit(main())
