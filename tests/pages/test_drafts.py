"""Draft with AI on the movie page: the fake generator's draft fills the box, is stored marked as an AI draft."""
import pytest

from core.store import ReviewStore
from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page
from tests.story.conftest import fake_story  # noqa: F401


@pytest.fixture
def drafting(app, fake_story):  # noqa: F811
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    app.text_input(key="draft_notes").input("loved the score, the ending fell flat")
    app.radio(key="draft_tone").set_value("scathing")
    app.number_input(key="draft_seed").set_value(7)
    next(b for b in app.button if b.label == "Draft").click().run()
    assert not app.exception, app.exception
    return app


def test_a_draft_asks_for_this_movie_in_the_chosen_tone_and_fills_the_box(drafting, fake_story):  # noqa: F811
    request = fake_story.requests[-1]
    assert '"Forrest Gump"' in request.prompt and "negative review" in request.prompt
    assert "loved the score, the ending fell flat" in request.prompt and request.sampling.seed == 7
    assert drafting.text_area[0].value == fake_story_text(drafting)


def fake_story_text(app) -> str:
    return app.session_state["history"][-1]["text"].strip()


def test_a_submitted_draft_is_stored_and_shown_as_an_ai_draft(drafting, data_dir):
    drafting.text_area[0].input(drafting.text_area[0].value + " Edited by me.")
    next(b for b in drafting.button if b.label == "Submit review").click().run()
    assert not drafting.exception, drafting.exception
    stored = ReviewStore.open(data_dir).reviews_of(FORREST_GUMP)[-1]
    assert stored.source == "ai-draft" and stored.text.endswith("Edited by me.")
    assert any("🤖 AI draft" in c.value for c in drafting.caption)


def test_a_review_typed_after_a_draft_was_submitted_is_a_plain_web_review(drafting, data_dir):
    next(b for b in drafting.button if b.label == "Submit review").click().run()
    drafting.text_area[0].input("My own words now: a wonderful, moving film.")
    next(b for b in drafting.button if b.label == "Submit review").click().run()
    assert ReviewStore.open(data_dir).reviews_of(FORREST_GUMP)[-1].source == "web"


def test_a_draft_that_reads_against_the_tone_is_drafted_again_with_the_next_seed(app, fake_story):  # noqa: F811
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    app.radio(key="draft_tone").set_value("enthusiastic")   # the keyword fake reads the fake's words as negative
    app.number_input(key="draft_seed").set_value(7)
    next(b for b in app.button if b.label == "Draft").click().run()
    assert not app.exception, app.exception
    assert [r.sampling.seed for r in fake_story.requests] == [7, 8, 9]
    assert app.text_area[0].value == app.session_state["history"][-1]["text"].strip()
