"""Cost of choosing one token from SmolLM2-sized logits (49,152) with the Balanced preset's chain (no-repeat
3-grams, temperature 0.8, top-k 50, top-p 0.9, then softmax + multinomial): transformers' top-p warper, which
sorts the whole vocabulary, beside NucleusWarper, which sorts the tokens top-k left. Both keep the same tokens.

    python -m bench.story_sampling [--tokens 200] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import time

import torch
from transformers import LogitsProcessorList

from models.story.decoder import NucleusWarper, logits_processors

VOCAB, PROMPT_TOKENS = 49_152, 120


def per_token_ms(chain, ids: torch.Tensor, logits: list[torch.Tensor]) -> float:
    t0 = time.perf_counter()
    for scores in logits:
        torch.multinomial(torch.softmax(chain(ids, scores.clone()), dim=-1), 1)
    return (time.perf_counter() - t0) / len(logits) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(0)
    ids = torch.randint(0, VOCAB, (1, PROMPT_TOKENS), generator=generator)
    logits = [torch.randn(1, VOCAB, generator=generator) * 3 for _ in range(args.tokens)]
    nucleus = logits_processors(None, {2}, PROMPT_TOKENS, True, 0.8, 50, 0.9, None, 1.0, 1.0, 3)
    whole = LogitsProcessorList(p.warper if isinstance(p, NucleusWarper) else p for p in nucleus)
    times: dict[str, list[float]] = {"transformers top-p (baseline)": [], "NucleusWarper": []}
    for _ in range(args.rounds):   # interleaved: these cores are noisy
        for name, chain in zip(times, (whole, nucleus)):
            times[name].append(per_token_ms(chain, ids, logits))
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, ms in medians.items():
        print(f"{name:32s} {ms:6.2f} ms a token")
    baseline, new = medians.values()
    print(f"NucleusWarper: x{baseline / new:.2f} faster, {baseline - new:.2f} ms a token saved")
    print(json.dumps(dict(torch_threads=torch.get_num_threads(), ms_per_token=medians)))


if __name__ == "__main__":
    main()
