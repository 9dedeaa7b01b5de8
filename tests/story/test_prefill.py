"""A prompt's rows multiplied by dense copies of the 4-bit weights where that is faster (models/story/prefill.py)."""
import json

import pytest
import torch
from torch import nn

from models.story import prefill
from models.story.config import CACHE_ENV
from models.story.decoder import LlamaDecoder
from models.story.quant import Int4Linear, LowRankDelta, quantize_weights, share_equal_layers
from tests.story.conftest import tiny_llama

PROMPT = torch.tensor([[5, 17, 42, 8, 99, 3, 61]])


@pytest.fixture
def linear():
    torch.manual_seed(0)
    return nn.Linear(64, 48, bias=True)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16])
def test_dense_products_of_several_rows_are_the_kernels_up_to_rounding(linear, dtype):
    kernel, dense = Int4Linear(linear), Int4Linear(linear, prefill_dtype=dtype)
    rows = torch.randn(6, 64)
    with torch.inference_mode():
        expected, got = kernel(rows).float(), dense(rows).float()
        assert (got - expected).norm() / expected.norm() < 0.01   # the same 4-bit weights, rounded otherwise
        one = rows[:1]
        assert torch.equal(dense(one), kernel(one))   # one row (a decoded token) goes through the kernel


def test_dense_weights_are_the_4_bit_ones_and_stay_out_of_casts_and_state_dicts(linear):
    dense = Int4Linear(linear, prefill_dtype=torch.float32)
    four_bit = Int4Linear(linear)
    eye = torch.eye(64, dtype=torch.bfloat16)
    with torch.inference_mode():   # the kernel applied to the identity reads out its own (bf16-rounded) weights
        read_out = (four_bit(eye).float() - four_bit.bias.float()).t()
    assert torch.allclose(dense.dense, read_out, atol=1e-2 * read_out.abs().max().item())
    model = nn.Sequential(linear)
    quantize_weights(model, prefill_dtype=torch.float32)
    assert model[0].dense.dtype == torch.float32 and "0.dense" not in model.state_dict()


def test_a_decoder_prefilled_densely_gives_the_kernels_logits_up_to_rounding():
    kernel = quantize_weights(LlamaDecoder(tiny_llama(), 96))
    dense = quantize_weights(LlamaDecoder(tiny_llama(), 96), prefill_dtype=torch.float32)
    with torch.inference_mode():
        expected, got = kernel(PROMPT).logits.float(), dense(PROMPT).logits.float()
    assert torch.nn.functional.cosine_similarity(expected.flatten(), got.flatten(), dim=0) > 0.999


def test_a_tuned_model_holds_its_bases_4_bit_layers_once():
    plain, tuned = tiny_llama(), tiny_llama()
    with torch.no_grad():   # a rank-2 change of q (a merged LoRA adapter) and a full-rank change of gate/up
        for layer in tuned.model.layers:
            q = layer.self_attn.q_proj
            q.weight += torch.randn(q.out_features, 2) @ torch.randn(2, q.in_features) * 0.05
            layer.mlp.up_proj.weight.mul_(1.5)
    screenplay = quantize_weights(LlamaDecoder(tuned, 96), base=LlamaDecoder(plain, 96), prefill_dtype=torch.float32)
    base = quantize_weights(LlamaDecoder(plain, 96), prefill_dtype=torch.float32)
    with torch.inference_mode():
        before = screenplay(PROMPT).logits
    # each block's qkv (its delta kept apart), o and down, and the output head's 4-bit estimate
    assert share_equal_layers(screenplay, base) == 3 * len(screenplay.blocks) + 1
    block, base_block = screenplay.blocks[0], base.blocks[0]
    assert isinstance(block.qkv, LowRankDelta) and block.qkv.quantized.packed is base_block.qkv.packed
    assert block.qkv.quantized.dense is base_block.qkv.dense and block.down.packed is base_block.down.packed
    assert block.gate_up.packed is not base_block.gate_up.packed   # its own change: its own weights
    with torch.inference_mode():
        assert torch.equal(screenplay(PROMPT).logits, before)


def test_the_environment_names_the_choice(monkeypatch):
    monkeypatch.setattr(prefill, "timed_choices", lambda: pytest.fail("timed although named"))
    for name, dtype in prefill.CHOICES.items():
        monkeypatch.setenv(prefill.PREFILL_ENV, name.upper())
        assert prefill.choice() is dtype
    monkeypatch.setenv(prefill.PREFILL_ENV, "fp8")
    with pytest.raises(ValueError, match="must be one of int4, float32, bfloat16"):
        prefill.choice()


def test_the_fastest_candidate_is_timed_once_per_machine(monkeypatch, tmp_path):
    monkeypatch.delenv(prefill.PREFILL_ENV)
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    timings = []
    monkeypatch.setattr(prefill, "timed_choices",
                        lambda: timings.append(1) or {"int4": 2.0, "float32": 1.5, "bfloat16": 0.5})
    assert prefill.choice() is torch.bfloat16 and prefill.choice() is torch.bfloat16
    assert len(timings) == 1
    assert json.loads((tmp_path / prefill.CHOICE_FILE).read_text()) == {prefill.machine_key(): "bfloat16"}
    monkeypatch.setattr(prefill, "machine_key", lambda: "another CPU")
    prefill.choice()
    assert len(timings) == 2


def test_timing_measures_every_candidate_on_this_machine():
    times = prefill.timed_choices(rows=4, repeats=1, layers=2)
    assert set(times) == set(prefill.CHOICES) and all(t > 0 for t in times.values())
