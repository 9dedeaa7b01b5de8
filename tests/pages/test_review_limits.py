"""Review bombing through the movie page: per-visitor limits and held-out reviews, as a visitor sees them."""
from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page, submit_button
from tests.pages.test_movie import rating, submit


def test_a_visitor_gets_three_reviews_of_a_movie_an_hour_and_is_told_when_the_next_is_allowed(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    for n in range(3):
        submit(app, f"Boring film number {n}, a dull waste of time {'!' * n}and more words {n * 'x'}.")
    assert submit_button(app).disabled and "next review is allowed in 60 min" in app.info[0].value


def test_another_movie_is_still_open_to_the_same_visitor(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    for n in range(3):
        submit(app, f"Boring film number {n}, a dull waste of time {'!' * n}and more words {n * 'x'}.")
    app.query_params["id"] = "tt0120737"
    app.run()
    assert not submit_button(app).disabled


def test_a_repeated_review_is_stored_but_does_not_move_the_rating(app):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    submit(app, "Awful, boring, a total waste of an evening.")
    before = rating(app)
    submit(app, "awful boring a total waste of an evening!!")
    assert rating(app) == before
    assert "repeats a recent review" in app.info[0].value
    assert any("Duplicate · not counted" in m.value for m in app.markdown)
