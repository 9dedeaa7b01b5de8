"""Sentiment model figures: load time, single-review latency (a ~250-word review and a one-line one), batch
throughput, peak memory, and accuracy beside the TF-IDF baseline, for fp32, bf16 and int8 inference side by
side (fp32 is the baseline of the ratios).

    python -m bench.sentiment [--model DIR] [--n-latency 200] [--n-batch 2000] [--baseline] [--levels]

`--levels` runs the whole bench once per ISA level this CPU can emulate (native, then AVX2 and DEFAULT,
through ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA), one table each, so an AVX-512 machine shows what
an AVX2-only one does.

Targets (2 cores): p50 <= 15 ms for one ~250-word review, >= 500 reviews/s batched. A model with a short-text
reader (models/sentiment/reader.py) spends most of a one-line review's time there: `p50 line` shows it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from models.sentiment import DEFAULT_DIR, SentimentModel
from models.cpu import cpu_info
from models.sentiment.model import BATCH, machine_precision
from models.sentiment.evaluate import read_labelled, scores

SHARED_TEST = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "imdb" / "imdb_test.csv.xz"
WRITTEN_REVIEW = (
    "I went in expecting another loud summer sequel and came out grinning. The story is thin, sure, "
    "and the villain's plan makes little sense once you think about it for more than a minute, but the "
    "cast sells every scene. The lead has a dry, tired warmth that keeps the jokes from turning smug, "
    "and the supporting players get real moments instead of one-liners. The middle act drags a little "
    "with a detour to a desert town that adds nothing, and one chase is edited so fast you cannot tell "
    "who is where. Still, the final half hour is terrific: inventive, funny and surprisingly moving. "
) * 2  # ~220 words, written for this benchmark
ONE_LINERS = [   # written for this benchmark
    "Two hours I will never get back.", "Not one boring scene.", "The acting was not bad at all.",
    "Loved every minute of it!", "I want my money back.", "Sat on the edge of my seat the whole time.",
    "Dull, dull, dull.", "A gorgeous, heartfelt little film.",
]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def timed_singly(model: SentimentModel, texts: list[str]) -> list[float]:
    """Milliseconds each text takes alone."""
    latencies = []
    for text in texts:
        t0 = time.perf_counter()
        model.predict([text])
        latencies.append((time.perf_counter() - t0) * 1000)
    return latencies


def measure(path: Path, precision: str, single: list[str], batch: list[str], sample) -> dict:
    model = SentimentModel.load(path, precision=precision)
    model.predict(single[:3] + ONE_LINERS[:3])  # warm-up
    latencies, line_latencies = timed_singly(model, single), timed_singly(model, ONE_LINERS * 5)
    t0 = time.perf_counter()
    model.predict(batch)
    throughput = len(batch) / (time.perf_counter() - t0)
    accuracy = None
    if sample is not None:
        predictions = [int(r.label == "pos") for r in model.predict(sample["text"].tolist())]
        accuracy = scores(sample["y"].tolist(), predictions)["accuracy"]
    return dict(precision=precision, p50_ms=round(percentile(latencies, 50), 2),
                p95_ms=round(percentile(latencies, 95), 2), p50_line_ms=round(percentile(line_latencies, 50), 2),
                reviews_per_s=round(throughput, 1),
                accuracy_1000=accuracy)


def _seconds_per_product(rows: int, inner: int, outer: int, dtype: torch.dtype, repeats: int = 30) -> float:
    if dtype == torch.int8:
        a, w = torch.randint(-127, 128, (rows, inner), dtype=dtype), torch.randint(-127, 128, (inner, outer), dtype=dtype)
        product = torch._int_mm
    else:
        a, w, product = torch.randn(rows, inner, dtype=dtype), torch.randn(inner, outer, dtype=dtype), torch.matmul
    product(a, w)
    t0 = time.perf_counter()
    for _ in range(repeats):
        product(a, w)
    return (time.perf_counter() - t0) / repeats


def native_dtypes() -> tuple[torch.dtype, ...]:
    """The products this CPU runs in hardware: emulated bf16 or int8 ceilings take minutes and mean nothing."""
    cpu = cpu_info()
    vnni = bool({"avx512_vnni", "avx_vnni"} & cpu.flags) and cpu.aten_capability.startswith("AVX512")
    return (torch.float32,) + ((torch.bfloat16,) if cpu.native_bf16 else ()) + ((torch.int8,) if vnni else ())


def matmul_ceilings(model: SentimentModel, texts: list[str], dtypes: tuple[torch.dtype, ...]) -> list[dict]:
    """An estimate of the most reviews/s this network reaches here, per dtype: only its LSTMs' matrix
    products, timed alone at the inference batch size (input products over 32 steps at once, recurrent
    ones a step at a time, as they must be), for the sample's mean review length; gates, pooling,
    quantising and tokenising free. int8 is what a fused int8 LSTM kernel could at best reach (torch has
    none: its quantised LSTM is the `int8` precision above)."""
    tokens = statistics.mean(len(ids) for ids in model.encode(texts))
    flops = 2 * tokens * sum(4 * lstm.hidden_size * (lstm.input_size + lstm.hidden_size) for lstm in model.net.rnns)
    ceilings = []
    for dtype in dtypes:
        step_s = sum(_seconds_per_product(BATCH * 32, lstm.input_size, 4 * lstm.hidden_size, dtype) / 32
                     + _seconds_per_product(BATCH, lstm.hidden_size, 4 * lstm.hidden_size, dtype)
                     for lstm in model.net.rnns)
        ceilings.append(dict(dtype=str(dtype).removeprefix("torch."), mean_tokens=round(tokens, 1),
                             gflop_per_review=round(flops / 1e9, 3),
                             ceiling_reviews_per_s=round(BATCH / (step_s * tokens), 1)))
    return ceilings


# environment caps that make torch and oneDNN use no more than an ISA level (see models/cpu.py)
LEVELS = {"native": {}, "AVX2": dict(ATEN_CPU_CAPABILITY="avx2", ONEDNN_MAX_CPU_ISA="AVX2"),
          "DEFAULT": dict(ATEN_CPU_CAPABILITY="default", ONEDNN_MAX_CPU_ISA="SSE41")}


def run_levels(argv: list[str]) -> None:
    """The bench again in a fresh process per level: the caps are read when torch starts."""
    for name, caps in LEVELS.items():
        print(f"\n=== ISA level: {name} {caps or ''}", flush=True)
        subprocess.run([sys.executable, "-m", "bench.sentiment", *argv], env={**os.environ, **caps}, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--n-latency", type=int, default=200)
    parser.add_argument("--n-batch", type=int, default=2000)
    parser.add_argument("--baseline", action="store_true", help="also train and score the TF-IDF baseline (~40 s)")
    parser.add_argument("--levels", action="store_true", help="one run per emulated ISA level (native, AVX2, DEFAULT)")
    args = parser.parse_args()
    if args.levels:
        return run_levels([a for a in sys.argv[1:] if a != "--levels"])

    rss_before = peak_rss_mib()
    t0 = time.perf_counter()
    print(f"CPU: {cpu_info().describe()}")
    model = SentimentModel.load(args.model)
    load_s = time.perf_counter() - t0
    print(f"model {model.version}: loaded in {load_s:.2f} s, peak RSS {peak_rss_mib():.0f} MiB "
          f"(+{peak_rss_mib() - rss_before:.0f} MiB), torch threads {torch.get_num_threads()}")

    sample = None
    if SHARED_TEST.exists():
        test = read_labelled(SHARED_TEST)
        words = test["text"].str.split().str.len()
        single = test[(words > 220) & (words < 280)]["text"].sample(args.n_latency, random_state=0).tolist()
        batch = test["text"].sample(args.n_batch, random_state=1).tolist()
        sample = read_labelled(SHARED_TEST, limit=1000, seed=2024)
    else:
        print("(../shared absent: timing a review written for this benchmark; no accuracy)")
        single, batch = [WRITTEN_REVIEW] * args.n_latency, [WRITTEN_REVIEW] * args.n_batch

    rows = [measure(args.model, precision, single, batch, sample) for precision in ("fp32", "bf16", "int8")]
    print(f"{'precision':<10}{'p50 ms':>8}{'p95 ms':>8}{'p50 line':>10}{'reviews/s':>11}{'acc@1000':>10}")
    for row in rows:
        print(f"{row['precision']:<10}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p50_line_ms']:>10}{row['reviews_per_s']:>11}"
              f"{row['accuracy_1000'] or '-':>10}")
    for row in rows[1:]:
        print(f"{row['precision']}/fp32: throughput x{row['reviews_per_s'] / rows[0]['reviews_per_s']:.2f}, "
              f"p50 x{rows[0]['p50_ms'] / row['p50_ms']:.2f} faster")
    print(f"default precision on this CPU: {machine_precision()}; targets: p50 <= 15 ms, >= 500 reviews/s; "
          f"peak RSS {peak_rss_mib():.0f} MiB")
    ceilings = matmul_ceilings(model, batch, native_dtypes())
    for ceiling in ceilings:
        print(f"{ceiling['dtype']} matrix-product ceiling for this network here: {ceiling['ceiling_reviews_per_s']} "
              f"reviews/s ({ceiling['gflop_per_review']} GFLOP per review of {ceiling['mean_tokens']} tokens)")
    test_metrics = model.card.get("metrics", {}).get("imdb_test")
    if test_metrics:
        print(f"full IMDB test split (from the model card): accuracy {test_metrics['accuracy']:.4f}")
    if args.baseline and SHARED_TEST.exists():
        from models.sentiment.baseline import train_baseline

        pipeline = train_baseline(SHARED_TEST.with_name("imdb_train.csv.xz"))
        full = read_labelled(SHARED_TEST)
        base = scores(full["y"].tolist(), pipeline.predict(full["text"]).tolist())
        print(f"TF-IDF + LR baseline on the full test split: accuracy {base['accuracy']:.4f}")
    print(json.dumps(dict(load_s=round(load_s, 2), peak_rss_mib=round(peak_rss_mib()), results=rows,
                          matmul_ceilings=ceilings)))


if __name__ == "__main__":
    main()
