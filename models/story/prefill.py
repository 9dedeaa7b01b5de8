"""How an int4 story model multiplies a prompt's rows on this machine: through the 4-bit kernel, or through its
4-bit weights kept dense in float32 or bfloat16 (quant.Int4Linear's `prefill_dtype`).

The 4-bit kernel decodes one token fast, but it works a prompt's rows almost one by one: 22 rows of a page
prompt cost ~180 ms of prefill on an AVX2-only EPYC. Dense products of the same weights do all rows in one pass,
but read 4 (bf16) or 8 (float32) times the bytes, ~420 MB a prefill in float32 for SmolLM2-135M, and are fast
in bf16 only where the CPU multiplies bf16 natively. Which wins depends on the CPU, its memory and the rows:
on that EPYC float32 won from ~45 rows on (100 rows: 483 against 685 ms) and lost below (24 rows: 233 against
175 ms). So the candidates are timed once per machine on a page prompt's rows through layers that do not fit in
the CPU's caches, as a model's do not, and the fastest is kept (`choice`), unless $REELPULSE_STORY_PREFILL
names one.
"""
from __future__ import annotations

import json
import os
import statistics
import time

import torch
from torch import nn

from .config import cache_dir

PREFILL_ENV = "REELPULSE_STORY_PREFILL"
CHOICES = {"int4": None, "float32": torch.float32, "bfloat16": torch.bfloat16}
ROWS = 24                  # a page prompt's own text after its mode's template
SHAPE = (576, 1536)        # SmolLM2-135M's down projection, transposed: a typical product
LAYERS = 24                # ~85 MB of float32 weights: more than a CPU's caches hold
CHOICE_FILE = "story-prefill.json"


def machine_key() -> str:
    from models.cpu import cpu_info

    info = cpu_info()
    return f"{info.model} | {info.level} | {torch.__version__} | {torch.get_num_threads()} threads"


def timed_choices(rows: int = ROWS, repeats: int = 5, layers: int = LAYERS) -> dict[str, float]:
    """Median milliseconds of `rows` rows through `layers` distinct (SHAPE) products, for each candidate."""
    from .quant import DTYPE, Int4Linear

    generator = torch.Generator().manual_seed(0)
    linears = [nn.Linear(*SHAPE, bias=False) for _ in range(layers)]
    for linear in linears:
        nn.init.normal_(linear.weight, std=0.02, generator=generator)
    x = torch.randn(rows, SHAPE[0], generator=generator).to(DTYPE)
    times = {}
    with torch.inference_mode():
        for name, dtype in CHOICES.items():
            quantized = [Int4Linear(linear, dtype) for linear in linears]
            runs = []
            for _ in range(repeats + 1):
                start = time.perf_counter()
                for layer in quantized:
                    layer(x)
                runs.append(time.perf_counter() - start)
            times[name] = statistics.median(runs[1:]) * 1000
    return times


def choice() -> torch.dtype | None:
    """The dense prefill dtype for this machine (None: the 4-bit kernel): $REELPULSE_STORY_PREFILL where set,
    else the fastest candidate, timed on the first load and kept in the cache folder per machine."""
    forced = os.environ.get(PREFILL_ENV, "").strip().lower()
    if forced:
        if forced not in CHOICES:
            raise ValueError(f"{PREFILL_ENV} must be one of {', '.join(CHOICES)}, not {forced!r}")
        return CHOICES[forced]
    path, key = cache_dir() / CHOICE_FILE, machine_key()
    try:
        known = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    if known.get(key) not in CHOICES:
        times = timed_choices()
        known[key] = min(times, key=times.get)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(known, indent=1))
        except OSError:   # a read-only cache folder: timed again next load
            pass
    return CHOICES[known[key]]
