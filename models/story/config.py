"""The story studio's settings as plain data: where models live, sampling presets, the finetune recipe."""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTER_DIR = Path(__file__).resolve().parent / "adapter"
MODEL_ENV = "REELPULSE_STORY_MODEL"      # a local Hugging Face causal-LM folder used instead of SmolLM2
PRECISION_ENV = "REELPULSE_STORY_PRECISION"  # "int4" (default) or "fp32"; see models/story/quant.py
PRECISIONS = ("int4", "fp32")
COMPILE_ENV = "REELPULSE_STORY_COMPILE"  # "1"/"0": lean decoders decode through a compiled step or not (compile_wanted)
CACHE_ENV = "REELPULSE_CACHE"            # where the GGUF is converted to safetensors and decoding steps are compiled, once
SCRIPTS = ROOT.parent / "shared" / "datasets" / "scripts" / "imsdb_scripts.jsonl.xz"

MAX_NEW_TOKENS = 1024                    # upper bound for any single generation
MAX_CONTEXT = 2048                       # prompt + new tokens; longer prompts are trimmed from the left
STREAM_TIMEOUT_S = 120.0                 # a stalled generation thread gives up after this long
# intra-op threads for decoding after the prompt's prefill (which uses them all); None: all of them while they keep
# their pace, one while another process holds a core (generate.AdaptiveThreads; $REELPULSE_STORY_DECODE_THREADS
# fixes a count). On these 2 cores int4 decoding with the lean decoder's compiled step ran at ~43 tokens/s on two
# threads and ~28-31 on one when nothing else ran, but beside one busy core (another process, or a browser on the
# same machine) two threads fell to ~12 while one held ~27 (bench/story_threads.py, docs/story_studio.md).
DECODE_THREADS_ENV = "REELPULSE_STORY_DECODE_THREADS"
DECODE_THREADS: int | None = int(os.environ.get(DECODE_THREADS_ENV) or 0) or None


def compile_wanted(default: bool) -> bool:
    """$REELPULSE_STORY_COMPILE where set ("0", "false", "off", "no" or empty: off; anything else: on), else
    `default`: compiling costs ~2 min on a machine's first load (seconds once the cache holds its programs)
    and pays in a long-lived app, not in a one-shot command."""
    value = os.environ.get(COMPILE_ENV)
    return default if value is None else value.strip().lower() not in ("0", "false", "off", "no", "")


def cache_dir() -> Path:
    return Path(os.environ.get(CACHE_ENV) or ROOT / ".cache" / "reelpulse")


@dataclass(frozen=True)
class Sampling:
    """Decoding settings; temperature 0 means greedy. Stop sequences cut the text where they first appear."""
    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95
    min_p: float = 0.0
    typical_p: float = 1.0
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 0
    max_new_tokens: int = 200
    stop: tuple[str, ...] = ()
    seed: int = 0

    def to_dict(self) -> dict:
        return dict(asdict(self), stop=list(self.stop))

    def with_(self, **changes) -> Sampling:
        return replace(self, **changes)


PRESETS: dict[str, Sampling] = {
    "Precise": Sampling(temperature=0.0, top_k=0, top_p=1.0, repetition_penalty=1.15, no_repeat_ngram_size=4),
    "Balanced": Sampling(temperature=0.7, top_k=50, top_p=0.9, repetition_penalty=1.1, no_repeat_ngram_size=3),
    "Creative": Sampling(temperature=1.0, top_k=0, top_p=0.95, min_p=0.05, repetition_penalty=1.05),
    "Wild": Sampling(temperature=1.4, top_k=0, top_p=1.0, min_p=0.02, typical_p=0.9, repetition_penalty=1.0),
}


@dataclass(frozen=True)
class Recipe:
    """LoRA finetune of the instruct model on screenplay chunks, sized for 2 shared CPU cores."""
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] | None = None   # None: peft's default (q_proj + v_proj on Llama, c_attn on GPT-2)
    seq_len: int = 192                   # tokens of screenplay per example (after the instruction)
    batch_size: int = 4
    steps: int = 120                     # ~40 min at 1 thread beside another training job
    lr: float = 1e-3
    warmup: int = 20
    holdout_percent: int = 5             # scripts whose slug hash falls below this are held out
    eval_chunks: int = 64                # held-out windows scored by `evaluate`
    checkpoint_every: int = 40
    threads: int = 1
    seed: int = 1234

    def to_dict(self) -> dict:
        return asdict(self)


RECIPES = {"small": Recipe(), "tiny": Recipe(seq_len=32, batch_size=2, steps=3, warmup=1,
                                                  eval_chunks=4, checkpoint_every=2)}
