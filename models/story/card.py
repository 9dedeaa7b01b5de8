"""The adapter's model card: card.json (facts, merged on each write) rendered to README.md."""
from __future__ import annotations

import json
from pathlib import Path

CARD_JSON, CARD_MD = "card.json", "README.md"

LICENSE_NOTE = ("Base model: SmolLM2-135M-Instruct (Apache-2.0). Tuning data: IMSDb screenplays "
                "(copyrighted; research/educational use only — see ../shared/datasets/scripts/PROVENANCE.md). "
                "No screenplay text is stored here, only LoRA weights.")


def read(folder: Path) -> dict:
    path = folder / CARD_JSON
    return json.loads(path.read_text()) if path.is_file() else {}


def write(folder: Path, **facts) -> dict:
    card = {**read(folder), **facts}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CARD_JSON).write_text(json.dumps(card, indent=2) + "\n")
    (folder / CARD_MD).write_text(render(card))
    return card


def render(card: dict) -> str:
    lines = ["# ReelPulse screenplay-style LoRA adapter", "",
             "LoRA adapter for SmolLM2-135M-Instruct that writes in screenplay layout (scene headings, action, "
             "character cues). Used by the story studio's \"screenplay style\" switch.", "",
             "## Licence and data", "", LICENSE_NOTE, ""]
    for section, title in (("recipe", "Recipe"), ("training", "Training run"), ("evaluation", "Held-out evaluation")):
        if section in card:
            lines += [f"## {title}", "", *(f"- `{k}`: {v}" for k, v in card[section].items()), ""]
    lines += ["Reproduce: `python -m models.story finetune --data ../shared/datasets/scripts/imsdb_scripts.jsonl.xz` "
              "then `python -m models.story evaluate --data … --record`.", ""]
    return "\n".join(lines)
