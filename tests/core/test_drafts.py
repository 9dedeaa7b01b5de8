"""AI drafts: the prompt names the movie, the tone and the visitor's notes; the request is plain-style review mode."""
import pytest

from core.drafts import MAX_NOTES, TONES, draft_prompt, draft_request
from core.schema import Movie

MOVIE = Movie(imdb_id="tt0112471", title="Before Sunrise", year=1995, genres=("Drama", "Romance"))


@pytest.mark.parametrize("tone", list(TONES))
def test_the_prompt_carries_title_year_genres_tone_and_notes(tone):
    prompt = draft_prompt(MOVIE, "  loved the   train scene ", tone)
    assert '"Before Sunrise" (1995, Drama / Romance)' in prompt and TONES[tone] in prompt
    assert prompt.endswith("Work in these notes of mine: loved the train scene")


def test_notes_are_optional_and_trimmed():
    assert "notes" not in draft_prompt(MOVIE, "   ", "mixed")
    assert len(draft_prompt(MOVIE, "x" * 5000, "mixed")) < 200 + MAX_NOTES


def test_an_unknown_tone_is_refused():
    with pytest.raises(ValueError, match="unknown tone"):
        draft_prompt(MOVIE, "", "sarcastic")


def test_the_request_is_a_plain_review_with_the_seed_shown():
    request = draft_request(MOVIE, "", "scathing", seed=42)
    assert (request.mode, request.screenplay_style, request.sampling.seed) == ("review", False, 42)
