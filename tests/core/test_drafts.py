"""AI drafts: the prompt names the movie, the tone and the visitor's notes; the request is plain-style review mode."""
import pytest

from core.drafts import MAX_NOTES, TONES, draft_on_tone, draft_prompt, draft_request
from core.schema import Movie

MOVIE = Movie(imdb_id="tt0112471", title="Before Sunrise", year=1995, genres=("Drama", "Romance"))


@pytest.mark.parametrize("tone", list(TONES))
def test_the_prompt_carries_title_year_genres_tone_and_notes(tone):
    prompt = draft_prompt(MOVIE, "  loved the   train scene ", tone)
    assert '"Before Sunrise" (1995, Drama / Romance)' in prompt and all(part in prompt for part in TONES[tone])
    assert prompt.endswith("working in these notes of mine: loved the train scene.")


def test_notes_are_optional_and_trimmed():
    assert "notes" not in draft_prompt(MOVIE, "   ", "mixed")
    assert len(draft_prompt(MOVIE, "x" * 5000, "mixed")) < 200 + MAX_NOTES


def test_an_unknown_tone_is_refused():
    with pytest.raises(ValueError, match="unknown tone"):
        draft_prompt(MOVIE, "", "sarcastic")


def test_the_request_is_a_plain_review_with_the_seed_shown():
    request = draft_request(MOVIE, "", "scathing", seed=42)
    assert (request.mode, request.screenplay_style, request.sampling.seed) == ("review", False, 42)


def test_a_draft_read_against_a_clear_tone_is_drafted_again_with_the_next_seed():
    seeds, redrafts = [], []

    def write(request):
        seeds.append(request.sampling.seed)
        return "great" if len(seeds) == 3 else "awful"

    text, made = draft_on_tone(write, lambda t: "pos" if t == "great" else "neg", MOVIE, "", "enthusiastic", 10,
                               on_redraft=lambda label, seed: redrafts.append((label, seed)))
    assert (text, made, seeds) == ("great", 3, [10, 11, 12]) and redrafts == [("neg", 11), ("neg", 12)]


def test_a_mixed_tone_or_an_unreadable_verdict_keeps_the_first_draft():
    assert draft_on_tone(lambda r: "awful", lambda t: "neg", MOVIE, "", "mixed", 0) == ("awful", 1)
    assert draft_on_tone(lambda r: "awful", lambda t: None, MOVIE, "", "enthusiastic", 0) == ("awful", 1)


def test_at_most_three_drafts_are_made():
    made = []
    text, count = draft_on_tone(lambda r: made.append(r) or "awful", lambda t: "neg", MOVIE, "", "enthusiastic", 0)
    assert (text, count, len(made)) == ("awful", 3, 3)
