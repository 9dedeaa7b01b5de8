"""Screenplays for the finetune: read the IMSDb JSON Lines, split by slug hash, cut token windows.
The text never leaves memory and work/ (it is copyrighted: research use only, see PROVENANCE.md)."""
from __future__ import annotations

import hashlib
import json
import lzma
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .prompts import render, scene_instruction


@dataclass(frozen=True)
class Script:
    slug: str
    genres: list[str]
    text: str


def normalise(text: str) -> str:
    """Drop the page layout (indentation, runs of spaces and blank lines), keep the line structure."""
    lines = (re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def is_held_out(slug: str, percent: int) -> bool:
    return int(hashlib.sha256(slug.encode()).hexdigest(), 16) % 100 < percent


def read_scripts(path: Path) -> Iterator[Script]:
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            yield Script(record["slug"], record.get("genres") or [], normalise(record["text"]))


def split(path: Path, holdout_percent: int) -> tuple[list[Script], list[Script]]:
    train, held = [], []
    for script in read_scripts(path):
        (held if is_held_out(script.slug, holdout_percent) else train).append(script)
    if not held or not train:
        raise ValueError(f"{path}: the split left an empty side ({len(train)} train, {len(held)} held out)")
    return train, held


def window(script: Script, rng: random.Random, n_chars: int) -> str:
    """A random stretch of the script starting at a line start."""
    start = rng.randrange(max(1, len(script.text) - n_chars))
    start = script.text.find("\n", start) + 1
    return script.text[start:start + n_chars]


def example(tokenizer, script: Script, rng: random.Random, seq_len: int) -> tuple[list[int], list[int]]:
    """(input_ids, labels): the scene instruction (not scored) then `seq_len` tokens of screenplay."""
    prefix = tokenizer(render(tokenizer, scene_instruction(script.genres)), add_special_tokens=False).input_ids
    body = tokenizer(window(script, rng, seq_len * 6), add_special_tokens=False).input_ids[:seq_len]
    return prefix + body, [-100] * len(prefix) + body


def collate(examples: list[tuple[list[int], list[int]]], pad_id: int) -> dict:
    import torch

    width = max(len(ids) for ids, _ in examples)
    ids = [ids + [pad_id] * (width - len(ids)) for ids, _ in examples]
    labels = [labels + [-100] * (width - len(labels)) for _, labels in examples]
    mask = [[1] * len(i) + [0] * (width - len(i)) for i, _ in examples]
    return dict(input_ids=torch.tensor(ids), labels=torch.tensor(labels), attention_mask=torch.tensor(mask))
