from core.schema import Review
from core.seed_data import demo_reviews
from core.json_store import LOG
from core.store import ReviewStore


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



def test_a_catalogue_written_before_imported_votes_is_brought_up_to_date(store, data_dir):
    import json

    from core.json_store import MOVIES
    from core.store import ReviewStore
    from tests.core.conftest import FORREST_GUMP

    path = data_dir / MOVIES
    movies = [json.loads(line) for line in path.read_text().splitlines()]
    for movie in movies:
        del movie["imported_weight"], movie["imported_weight_positive"]
    path.write_text("".join(json.dumps(m) + "\n" for m in movies))
    reopened = ReviewStore.open(data_dir)
    assert reopened.tally(FORREST_GUMP).imported > 0
    assert len(list((data_dir / "recovered").glob(f"{MOVIES}.*"))) == 1   # the old file is kept
