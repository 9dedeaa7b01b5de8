"""Perplexity of the base model and the LoRA-tuned model on windows of the held-out screenplays."""
from __future__ import annotations

import math
import random
from pathlib import Path

from .config import ADAPTER_DIR, Recipe
from .data import collate, example, split
from .loader import attach_adapter, load_base, log


def perplexity(model, batches: list[dict]) -> float:
    import torch

    nll, count = 0.0, 0
    with torch.inference_mode():
        for batch in batches:
            logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits[:, :-1]
            labels = batch["labels"][:, 1:]
            nll += torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, ignore_index=-100,
                                                     reduction="sum").item()
            count += int((labels != -100).sum())
    return math.exp(nll / count)


def held_out_batches(data: Path, recipe: Recipe, tokenizer) -> list[dict]:
    _, held = split(data, recipe.holdout_percent)
    rng = random.Random(recipe.seed)
    examples = [example(tokenizer, held[i % len(held)], rng, recipe.seq_len) for i in range(recipe.eval_chunks)]
    size = recipe.batch_size
    return [collate(examples[i:i + size], tokenizer.pad_token_id) for i in range(0, len(examples), size)]


def evaluate(data: Path, recipe: Recipe, adapter: Path = ADAPTER_DIR, model_path: str | None = None) -> dict:
    import torch

    torch.set_num_threads(recipe.threads)
    base, tokenizer = load_base(model_path)
    batches = held_out_batches(data, recipe, tokenizer)
    tuned = attach_adapter(base, adapter)
    if tuned is None:
        raise FileNotFoundError(f"no LoRA adapter in {adapter}")
    with tuned.disable_adapter():
        base_ppl = perplexity(tuned, batches)
    log(f"base perplexity {base_ppl:.2f}")
    tuned_ppl = perplexity(tuned, batches)
    return dict(base_perplexity=round(base_ppl, 3), tuned_perplexity=round(tuned_ppl, 3),
                ratio=round(tuned_ppl / base_ppl, 3), held_out_windows=recipe.eval_chunks,
                window_tokens=recipe.seq_len)
