"""What this CPU runs natively, so each model picks its precision per machine instead of one default.

bf16 is fast only where the hardware multiplies it (AVX512_BF16 or AMX); elsewhere torch and oneDNN
emulate it, ~7x slower than fp32, and oneDNN has no bf16 LSTM at all (training under autocast fails).
`ATEN_CPU_CAPABILITY` and `ONEDNN_MAX_CPU_ISA` cap what torch and oneDNN use, so an AVX-512 machine
can be made to behave like an AVX2 one: both are read here, and the lower cap wins.
"""
from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# oneDNN ISA caps (ONEDNN_MAX_CPU_ISA) that include native bf16 products; unset, ALL and DEFAULT cap nothing
ONEDNN_BF16_ISAS = ("AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16",
                    "AVX10_1_512", "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "AVX10_2_512",
                    "AVX10_2_512_AMX_2", "ALL", "DEFAULT", "")


@dataclass(frozen=True)
class CpuInfo:
    model: str
    flags: frozenset[str]
    aten_capability: str     # torch's kernel level: "AVX512", "AVX2", "DEFAULT" (or ARM's)
    onednn_max_isa: str      # the ONEDNN_MAX_CPU_ISA cap, upper case, "" when unset

    @property
    def native_bf16(self) -> bool:
        return (any(flag in self.flags for flag in BF16_FLAGS) and self.aten_capability.startswith("AVX512")
                and self.onednn_max_isa in ONEDNN_BF16_ISAS)

    @property
    def level(self) -> str:
        """A short name for the ISA level in use, as figures are reported: 'AVX512+AMX', 'AVX512+BF16',
        'AVX512', 'AVX2' or 'DEFAULT'."""
        if not self.aten_capability.startswith("AVX512"):
            return self.aten_capability
        if not self.native_bf16:
            return "AVX512"
        return "AVX512+AMX" if "amx_bf16" in self.flags else "AVX512+BF16"

    def describe(self) -> str:
        return f"{self.model} ({self.level})"


def _cpuinfo() -> dict[str, str]:
    fields: dict[str, str] = {}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return fields
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.strip())
    return fields


@lru_cache(maxsize=1)
def _hardware() -> tuple[str, frozenset[str]]:
    fields = _cpuinfo()
    flags = fields.get("flags") or fields.get("Features") or ""
    return fields.get("model name") or platform.processor() or platform.machine(), frozenset(flags.split())


def cpu_info() -> CpuInfo:
    """This machine, under the caps the environment sets now."""
    import torch

    model, flags = _hardware()
    return CpuInfo(model, flags, torch.backends.cpu.get_cpu_capability(),
                   os.environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper())
