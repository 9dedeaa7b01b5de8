import pytest

from core.store import ReviewStore, UnknownMovie
from tests.core.conftest import FORREST_GUMP, make_review


def test_append_returns_the_rating_before_and_after(store):
    before, after = store.append(make_review(1, p_positive=0.95))
    assert after == store.tally(FORREST_GUMP)
    assert after.reviews == before.reviews + 1
    assert after.rating > before.rating


def test_a_stored_review_survives_reopening(store):
    store.append(make_review(1))
    reopened = ReviewStore.open()
    assert reopened.reviews_of(FORREST_GUMP)[-1].review_id == "test-1"
    assert reopened.tally(FORREST_GUMP) == store.tally(FORREST_GUMP)


def test_an_unknown_movie_stores_nothing(store):
    version = store.version
    with pytest.raises(UnknownMovie):
        store.append(make_review(1, imdb_id="tt9999999"))
    assert store.refresh() == version


def test_the_version_grows_with_every_review(store):
    version = store.version
    store.append(make_review(1))
    assert store.version > version


def test_refresh_sees_reviews_another_process_stored(store):
    other = ReviewStore.open()
    store.reviews()
    other.append(make_review(7))
    store.refresh()
    assert store.tally(FORREST_GUMP) == other.tally(FORREST_GUMP)
    assert store.reviews_of(FORREST_GUMP)[-1].review_id == "test-7"


def test_appending_rewrites_no_other_line(store):
    log = store.log_path.read_bytes()
    store.append(make_review(1))
    assert store.log_path.read_bytes().startswith(log)


def test_imported_votes_enter_the_rating_and_rebuild_keeps_them(store):
    imported = store.movie(FORREST_GUMP).imported_votes()
    assert imported.imported > 0
    before, after = store.append(make_review(1, p_positive=0.05))
    assert before.imported == after.imported == imported.imported
    assert after.rating < before.rating
    assert store.rebuild() == {}
    assert store.tally(FORREST_GUMP) == after


def test_the_tally_of_some_reviews_carries_the_movies_imported_votes(store):
    store.append(make_review(1, p_positive=0.05))
    assert store.tally_of(FORREST_GUMP, []) == store.movie(FORREST_GUMP).imported_votes()
    assert store.tally_of(FORREST_GUMP, store.reviews_of(FORREST_GUMP)) == store.tally(FORREST_GUMP)
