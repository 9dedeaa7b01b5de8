"""The per-machine choice of precision, with faked CPU flags and ISA caps."""
import pytest

from models.cpu import CpuInfo, cpu_info
from models.sentiment.model import machine_precision

SAPPHIRE_RAPIDS = {"avx2", "avx512f", "avx512_bf16", "amx_bf16", "avx512_vnni"}
ZEN4 = {"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}
ICE_LAKE = {"avx2", "avx512f", "avx512_vnni"}
ZEN3 = {"avx2", "fma"}


def fake_cpu(flags: set[str], aten: str = "AVX512", onednn: str = "") -> CpuInfo:
    return CpuInfo("Test CPU", frozenset(flags), aten, onednn)


@pytest.mark.parametrize("flags, aten, onednn, native, level", [
    (SAPPHIRE_RAPIDS, "AVX512", "", True, "AVX512+AMX"),
    (ZEN4, "AVX512", "", True, "AVX512+BF16"),
    (ZEN4, "AVX512", "AVX512_CORE_BF16", True, "AVX512+BF16"),
    (ICE_LAKE, "AVX512", "", False, "AVX512"),
    (ZEN3, "AVX2", "", False, "AVX2"),
    # the emulation of an AVX2 machine on an AVX-512 one: either cap alone is enough
    (SAPPHIRE_RAPIDS, "AVX2", "AVX2", False, "AVX2"),
    (SAPPHIRE_RAPIDS, "AVX512", "AVX2", False, "AVX512"),
    (ZEN4, "AVX2", "", False, "AVX2"),
    (ZEN4, "DEFAULT", "", False, "DEFAULT"),
])
def test_bf16_counts_as_native_only_with_the_flag_and_no_cap_below_it(flags, aten, onednn, native, level):
    cpu = fake_cpu(flags, aten, onednn)
    assert cpu.native_bf16 is native
    assert cpu.level == level
    assert machine_precision(cpu) == ("bf16" if native else "fp32")


def test_this_machine_is_described_by_its_model_and_level():
    cpu = cpu_info()
    assert cpu.model and cpu.describe().endswith(f"({cpu.level})")


def test_the_environment_caps_are_read_at_each_call(monkeypatch):
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "avx2")
    assert cpu_info().onednn_max_isa == "AVX2" and not cpu_info().native_bf16
