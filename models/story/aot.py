"""A lean decoder's one-token step compiled ahead of time by AOTInductor, kept on disk and run without Python
in the step: no torch.compile guards to check each token (~1 ms of a ~9 ms step there), one C++ call.

The step is exported with the cache length and the position symbolic, so one program serves every
generation. AOTInductor takes tensors only, so the position travels as the length of an empty tensor. The
program is packaged without weights: the decoder's own tensors are handed to it (`user_managed`), so they
are held once, not twice (+340 MB a model otherwise). A package is reused while nothing it was compiled from
changes (`package_key`); a new one takes ~40 s. Its kernels run on the intra-op thread count they were compiled
for (a fixed OpenMP team), so a step called on another count decodes eagerly instead.
"""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import platform
import re
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from .quant import GROUP

# inductor passes each int4 product's group size as a scalar constant of its own (quantized_lowerings.py)
GROUP_SIZE_CONSTANT = re.compile(r"constant\d+")
SOURCES = ("decoder.py", "quant.py", "aot.py")
# what every package is compiled with, whatever inductor's settings in the environment: max_autotune's GEMM
# templates pack weights at compile time, which handed-over weights cannot follow (docs/story_studio.md)
INDUCTOR_CONFIGS = {"aot_inductor.package_constants_in_so": False, "max_autotune": False, "freezing": False}
SCRATCH_PREFIX = ".building-"
UNUSED_DAYS = 30   # packages not loaded for this long are deleted when another one is built
# export specialises sizes 0 and 1, so a program covers positions from 2: a one-token prompt's first step decodes
# eagerly
FIRST_POSITION = 2


class Step(nn.Module):
    """The exported signature: logits of the last of `input_ids`, at the position `marker.shape[0]`."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.decoder = decoder

    def forward(self, input_ids: torch.Tensor, cache: list[tuple], marker: torch.Tensor) -> torch.Tensor:
        return self.decoder(input_ids, cache=cache, pos=marker.shape[0], last_only=True).logits


def _machine() -> str:
    """The CPU's instruction set extensions (kernels are compiled with -march=native: a cache folder copied to
    another CPU must not run them) and the C++ compiler's version."""
    from torch._inductor.cpp_builder import get_cpp_compiler

    try:   # x86 calls them flags, ARM Features
        flags = next(line for line in Path("/proc/cpuinfo").read_text().splitlines()
                     if line.startswith(("flags", "Features")))
    except (OSError, StopIteration):
        flags = f"{platform.machine()} {platform.processor()}"
    compiler = get_cpp_compiler()
    version = subprocess.run([compiler, "--version"], capture_output=True, text=True, timeout=30).stdout
    return f"{flags}\n{compiler} {version}"


def package_key(decoder: nn.Module) -> str:
    """What the compiled program depends on: torch, the CPU and the C++ compiler, inductor's settings from the
    environment, the intra-op threads its kernels were compiled for, the decoder's code, config, context and
    tensors' names, shapes and dtypes (not their values, which are handed over at load)."""
    from torch._inductor.cpu_vec_isa import pick_vec_isa

    here = Path(__file__).parent
    facts = {"torch": [torch.__version__, torch.version.git_version], "isa": str(pick_vec_isa()),
             "machine": _machine(), "threads": torch.get_num_threads(),
             "inductor_env": sorted((k, v) for k, v in os.environ.items() if k.startswith("TORCHINDUCTOR_")),
             "context": decoder.context, "config": decoder.config.to_json_string(),
             "tensors": [(name, list(t.shape), str(t.dtype)) for name, t in _tensors(Step(decoder)).items()],
             "code": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in SOURCES]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]


def _tensors(step: Step) -> dict[str, torch.Tensor]:
    return {**dict(step.named_parameters(remove_duplicate=False)), **dict(step.named_buffers(remove_duplicate=False))}


def build_package(decoder: nn.Module, path: Path) -> None:
    """Export the step and compile it into `path` (written whole or not at all); packages of the same folder
    unused for UNUSED_DAYS, and scratch folders a killed build left, are deleted first."""
    from torch.export import Dim, export

    _prune(path.parent)
    length = Dim("cache_length", min=FIRST_POSITION + 1, max=decoder.context)
    shapes = {"input_ids": None, "cache": [({2: length}, {2: length}) for _ in decoder.blocks],
              "marker": {0: Dim("position", min=FIRST_POSITION, max=decoder.context - 1)}}
    with torch.no_grad():
        program = export(Step(decoder), (torch.zeros((1, 1), dtype=torch.long), decoder.new_cache(8),
                                         torch.empty(4, 0)), dynamic_shapes=shapes, strict=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=SCRATCH_PREFIX) as scratch:
        built = Path(scratch) / path.name
        torch._inductor.aoti_compile_and_package(program, package_path=str(built), inductor_configs=INDUCTOR_CONFIGS)
        os.replace(built, path)


def _prune(folder: Path) -> None:
    """Delete packages not loaded for UNUSED_DAYS (CompiledStep touches the one it loads: each code change makes
    new ones) and scratch folders over a day old (a build killed midway)."""
    import shutil

    now = time.time()
    for item in folder.glob("*"):
        try:
            if item.suffix == ".pt2" and now - item.stat().st_mtime > UNUSED_DAYS * 86400:
                item.unlink()
            elif item.name.startswith(SCRATCH_PREFIX) and now - item.stat().st_mtime > 86400:
                shutil.rmtree(item, ignore_errors=True)
        except OSError:   # another process got there first
            pass


class CompiledStep:
    """Called as LlamaDecoder.forward for one token after the prompt; runs the packaged program on the decoder's
    own weights, on the intra-op thread count it was loaded on, from FIRST_POSITION (eager decoding otherwise)."""

    def __init__(self, decoder: nn.Module, path: Path):
        self.runner = torch._inductor.aoti_load_package(str(path))
        with contextlib.suppress(OSError):   # a read-only cache folder
            os.utime(path)   # in use: see _prune
        self.threads, self.eager = torch.get_num_threads(), decoder.forward
        tensors = _tensors(Step(decoder))
        names = self.runner.get_constant_fqns()
        unknown = [name for name in names if name not in tensors and not GROUP_SIZE_CONSTANT.fullmatch(name)]
        if unknown:
            raise ValueError(f"the compiled step wants tensors the decoder does not have: {unknown[:3]}")
        constants = {name: tensors[name] if name in tensors else torch.tensor(GROUP) for name in names}
        self.runner.load_constants(constants, check_full_update=True, user_managed=True)   # read in place

    def __call__(self, input_ids: torch.Tensor, cache: list[tuple], pos: int, last_only: bool = True):
        if pos >= FIRST_POSITION:
            threads = torch.get_num_threads()
            if threads == self.threads:
                # the program's inputs flattened as export flattened Step's arguments: the runner's own call parses
                # its input and output specs from JSON and flattens the 60 cache tensors anew each token (~0.5 ms)
                flat = [input_ids, *itertools.chain.from_iterable(cache), torch.empty(pos, 0)]
                return SimpleNamespace(logits=self.runner.loader.boxed_run(flat)[0])
            warnings.warn(f"the compiled decoding step runs on {self.threads} threads, not {threads}: "
                          f"decoding without it")
        return self.eager(input_ids, cache=cache, pos=pos, last_only=last_only)
