"""Inference: a lean, thread-safe path from review texts to sentiment (no fastai Learner)."""
from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_model

from . import artifacts, network
from .config import Recipe
from .text import UNK, ReviewTokenizer, truncate

DEFAULT_DIR = Path(__file__).resolve().parent / "weights"
MAX_CHARS = 20_000  # characters kept from each end of a very long text before tokenising
BATCH = 64


@dataclass(frozen=True)
class SentimentResult:
    label: str          # "pos" or "neg"
    p_positive: float   # probability of "pos", 0..1

    @property
    def confidence(self) -> float:
        return max(self.p_positive, 1.0 - self.p_positive)

    def to_dict(self) -> dict:
        return asdict(self)


def validate_texts(texts: str | Sequence[str]) -> list[str]:
    """Accept one string or a sequence of strings; refuse anything that is not non-blank text."""
    if isinstance(texts, str):
        texts = [texts]
    if isinstance(texts, (bytes, bytearray)) or not isinstance(texts, Sequence):
        raise ValueError(f"expected text or a list of texts, got {type(texts).__name__}")
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise ValueError(f"text {i} is {type(text).__name__}, not str")
        if not text.strip():
            raise ValueError(f"text {i} is empty")
    return list(texts)


def clip_chars(text: str) -> str:
    return text if len(text) <= 2 * MAX_CHARS else text[:MAX_CHARS] + "\n" + text[-MAX_CHARS:]


class SentimentModel:
    """An AWD-LSTM review classifier. `predict` is safe to call from many threads at once."""

    def __init__(self, net: torch.nn.Module, tokenizer: ReviewTokenizer, recipe: Recipe, card: dict,
                 bf16: bool = True):
        self.net = net.eval()
        # bf16 autocast: 1.85x the fp32 throughput on this AMX CPU at equal accuracy (bench/sentiment.py)
        self.bf16 = bf16
        self.tokenizer = tokenizer
        self.recipe = recipe
        self.card = card
        self._lock = threading.Lock()  # the AWD-LSTM keeps its hidden state on the module

    @property
    def version(self) -> str:
        return self.card.get("version", "unversioned")

    @classmethod
    def load(cls, path: str | Path | None = None, bf16: bool = True) -> "SentimentModel":
        folder = Path(path) if path else DEFAULT_DIR
        card = artifacts.verify(folder)
        recipe = Recipe(**{k: tuple(map(tuple, v)) if k == "clas_stages" else v
                           for k, v in json.loads((folder / artifacts.RECIPE).read_text()).items()})
        vocab = json.loads((folder / artifacts.VOCAB).read_text())
        tokenizer = ReviewTokenizer.from_files(folder / artifacts.TOKENIZER, vocab, recipe.prefix_space)
        net = network.classifier(recipe, len(vocab))
        load_model(net, str(folder / artifacts.WEIGHTS), device="cpu")
        return cls(net, tokenizer, recipe, card, bf16)

    def encode(self, texts: Sequence[str]) -> list[torch.Tensor]:
        ids = self.tokenizer.encode_batch([clip_chars(t) for t in texts])
        return [torch.as_tensor(truncate(x, self.recipe.head, self.recipe.tail) or [UNK]) for x in ids]

    @torch.inference_mode()
    def p_positive(self, ids: list[torch.Tensor]) -> list[float]:
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        probs = [0.0] * len(ids)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            batch = torch.stack([p[0] for p in network.pad_batch([(ids[i],) for i in chunk], self.recipe.bptt)])
            with self._lock, torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
                self.net.reset()
                logits = self.net(batch)[0]
            for i, p in zip(chunk, torch.softmax(logits.float(), dim=-1)[:, 1].tolist()):
                probs[i] = p
        return probs

    def predict(self, texts: str | Sequence[str]) -> list[SentimentResult]:
        texts = validate_texts(texts)
        return [SentimentResult("pos" if p >= 0.5 else "neg", round(p, 6))
                for p in self.p_positive(self.encode(texts))]
