"""A lean decoder's one-token step compiled ahead of time by AOTInductor, kept on disk and run without Python
in the step: no torch.compile guards to check each token (~1 ms of a ~9 ms step there), one C++ call.

The step is exported with the cache length and the position symbolic, so one program serves every
generation. AOTInductor takes tensors only, so the position travels as the length of an empty tensor. The
program is packaged without weights: the decoder's own tensors are handed to it (`user_managed`), so they
are held once, not twice (+340 MB a model otherwise). A package is reused while nothing it was compiled from
changes (`package_key`); a new one takes ~40 s.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from types import SimpleNamespace

import torch
from torch import nn

from .quant import GROUP

# inductor passes each int4 product's group size as a scalar constant of its own (quantized_lowerings.py)
GROUP_SIZE_CONSTANT = re.compile(r"constant\d+")
SOURCES = ("decoder.py", "quant.py", "aot.py")


class Step(nn.Module):
    """The exported signature: logits of the last of `input_ids`, at the position `marker.shape[0]`."""

    def __init__(self, decoder: nn.Module):
        super().__init__()
        self.decoder = decoder

    def forward(self, input_ids: torch.Tensor, cache: list[tuple], marker: torch.Tensor) -> torch.Tensor:
        return self.decoder(input_ids, cache=cache, pos=marker.shape[0], last_only=True).logits


def package_key(decoder: nn.Module) -> str:
    """What the compiled program depends on: torch and the CPU's vector instructions, the intra-op threads its
    kernels were compiled for, the decoder's code, config, context and tensors' names, shapes and dtypes (not
    their values, which are handed over at load)."""
    from torch._inductor.cpu_vec_isa import pick_vec_isa

    here = Path(__file__).parent
    facts = {"torch": torch.__version__, "isa": str(pick_vec_isa()), "threads": torch.get_num_threads(),
             "context": decoder.context, "config": decoder.config.to_json_string(),
             "tensors": [(name, list(t.shape), str(t.dtype)) for name, t in _tensors(Step(decoder)).items()],
             "code": [hashlib.sha256((here / name).read_bytes()).hexdigest() for name in SOURCES]}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()[:20]


def _tensors(step: Step) -> dict[str, torch.Tensor]:
    return {**dict(step.named_parameters(remove_duplicate=False)), **dict(step.named_buffers(remove_duplicate=False))}


def build_package(decoder: nn.Module, path: Path) -> None:
    """Export the step and compile it into `path` (written whole or not at all)."""
    from torch.export import Dim, export

    length = Dim("cache_length", min=4, max=decoder.context)
    shapes = {"input_ids": None, "cache": [({2: length}, {2: length}) for _ in decoder.blocks],
              "marker": {0: Dim("position", min=1, max=decoder.context - 1)}}
    with torch.no_grad():
        program = export(Step(decoder), (torch.zeros((1, 1), dtype=torch.long), decoder.new_cache(8),
                                         torch.empty(4, 0)), dynamic_shapes=shapes, strict=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        built = Path(scratch) / path.name
        torch._inductor.aoti_compile_and_package(
            program, package_path=str(built), inductor_configs={"aot_inductor.package_constants_in_so": False})
        os.replace(built, path)


class CompiledStep:
    """Called as LlamaDecoder.forward for one token after the prompt; runs the packaged program on the decoder's
    own weights."""

    def __init__(self, decoder: nn.Module, path: Path):
        self.runner = torch._inductor.aoti_load_package(str(path))
        tensors = _tensors(Step(decoder))
        names = self.runner.get_constant_fqns()
        unknown = [name for name in names if name not in tensors and not GROUP_SIZE_CONSTANT.fullmatch(name)]
        if unknown:
            raise ValueError(f"the compiled step wants tensors the decoder does not have: {unknown[:3]}")
        constants = {name: tensors[name] if name in tensors else torch.tensor(GROUP) for name in names}
        self.runner.load_constants(constants, check_full_update=True, user_managed=True)
        self.held = constants   # user_managed: the program reads these tensors in place

    def __call__(self, input_ids: torch.Tensor, cache: list[tuple], pos: int, last_only: bool = True):
        return SimpleNamespace(logits=self.runner(input_ids, cache, torch.empty(pos, 0)))
