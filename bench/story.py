"""Story model speed on this machine's CPU: load time (cold = from the GGUF, warm = from the safetensors
cache), time to first token and tokens/s for 200 new tokens (greedy and sampled; every run prefills its whole
prompt), for the levers
(fp32 or int4 weight-only, transformers' modules or the lean decoder, its step eager, compiled by torch.compile
or ahead of time by AOTInductor, 1 vs 2 decoding threads; each variant's load time, compiling included; the
variants' runs interleaved, so all of them are loaded at once: several GiB), plus the held-out perplexity cost
of int4 for the plain and the screenplay model, and the default's first token for the page's example prompts
(one per mode, in turn) with the prefill starting after the part of the prompt the last one shared, as in the
app, and without.
llama.cpp (llama-cpp-python) is compared on the same GGUF when it is installed, here or in a venv of its own
named by LLAMA_CPP_SITE (its site-packages folder; the same Python version). Its source build takes ~15 min on
2 cores, and it must never go into requirements.txt:

    python3 -m venv ../llama-venv && ../llama-venv/bin/pip install llama-cpp-python
    LLAMA_CPP_SITE=../llama-venv/lib/python3.11/site-packages python bench/story.py

    python bench/story.py [--tokens 200] [--repeats 2] [--json work/bench/story.json]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.story.config import ADAPTER_DIR, RECIPES, SCRIPTS, Sampling  # noqa: E402
from models.story.generate import Generator, Request, StepsByThreads  # noqa: E402
from models.story.threads import on_own_thread  # noqa: E402
from models.story.loader import converted_dir, load_base, merged_adapter  # noqa: E402
from models.smollm2 import gguf_path  # noqa: E402

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


def transformers_int4() -> Generator:
    """int4 as shipped before the lean decoder: transformers' Llama modules and generate()."""
    model, tokenizer = load_base()
    return Generator(model, tokenizer, "transformers", merged_adapter(model, ADAPTER_DIR)).quantized()


# every variant runs in screenplay style (the page's default: the LoRA adapter's change on) and plain (the model
# the GGUF holds, as llama.cpp runs it)
STYLES = {"screenplay": True, "plain": False}
LLAMA = "llama.cpp, same GGUF"
def torch_compiled() -> Generator:
    """The step as it was compiled before AOTInductor: torch.compile, whose guards are checked each call. It
    compiles in the first (warm-up) round, so its load time leaves that out."""
    import torch

    generator = Generator.load(precision="int4", compiled=False)
    for model in filter(None, (generator.model, generator.screenplay_model)):
        model.step = torch.compile(model.forward, dynamic=True, options={"cpp_wrapper": True})
    return generator


DEFAULT = "int4, lean decoder + AOTInductor (default)"
VARIANTS = {"fp32, lean decoder": lambda: Generator.load(precision="fp32", compiled=False),
            "int4, transformers (before)": transformers_int4,
            "int4, lean decoder": lambda: Generator.load(precision="int4", compiled=False),
            "int4, lean decoder + torch.compile (before)": torch_compiled,
            DEFAULT: lambda: Generator.load(precision="int4", compiled=True)}


def speeds(generators: dict[str, Generator], threads: int, tokens: int, repeats: int,
           llama: Callable[[int], tuple] | None = None) -> list[dict]:
    """One row per variant, style and decoding, and one for `llama` (llama.cpp) where given. The runs go in
    rounds, each of them once a round, so a slow spell of these shared cores falls on all of them alike; the
    first round is a warm-up."""
    runs: dict[tuple[str, str, str], list] = {}
    llama_runs = []
    for generator in generators.values():   # settings of theirs that these runs change
        generator.decode_threads = threads
        compiled = isinstance(getattr(generator.model, "step", None), StepsByThreads)
        if compiled and threads not in generator.model.step.threads:   # compiled for other thread counts
            on_own_thread(generator.compile_decoding)
        for model in filter(None, (generator.model, generator.screenplay_model)) if compiled else ():
            if threads not in model.step.threads:
                raise RuntimeError(f"no compiled step for {threads} thread(s): its rows would be eager")
        for model in filter(None, (generator.model, generator.screenplay_model)):
            # no early end-of-text: decoding goes on past it (min_new_tokens would instead add a processor
            # that masks end-of-text every token, ~0.3 ms, which the app's decoding never pays)
            model.generation_config.eos_token_id = None
            model.reuse_prompts = False   # the same prompt every run: a full prefill each time, as llama.cpp's reset
    for round_ in range(repeats + 1):
        if llama is not None:
            llama_runs.append(llama(tokens))
        for name, generator in generators.items():
            for (style, screenplay), (decoding, sampling) in itertools.product(STYLES.items(), DECODING.items()):
                run = generator.run(Request(PROMPT, "story", sampling.with_(max_new_tokens=tokens), screenplay))
                start = time.process_time()
                run.text()
                if round_:
                    runs.setdefault((name, style, decoding), []).append(
                        (run.result, run.result.new_tokens / (time.process_time() - start)))
    # tokens per CPU-second: what the process would do with its threads to itself (robust to other jobs)
    rows = [dict(variant=name, style=style, threads=threads, decoding=decoding,
                 tokens_per_s=round(statistics.median(r.tokens_per_s for r, _ in done), 1),
                 ttft_ms=round(statistics.median(r.ttft_ms for r, _ in done), 1), new_tokens=done[0][0].new_tokens,
                 tokens_per_cpu_s=round(statistics.median(cpu for _, cpu in done), 1))
            for (name, style, decoding), done in runs.items()]
    if llama_runs:
        rates, ttfts, counts = zip(*llama_runs[1:])
        rows.append(dict(variant=LLAMA, style="plain", threads=threads, decoding="greedy",
                         tokens_per_s=round(statistics.median(rates), 1), ttft_ms=round(statistics.median(ttfts), 1),
                         new_tokens=counts[0]))
    return rows


def page_first_tokens(generator: Generator, threads: int, rounds: int) -> list[dict]:
    """Time to first token for the page's own example prompts (one per mode, in turn, so consecutive prompts
    share only the chat template), with the decoder starting each prefill after the part the last prompt shared
    (the app's way) and with a whole prefill each time."""
    from models.story.prompts import MODES

    generator.decode_threads = threads
    ttfts: dict[bool, list[float]] = {True: [], False: []}
    decoders = list(filter(None, (generator.model, generator.screenplay_model)))
    for round_ in range(rounds + 1):
        for reuse in (True, False):
            for decoder in decoders:
                decoder.reuse_prompts = reuse
            for name, mode in MODES.items():
                run = generator.run(Request(mode.example, name, DECODING["greedy"].with_(max_new_tokens=2)))
                run.text()
                if round_:
                    ttfts[reuse].append(run.result.ttft_ms)
    for decoder in decoders:
        decoder.reuse_prompts = True
    return [dict(threads=threads, prefill="after the shared start (app)" if reuse else "whole prompt",
                 ttft_ms_median=round(statistics.median(values), 1), ttft_ms_max=round(max(values), 1),
                 prompts=len(values)) for reuse, values in ttfts.items()]


def int4_perplexity(windows: int) -> dict:
    from models.story.evaluate import held_out_batches, perplexity

    if not SCRIPTS.is_file():
        return dict(note=f"{SCRIPTS} absent: perplexity impact not measured")
    report = dict(windows=windows)
    batches = None
    for precision in ("fp32", "int4"):
        generator = Generator.load(precision=precision, compiled=False)   # compiling changes decoding only
        batches = batches or held_out_batches(SCRIPTS, replace(RECIPES["small"], eval_chunks=windows),
                                              generator.tokenizer)
        report[precision] = dict(plain=round(perplexity(generator.model, batches), 3),
                                 screenplay=round(perplexity(generator.screenplay_model, batches), 3))
    return report


_LLM = None   # the llama.cpp model, in llama_cpp_apart's process


def _with_llama_site() -> None:
    """Put the separate venv's site-packages (LLAMA_CPP_SITE) after ours on the import path."""
    site = os.environ.get("LLAMA_CPP_SITE")
    if site and site not in sys.path:
        sys.path.append(site)


def _llama_load(threads: int) -> None:
    global _LLM
    _with_llama_site()
    from llama_cpp import Llama

    _LLM = Llama(model_path=str(gguf_path()), n_ctx=2048, n_threads=threads, verbose=False)


def _llama_once(tokens: int) -> tuple[float, float, int]:
    """Tokens/s, first-token ms and new tokens of one greedy decoding of the same GGUF (the plain model), with
    end-of-text barred, so it decodes `tokens` tokens as ours do, not the ~80 it would stop after."""
    _LLM.reset()   # else it reuses the last run's prompt and its "first token" is one decoding step
    start, first, count = time.perf_counter(), None, 0
    for chunk in _LLM(PROMPT, max_tokens=tokens, temperature=0.0, stream=True,
                      logit_bias={_LLM.token_eos(): -float("inf")}):
        if chunk["choices"][0]["finish_reason"] is None:   # the last chunk only says why it ended
            first, count = first or time.perf_counter(), count + 1
            last = time.perf_counter()
    return (count - 1) / (last - first), (first - start) * 1000, count


@contextlib.contextmanager
def llama_cpp_apart(threads: int):
    """A function running `_llama_once` in a process of its own, or None where llama-cpp-python is not installed.
    Apart, since it shares libgomp with torch, and the helper threads torch's work left here would cut its
    threads' spin-wait short (see threads.on_own_thread); kept for the whole run, so speeds() can put one of its
    decodings in every round beside ours."""
    _with_llama_site()
    if importlib.util.find_spec("llama_cpp") is None:
        yield None
        return
    with ProcessPoolExecutor(1, multiprocessing.get_context("spawn"), _llama_load, (threads,)) as pool:
        yield lambda tokens: pool.submit(_llama_once, tokens).result()   # a failed load raises, not respawns


def ratios(speed_rows: list[dict]) -> dict:
    """Our greedy tokens/s over llama.cpp's from the same rounds, per variant, style and thread count."""
    llama = {row["threads"]: row["tokens_per_s"] for row in speed_rows if row["variant"] == LLAMA}
    return {f"{row['variant']}, {row['style']}, {row['threads']} thread(s)":
            round(row["tokens_per_s"] / llama[row["threads"]], 2)
            for row in speed_rows if row["decoding"] == "greedy" and row["variant"] != LLAMA and row["threads"] in llama}


def main() -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=2, help="timed runs after one warm-up (at least 1)")
    parser.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    parser.add_argument("--json", type=Path, default=Path("work/bench/story.json"))
    parser.add_argument("--windows", type=int, default=16, help="held-out windows for the int4 perplexity check")
    parser.add_argument("--no-perplexity", action="store_true", help="skip the int4 perplexity check")
    parser.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    parser.add_argument("--page-rounds", type=int, default=2, help="rounds of the page prompts' first-token timing "
                        "(the default variant; 0: skip)")
    args = parser.parse_args()
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")

    # torch work on threads that end with it, as in the app (threads.on_own_thread)
    report = dict(cpu_threads_available=torch.get_num_threads(), load=on_own_thread(load_times), speed=[])
    generators = {}
    for name in args.variants:
        start = time.perf_counter()
        generators[name] = on_own_thread(VARIANTS[name])
        report.setdefault("variant_load_s", {})[name] = round(time.perf_counter() - start, 1)
    for threads in args.threads:
        if args.page_rounds and DEFAULT in generators:
            for row in page_first_tokens(generators[DEFAULT], threads, args.page_rounds):
                report.setdefault("page_first_token", []).append(row)
                print(json.dumps(row), flush=True)
        with llama_cpp_apart(threads) as llama:
            for row in speeds(generators, threads, args.tokens, args.repeats, llama):
                report["speed"].append(row)
                print(json.dumps(row), flush=True)
    del generators
    if not args.no_perplexity:
        report["int4_perplexity"] = on_own_thread(int4_perplexity, args.windows)
    report["ratio_to_llama_cpp"] = ratios(report["speed"]) or "llama-cpp-python is not installed: not compared"
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "speed"}, indent=2))


if __name__ == "__main__":
    main()
