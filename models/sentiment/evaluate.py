"""Accuracy, F1 and throughput of a model on a labelled CSV (columns `text`, `label`)."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

POSITIVE = {"pos", "positive", "1", "1.0", "true"}
NEGATIVE = {"neg", "negative", "0", "0.0", "false"}


def read_labelled(path: Path, limit: int | None = None, seed: int = 0) -> pd.DataFrame:
    """Read a CSV (plain, .gz or .xz) of `text` and `label` (pos/neg or 1/0) into text + y (0/1).
    `limit` takes a seeded random sample, so a prefix of a label-sorted file is never all one class."""
    frame = pd.read_csv(path, usecols=["text", "label"], dtype={"label": str}, keep_default_na=False)
    label = frame["label"].str.strip().str.lower()
    unknown = ~label.isin(POSITIVE | NEGATIVE)
    if unknown.any():
        raise ValueError(f"{path}: row {int(unknown.idxmax()) + 2} has label {frame['label'][unknown.idxmax()]!r}; "
                         "expected pos/neg or 1/0")
    frame = frame.assign(y=label.isin(POSITIVE).astype(int))[["text", "y"]]
    if limit is not None and limit < len(frame):
        frame = frame.sample(n=limit, random_state=seed)
    return frame.reset_index(drop=True)


def scores(y_true: Sequence[int], y_pred: Sequence[int]) -> dict:
    tp = sum(1 for t, p in zip(y_true, y_pred) if t == p == 1)
    fp = sum(1 for t, p in zip(y_true, y_pred) if t == 0 and p == 1)
    fn = sum(1 for t, p in zip(y_true, y_pred) if t == 1 and p == 0)
    correct = sum(1 for t, p in zip(y_true, y_pred) if t == p)
    f1 = 2 * tp / (2 * tp + fp + fn) if tp else 0.0
    return dict(n=len(y_true), accuracy=round(correct / len(y_true), 5), f1=round(f1, 5))


def evaluate(predict_positive: Callable[[list[str]], list[int]], frame: pd.DataFrame, batch: int = 512) -> dict:
    """Score `frame` with a function mapping texts to 0/1 predictions; adds reviews_per_s."""
    texts, predictions = frame["text"].tolist(), []
    t0 = time.perf_counter()
    for start in range(0, len(texts), batch):
        predictions += predict_positive(texts[start:start + batch])
    seconds = time.perf_counter() - t0
    return dict(scores(frame["y"].tolist(), predictions), seconds=round(seconds, 2),
                reviews_per_s=round(len(texts) / seconds, 1))
