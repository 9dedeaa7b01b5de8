"""Quality you can compare: our fixed prompt set (eval_data/prompts.json, 32 prompts across the modes) run through a
generator in plain and screenplay style, scored with simple text figures, so a change of model, adapter or
sampling defaults shows in numbers:
    distinct-1 / distinct-2   unique words / word pairs over all outputs of a style (higher: less generic)
    repetition                share of each output's word 4-grams that repeat one earlier in it (lower is better)
    scene format              share of scene outputs with a scene heading (INT./EXT.) and a character cue
    words, finish             mean length, and how the outputs ended (eos, length, stop sequence)
"""
from __future__ import annotations

import json
import re
import statistics
from collections import Counter
from pathlib import Path

from .config import Sampling
from .generate import Request

PROMPTS = Path(__file__).parent / "eval_data" / "prompts.json"
SAMPLING = Sampling(temperature=0.7, top_k=50, top_p=0.9, repetition_penalty=1.1, no_repeat_ngram_size=3,
                    max_new_tokens=200)   # the page's Balanced preset
WORD = re.compile(r"[\w']+")
HEADING = re.compile(r"^\s*(INT\.|EXT\.|INT/EXT)", re.MULTILINE)
CUE = re.compile(r"^\s*(?!INT\.|EXT\.)[A-Z][A-Z .'-]{1,30}(\(.*\))?\s*$\n\s*\S", re.MULTILINE)   # NAME, then dialogue


def load_prompts(path: Path = PROMPTS) -> list[dict]:
    return json.loads(path.read_text())["prompts"]


def words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def distinct(texts: list[str], n: int) -> float:
    grams = [tuple(ws[i:i + n]) for ws in map(words, texts) for i in range(len(ws) - n + 1)]
    return round(len(set(grams)) / len(grams), 3) if grams else 0.0


def repetition(text: str, n: int = 4) -> float:
    ws = words(text)
    grams = [tuple(ws[i:i + n]) for i in range(len(ws) - n + 1)]
    return (len(grams) - len(set(grams))) / len(grams) if grams else 0.0


def screenplay_format(text: str) -> bool:
    return bool(HEADING.search(text)) and bool(CUE.search(text))


def score(outputs: list[dict]) -> dict:
    """Figures for one style's outputs (each: mode, text, finish)."""
    texts = [o["text"] for o in outputs]
    scenes = [o["text"] for o in outputs if o["mode"] == "scene"]
    return dict(outputs=len(outputs), distinct_1=distinct(texts, 1), distinct_2=distinct(texts, 2),
                repetition=round(statistics.mean(repetition(t) for t in texts), 3),
                scene_format=round(sum(map(screenplay_format, scenes)) / len(scenes), 3) if scenes else None,
                words=round(statistics.mean(len(words(t)) for t in texts), 1),
                finish=dict(Counter(o["finish"] for o in outputs)))


def quality_table(generator, prompts: list[dict], sampling: Sampling = SAMPLING) -> dict:
    """{style: figures} for plain and (where the generator has an adapter) screenplay style; prompt i uses seed i."""
    styles = {"plain": False} | ({"screenplay": True} if generator.has_adapter else {})
    table = {}
    for style, screenplay in styles.items():
        outputs = []
        for seed, item in enumerate(prompts):
            run = generator.run(Request(item["prompt"], item["mode"], sampling.with_(seed=seed), screenplay))
            text = run.text()
            outputs.append(dict(mode=item["mode"], text=text, finish=run.result.finish))
        table[style] = score(outputs)
    return table
