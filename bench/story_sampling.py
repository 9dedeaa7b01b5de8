"""Cost of choosing one token with the app's sampling presets on SmolLM2's real logits (one forward over a
written prompt and 200 greedy tokens: every position's 49,152 logits): transformers' top-p warper, which
sorts the whole vocabulary, beside NucleusWarper, which does not (see models/story/decoder.py). It prints
at how many positions both keep the same tokens, and whether they keep the same scores everywhere (they
may keep different ones of exactly tied tokens: the output head's bf16 estimates make ties).

    python -m bench.story_sampling [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from transformers import LogitsProcessorList

from models.story.config import PRESETS
from models.story.decoder import NucleusWarper, logits_processors
from models.story.generate import Generator

PROMPT = ("Write the opening of a story: a retired stunt double is asked to teach a nervous young actor to fall "
          "down a staircase, and the lesson goes wrong in a way that saves both their careers.")


def chains(preset: str, prompt_length: int) -> tuple[LogitsProcessorList, LogitsProcessorList]:
    s = PRESETS[preset]
    nucleus = logits_processors(None, {2}, prompt_length, True, s.temperature, s.top_k, s.top_p, s.min_p,
                                s.typical_p, s.repetition_penalty, s.no_repeat_ngram_size)
    return LogitsProcessorList(p.warper if isinstance(p, NucleusWarper) else p for p in nucleus), nucleus


def per_token_ms(chain, ids: torch.Tensor, logits: torch.Tensor) -> float:
    t0 = time.perf_counter()
    for i, row in enumerate(logits):
        torch.multinomial(torch.softmax(chain(ids[:, :i + 1], row[None].clone()), dim=-1), 1)
    return (time.perf_counter() - t0) / len(logits) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generator = Generator.load(compiled=False)
    prompt = generator.tokenizer(PROMPT, return_tensors="pt").input_ids
    with torch.inference_mode():
        ids = generator.model.generate(prompt, max_new_tokens=200)
        logits = generator.model(ids).logits[0].float()
    report = {}
    for preset in ("Balanced", "Creative"):
        whole, nucleus = chains(preset, prompt.shape[1])
        kept = [(whole(ids[:, :i + 1], row[None].clone()), nucleus(ids[:, :i + 1], row[None].clone()))
                for i, row in enumerate(logits)]
        same_tokens = sum(torch.equal(a, b) for a, b in kept)
        same_scores = all(torch.equal(a[a.isfinite()].sort().values, b[b.isfinite()].sort().values) for a, b in kept)
        times: dict[str, list[float]] = {"transformers top-p (baseline)": [], "NucleusWarper": []}
        for _ in range(args.rounds):   # interleaved: these cores are noisy
            for name, chain in zip(times, (whole, nucleus)):
                times[name].append(per_token_ms(chain, ids, logits))
        medians = {name: round(statistics.median(t), 3) for name, t in times.items()}
        baseline, new = medians.values()
        print(f"{preset}: {baseline:.2f} → {new:.2f} ms a token (x{baseline / new:.2f}); same kept tokens at "
              f"{same_tokens} of {len(kept)} positions, same kept scores at all: {same_scores}")
        report[preset] = dict(ms_per_token=medians, same_kept_tokens=same_tokens, positions=len(kept),
                              same_kept_scores=same_scores)
    print(json.dumps(dict(torch_threads=torch.get_num_threads(), **report)))


if __name__ == "__main__":
    main()
