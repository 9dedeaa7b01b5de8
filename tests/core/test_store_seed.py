from core.schema import Review
from core.seed_data import demo_reviews
from core.store import LOG, ReviewStore


def test_a_missing_folder_is_created_from_the_seed(store, data_dir):
    assert (data_dir / LOG).exists()
    assert len(store.movies) >= 4000
    assert len(store.reviews()) == len(demo_reviews()) >= 200


def test_an_empty_folder_is_seeded_too(data_dir):
    data_dir.mkdir()
    assert len(ReviewStore.open().reviews()) >= 200


def test_the_store_lives_where_the_variable_points(store, data_dir):
    assert store.folder == data_dir


def test_demo_reviews_are_dated_in_the_past_and_in_order(store):
    times = [r.created_at for r in store.reviews()]
    assert times == sorted(times)
    assert all(isinstance(r, Review) and r.source == "demo" for r in store.reviews())


def test_reopening_keeps_what_was_stored(store):
    assert ReviewStore.open().tallies() == store.tallies()
