from tests.core.conftest import FORREST_GUMP
from tests.pages.conftest import open_page


def test_movies_lists_the_catalogue_with_links(app):
    open_page(app, "pages/movies.py")
    table = app.dataframe[0].value
    assert len(table) >= 4000
    assert f"/movie?id={FORREST_GUMP}" in set(table["link"])


def test_search_and_minimum_reviews_narrow_the_table(app):
    open_page(app, "pages/movies.py")
    app.text_input[0].input("forrest gump").run()
    app.number_input[0].set_value(1).run()
    assert list(app.dataframe[0].value["imdb_id"]) == [FORREST_GUMP]


def test_a_search_that_matches_nothing_shows_an_empty_table(app):
    open_page(app, "pages/movies.py")
    app.text_input[0].input("zzzz no such film").run()
    assert not app.exception and app.dataframe[0].value.empty


def test_the_full_year_range_keeps_movies_without_a_year(app):
    open_page(app, "pages/movies.py")
    from core.seed_data import load_movies

    total = len(app.dataframe[0].value)
    assert total == len(load_movies()) and any(c.value == f"{total:,} of {total:,} movies" for c in app.caption)
    app.slider[0].set_value((1990, 1999)).run()
    assert app.dataframe[0].value["year"].between(1990, 1999).all()
