"""Submitting a review: validate, score with the sentiment model, decide whether it counts (core.moderation),
store, report the rating change."""
from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from typing import Protocol

from core.moderation import status_for
from core.rating import RatingTally
from core.schema import Review, now, validate_text
from core.store import ReviewStore

MODEL_VARIABLE = "REELPULSE_SENTIMENT_MODEL"
log = logging.getLogger(__name__)


class Scorer(Protocol):
    version: str

    def predict(self, texts: list[str]) -> list: ...


class ModelUnavailable(RuntimeError):
    """The sentiment model cannot be loaded (for example: its weights are not trained yet)."""


def model_unavailable(err: Exception) -> ModelUnavailable:
    """What a visitor is told; the detail (it names server paths) goes to the server's log only."""
    log.warning("sentiment model unavailable: %s", err)
    return ModelUnavailable(
        "The sentiment model is not available: its files are missing or do not match their checksums. "
        f"Once models/sentiment/weights is complete (or ${MODEL_VARIABLE} names a model folder) reviews can be scored.")


LOADER = "core.submission:load_model"   # load_model's import path, for processes that load their own (core.cluster)


def load_model() -> Scorer:
    """The shipped sentiment model (or $REELPULSE_SENTIMENT_MODEL), or ModelUnavailable."""
    from models.sentiment import ArtifactError, SentimentModel

    try:
        return SentimentModel.load(os.environ.get(MODEL_VARIABLE) or None)
    except (ArtifactError, FileNotFoundError) as err:
        raise model_unavailable(err) from err


@dataclass(frozen=True)
class Submission:
    review: Review
    before: RatingTally
    after: RatingTally

    def to_dict(self) -> dict:
        return {"review_id": self.review.review_id, "imdb_id": self.review.imdb_id, "label": self.review.label,
                "p_positive": self.review.p_positive, "confidence": round(self.review.confidence, 6),
                "status": self.review.status,
                "model_version": self.review.model_version,
                "rating_before": round(self.before.rating, 4), "rating_after": round(self.after.rating, 4)}


def submit_review(store: ReviewStore, model: Scorer, imdb_id: str, text: str, source: str,
                  visitor: str | None = None) -> Submission:
    """Score and store one review by `visitor` (core.access.visitor_id; None: unknown).
    Raises ValueError (bad text, unknown movie) before anything is stored."""
    text = validate_text(text)
    store.movie(imdb_id)
    result = model.predict([text])[0]
    created_at = now()
    review = Review(review_id=uuid.uuid4().hex, imdb_id=imdb_id, text=text, created_at=created_at, source=source,
                    label=result.label, p_positive=result.p_positive, model_version=model.version, visitor=visitor)
    before, after = store.append(review, decide=lambda recent: status_for(text, created_at, recent, visitor))
    stored = next(r for r in reversed(store.reviews_of(imdb_id)) if r.review_id == review.review_id)
    return Submission(stored, before, after)
