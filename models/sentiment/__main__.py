"""python -m models.sentiment {train,evaluate,finetune,companion,reader,predict,baseline} — see README."""
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

    evaluate = commands.add_parser("evaluate", help="accuracy on a labelled CSV (text, label), or the whole ladder")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", type=Path)
    source.add_argument("--suite", action="store_true", help="the evaluation ladder: IMDB test (and lowercased), "
                        "kotzias_imdb, our one-liners and the behavioural suite, beside TF-IDF")
    evaluate.add_argument("--limit", type=int, help="score a seeded random sample of N rows (of the IMDB test split with --suite)")
    evaluate.add_argument("--no-baseline", action="store_true", help="--suite without the TF-IDF model (~30 s to train)")
    evaluate.add_argument("--failures", type=int, default=3, help="--suite: failures shown per capability")
    evaluate.add_argument("--json", type=Path, help="--suite: also write the figures to this file")
    evaluate.add_argument("--model", type=Path, default=DEFAULT_DIR)
    evaluate.add_argument("--record", metavar="NAME", help="store the result in the model card under NAME")
    evaluate.add_argument("--precision", choices=PRECISIONS, default=DEFAULT_PRECISION)

    finetune = commands.add_parser("finetune", help="fine-tune a trained model on IMDB train + short texts "
                                   "+ sentence crops + lowercased copies (see finetune.py)")
    finetune.add_argument("--start", type=Path, default=DEFAULT_DIR, help="the trained model folder to start from")
    finetune.add_argument("--data", type=Path, required=True, help="folder with imdb/ and short_texts/")
    finetune.add_argument("--out", type=Path, required=True)
    finetune.add_argument("--epochs", type=int, default=2)
    finetune.add_argument("--lr", type=float, default=1e-3)
    finetune.add_argument("--lowercase-share", type=float, default=0.3)
    finetune.add_argument("--negation-flips", type=int, default=0, metavar="COPIES",
                          help="add COPIES of each counterfactual negation flip of a training sentence (counterfactual.py)")
    finetune.add_argument("--contrast-joins", type=int, default=0, metavar="N",
                          help="add N joins of opposite-verdict training clauses ('..., but ...')")
    finetune.add_argument("--imdb-reviews", type=int, metavar="N", help="a seeded sample of N IMDB train reviews")
    finetune.add_argument("--limit", type=int, help="train on a seeded sample of N texts (a smoke run)")

    companion = commands.add_parser("companion", help="fit the TF-IDF companion averaged with a model's verdicts, "
                                    "its weight chosen on validation (see companion.py)")
    companion.add_argument("--model", type=Path, required=True, help="a model folder without a companion (changed in place)")
    companion.add_argument("--data", type=Path, required=True, help="folder with imdb/ and short_texts/")

    reader = commands.add_parser("reader", help="train the SmolLM2 short-text reader, resumably (see reader_train.py)")
    reader.add_argument("--data", type=Path, required=True, help="folder with imdb/ and short_texts/")
    reader.add_argument("--out", type=Path, required=True, help="checkpoints, then reader.safetensors and its card")
    reader.add_argument("--minutes", type=float, help="stop after this many minutes with a checkpoint")
    reader.add_argument("--resume", action="store_true", help="go on from the checkpoint in --out")
    reader.add_argument("--limit", type=int, help="train on a seeded sample of N texts (a smoke run)")
    reader.add_argument("--start", type=Path, metavar="READER_DIR", help="begin from this trained reader's weights")
    reader.add_argument("--negation-flips", type=int, default=0, metavar="COPIES",
                        help="add counterfactual negation flips (counterfactual.py), this many copies each")
    reader.add_argument("--contrast-joins", type=int, default=0, metavar="N",
                        help="add N counterfactual contrast joins")
    reader.add_argument("--base-texts", type=int, metavar="N",
                        help="a seeded sample of N of the short texts and crops (the rewrites are all kept)")
    reader.add_argument("--into", type=Path, metavar="MODEL_DIR", help="once trained, put the reader into this model "
                        "folder (changed in place) with its share chosen on validation")

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
    if args.suite:
        return run_ladder(args, model)
    result = evaluate(lambda texts: [int(r.label == "pos") for r in model.predict(texts)],
                      read_labelled(args.data, args.limit))
    result = dict(result, data=str(args.data), model=model.version, precision=model.precision)
    if args.record:
        card = artifacts.read_card(args.model)
        card.setdefault("metrics", {})[args.record] = result
        artifacts.save_card(args.model, card)
    print(json.dumps(result))
    return 0


def run_ladder(args, model) -> int:
    from . import ladder
    from models.cpu import cpu_info

    scorers = {model.version: ladder.model_scorer(model)}
    if not args.no_baseline and ladder.IMDB_TRAIN.exists():
        scorers["tfidf"] = ladder.tfidf_scorer()
    result = ladder.climb(scorers, args.limit)
    print(f"{model.version} ({model.precision}) on {cpu_info().describe()}")
    print(result.table())
    print("\n".join(result.suites[model.version].examples(args.failures)))
    if args.json:
        args.json.write_text(json.dumps(result.to_dict(), indent=2))
    return 0


def run_finetune(args) -> int:
    from .finetune import Mix, finetune

    mix = Mix(lowercase_share=args.lowercase_share, negation_flips=args.negation_flips,
              contrast_joins=args.contrast_joins, imdb_reviews=args.imdb_reviews)
    card = finetune(args.start, args.data, args.out, args.epochs, args.lr, mix, args.limit)
    print(json.dumps(dict(out=str(args.out), version=card["version"], **card["finetune"]["validation_after"])))
    return 0


def run_companion(args) -> int:
    from .companion import add_companion

    card = add_companion(args.model, args.data)
    print(json.dumps(dict(version=card["version"], **card["companion"])))
    return 0


def run_reader(args) -> int:
    from .reader_train import Schedule, add_reader, train_reader

    schedule = Schedule(negation_flips=args.negation_flips, contrast_joins=args.contrast_joins,
                        base_texts=args.base_texts)
    card = train_reader(args.data, args.out, args.minutes, args.resume, schedule=schedule, limit=args.limit,
                        start=args.start)
    print(json.dumps(dict(out=str(args.out), done=card is not None, **(card or {}).get("validation", {}))))
    if card is not None and args.into:
        model_card = add_reader(args.into, args.out, args.data)
        print(json.dumps(dict(version=model_card["version"], share=model_card["reader"]["share"])))
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


COMMANDS = {"train": run_train, "evaluate": run_evaluate, "finetune": run_finetune, "companion": run_companion,
            "reader": run_reader, "predict": run_predict, "baseline": run_baseline}

if __name__ == "__main__":
    sys.exit(main())
