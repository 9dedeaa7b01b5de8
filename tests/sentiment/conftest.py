from __future__ import annotations

import random
from pathlib import Path

import pandas as pd
import pytest

POSITIVE_WORDS = ["great", "wonderful", "superb", "loved", "brilliant", "moving", "delightful"]
NEGATIVE_WORDS = ["awful", "boring", "terrible", "hated", "dull", "waste", "clumsy"]
FILLER = "the movie film plot actors story scene was and it a of this I with".split()


def generated_review(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) if rng.random() < 0.35 else rng.choice(FILLER)
                    for _ in range(rng.randint(12, 30)))


def write_generated_imdb(folder: Path, n_per_class: int = 300, seed: int = 0, n_unlabelled: int = 0) -> Path:
    """An aclImdb-shaped CSV of synthetic reviews whose sentiment is carried by a few keywords (and
    `n_unlabelled` more of them, half of each kind, without labels)."""
    rng = random.Random(seed)
    rows = [dict(text=generated_review(rng, POSITIVE_WORDS), label="pos") for _ in range(n_per_class)]
    rows += [dict(text=generated_review(rng, NEGATIVE_WORDS), label="neg") for _ in range(n_per_class)]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(folder / "imdb_train.csv.xz", index=False)
    if n_unlabelled:
        texts = [generated_review(rng, POSITIVE_WORDS if i % 2 else NEGATIVE_WORDS) for i in range(n_unlabelled)]
        pd.DataFrame(dict(text=texts)).to_csv(folder / "imdb_unsup.csv.xz", index=False)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    """A tiny AWD-LSTM trained in seconds on generated text through the real training command path."""
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    root = tmp_path_factory.mktemp("tiny_sentiment")
    data = write_generated_imdb(root / "data")
    Trainer(data, recipe("tiny"), root / "model", root / "work").run()
    return root / "model"


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    from models.sentiment import SentimentModel

    return SentimentModel.load(tiny_model_dir)
