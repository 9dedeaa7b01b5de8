"""python -m models.sentiment {train,evaluate,predict,baseline} — see README."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .artifacts import ArtifactError
from .model import DEFAULT_DIR, DEFAULT_PRECISION, PRECISIONS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sentiment", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train the ULMFiT classifier on an aclImdb CSV folder")
    train.add_argument("--data", type=Path, required=True, help="folder with imdb_train.csv.xz (+ imdb_unsup.csv.xz)")
    train.add_argument("--config", choices=["small", "full", "tiny"], default="small")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoints and recipe in --work")
    train.add_argument("--work", type=Path, default=Path("work/sentiment"), help="checkpoints and caches")
    train.add_argument("--out", type=Path, default=DEFAULT_DIR, help="where the finished artifacts go")
    train.add_argument("--lm-tokens", type=int, help="language-model token budget; with --resume, a larger one extends the finished LM")
    train.add_argument("--lm-minutes", type=float, help="fit the language model's epochs (at most lm_epochs) "
                       "into this many minutes, measured on this machine")
    train.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                       help="override a recipe field (JSON value); with --resume only lm_tokens, lm_epochs, "
                            "the classifier's and the distillation's fields may change")

    evaluate = commands.add_parser("evaluate", help="accuracy on a labelled CSV (text, label)")
    evaluate.add_argument("--data", type=Path, required=True)
    evaluate.add_argument("--limit", type=int, help="score a seeded random sample of N rows")
    evaluate.add_argument("--model", type=Path, default=DEFAULT_DIR)
    evaluate.add_argument("--record", metavar="NAME", help="store the result in the model card under NAME")
    evaluate.add_argument("--precision", choices=PRECISIONS, default=DEFAULT_PRECISION)

    predict = commands.add_parser("predict", help="one JSON line per text")
    predict.add_argument("texts", nargs="+")
    predict.add_argument("--model", type=Path, default=DEFAULT_DIR)

    baseline = commands.add_parser("baseline", help="TF-IDF + logistic regression: train on one CSV, score another")
    baseline.add_argument("--train", type=Path, required=True)
    baseline.add_argument("--test", type=Path, required=True)
    baseline.add_argument("--limit", type=int)

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError, ArtifactError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def run_train(args) -> int:
    from dataclasses import replace

    from .config import Recipe, parse_override, recipe

    overrides = dict(map(parse_override, args.set))   # before the slow fastai import
    from .train import Trainer

    chosen = recipe(args.config)
    progress = args.work / "progress.json"
    if args.resume and progress.exists():
        chosen = Recipe.from_dict(json.loads(progress.read_text())["recipe"])
        print(f"resuming the '{chosen.name}' recipe recorded in {progress}", flush=True)
    if args.lm_tokens is not None:
        overrides["lm_tokens"] = args.lm_tokens
    chosen = replace(chosen, **overrides)
    card = Trainer(args.data, chosen, args.out, args.work, resume=args.resume, lm_minutes=args.lm_minutes).run()
    print(json.dumps(dict(out=str(args.out), **card["metrics"])))
    return 0


def run_evaluate(args) -> int:
    from . import artifacts
    from .evaluate import evaluate, read_labelled
    from .model import SentimentModel

    model = SentimentModel.load(args.model, precision=args.precision)
    result = evaluate(lambda texts: [int(r.label == "pos") for r in model.predict(texts)],
                      read_labelled(args.data, args.limit))
    result = dict(result, data=str(args.data), model=model.version, precision=args.precision)
    if args.record:
        card = artifacts.read_card(args.model)
        card.setdefault("metrics", {})[args.record] = result
        artifacts.save_card(args.model, card)
    print(json.dumps(result))
    return 0


def run_predict(args) -> int:
    from .model import SentimentModel

    model = SentimentModel.load(args.model)
    for text, result in zip(args.texts, model.predict(args.texts)):
        print(json.dumps(dict(text=text[:80], **result.to_dict())))
    return 0


def run_baseline(args) -> int:
    from .baseline import train_baseline
    from .evaluate import evaluate, read_labelled

    pipeline = train_baseline(args.train)
    result = evaluate(lambda texts: pipeline.predict(texts).tolist(), read_labelled(args.test, args.limit))
    print(json.dumps(dict(result, model="tfidf-bigram-logreg")))
    return 0


COMMANDS = {"train": run_train, "evaluate": run_evaluate, "predict": run_predict, "baseline": run_baseline}

if __name__ == "__main__":
    sys.exit(main())
