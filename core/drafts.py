"""AI-drafted reviews, the seed paper's "language model generating movie reviews": a visitor's few words and
a tone become a request to the story model for a short review of one catalogue movie. The visitor edits
the draft; a stored draft is scored like any review, its source marked "ai-draft"."""
from __future__ import annotations

from collections.abc import Callable

from models.story.config import Sampling
from models.story.generate import Request

from core.schema import Movie

# tone -> (what the review is, what it says of the movie): a 135M model follows plain polarity words far better
# than a described mood (bench/draft_tone.py)
TONES = {"enthusiastic": ("an enthusiastic, positive review", "good, and that you loved it,"),
         "mixed": ("a mixed review", "partly good and partly bad,"),
         "scathing": ("a scathing, negative review", "bad, and that you disliked it,")}
DIRECTION = {"enthusiastic": "pos", "scathing": "neg"}   # the verdict a draft in that tone should get ("mixed": none)
DRAFT_SOURCE = "ai-draft"
MAX_DRAFTS = 3   # drafts made at most for one click when the sentiment model reads them against a clear tone
MAX_NOTES = 300
DRAFT_SAMPLING = Sampling(temperature=0.7, top_k=50, top_p=0.9, repetition_penalty=1.1, no_repeat_ngram_size=3,
                          max_new_tokens=160, stop=("\n\n\n",))


def draft_prompt(movie: Movie, notes: str, tone: str) -> str:
    """What the model is asked: the movie's facts, the tone, and the visitor's notes (trimmed, may be empty)."""
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; choose one of {', '.join(TONES)}")
    facts = ", ".join(str(part) for part in (movie.year, " / ".join(movie.genres)) if part)
    kind, judgement = TONES[tone]
    notes = " ".join(notes.split())[:MAX_NOTES]
    return (f'The movie is "{movie.title}"{f" ({facts})" if facts else ""}. Make it {kind}: say plainly that the '
            f"movie is {judgement} and why" + (f", working in these notes of mine: {notes}" if notes else "") + ".")


def draft_request(movie: Movie, notes: str, tone: str, seed: int, max_new_tokens: int | None = None) -> Request:
    sampling = DRAFT_SAMPLING.with_(seed=seed, max_new_tokens=max_new_tokens or DRAFT_SAMPLING.max_new_tokens)
    return Request(draft_prompt(movie, notes, tone), mode="review", sampling=sampling, screenplay_style=False)


def draft_on_tone(write: Callable[[Request], str], read: Callable[[str], str | None], movie: Movie, notes: str,
                  tone: str, seed: int, on_redraft: Callable[[str, int], None] | None = None) -> tuple[str, int]:
    """Draft with `write`; where `read` (the sentiment model: "pos", "neg", or None when it cannot tell) reads a
    draft against a clear tone, draft again with the next seed, at most MAX_DRAFTS times (`on_redraft(label,
    next seed)` is told). Returns the last draft and how many were made."""
    for attempt in range(MAX_DRAFTS):
        text = write(draft_request(movie, notes, tone, seed + attempt)).strip()
        label = read(text) if text and tone in DIRECTION else None
        if label is None or label == DIRECTION[tone]:
            return text, attempt + 1
        if attempt + 1 < MAX_DRAFTS and on_redraft:
            on_redraft(label, seed + attempt + 1)
    return text, MAX_DRAFTS
