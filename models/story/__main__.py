"""python -m models.story {generate,finetune,evaluate} — see docs/story_studio.md."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .config import ADAPTER_DIR, RECIPES, SCRIPTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.story", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    finetune = commands.add_parser("finetune", help="train the screenplay LoRA adapter")
    finetune.add_argument("--data", type=Path, default=SCRIPTS, help="imsdb_scripts.jsonl.xz")
    finetune.add_argument("--recipe", choices=list(RECIPES), default="small")
    finetune.add_argument("--steps", type=int, help="override the recipe's step count")
    finetune.add_argument("--work", type=Path, default=Path("work/story"), help="checkpoints")
    finetune.add_argument("--out", type=Path, default=ADAPTER_DIR, help="where the adapter and card go")
    finetune.add_argument("--model", help="base model folder (default: SmolLM2 or $REELPULSE_STORY_MODEL)")
    finetune.add_argument("--resume", action="store_true", help="continue from the checkpoint in --work")

    evaluate = commands.add_parser("evaluate", help="held-out perplexity, base vs tuned")
    evaluate.add_argument("--data", type=Path, default=SCRIPTS)
    evaluate.add_argument("--recipe", choices=list(RECIPES), default="small")
    evaluate.add_argument("--adapter", type=Path, default=ADAPTER_DIR)
    evaluate.add_argument("--model")
    evaluate.add_argument("--record", action="store_true", help="store the result in the adapter's model card")

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def recipe_from(args):
    recipe = RECIPES[args.recipe]
    return recipe if getattr(args, "steps", None) is None else recipe.__class__(**{**recipe.to_dict(),
                                                                                  "steps": args.steps})


def run_finetune(args) -> int:
    from .finetune import finetune

    result = finetune(args.data, recipe_from(args), args.work, args.out, args.model, args.resume)
    print(json.dumps(result["training"]))
    return 0


def run_evaluate(args) -> int:
    from . import card
    from .evaluate import evaluate

    result = evaluate(args.data, recipe_from(args), args.adapter, args.model)
    if args.record:
        card.write(args.adapter, evaluation=result)
    print(json.dumps(result))
    return 0


COMMANDS = {"finetune": run_finetune, "evaluate": run_evaluate}

if __name__ == "__main__":
    sys.exit(main())
