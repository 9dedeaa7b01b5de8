from datetime import datetime, timezone

from core.rating import PRIOR_MEAN
from core.views import all_genres, filter_movies, hub_figures, movies_frame, newest_first, rating_history
from tests.core.conftest import FORREST_GUMP, make_review


def test_the_movies_table_has_a_row_and_a_link_per_movie(store):
    table = movies_frame(store)
    assert len(table) == len(store.movies)
    gump = table.set_index("imdb_id").loc[FORREST_GUMP]
    assert gump["link"] == f"/movie?id={FORREST_GUMP}" and gump["reviews"] == store.tally(FORREST_GUMP).reviews


def test_unreviewed_movies_are_rated_from_their_imported_votes(store):
    table = movies_frame(store).set_index("imdb_id")
    unreviewed = table[table["reviews"] == 0]
    expected = {imdb_id: round(store.movie(imdb_id).imported_votes().rating, 2) for imdb_id in unreviewed.index}
    assert unreviewed["rating"].to_dict() == expected
    assert all(basis.endswith(f"({n:,} imported)") for basis, n in zip(unreviewed["rated_from"], unreviewed["imported_reviews"]))


def test_a_fresh_store_rates_thousands_of_movies_and_says_from_what(store):
    table = movies_frame(store)
    assert (table["rating"] != PRIOR_MEAN).sum() >= 4000
    gump = table.set_index("imdb_id").loc[FORREST_GUMP]
    tally = store.tally(FORREST_GUMP)
    assert gump["rated_from"] == f"from {tally.counted + tally.imported:,} reviews ({tally.imported:,} imported)"


def test_filters_search_genre_year_and_minimum_reviews(store):
    table = movies_frame(store)
    shown = filter_movies(table, search="forrest", genres=["Drama"], years=(1990, 1999), min_reviews=1)
    assert list(shown["imdb_id"]) == [FORREST_GUMP]
    assert filter_movies(table, min_reviews=10_000).empty


def test_sorting_puts_the_best_rated_first_and_missing_figures_last(store):
    table = movies_frame(store)
    by_rating = filter_movies(table, sort_by="Rating")
    assert by_rating["rating"].is_monotonic_decreasing
    by_stars = filter_movies(table, sort_by="Reviewer stars", descending=False)
    assert by_stars["reviewer_stars"].dropna().is_monotonic_increasing
    assert by_stars["reviewer_stars"].iloc[-1] != by_stars["reviewer_stars"].iloc[-1]   # NaN last


def test_genres_are_listed_once_each(store):
    genres = all_genres(movies_frame(store))
    assert "Drama" in genres and len(genres) == len(set(genres))


def test_rating_history_ends_at_the_current_rating(store):
    store.append(make_review(1))
    history = rating_history(store.reviews_of(FORREST_GUMP), store.movie(FORREST_GUMP).imported_votes())
    assert history["rating"].iloc[-1] == round(store.tally(FORREST_GUMP).rating, 3)
    assert history["time"].is_monotonic_increasing


def test_newest_review_comes_first(store):
    store.append(make_review(1))
    assert newest_first(store.reviews_of(FORREST_GUMP))[0].review_id == "test-1"


def test_hub_figures_count_todays_reviews(store):
    before = hub_figures(store)
    store.append(make_review(1))
    after = hub_figures(store, today=datetime.now(timezone.utc))
    assert after.reviews == before.reviews + 1 and after.movies == len(store.movies)
    assert 0 < after.share_positive < 1 and after.reviews_today >= 1
