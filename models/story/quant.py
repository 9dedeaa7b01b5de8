"""Weight-only quantisation for CPU decoding, where each new token streams every weight from memory once.

Linear weights become 4-bit, asymmetric, one scale and zero per 32 inputs (the block layout of the
shipped Q4_1 GGUF, so its 4-bit matrices are rebuilt with only the bf16 rounding of scales and zeros, ~7 %
of a step), or 8-bit per output channel where only that kernel fits the shape. The output head ranks the
vocabulary with 4 bits and recomputes the likeliest tokens' logits from 8 bits (`ShortlistHead`).
Activations stay bf16; torch's packed CPU kernels (`_weight_int4pack_mm_for_cpu`, `_weight_int8pack_mm`) do
the matrix products. The 4-bit kernel works a prompt's rows almost one by one; where a dense product of the
same 4-bit weights is faster on this machine (prefill.py chooses), 4-bit layers also keep those weights dense
(`prefill_dtype`) for the products of several rows.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .threads import intra_op_threads

GROUP = 32
DTYPE = torch.bfloat16


def _fits(linear: nn.Linear, kind: type) -> bool:
    return linear.out_features % kind.OUT_MULTIPLE == 0 and linear.in_features % kind.IN_MULTIPLE == 0


def _check_shape(linear: nn.Linear, kind: type) -> None:
    """The packed kernels need these multiples (int8 crashes the process without them)."""
    if not _fits(linear, kind):
        raise ValueError(f"a {linear.in_features}→{linear.out_features} layer does not fit the kernel: "
                         f"inputs must be a multiple of {kind.IN_MULTIPLE}, outputs of {kind.OUT_MULTIPLE}")


class Int4Linear(nn.Module):
    """`prefill_dtype`: also keep the 4-bit weights dequantised in that dtype, and multiply inputs of several rows
    (a prompt's prefill) by them: a plain attribute, not a buffer, so casts and state dicts leave it alone."""
    OUT_MULTIPLE, IN_MULTIPLE = 16, GROUP

    def __init__(self, linear: nn.Linear, prefill_dtype: torch.dtype | None = None):
        super().__init__()
        _check_shape(linear, type(self))
        weight = linear.weight.detach().float()
        self.out_features, self.in_features = weight.shape
        group = self.group = GROUP
        blocks = weight.reshape(self.out_features, -1, group)
        low, high = blocks.amin(-1, keepdim=True), blocks.amax(-1, keepdim=True)
        scale = ((high - low) / 15).clamp(min=1e-10)
        q = ((blocks - low) / scale).round().clamp(0, 15).reshape(self.out_features, -1).to(torch.int32)
        zero = low + 8 * scale  # the kernel computes (q - 8) * scale + zero
        self.register_buffer("packed", torch.ops.aten._convert_weight_to_int4pack_for_cpu(q, 1))
        self.register_buffer("scales_zeros", torch.stack([scale.squeeze(-1).t(), zero.squeeze(-1).t()], -1)
                             .contiguous().to(DTYPE))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(DTYPE))
        self.dense = None
        if prefill_dtype is not None:
            sz = self.scales_zeros.float()   # the kernel's own (bf16) scales and zeros
            self.dense = (((q.reshape(blocks.shape) - 8) * sz[..., 0].t()[..., None] + sz[..., 1].t()[..., None])
                          .reshape(self.out_features, self.in_features).to(prefill_dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, self.in_features)
        if self.dense is not None and rows.shape[0] > 1:
            y = F.linear(rows.to(self.dense.dtype), self.dense).to(DTYPE)
        else:
            y = torch.ops.aten._weight_int4pack_mm_for_cpu(rows.to(DTYPE), self.packed, self.group, self.scales_zeros)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return y if self.bias is None else y + self.bias


class Int8Linear(nn.Module):
    """`out_dtype` float32 for an output head that fits no ShortlistHead (a bias, or a vocabulary that is not a
    multiple of 16, as GPT-2's): its logits are the kernel's bf16 products cast to float32."""
    OUT_MULTIPLE, IN_MULTIPLE = 1, 16

    def __init__(self, linear: nn.Linear, out_dtype: torch.dtype = DTYPE):
        super().__init__()
        _check_shape(linear, type(self))
        weight = linear.weight.detach().float()
        self.out_features, self.in_features = weight.shape
        scale = (weight.abs().amax(1) / 127).clamp(min=1e-10)
        self.register_buffer("weight_int8", (weight / scale[:, None]).round().clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(DTYPE))
        self.register_buffer("bias", None if linear.bias is None else linear.bias.detach().to(DTYPE))
        self.out_dtype = out_dtype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.ops.aten._weight_int8pack_mm(x.reshape(-1, self.in_features).to(DTYPE), self.weight_int8,
                                               self.scale)
        y = y.reshape(*x.shape[:-1], self.out_features)
        return (y if self.bias is None else y + self.bias).to(self.out_dtype)


class ShortlistHead(nn.Module):
    """Output head in two passes: 4-bit products rank the whole vocabulary, then the `shortlist` likeliest
    tokens' logits are recomputed in float32 from their rows of `Int8Linear`'s 8-bit weights; the others keep
    the 4-bit estimate. The 8-bit head alone read twice the bytes through a slower kernel (~2.1 vs ~0.9 ms a
    token on SmolLM2's 49,152 × 576); a 4-bit one alone raised held-out perplexity by ~5 % (36.5 → 38.5).
    Sampling decides among the likeliest tokens, so those get precise logits; the tail's error is 4-bit's."""
    shortlist = 256

    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.estimate, self.exact = Int4Linear(linear), Int8Linear(linear)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = self.estimate(x).float()
        weight, scale, vocabulary = self.exact.weight_int8, self.exact.scale, self.exact.out_features
        shortlist = min(self.shortlist, vocabulary)
        ids = logits.topk(shortlist, dim=-1, sorted=False).indices
        if x[..., 0].numel() * shortlist >= vocabulary:   # many rows (a whole text): one product is smaller
            exact = ((x.float() @ weight.float().t()) * scale.float()).gather(-1, ids)
        else:
            exact = (weight[ids].float() @ x.float()[..., None])[..., 0] * scale[ids].float()   # shortlisted rows
        return logits.scatter(-1, ids, exact)


def low_rank_factors(delta: torch.Tensor, tolerance: float = 1e-4) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(down, up) with delta ≈ up @ down, or None when delta is not low-rank (over a quarter of full rank),
    where two float32 products would cost more than they keep."""
    with intra_op_threads(1):   # on two threads LAPACK's SVD crawled (~80× slower) beside another busy process
        u, s, vh = torch.linalg.svd(delta.float(), full_matrices=False)
    rank = int((s > s[0] * tolerance).sum())
    if rank > min(delta.shape) // 4:
        return None
    return vh[:rank].contiguous(), (u[:, :rank] * s[:rank]).contiguous()


class LowRankDelta(nn.Module):
    """A layer quantised from the plain model's weight, plus the tuned model's low-rank difference from it
    (the merged LoRA adapter) in float32: 4 bits cannot hold that small a change (held-out perplexity of the
    screenplay model: 23.3 fp32, 31.4 with the merged weights quantised, 23.3 this way; bench/story.py).
    The factors are small; float32 products of one token's row ran faster than bf16 ones here."""

    def __init__(self, quantized: nn.Module, down: torch.Tensor, up: torch.Tensor):
        super().__init__()
        self.quantized = quantized
        self.register_buffer("down", down.float())     # (rank, in)
        self.register_buffer("up", up.float())         # (out, rank)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.quantized(x)
        if x[..., 0].numel() == 1 and torch.compiler.is_exporting():
            # the compiled step's one token: broadcast products, which it fuses into loops of its own; as two matrix
            # products they were two library calls a layer there, ~3.5 % of a screenplay token (eager, they are
            # the faster form: docs/story_studio.md)
            correction = ((x.float()[..., None, :] * self.down).sum(-1)[..., None, :] * self.up).sum(-1)
        else:
            correction = x.float() @ self.down.t() @ self.up.t()
        return y + correction.to(y.dtype)


def _quantized(linear: nn.Linear, head: bool, prefill_dtype: torch.dtype | None) -> nn.Module:
    if head:
        if linear.bias is None and _fits(linear, Int4Linear):   # Int4Linear's shapes fit Int8Linear's too
            return ShortlistHead(linear)
        return Int8Linear(linear, out_dtype=torch.float32) if _fits(linear, Int8Linear) else linear
    if _fits(linear, Int4Linear):
        return Int4Linear(linear, prefill_dtype)
    return Int8Linear(linear) if _fits(linear, Int8Linear) else linear


def quantize_weights(model: nn.Module, base: nn.Module | None = None,
                     prefill_dtype: torch.dtype | None = None) -> nn.Module:
    """bf16 model with int4 Linear layers and a ShortlistHead (float32 logits; Int8Linear where the head has a
    bias or fits only the 8-bit kernel), changed in place.
    A layer whose shape fits only the int8 kernel gets int8; one that fits neither, or is not an
    `nn.Linear` (GPT-2's Conv1D), stays bf16. With `base` (the same architecture, still float), a layer
    whose weight differs from base's by a low-rank change is quantised from base's weight plus a
    `LowRankDelta`; any other change is quantised as it is. `prefill_dtype`: see Int4Linear."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    base_layers = dict(base.named_modules()) if base is not None else {}
    deltas = []
    for parent_name, parent in list(model.named_modules()):
        for name, child in parent.named_children():
            if not isinstance(child, nn.Linear):
                continue
            reference = base_layers.get(f"{parent_name}.{name}" if parent_name else name)
            changed = isinstance(reference, nn.Linear) and not torch.equal(reference.weight, child.weight)
            factors = changed and low_rank_factors(child.weight.detach() - reference.weight.detach())
            if factors:
                child.weight = reference.weight   # replaced, not overwritten: child's tensor may be shared
                deltas.append((parent, name, factors))
            setattr(parent, name, _quantized(child, child is head, prefill_dtype))
    model.to(DTYPE)   # after quantising, so the 4-bit blocks come from the float32 weights
    for parent, name, factors in deltas:   # after the cast, so their factors stay float32
        setattr(parent, name, LowRankDelta(getattr(parent, name), *factors))
    return model.eval()


def share_equal_layers(model: nn.Module, source: nn.Module) -> int:
    """Make `model`'s 4-bit layers hold `source`'s tensors where both have the same 4-bit weights under the same
    name (a tuned model quantised from its base's weights, its change kept apart in a LowRankDelta): one copy
    of them, and of their dense prefill weights, for both. How many layers now share."""
    layers = {name: module for name, module in source.named_modules() if isinstance(module, Int4Linear)}
    shared = 0
    for name, module in model.named_modules():
        other = layers.get(name.removesuffix(".quantized"))
        if (isinstance(module, Int4Linear) and other is not None and torch.equal(module.packed, other.packed)
                and torch.equal(module.scales_zeros, other.scales_zeros)):
            module.packed, module.scales_zeros, module.dense = other.packed, other.scales_zeros, other.dense
            shared += 1
    return shared
