"""Story model speed on this machine's CPU: load time (cold = from the GGUF, warm = from the safetensors
cache), time to first token and tokens/s for 200 new tokens (greedy and sampled), for the cheap levers
(LoRA merged vs unmerged, static KV cache, int8 dynamic quantisation, 1 vs 2 threads), plus the
perplexity cost of int8.
llama.cpp (llama-cpp-python) is compared on the same GGUF when it is installed.

    python bench/story.py [--tokens 200] [--repeats 2] [--json work/bench/story.json]
"""
from __future__ import annotations

import argparse
import copy
import importlib.util
import json
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.story.config import ADAPTER_DIR, RECIPES, SCRIPTS, Sampling  # noqa: E402
from models.story.generate import Generator, Request  # noqa: E402
from models.story.loader import attach_adapter, converted_dir, load_base, quantize_int8  # noqa: E402
from models.sentiment.smollm2 import gguf_path  # noqa: E402

PROMPT = "a lighthouse keeper who finds a message in a bottle addressed to her, dated tomorrow"
DECODING = {"greedy": Sampling(temperature=0.0, repetition_penalty=1.0),
            "sampled": Sampling(temperature=0.8, top_k=50, top_p=0.95, repetition_penalty=1.1, seed=1)}


def load_times() -> dict:
    from transformers import AutoModelForCausalLM

    path = gguf_path()
    start = time.perf_counter()
    AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    cold = time.perf_counter() - start
    converted_dir()
    start = time.perf_counter()
    load_base()
    return dict(cold_gguf_s=round(cold, 2), warm_safetensors_s=round(time.perf_counter() - start, 2))


def int8(generator: Generator) -> Generator:
    return generator.with_models(quantize_int8)


def static_cache(generator: Generator) -> Generator:
    def set_static(model):
        model.generation_config.cache_implementation = "static"
        return model
    return generator.with_models(set_static)


def unmerged_lora(generator: Generator) -> Generator:
    """The screenplay style as shipped before: peft's LoRA wrapper kept around the base model."""
    return Generator(generator.model, generator.tokenizer, generator.name,
                     attach_adapter(copy.deepcopy(generator.model), ADAPTER_DIR))


# every variant runs in screenplay style (the page's default), i.e. with the LoRA adapter
VARIANTS = {"fp32, LoRA unmerged (before)": unmerged_lora, "fp32, LoRA merged (default)": lambda g: g,
            "fp32 + static KV cache": static_cache, "int8 dynamic": int8}


def speed(generator: Generator, sampling: Sampling, tokens: int, repeats: int) -> dict:
    generator.screenplay_model.generation_config.min_new_tokens = tokens       # no early end-of-text
    runs, cpu = [], []
    for _ in range(repeats + 1):                                      # the first run is a warm-up
        run = generator.run(Request(PROMPT, "story", sampling.with_(max_new_tokens=tokens)))
        start = time.process_time()
        run.text()
        runs.append(run.result)
        cpu.append(run.result.new_tokens / (time.process_time() - start))
    runs, cpu = runs[1:], cpu[1:]
    # tokens per CPU-second: what the process would do with its threads to itself (robust to other jobs)
    return dict(tokens_per_s=round(statistics.median(r.tokens_per_s for r in runs), 1),
                ttft_ms=round(statistics.median(r.ttft_ms for r in runs), 1), new_tokens=runs[0].new_tokens,
                tokens_per_cpu_s=round(statistics.median(cpu), 1))


def int8_perplexity() -> dict:
    from models.story.evaluate import held_out_batches, perplexity

    if not SCRIPTS.is_file():
        return dict(note=f"{SCRIPTS} absent: perplexity impact not measured")
    recipe = replace(RECIPES["small"], eval_chunks=16)
    generator = Generator.load()
    batches = held_out_batches(SCRIPTS, recipe, generator.tokenizer)
    fp32 = perplexity(generator.screenplay_model, batches)
    return dict(windows=16, fp32=round(fp32, 3), int8=round(perplexity(int8(generator).screenplay_model, batches), 3))


def llama_cpp(tokens: int) -> dict:
    if importlib.util.find_spec("llama_cpp") is None:
        return dict(note="llama-cpp-python is not installed: column skipped")
    from llama_cpp import Llama

    llm = Llama(model_path=str(gguf_path()), n_ctx=2048, n_threads=2, verbose=False)
    start, first, count = time.perf_counter(), None, 0
    for _ in llm(PROMPT, max_tokens=tokens, temperature=0.0, stream=True):
        first, count = first or time.perf_counter(), count + 1
    end = time.perf_counter()
    return dict(tokens_per_s=round((count - 1) / (end - first), 1), ttft_ms=round((first - start) * 1000, 1))


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--json", type=Path, default=Path("work/bench/story.json"))
    parser.add_argument("--no-perplexity", action="store_true", help="skip the int8 perplexity check")
    args = parser.parse_args()

    report = dict(cpu_threads_available=torch.get_num_threads(), load=load_times(), speed=[])
    for threads in args.threads:
        torch.set_num_threads(threads)
        for name, setup in VARIANTS.items():
            generator = setup(Generator.load())
            for decoding, sampling in DECODING.items():
                row = dict(variant=name, threads=threads, decoding=decoding,
                           **speed(generator, sampling, args.tokens, args.repeats))
                report["speed"].append(row)
                print(json.dumps(row), flush=True)
    torch.set_num_threads(max(args.threads))
    if not args.no_perplexity:
        report["int8_perplexity"] = int8_perplexity()
    report["llama_cpp"] = llama_cpp(args.tokens)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "speed"}, indent=2))


if __name__ == "__main__":
    main()
