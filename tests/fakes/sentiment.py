"""A keyword-counting stand-in for SentimentModel: same API, instant, deterministic."""
from __future__ import annotations

import re
from collections.abc import Sequence

from models.sentiment import SentimentResult, validate_texts

POSITIVE = {"good", "great", "love", "loved", "wonderful", "brilliant", "superb", "best", "fun", "moving", "joy"}
NEGATIVE = {"bad", "awful", "boring", "hate", "hated", "terrible", "worst", "dull", "waste", "mess", "poor"}


class FakeSentimentModel:
    version = "fake-keywords-1"

    def __init__(self):
        self.calls = 0

    def predict(self, texts: str | Sequence[str]) -> list[SentimentResult]:
        self.calls += 1
        results = []
        for text in validate_texts(texts):
            words = re.findall(r"[a-z]+", text.lower())
            score = sum(w in POSITIVE for w in words) - sum(w in NEGATIVE for w in words)
            p = min(0.98, max(0.02, 0.5 + 0.2 * score)) if score else 0.45
            results.append(SentimentResult("pos" if p >= 0.5 else "neg", p))
        return results
