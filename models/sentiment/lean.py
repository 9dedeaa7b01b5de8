"""The trained fastai classifier's weights in plain torch modules, for inference.

fastai's encoder re-clones every LSTM weight matrix (WeightDropout) for each 72-token chunk, runs
padding through the LSTM and keeps its hidden state on the module (so it needs a lock). Here each
batch runs once over the texts padded after their end; the LSTM is causal, so the padding changes
nothing before it and the pooling masks it out. Same outputs as fastai's network (tested), no fastai
import at load time, no state between calls.
"""
from __future__ import annotations

import warnings

import torch
from torch import nn

from .text import PAD

ENCODER = "0.module."
HEAD = "1.layers."


def _lstm(state: dict[str, torch.Tensor], prefix: str) -> nn.LSTM:
    w_ih, w_hh = state[prefix + "module.weight_ih_l0"], state[prefix + "weight_hh_l0_raw"]
    lstm = nn.LSTM(w_ih.shape[1], w_hh.shape[1], batch_first=True)
    lstm.load_state_dict(dict(weight_ih_l0=w_ih, weight_hh_l0=w_hh, bias_ih_l0=state[prefix + "module.bias_ih_l0"],
                              bias_hh_l0=state[prefix + "module.bias_hh_l0"]))
    return lstm


def _head(state: dict[str, torch.Tensor]) -> nn.Sequential:
    """fastai's PoolingLinearClassifier layers: (BatchNorm → Linear without bias → ReLU) …, no ReLU last."""
    layers: list[nn.Module] = []
    i = 0
    while f"{HEAD}{i}.0.weight" in state:
        prefix = f"{HEAD}{i}."
        bn = nn.BatchNorm1d(state[prefix + "0.weight"].shape[0])
        bn.load_state_dict({k: state[prefix + "0." + k] for k in bn.state_dict()})
        weight = state[prefix + "2.weight"]
        linear = nn.Linear(weight.shape[1], weight.shape[0], bias=False)
        linear.load_state_dict(dict(weight=weight))
        layers += [bn, linear, nn.ReLU()]
        i += 1
    return nn.Sequential(*layers[:-1])


class LeanClassifier(nn.Module):
    def __init__(self, state: dict[str, torch.Tensor]):
        super().__init__()
        self.embedding = nn.Embedding.from_pretrained(state[ENCODER + "encoder.weight"], freeze=True, padding_idx=PAD)
        n_layers = sum(1 for k in state if k.startswith(ENCODER + "rnns.") and k.endswith("weight_hh_l0_raw"))
        self.rnns = nn.ModuleList(_lstm(state, f"{ENCODER}rnns.{i}.") for i in range(n_layers))
        self.head = _head(state)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """ids (batch, time), each row padded after its `lengths` tokens → logits (batch, 2)."""
        x = self.embedding(ids)
        for rnn in self.rnns:
            x, _ = rnn(x)
        padding = (torch.arange(ids.shape[1], device=ids.device)[None, :] >= lengths[:, None])[..., None]
        last = x[torch.arange(ids.shape[0], device=ids.device), lengths - 1]
        max_pool = x.masked_fill(padding, -float("inf")).amax(dim=1)
        mean_pool = x.masked_fill(padding, 0).sum(dim=1) / lengths[:, None].to(x.dtype)
        return self.head(torch.cat([last, max_pool, mean_pool], dim=1))


def quantize_int8(net: LeanClassifier) -> nn.Module:
    """Dynamic int8 LSTM and Linear weights (activations quantised on the fly)."""
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():  # torch marks its quantised tensor types deprecated; the kernels work
        warnings.simplefilter("ignore")
        return quantize_dynamic(net, {nn.LSTM, nn.Linear}, dtype=torch.qint8)
