"""Scoring many texts with the sentiment model in batches, reporting progress after each batch."""
from __future__ import annotations

from collections.abc import Callable, Sequence

from core.submission import Scorer

BATCH = 64
Progress = Callable[[int, int], None]   # (texts scored so far, all texts); may raise to cancel


def no_progress(done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def score_batches(model: Scorer, texts: Sequence[str], progress: Progress = no_progress,
                  batch: int = BATCH) -> list:
    """model.predict over `texts` in batches; `progress` is called after each one (raising there cancels)."""
    results: list = []
    progress(0, len(texts))
    for start in range(0, len(texts), batch):
        results.extend(model.predict(list(texts[start:start + batch])))
        progress(len(results), len(texts))
    return results
