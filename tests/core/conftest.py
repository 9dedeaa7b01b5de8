from __future__ import annotations

import pytest

from core.schema import Review, now
from core.store import ReviewStore

FORREST_GUMP = "tt0109830"


@pytest.fixture
def store(data_dir) -> ReviewStore:
    """A fresh store in the test's REELPULSE_DATA_DIR, seeded from data/seed."""
    return ReviewStore.open()


def contents(store: ReviewStore) -> tuple[list[dict], dict]:
    """What a newly opened view of the store holds: every review and every tally (to check nothing changed)."""
    fresh = ReviewStore.open(store.location)
    return [r.model_dump() for r in fresh.reviews()], fresh.tallies()


def make_review(n: int = 0, imdb_id: str = FORREST_GUMP, p_positive: float = 0.9) -> Review:
    return Review(review_id=f"test-{n}", imdb_id=imdb_id, text=f"Review number {n}, written for a test.",
                  created_at=now(), source="test", label="pos" if p_positive >= 0.5 else "neg",
                  p_positive=p_positive, model_version="test")
