"""Artifact folder: weights (safetensors), tokenizer, vocabulary, recipe and a model card whose
sha256 list is checked at every load, so a tampered or truncated file is refused."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"
VOCAB = "vocab.json"
RECIPE = "recipe.json"
CARD_JSON = "card.json"
CARD_MD = "MODEL_CARD.md"
CHECKED_FILES = (WEIGHTS, TOKENIZER, VOCAB, RECIPE)
OPTIONAL_FILES = ("tfidf.safetensors", "tfidf_terms.json",   # the TF-IDF companion (companion.py), where there is one
                  "reader.safetensors", "reader.json")        # the short-text reader (reader.py), where there is one


class ArtifactError(RuntimeError):
    """A model folder that is incomplete or whose files do not match their recorded checksums."""


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_card(folder: Path) -> dict:
    path = folder / CARD_JSON
    if not path.is_file():
        raise ArtifactError(f"{path} is missing: not a sentiment model folder")
    try:
        return json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ArtifactError(f"{path} is not valid JSON: {err}") from err


def verify(folder: Path) -> dict:
    """Return the card after checking every listed file's sha256; raise ArtifactError otherwise."""
    card = read_card(folder)
    recorded = card.get("sha256", {})
    present = [name for name in OPTIONAL_FILES if (folder / name).exists()]
    for name in (*CHECKED_FILES, *present, *(set(recorded) & set(OPTIONAL_FILES) - set(present))):
        path = folder / name
        if name not in recorded:
            raise ArtifactError(f"{folder / CARD_JSON} records no checksum for {name}")
        if not path.is_file():
            raise ArtifactError(f"{path} is missing")
        if sha256(path) != recorded[name]:
            raise ArtifactError(f"{path} does not match its sha256 in {CARD_JSON}: refusing to load it")
    return card


def write_card(folder: Path, card: dict) -> dict:
    """Record checksums of the artifact files in card.json and render MODEL_CARD.md from it."""
    names = [*CHECKED_FILES, *(name for name in OPTIONAL_FILES if (folder / name).exists())]
    card = dict(card, sha256={name: sha256(folder / name) for name in names},
                bytes={name: (folder / name).stat().st_size for name in names})
    save_card(folder, card)
    return card


def save_card(folder: Path, card: dict) -> None:
    """Write card.json and its rendering MODEL_CARD.md (neither is checksummed)."""
    (folder / CARD_JSON).write_text(json.dumps(card, indent=2) + "\n")
    (folder / CARD_MD).write_text(render_card(card))


def render_card(card: dict) -> str:
    lines = [f"# {card.get('name', 'Sentiment model')}", "", card.get("summary", ""), ""]
    for section in ("data", "recipe", "training", "companion", "reader", "metrics"):
        if section in card:
            lines += [f"## {section.capitalize()}", "", "```json", json.dumps(card[section], indent=2), "```", ""]
    lines += ["## Files", "", "| file | bytes | sha256 |", "|---|---|---|"]
    lines += [f"| `{n}` | {card['bytes'][n]:,} | `{h}` |" for n, h in card["sha256"].items()]
    return "\n".join(lines) + "\n"
