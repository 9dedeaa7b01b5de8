"""What the token trace costs (models/story/explore.TokenTrace: a softmax and a top-5 per token, behind the token
view and the per-run surprisal): the same requests decoded with the trace and with it switched off, interleaved,
on the app's story model (int4, compiled step). Prints JSON: median tok/s each way and their ratio.

    python -m bench.story_trace [--runs 6] [--tokens 200]
"""
from __future__ import annotations

import argparse
import json
import statistics
from unittest import mock

import torch

from models.cpu import cpu_info
from models.story.config import PRESETS, compile_wanted
from models.story.explore import TokenTrace
from models.story.generate import Generator, Request

PROMPT = "a lighthouse keeper who finds a message in a bottle addressed to her, dated tomorrow"


def untraced(self, input_ids, scores, **kwargs):
    return torch.zeros((input_ids.shape[0],), dtype=torch.bool)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.story_trace", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args(argv)
    generator = Generator.load(compiled=compile_wanted(True))
    rates: dict[str, list[float]] = {"traced": [], "untraced": []}
    for run in range(args.runs * 2 + 1):
        way = "traced" if run % 2 else "untraced"
        sampling = PRESETS["Balanced"].with_(seed=run // 2, max_new_tokens=args.tokens, stop=())
        with mock.patch.object(TokenTrace, "__call__", untraced) if way == "untraced" else mock.MagicMock():
            decoding = generator.run(Request(PROMPT, "story", sampling))
            decoding.text()
        if run:   # the first run warms up
            rates[way].append(decoding.result.tokens_per_s)
    medians = {way: statistics.median(values) for way, values in rates.items()}
    print(json.dumps(dict(cpu=cpu_info().describe(), runs=args.runs, tokens=args.tokens, tokens_per_s=medians,
                          traced_over_untraced=round(medians["traced"] / medians["untraced"], 3), all=rates), indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
