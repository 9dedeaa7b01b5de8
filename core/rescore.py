"""Rescoring: after a model update, score stored reviews again and rewrite them in one durable step."""
from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from core.schema import Review
from core.scoring import Progress, no_progress, score_batches
from core.store import ReviewStore
from core.submission import Scorer
from core.views import movie_link


@dataclass
class RescoreSummary:
    reviews: int            # stored reviews looked at
    rescored: int           # scored by another model version before, so scored again
    flipped: int            # verdicts that changed side
    changes: pd.DataFrame   # one row per movie whose rating moved: before, after, change, flipped
    seconds: float

    def to_dict(self, top: int = 10) -> dict:
        return {"reviews": self.reviews, "rescored": self.rescored, "flipped": self.flipped,
                "movies_changed": len(self.changes), "seconds": round(self.seconds, 3),
                "biggest_changes": self.changes.head(top).drop(columns="link").to_dict("records")}


def rescore(store: ReviewStore, model: Scorer, progress: Progress = no_progress) -> RescoreSummary:
    """Score every review not scored by `model.version` yet; store all new scores at once, or none."""
    started = time.perf_counter()
    reviews = store.reviews()
    stale = [r for r in reviews if r.model_version != model.version]
    results = score_batches(model, [r.text for r in stale], progress)
    scores = {r.review_id: dict(label=result.label, p_positive=result.p_positive, model_version=model.version)
              for r, result in zip(stale, results)}
    updated = {r.review_id: r.model_copy(update=scores[r.review_id]) for r in stale}
    before = store.tallies()
    if scores:   # only the model's fields: a status or an author's label set meanwhile is kept
        store.replace_reviews({rid: (lambda stored, fields=fields: stored.model_copy(update=fields))
                               for rid, fields in scores.items()})
    changes = rating_changes(store, before, stale, updated)
    return RescoreSummary(reviews=len(reviews), rescored=len(updated), flipped=int(changes["flipped"].sum()),
                          changes=changes, seconds=time.perf_counter() - started)


def rating_changes(store: ReviewStore, before: dict, old: list[Review], new: dict[str, Review]) -> pd.DataFrame:
    """Movies whose rating moved, biggest move first."""
    flipped = pd.Series([r.imdb_id for r in old if new[r.review_id].label != r.label], dtype=str).value_counts()
    after = store.tallies()
    rows = [{"imdb_id": imdb_id, "title": store.movies[imdb_id].title, "before": before[imdb_id].rating,
             "after": after[imdb_id].rating, "flipped": int(flipped.get(imdb_id, 0)), "link": movie_link(imdb_id)}
            for imdb_id in before.keys() & after.keys() if before[imdb_id] != after[imdb_id]]
    frame = pd.DataFrame(rows, columns=["imdb_id", "title", "before", "after", "flipped", "link"])
    frame["change"] = frame["after"] - frame["before"]
    return frame.reindex(frame["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)
