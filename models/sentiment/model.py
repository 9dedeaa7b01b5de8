"""Inference: a lean, thread-safe path from review texts to sentiment (no fastai Learner)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file
from torch.nn.utils.rnn import pad_sequence

from ..cpu import CpuInfo, cpu_info
from . import artifacts
from .companion import Companion, blend
from .config import Recipe
from .lean import LeanClassifier, quantize_int8
from .reader import Reader
from .text import PAD, ReviewTokenizer, classifier_ids

DEFAULT_DIR = Path(__file__).resolve().parent / "weights"
MAX_CHARS = 20_000  # characters kept from each end of a very long text before tokenising
BATCH = 64
PRECISIONS = ("auto", "fp32", "bf16", "int8")
DEFAULT_PRECISION = "auto"


def machine_precision(cpu: CpuInfo | None = None) -> str:
    """bf16 where the CPU multiplies it natively (AVX512_BF16, AMX: ~1.9x fp32's throughput), else fp32:
    emulated bf16 is ~7x slower than fp32, and int8 moves verdicts by more than rounding (bench/sentiment.py)."""
    return "bf16" if (cpu or cpu_info()).native_bf16 else "fp32"


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


def _with_precision(net: LeanClassifier, precision: str) -> torch.nn.Module:
    if precision == "bf16":
        return net.to(torch.bfloat16)
    return quantize_int8(net) if precision == "int8" else net


class SentimentModel:
    """An AWD-LSTM review classifier. `predict` is safe to call from many threads at once: the network
    keeps no state between calls."""

    def __init__(self, net: LeanClassifier, tokenizer: ReviewTokenizer, recipe: Recipe, card: dict,
                 precision: str = DEFAULT_PRECISION, companion: Companion | None = None, reader: Reader | None = None):
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        self.precision = machine_precision() if precision == "auto" else precision
        self.net = _with_precision(net.eval(), self.precision)
        self.tokenizer = tokenizer
        self.recipe = recipe
        self.card = card
        self.companion = companion   # a TF-IDF model whose P(pos) is averaged in (models/sentiment/companion.py)
        self.reader = reader         # SmolLM2 read as a classifier, averaged in for short texts (reader.py)

    @property
    def version(self) -> str:
        return self.card.get("version", "unversioned")

    @classmethod
    def load(cls, path: str | Path | None = None, precision: str = DEFAULT_PRECISION) -> "SentimentModel":
        folder = Path(path) if path else DEFAULT_DIR
        card = artifacts.verify(folder)
        recipe = Recipe.from_dict(json.loads((folder / artifacts.RECIPE).read_text()))
        vocab = json.loads((folder / artifacts.VOCAB).read_text())
        tokenizer = ReviewTokenizer.from_files(folder / artifacts.TOKENIZER, vocab, recipe.prefix_space)
        return cls(LeanClassifier(load_file(str(folder / artifacts.WEIGHTS))), tokenizer, recipe, card, precision,
                   Companion.load(folder), Reader.load(folder))

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        ids = self.tokenizer.encode_batch([clip_chars(t) for t in texts])
        return [classifier_ids(x, self.recipe.head, self.recipe.tail) for x in ids]

    @torch.inference_mode()
    def p_positive(self, ids: list[list[int]]) -> list[float]:
        device = self.net.embedding.weight.device   # a GPU when a trainer scores teachers' targets there
        order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))
        probs = [0.0] * len(ids)
        for start in range(0, len(order), BATCH):
            chunk = order[start:start + BATCH]
            lengths = torch.tensor([len(ids[i]) for i in chunk], device=device)
            batch = pad_sequence([torch.tensor(ids[i]) for i in chunk], batch_first=True, padding_value=PAD).to(device)
            logits = self.net(batch, lengths)
            for i, p in zip(chunk, torch.softmax(logits.float(), dim=-1)[:, 1].tolist()):
                probs[i] = p
        return probs

    def predict(self, texts: str | Sequence[str]) -> list[SentimentResult]:
        texts = validate_texts(texts)
        p = self.p_positive(self.encode(texts))
        if self.companion is not None:
            p = blend(p, self.companion.p_positive(texts), self.companion.shares(texts))
        if self.reader is not None:
            p = self.reader.blended(p, texts)
        return [SentimentResult("pos" if x >= 0.5 else "neg", round(x, 6)) for x in p]
