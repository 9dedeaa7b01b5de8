"""The author has the last word: a writer who says the model misread their review relabels it, once.

The review then votes with the author's label at full weight (core.schema.Review.vote); its log line keeps
the model's label, probability and version beside the author's, so every correction is labelled data:
`python -m core.reviews export --corrections` writes them as a CSV that `python -m models.sentiment
evaluate --data` reads. Who may correct (the session that wrote the review) is the page's to decide.
"""
from __future__ import annotations

import pandas as pd

from core.rating import RatingTally
from core.schema import Review
from core.store import ReviewStore

CORRECTION_COLUMNS = ["text", "label", "model_label", "p_positive", "model_version", "imdb_id", "created_at"]


class CorrectionRefused(ValueError):
    """The review cannot be corrected (unknown, corrected already, or the label is the model's own)."""


def correct(store: ReviewStore, review_id: str, author_label: str) -> tuple[Review, RatingTally, RatingTally]:
    """Relabel one review with its author's reading; return it and its movie's tally before and after."""
    review = next((r for r in store.reviews() if r.review_id == review_id), None)
    if review is None:
        raise CorrectionRefused("there is no such review")

    def relabel(stored: Review) -> Review:   # checked on the review as stored when the write happens
        if stored.author_label is not None:
            raise CorrectionRefused("this review was corrected already")
        if author_label not in ("pos", "neg") or author_label == stored.label:
            raise CorrectionRefused("a correction gives the other label than the model's")
        return stored.model_copy(update={"author_label": author_label})

    before = store.tally(review.imdb_id)
    store.replace_reviews({review_id: relabel})
    corrected = next(r for r in store.reviews_of(review.imdb_id) if r.review_id == review_id)
    return corrected, before, store.tally(review.imdb_id)


def corrections_frame(store: ReviewStore) -> pd.DataFrame:
    """Every corrected review as labelled data: the author's label in `label`, the model's beside it."""
    rows = [(r.text, r.author_label, r.label, r.p_positive, r.model_version, r.imdb_id, r.created_at.isoformat())
            for r in store.reviews() if r.author_label is not None]
    return pd.DataFrame(rows, columns=CORRECTION_COLUMNS)
