"""How a review's verdict is shown on any page: one badge per review, the same everywhere."""
from __future__ import annotations

from core.schema import Review

WORD = {"pos": "positive", "neg": "negative"}
STATUS_BADGE = {"duplicate": "Duplicate · not counted", "held": "Held for review", "repeat": "Repeat voice · held",
                "rejected": "Rejected · not counted"}


def show_badge(container, review: Review) -> None:
    if not review.counted:
        container.badge(STATUS_BADGE[review.status], icon="⏸️", color="gray")
    elif review.author_label is not None:
        container.badge(f"{WORD[review.author_label].capitalize()} (author) · model read {WORD[review.label]}",
                        icon="✍️", color="green" if review.author_label == "pos" else "red")
    elif review.label == "pos":
        container.badge(f"Positive · {review.confidence:.0%}", icon="👍", color="green")
    else:
        container.badge(f"Negative · {review.confidence:.0%}", icon="👎", color="red")
