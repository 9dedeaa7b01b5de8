"""python -m models.story {generate,finetune,evaluate} — see docs/story_studio.md."""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

from .config import ADAPTER_DIR, RECIPES, SCRIPTS, Sampling
from .prompts import MODES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.story", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    generate = commands.add_parser("generate", help="write from a prompt (streams to stdout)")
    generate.add_argument("--prompt", required=True)
    generate.add_argument("--mode", choices=list(MODES), default="story")
    defaults = Sampling()
    for name, kind in (("temperature", float), ("top_k", int), ("top_p", float), ("min_p", float),
                       ("typical_p", float), ("repetition_penalty", float), ("no_repeat_ngram_size", int),
                       ("max_new_tokens", int)):
        generate.add_argument("--" + name.replace("_", "-"), type=kind, default=getattr(defaults, name))
    generate.add_argument("--seed", type=int, help="random when omitted (always reported)")
    generate.add_argument("--stop", action="append", default=[], help="stop sequence (repeatable)")
    generate.add_argument("--plain", action="store_true", help="switch the screenplay-style adapter off")
    generate.add_argument("--model", help="a local Hugging Face causal-LM folder (default: $REELPULSE_STORY_MODEL "
                                          "or SmolLM2-135M-Instruct)")
    generate.add_argument("--json", action="store_true", help="print one JSON object (last line) instead of text")

    finetune = commands.add_parser("finetune", help="train the screenplay LoRA adapter")
    finetune.add_argument("--data", type=Path, default=SCRIPTS, help="imsdb_scripts.jsonl.xz")
    finetune.add_argument("--recipe", choices=list(RECIPES), default="small")
    finetune.add_argument("--steps", type=int, help="override the recipe's step count")
    finetune.add_argument("--work", type=Path, default=Path("work/story"), help="checkpoints")
    finetune.add_argument("--out", type=Path, default=ADAPTER_DIR, help="where the adapter and card go")
    finetune.add_argument("--model", help="base model folder (default: SmolLM2 or $REELPULSE_STORY_MODEL)")
    finetune.add_argument("--resume", action="store_true", help="continue from the checkpoint in --work")

    evaluate = commands.add_parser("evaluate", help="held-out perplexity, base vs tuned; or, with --prompts, "
                                                    "our prompt set's text figures per style")
    evaluate.add_argument("--data", type=Path, default=SCRIPTS)
    evaluate.add_argument("--recipe", choices=list(RECIPES), default="small")
    evaluate.add_argument("--adapter", type=Path, default=ADAPTER_DIR)
    evaluate.add_argument("--model")
    evaluate.add_argument("--windows", type=int, help="override the recipe's number of held-out windows")
    evaluate.add_argument("--record", action="store_true", help="store the result in the adapter's model card")
    evaluate.add_argument("--prompts", action="store_true", help="run models/story/eval_data/prompts.json in plain "
                          "and screenplay style; print distinct-n, repetition, scene format, length (quality.py)")
    evaluate.add_argument("--limit", type=int, help="--prompts: the first N prompts only (a smoke run)")

    compile_steps = commands.add_parser("compile", help="build the compiled decoding steps into the cache (what the "
                                                        "app does in the background on a machine's first start)")
    compile_steps.add_argument("--model", help="a model folder or GGUF file (default: SmolLM2)")
    compile_steps.add_argument("--adapter", type=Path, help="a LoRA adapter folder (default: the screenplay one)")
    compile_steps.add_argument("--precision", choices=["int4", "fp32"])

    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except (ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def recipe_from(args):
    overrides = {"steps": getattr(args, "steps", None), "eval_chunks": getattr(args, "windows", None)}
    return replace(RECIPES[args.recipe], **{k: v for k, v in overrides.items() if v is not None})


def run_generate(args) -> int:
    from .generate import Generator, Request, random_seed

    seed = random_seed() if args.seed is None else args.seed
    sampling = Sampling(**{name: getattr(args, name) for name in Sampling.__dataclass_fields__
                           if name not in ("stop", "seed")}, stop=tuple(args.stop), seed=seed)
    generator = Generator.load(args.model)
    run = generator.run(Request(args.prompt, args.mode, sampling, screenplay_style=not args.plain))
    for piece in run:
        if not args.json:
            print(piece, end="", flush=True)
    result = dict(run.result.to_dict(), mode=args.mode, model=generator.name,
                  screenplay_style=generator.has_adapter and not args.plain, sampling=sampling.to_dict())
    print(json.dumps(result) if args.json else f"\n[{result['new_tokens']} tokens, {result['tokens_per_s']} tok/s, "
          f"first token {result['ttft_ms']} ms, seed {seed}]")
    return 0


def run_finetune(args) -> int:
    from .finetune import finetune

    result = finetune(args.data, recipe_from(args), args.work, args.out, args.model, args.resume)
    print(json.dumps(result["training"]))
    return 0


def run_evaluate(args) -> int:
    from . import card

    if args.prompts:
        from .generate import Generator
        from .quality import load_prompts, quality_table

        generator = Generator.load(args.model, adapter=None if args.model else args.adapter)
        result = dict(model=generator.name, quality=quality_table(generator, load_prompts()[:args.limit]))
        if args.record:
            card.write(args.adapter, prompt_set=result)
    else:
        from .evaluate import evaluate

        result = evaluate(args.data, recipe_from(args), args.adapter, args.model)
        if args.record:
            card.write(args.adapter, evaluation=result)
    print(json.dumps(result))
    return 0


def run_compile(args) -> int:
    from .generate import Generator

    generator = Generator.load(args.model or None, adapter=args.adapter, precision=args.precision, compiled=True)
    print(json.dumps(dict(model=generator.name, decoding=generator.decoding)))
    return 0 if generator.decoding == "compiled" else 1


COMMANDS = {"generate": run_generate, "finetune": run_finetune, "evaluate": run_evaluate, "compile": run_compile}

if __name__ == "__main__":
    sys.exit(main())
