"""The rating rule: a Bayesian average, on a 0–10 scale, of confidence-weighted review votes.

Every review casts a vote of 10 (positive) or 0 (negative). Its weight is how decisive the
model was, |2·p_positive − 1| (0 for a coin flip, 1 for a certain verdict). A prior of
PRIOR_WEIGHT votes at PRIOR_MEAN stands in for the reviews a movie has not had yet:

    rating = (PRIOR_MEAN·PRIOR_WEIGHT + 10·Σ w_positive) / (PRIOR_WEIGHT + Σ w)

Reviews imported with the catalogue (IMDB reviews scored by our model when the seed was built,
core/seed.py) vote the same way beside the ones in the review log: they are part of the movie's
facts, so a rebuild from the log leaves them as they are.

So a positive vote never lowers the rating and a negative one never raises it (the vote lies
at the end of the scale the average moves towards), one review moves a new movie at most
from 5.0 to 6.0, and the result depends only on the set of reviews, not on their order.
Weights are summed as whole millionths, so incremental updates and a full recompute agree
exactly, bit for bit.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict

PRIOR_MEAN = 5.0
PRIOR_WEIGHT = 4.0
TOP = 10.0
MICRO = 1_000_000


def vote_weight(p_positive: float) -> int:
    """The review's weight in millionths: |2p − 1| rounded to a whole number of millionths."""
    return round(abs(2.0 * p_positive - 1.0) * MICRO)


def bayesian_rating(weight: int, weight_positive: int) -> float:
    """The rating for summed weights (millionths); PRIOR_MEAN when there are none."""
    prior = PRIOR_WEIGHT * MICRO
    return (PRIOR_MEAN * prior + TOP * weight_positive) / (prior + weight)


class RatingTally(BaseModel):
    """What a movie's rating is computed from: integer sums, so order never matters."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    reviews: int = 0
    positive: int = 0
    weight: int = 0
    weight_positive: int = 0
    held_out: int = 0      # reviews stored but not counted (duplicates, held for an analyst, rejected)
    imported: int = 0      # imported votes from the catalogue (not in the log), and their summed weights
    imported_weight: int = 0
    imported_weight_positive: int = 0

    def add(self, label: str, p_positive: float, counted: bool = True) -> RatingTally:
        if not counted:
            return self.model_copy(update=dict(reviews=self.reviews + 1, held_out=self.held_out + 1))
        w = vote_weight(p_positive)
        is_positive = label == "pos"
        return self.model_copy(update=dict(reviews=self.reviews + 1, positive=self.positive + is_positive,
                                           weight=self.weight + w, weight_positive=self.weight_positive + w * is_positive))

    def with_imported(self, imported: int, weight: int, weight_positive: int) -> RatingTally:
        return self.model_copy(update=dict(imported=imported, imported_weight=weight,
                                           imported_weight_positive=weight_positive))

    def with_imported_of(self, other: RatingTally) -> RatingTally:
        """This tally's logged votes beside `other`'s imported ones."""
        return self.with_imported(other.imported, other.imported_weight, other.imported_weight_positive)

    @property
    def logged(self) -> RatingTally:
        """The part of the tally that comes from the review log alone."""
        return self.with_imported(0, 0, 0)

    @property
    def rating(self) -> float:
        return bayesian_rating(self.weight + self.imported_weight, self.weight_positive + self.imported_weight_positive)

    @property
    def votes(self) -> int:
        """Counted reviews plus imported ones: what the rating is computed from."""
        return self.counted + self.imported

    @property
    def counted(self) -> int:
        return self.reviews - self.held_out

    @property
    def share_positive(self) -> float | None:
        return self.positive / self.counted if self.counted else None
