"""AI-drafted reviews, the seed paper's "language model generating movie reviews": a visitor's few words and
a tone become a request to the story model for a short review of one catalogue movie. The visitor edits
the draft; a stored draft is scored like any review, its source marked "ai-draft"."""
from __future__ import annotations

from models.story.config import Sampling
from models.story.generate import Request

from core.schema import Movie

TONES = {"enthusiastic": "You loved it: say so warmly and say why.",
         "mixed": "Some of it worked for you and some of it did not: say which.",
         "scathing": "You disliked it: say so plainly and say why, without insults."}
DIRECTION = {"enthusiastic": "pos", "scathing": "neg"}   # the verdict a draft in that tone should get ("mixed": none)
DRAFT_SOURCE = "ai-draft"
MAX_NOTES = 300
DRAFT_SAMPLING = Sampling(temperature=0.8, top_k=50, top_p=0.9, repetition_penalty=1.1, no_repeat_ngram_size=3,
                          max_new_tokens=160, stop=("\n\n\n",))


def draft_prompt(movie: Movie, notes: str, tone: str) -> str:
    """What the model is asked: the movie's facts, the tone, and the visitor's notes (trimmed, may be empty)."""
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; choose one of {', '.join(TONES)}")
    facts = ", ".join(str(part) for part in (movie.year, " / ".join(movie.genres)) if part)
    prompt = f'The movie: "{movie.title}"{f" ({facts})" if facts else ""}. {TONES[tone]}'
    notes = " ".join(notes.split())[:MAX_NOTES]
    return prompt + (f" Work in these notes of mine: {notes}" if notes else "")


def draft_request(movie: Movie, notes: str, tone: str, seed: int, max_new_tokens: int | None = None) -> Request:
    sampling = DRAFT_SAMPLING.with_(seed=seed, max_new_tokens=max_new_tokens or DRAFT_SAMPLING.max_new_tokens)
    return Request(draft_prompt(movie, notes, tone), mode="review", sampling=sampling, screenplay_style=False)
