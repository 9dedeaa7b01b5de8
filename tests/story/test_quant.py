"""Weight-only int4 / int8 Linear layers for CPU decoding."""
import pytest
import torch
from torch import nn
from transformers import LlamaConfig, LlamaForCausalLM

from models.story.quant import GROUP, Int4Linear, Int8Linear, LowRankDelta, ShortlistHead, quantize_weights


def four_bit_blocks(out_features: int, in_features: int) -> torch.Tensor:
    """A weight already on a 4-bit grid per block of 32 inputs, like the GGUF's Q4_1 matrices."""
    torch.manual_seed(0)
    q = torch.randint(0, 16, (out_features, in_features // GROUP, GROUP)).float()
    q[..., 0], q[..., 1] = 0, 15           # each block spans its whole grid
    scale, low = torch.rand(out_features, in_features // GROUP, 1) * 0.02, torch.randn(out_features, in_features // GROUP, 1) * 0.1
    return (q * scale + low).reshape(out_features, in_features)


def test_int4_rebuilds_a_four_bit_grid_weight():
    linear = nn.Linear(64, 48, bias=True)
    with torch.no_grad():
        linear.weight.copy_(four_bit_blocks(48, 64))
    x = torch.randn(5, 64)
    expected = linear(x.bfloat16().float())
    got = Int4Linear(linear)(x).float()
    assert (got - expected).norm() / expected.norm() < 0.01   # bf16 scales only; random weights lose ~10 %


def test_int4_quantisation_error_is_bounded_on_random_weights():
    linear = nn.Linear(128, 32, bias=False)
    x = torch.randn(3, 2, 128)
    got, expected = Int4Linear(linear)(x).float(), linear(x)
    assert got.shape == (3, 2, 32)
    assert (got - expected).norm() / expected.norm() < 0.15


@pytest.mark.parametrize("kind, shape", [(Int4Linear, (40, 16)), (Int4Linear, (64, 100)), (Int8Linear, (40, 100))])
def test_shapes_the_kernels_cannot_take_are_refused(kind, shape):
    with pytest.raises(ValueError, match="does not fit the kernel"):
        kind(nn.Linear(*shape))


def test_int8_head_gives_float32_logits_close_to_the_original():
    linear = nn.Linear(48, 100, bias=False)
    x = torch.randn(2, 48)
    head = Int8Linear(linear, out_dtype=torch.float32)
    got = head(x.bfloat16())
    assert got.dtype == torch.float32
    assert (got - linear(x)).norm() / linear(x).norm() < 0.02


def int8_logits(head: ShortlistHead, x: torch.Tensor) -> torch.Tensor:
    return (x.float() @ head.exact.weight_int8.float().t()) * head.exact.scale.float()


def test_shortlist_head_gives_the_likeliest_tokens_their_8_bit_logits_and_the_rest_their_4_bit_ones():
    torch.manual_seed(0)
    linear = nn.Linear(64, 4096, bias=False)
    head = ShortlistHead(linear)
    x = torch.randn(3, 2, 64).bfloat16()       # 6 rows × 256 < 4,096: the gathered rows' path
    got = head(x)
    assert got.dtype == torch.float32 and got.shape == (3, 2, 4096)
    estimate, exact = head.estimate(x).float(), int8_logits(head, x)
    shortlisted = torch.zeros_like(got, dtype=torch.bool).scatter(-1, estimate.topk(head.shortlist, -1).indices, True)
    assert torch.allclose(got[shortlisted], exact[shortlisted], rtol=1e-5, atol=1e-5)
    assert torch.equal(got[~shortlisted], estimate[~shortlisted])
    assert torch.equal(got.argmax(-1), exact.argmax(-1))
    assert (got - linear(x.float())).norm() / linear(x.float()).norm() < 0.15


def test_many_rows_take_the_8_bit_logits_from_one_whole_product():
    torch.manual_seed(0)
    head = ShortlistHead(nn.Linear(64, 1024, bias=False))
    x = torch.randn(2, 5, 64).bfloat16()       # 10 rows × 256 ≥ 1,024: the whole-product path
    estimate, exact = head.estimate(x).float(), int8_logits(head, x)
    ids = estimate.topk(head.shortlist, -1).indices
    got = head(x)
    assert torch.allclose(got.gather(-1, ids), exact.gather(-1, ids), rtol=1e-5, atol=1e-5)
    assert torch.equal(got.argmax(-1), exact.argmax(-1))


def test_a_vocabulary_no_larger_than_the_shortlist_gets_8_bit_logits_everywhere():
    torch.manual_seed(0)
    head = ShortlistHead(nn.Linear(32, 128, bias=False))
    x = torch.randn(4, 32).bfloat16()
    assert torch.allclose(head(x), int8_logits(head, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("linear", [nn.Linear(32, 64), nn.Linear(48, 100, bias=False)],
                         ids=["bias", "fits only 8 bits"])
def test_quantize_weights_gives_other_heads_the_8_bit_kernel_with_float32_logits(linear):
    model = nn.Sequential(linear)
    model.get_output_embeddings = lambda: model[0]
    head = quantize_weights(model)[0]
    assert isinstance(head, Int8Linear) and head(torch.randn(2, linear.in_features)).dtype == torch.float32


def test_quantize_weights_replaces_every_linear_and_keeps_the_model_close():
    config = LlamaConfig(vocab_size=128, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2)
    torch.manual_seed(0)
    model = LlamaForCausalLM(config).eval()
    ids = torch.randint(0, 128, (1, 12))
    reference = model(ids).logits
    quantized = quantize_weights(model)
    assert not any(type(m) is nn.Linear for m in quantized.modules())
    assert isinstance(quantized.lm_head, ShortlistHead)
    assert isinstance(quantized.model.layers[0].mlp.down_proj, Int4Linear)
    logits = quantized(ids).logits
    assert logits.dtype == torch.float32
    assert (logits - reference).norm() / reference.norm() < 0.2
    assert (logits.argmax(-1) == reference.argmax(-1)).float().mean() > 0.7


def test_layers_that_fit_no_kernel_stay_bf16_linear():
    model = nn.Sequential(nn.Linear(64, 100), nn.Linear(100, 48), nn.Linear(48, 16))
    quantized = quantize_weights(model)
    assert [type(m) for m in quantized] == [Int8Linear, nn.Linear, Int8Linear]
    assert quantized[1].weight.dtype == torch.bfloat16
    assert quantized(torch.randn(2, 64)).shape == (2, 16)


def test_a_tuned_layer_keeps_its_low_rank_difference_that_4_bits_would_lose():
    base = nn.Linear(64, 48, bias=False)
    with torch.no_grad():
        base.weight.copy_(four_bit_blocks(48, 64))
    tuned = nn.Linear(64, 48, bias=False)
    delta = torch.randn(48, 2) @ torch.randn(2, 64) * 2e-3      # rank 2, below the 4-bit step
    with torch.no_grad():
        tuned.weight.copy_(base.weight + delta)
    x = torch.randn(8, 64)
    change = x @ delta.t()
    expected = tuned(x)
    naive = Int4Linear(tuned)(x).float()
    quantized = quantize_weights(nn.Sequential(tuned), base=nn.Sequential(base))[0]
    assert isinstance(quantized, LowRankDelta) and quantized.down.shape[0] == 2
    assert quantized.down.dtype == quantized.up.dtype == torch.float32   # the rest of the layer is bf16
    # bf16 activations and outputs alone cost ~0.1 of the change here
    assert (quantized(x).float() - expected).norm() / change.norm() < 0.3
    assert (naive - expected).norm() / change.norm() > 0.6


def test_one_token_gets_the_low_rank_correction_many_rows_get(monkeypatch):
    monkeypatch.setattr(torch.compiler, "is_exporting", lambda: True)   # the compiled step's own form
    base, tuned = nn.Linear(64, 48, bias=False), nn.Linear(64, 48, bias=False)
    with torch.no_grad():
        tuned.weight.copy_(base.weight + torch.randn(48, 2) @ torch.randn(2, 64) * 0.1)
    quantized = quantize_weights(nn.Sequential(tuned), base=nn.Sequential(base))[0]
    x = torch.randn(1, 5, 64)
    rows = quantized(x)
    assert isinstance(quantized, LowRankDelta)
    assert torch.allclose(quantized(x[:, 2:3]).float(), rows[:, 2:3].float(), atol=2e-2)   # bf16 outputs
    assert not torch.allclose(quantized(x[:, 2:3]).float(), quantized.quantized(x[:, 2:3]).float(), atol=2e-2)


def test_a_change_that_is_not_low_rank_is_quantised_as_it_is():
    base, tuned = nn.Linear(64, 48, bias=False), nn.Linear(64, 48, bias=False)   # unrelated weights
    assert isinstance(quantize_weights(nn.Sequential(tuned), base=nn.Sequential(base))[0], Int4Linear)
