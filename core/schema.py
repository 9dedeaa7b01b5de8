"""The store's records, schema-checked with pydantic on every write and every read."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from core.rating import RatingTally

FORMAT_VERSION = 1
IMDB_ID_PATTERN = r"^tt\d{7,9}$"
MIN_TEXT, MAX_TEXT = 5, 5_000

ImdbId = Annotated[str, StringConstraints(pattern=IMDB_ID_PATTERN)]
ReviewStatus = Literal["counted", "duplicate", "held", "repeat", "rejected"]


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Movie(Record):
    """Catalogue facts and imported figures for one title."""

    imdb_id: ImdbId
    title: str = Field(min_length=1)
    year: int | None = None
    genres: tuple[str, ...] = ()
    imported_reviews: int = Field(default=0, ge=0)
    reviewer_stars: float | None = Field(default=None, ge=1, le=10)
    share_positive: float | None = Field(default=None, ge=0, le=1)
    # the imported reviews' summed vote weights in millionths (core.rating); None: the seed was built unscored
    imported_weight: int | None = Field(default=None, ge=0)
    imported_weight_positive: int | None = Field(default=None, ge=0)

    def imported_votes(self) -> RatingTally:
        """The imported reviews as votes, the base every rating of this movie starts from."""
        if self.imported_weight is None:
            return RatingTally()
        return RatingTally().with_imported(self.imported_reviews, self.imported_weight, self.imported_weight_positive or 0)


class Review(Record):
    """One line of the review log."""

    review_id: str = Field(min_length=1)
    imdb_id: ImdbId
    text: str = Field(min_length=MIN_TEXT, max_length=MAX_TEXT)
    created_at: AwareDatetime
    source: str = Field(min_length=1)
    label: Literal["pos", "neg"]
    p_positive: float = Field(ge=0, le=1)
    model_version: str = Field(min_length=1)
    stars: float | None = Field(default=None, ge=1, le=10, exclude_if=lambda stars: stars is None)  # reviewer's own
    # "counted" in the rating, or held out of it: a near-duplicate of a recent review of the movie, held in a
    # burst for an analyst, or rejected by one (core/moderation.py); a line without the field is counted
    status: ReviewStatus = Field(default="counted", exclude_if=lambda status: status == "counted")
    # who wrote it, as a keyed hash of their address (or browser session) that only this deployment can compute:
    # enough to keep one counted voice per visitor and movie, never the address itself (core/access.py)
    visitor: str | None = Field(default=None, max_length=64, exclude_if=lambda visitor: visitor is None)
    # the author's own reading where they said the model misread them (core/corrections.py); the model's stays above
    author_label: Literal["pos", "neg"] | None = Field(default=None, exclude_if=lambda label: label is None)

    @property
    def confidence(self) -> float:
        return max(self.p_positive, 1.0 - self.p_positive)

    @property
    def counted(self) -> bool:
        return self.status == "counted"

    @property
    def vote(self) -> tuple[Literal["pos", "neg"], float]:
        """What enters the rating: the author's label at full weight where they corrected the model, else the model's
        verdict and confidence."""
        if self.author_label is None:
            return self.label, self.p_positive
        return self.author_label, float(self.author_label == "pos")

    @model_validator(mode="after")
    def _label_matches_probability(self) -> Review:
        if (self.label == "pos") != (self.p_positive >= 0.5):
            raise ValueError(f"label {self.label!r} contradicts p_positive={self.p_positive}")
        return self


class LogHeader(Record):
    """The first line of reviews.jsonl."""

    format: Literal["reelpulse.reviews"] = "reelpulse.reviews"
    format_version: Literal[1] = FORMAT_VERSION


class Snapshot(Record):
    """Derived ratings, valid for the first `log_offset` bytes of the review log."""

    format: Literal["reelpulse.ratings"] = "reelpulse.ratings"
    format_version: Literal[1] = FORMAT_VERSION
    log_offset: int = Field(ge=0)
    tallies: dict[str, RatingTally]


# What a review may not carry: control characters (tab, newline and carriage return aside), bidirectional
# embeddings, overrides and isolates (they reorder what readers see), and lone surrogates (undecodable bytes).
INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNDECODABLE = re.compile("[\ud800-\udfff]")


def validate_text(text: object) -> str:
    """The review text, stripped, or a ValueError that says what is wrong with it."""
    if not isinstance(text, str):
        raise ValueError("a review must be text")
    stripped = text.strip()
    if len(stripped) < MIN_TEXT:
        raise ValueError(f"a review needs at least {MIN_TEXT} characters (got {len(stripped)})")
    if len(stripped) > MAX_TEXT:
        raise ValueError(f"a review may have at most {MAX_TEXT:,} characters (got {len(stripped):,})")
    if bad := UNDECODABLE.search(stripped):
        raise ValueError(f"a review must be valid UTF-8 text (undecodable bytes at character {bad.start() + 1})")
    if bad := INVISIBLE.search(stripped):
        raise ValueError(f"a review may not contain invisible control characters "
                         f"(U+{ord(bad.group()):04X} at character {bad.start() + 1})")
    return stripped


def now() -> datetime:
    return datetime.now(timezone.utc)
