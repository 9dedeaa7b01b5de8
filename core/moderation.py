"""Review bombing defences decided as a review arrives, and an analyst's release or rejection of held ones.

A review is stored whatever happens (nothing a visitor writes is lost), but enters the rating only when
it is "counted". It is held out when
  - it is the same or nearly the same text as a review of the movie in the last week ("duplicate"), or
  - its visitor (a keyed hash of their address, core/access.py) already has a counted review of the movie
    from the last week ("repeat": one voice per visitor; an analyst may release it, e.g. a venue's wifi), or
  - the movie is in a burst: more visitors in the last hour than BURST_FLOOR and than BURST_FACTOR times
    its usual hourly rate over the last 30 days ("held" for an analyst, like Steam's off-topic activity).
The status is written in the review's log line, so the rating stays a function of the log (rebuild agrees).
Per-visitor limits are the page's (ui/access.py): they need to know who is asking.
"""
from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from core.schema import Review, ReviewStatus, now
from core.store import ReviewStore

WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Policy:
    duplicate_window: timedelta = timedelta(days=7)
    near_duplicate: float = 0.8            # Jaccard similarity of word 3-grams (of words for shorter texts)
    burst_window: timedelta = timedelta(hours=1)
    burst_floor: int = 8
    burst_factor: float = 5.0
    usual_window: timedelta = timedelta(days=30)


POLICY = Policy()


def shingles(text: str) -> frozenset[str]:
    words = WORD.findall(text.lower())
    if len(words) < 3:
        return frozenset(words)
    return frozenset(" ".join(words[i:i + 3]) for i in range(len(words) - 2))


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 1.0


def status_for(text: str, created_at: datetime, recent: Sequence[Review], visitor: str | None = None,
               policy: Policy = POLICY) -> ReviewStatus:
    """How a new review of a movie with reviews `recent`, written by `visitor`, enters its rating."""
    mine = shingles(text)
    this_week = [r for r in recent if created_at - r.created_at <= policy.duplicate_window]
    if any(similarity(mine, shingles(r.text)) >= policy.near_duplicate for r in this_week):
        return "duplicate"
    if visitor is not None and any(r.visitor == visitor and r.counted for r in this_week):
        return "repeat"
    burst_start, usual_start = created_at - policy.burst_window, created_at - policy.usual_window
    in_burst = len({r.visitor or r.review_id for r in recent if r.created_at > burst_start})
    usual = sum(1 for r in recent if usual_start < r.created_at <= burst_start)
    usual_per_window = usual * (policy.burst_window / (policy.usual_window - policy.burst_window))
    return "held" if in_burst >= max(policy.burst_floor, policy.burst_factor * usual_per_window) else "counted"


WAITING: tuple[ReviewStatus, ...] = ("held", "repeat")   # what an analyst may release or reject


def held_reviews(store: ReviewStore) -> list[Review]:
    return [r for r in store.reviews() if r.status in WAITING]


Decision = Literal["counted", "rejected"]


def decide(store: ReviewStore, decisions: Mapping[str, Decision], analyst: str) -> int:
    """Release ("counted") or reject held reviews by review_id, in one durable step; log who decided what."""
    held = {r.review_id: r for r in held_reviews(store)}
    unknown = set(decisions) - set(held)
    if unknown:
        raise ValueError(f"not held (decided already, or no such review): {', '.join(sorted(unknown))}")

    def decided(status: ReviewStatus):
        def change(stored: Review) -> Review:
            if stored.status not in WAITING:   # another analyst got there first
                raise ValueError(f"not held (decided already): {stored.review_id}")
            return stored.model_copy(update={"status": status})
        return change

    count = store.replace_reviews({rid: decided(status) for rid, status in decisions.items()})
    at = now().isoformat()
    store.record_decisions([dict(at=at, analyst=analyst, review_id=rid, imdb_id=held[rid].imdb_id, status=status)
                            for rid, status in decisions.items()])
    return count
