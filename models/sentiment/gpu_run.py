"""Train on a lent GPU machine (the `device` tool), which has torch but no fastai, no ../shared and no
network, takes at most 64 MiB of carried files and returns at most 8 files of 16 MiB.

Here, once:   python -m models.sentiment.gpu_run prepare --data ../shared/datasets/imdb
              (token ids + labels, vocabulary, tokenizer and SmolLM2 rows into work/gpu/cache; fastai's
              wheels into work/gpu/whl); then keep the tracked weights out of the copy that travels:
              `git rm --cached` them and list them in .git/info/exclude until the run is back.
There:        python3 -m pip install -q --no-index --no-deps --target /tmp/site work/gpu/whl/*.whl
              PYTHONPATH=/tmp/site:$PWD python3 -m models.sentiment.gpu_run run --deadline 545
              (carry work/gpu; timeout_s 595). It trains the recipes in RUNS at once through the real
              `train` command, each fitting its language model into its minutes, then distils A with B as a
              third teacher (C), and before the deadline packs each model (or its last classifier stage)
              into $OUT as fp16 parts plus a tarball of its card, recipe, vocabulary and log (B: card and
              log only). On an H100 A and B took ~5 min together and C ~2.5 min more.
Back here:    python -m models.sentiment.gpu_run unpack FILES_AT NAME --out DIR   (a loadable model folder)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

CACHE = Path("work/gpu/cache")
WHEELS = Path("work/gpu/whl")
PART_BYTES = 15 * 2 ** 20
# fastai and what it imports that the GPU image lacks; fastprogress 1.0.3 predates its fasthtml import
DEVICE_WHEELS = ["fastai==2.8.12", "fastcore==2.2.39", "fastdownload==0.0.8", "fastprogress==1.0.3",
                 "fasttransform==0.0.5", "plum-dispatch==2.9.0", "beartype==0.23.1"]
RUNS = {
    # the shipped network's size, its language model given every epoch that fits
    "A": ["--config", "small", "--lm-tokens", "60000000", "--set", "lm_epochs=20", "--set", "lm_bs=128",
          "--set", "distil_epochs=0", "--lm-minutes", "4.5"],
    # ULMFiT's size, too slow for the latency goal on 2 cores: trained as a teacher for A
    "B": ["--config", "full", "--set", "vocab_size=12000", "--set", "lm_epochs=10", "--set", "lm_bs=128",
          "--set", "lm_lr=0.005", "--set", "lm_drop_mult=0.3", "--set", "bf16=true", "--set", "head=128",
          "--set", "tail=640", "--lm-minutes", "4"],
}
# A's classifier distilled (train --resume on a copy of A's work folder) with B as a third teacher when B
# finished; it starts once A has, and waits for B while at least DISTIL_WAIT_S are left
DISTIL, DISTIL_FROM, TEACHER = "C", "A", "B"
DISTIL_ARGS = ["--resume", "--set", "distil_epochs=2"]
DISTIL_WAIT_S, DISTIL_LEAST_S = 200, 160   # C took ~150 s on an H100
WEIGHTLESS = {TEACHER}   # only its card and log come back: a returned file holds 16 MiB, and at most 8 return
SMOKE = ["--config", "tiny", "--lm-minutes", "0.05"]


def prepare(data: Path, config: str) -> None:
    from .config import recipe
    from .train import Trainer

    trainer = Trainer(data, recipe(config), CACHE / "unused", CACHE)
    tokenizer, *_ = trainer.tokenize()
    trainer.smollm2_rows(tokenizer)
    for leftover in ("progress.json", "chat_template.jinja", "tokenizer_config.json"):
        (CACHE / leftover).unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
                    "--python-version", "3.12", "--implementation", "cp", "--platform", "manylinux_2_28_x86_64",
                    "--platform", "manylinux_2_17_x86_64", "-d", str(WHEELS), *DEVICE_WHEELS], check=True)


def start(name: str, args: list[str], data: str, out: Path, seed: Path) -> subprocess.Popen:
    """The train command for run `name` in a work folder copied from `seed` (the token cache, or a run's)."""
    work = Path(f"work/run_{name}")
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(f"work/out_{name}", ignore_errors=True)   # a warm machine keeps the last call's
    shutil.copytree(seed, work) if seed.exists() else work.mkdir(parents=True)
    cmd = [sys.executable, "-m", "models.sentiment", "train", "--data", data, "--work", str(work),
           "--out", f"work/out_{name}", *args]
    print(time.strftime("%X"), name, " ".join(cmd), flush=True)
    with open(out / f"{name}.log", "ab") as log:   # the child keeps its own handle
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"))


def pack(name: str, out: Path) -> None:
    """The finished model (or else its last classifier stage) as fp16 parts, and its small files."""
    model_dir, work = Path(f"work/out_{name}"), Path(f"work/run_{name}")
    weights = None
    if name not in WEIGHTLESS:
        weights = _weights_to_pack(name, model_dir, work)
        if weights is None:
            print(name, "nothing to pack", flush=True)
            return
        _save_fp16_parts(weights, name, out)
    with tarfile.open(out / f"{name}_meta.tar.gz", "w:gz") as tar:
        for f in [*model_dir.glob("*.json"), *model_dir.glob("*.md"), work / "progress.json", out / f"{name}.log"]:
            if f.exists() and f.name != "tokenizer.json":
                tar.add(f, arcname=f.name)
    (out / f"{name}.log").unlink()
    print(time.strftime("%X"), name, "packed", weights or "its card and log", flush=True)


def _weights_to_pack(name: str, model_dir: Path, work: Path) -> Path | None:
    """The exported model, else (stopped at the deadline) the last finished classifier stage; C's stages are
    A's, so a C stopped early has nothing of its own."""
    exported = model_dir / "model.safetensors"
    if exported.exists() or name == DISTIL:
        return exported if exported.exists() else None
    progress = json.loads((work / "progress.json").read_text()) if (work / "progress.json").exists() else {}
    stage = work / f"clas_stage{progress.get('clas_stages_done', 0)}.safetensors"
    return stage if stage.exists() else None


def _save_fp16_parts(weights: Path, name: str, out: Path) -> None:
    """`weights` as fp16 safetensors of at most PART_BYTES each (a returned file holds 16 MiB)."""
    from safetensors.torch import load_file, save_file

    parts, size = [{}], 0
    for key, tensor in load_file(str(weights)).items():
        tensor = tensor.half() if tensor.is_floating_point() else tensor
        nbytes = tensor.numel() * tensor.element_size()
        if parts[-1] and size + nbytes > PART_BYTES:
            parts.append({})
            size = 0
        parts[-1][key] = tensor
        size += nbytes
    for i, part in enumerate(parts):
        save_file(part, str(out / f"{name}_w{i}.safetensors"))


def run(deadline_s: float, names: str, smoke_data: str | None, cache: Path) -> None:
    t0 = time.time()
    out = Path(os.environ.get("OUT", "work/gpu/out"))
    out.mkdir(parents=True, exist_ok=True)
    print(time.strftime("%X"), "device:", torch_device(), flush=True)
    data = smoke_data or "work/gpu/no-csv-needed"   # the carried cache holds every id and label
    runs = {n: SMOKE if smoke_data else RUNS[n] for n in names}
    procs = {n: start(n, runs[n], data, out, cache) for n in runs}
    codes: dict[str, int | None] = {}
    retried: set[str] = set()
    while procs:
        time.sleep(1)
        elapsed = time.time() - t0
        for name, proc in list(procs.items()):
            code = proc.poll()
            if code not in (None, 0) and name not in retried and name != DISTIL and elapsed < 150:
                print(time.strftime("%X"), name, "failed early; again without mixed precision", flush=True)
                retried.add(name)
                procs[name] = start(name, runs[name] + ["--set", "bf16=false"], data, out, cache)
            elif code is not None or elapsed > deadline_s:
                if code is None:
                    proc.kill()
                    proc.wait()
                print(time.strftime("%X"), name, "exit", code, flush=True)
                codes[name] = code
                try:
                    pack(name, out)
                except Exception as err:   # the other runs still get packed
                    print(time.strftime("%X"), name, "could not be packed:", repr(err), flush=True)
                del procs[name]
        left = deadline_s - (time.time() - t0)
        if DISTIL not in runs and codes.get(DISTIL_FROM) == 0 and left > DISTIL_LEAST_S \
                and (TEACHER not in procs or left < DISTIL_WAIT_S):
            teacher = ["--set", f'distil_teacher="work/out_{TEACHER}"'] if codes.get(TEACHER) == 0 else []
            runs[DISTIL] = DISTIL_ARGS + teacher
            procs[DISTIL] = start(DISTIL, runs[DISTIL], data, out, Path(f"work/run_{DISTIL_FROM}"))
    print(json.dumps(dict(seconds=round(time.time() - t0), exits=codes)), flush=True)


def torch_device() -> str:
    import torch

    return torch.cuda.get_device_name() if torch.cuda.is_available() else "none, on the CPU"


def unpack(files: Path, name: str, dest: Path, tokenizer: Path = CACHE / "tokenizer.json") -> None:
    """The returned parts and tarball as a loadable model folder; the log and progress go beside it."""
    from safetensors.torch import load_file, save_file

    from . import artifacts

    with tarfile.open(files / f"{name}_meta.tar.gz") as tar:
        tar.extractall(dest, filter="data")
    if not (dest / artifacts.CARD_JSON).exists():
        raise SystemExit(f"{name} stopped before its export: only a classifier stage came back "
                         f"(see {dest / 'progress.json'})")
    weights = {}
    for part in sorted(files.glob(f"{name}_w*.safetensors")):
        weights.update(load_file(str(part)))
    save_file({k: v.float() if v.is_floating_point() else v for k, v in weights.items()},
              str(dest / artifacts.WEIGHTS))
    shutil.copy(tokenizer, dest / artifacts.TOKENIZER)
    logs = dest.with_name(dest.name + "_training")
    logs.mkdir(exist_ok=True)
    for f in [dest / "progress.json", *dest.glob("*.log")]:
        shutil.move(f, logs / f.name)
    artifacts.write_card(dest, json.loads((dest / artifacts.CARD_JSON).read_text()))  # checksums as now


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m models.sentiment.gpu_run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    prep = commands.add_parser("prepare")
    prep.add_argument("--data", type=Path, required=True)
    prep.add_argument("--config", default="small", help="the recipe whose vocabulary the cache holds")
    go = commands.add_parser("run")
    go.add_argument("--deadline", type=float, default=545, help="seconds until everything is packed")
    go.add_argument("--only", default="".join(RUNS))
    go.add_argument("--smoke", metavar="DATA", help="a CSV folder: the tiny recipe instead of RUNS")
    go.add_argument("--cache", type=Path, default=CACHE)
    back = commands.add_parser("unpack")
    back.add_argument("files", type=Path)
    back.add_argument("name")
    back.add_argument("--out", type=Path, required=True)
    back.add_argument("--tokenizer", type=Path, default=CACHE / "tokenizer.json")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        prepare(args.data, args.config)
    elif args.command == "run":
        run(args.deadline, args.only, args.smoke, args.cache)
    else:
        unpack(args.files, args.name, args.out, args.tokenizer)


if __name__ == "__main__":
    main()
