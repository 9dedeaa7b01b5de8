"""PostgreSQL specifics: seeding as a folder is seeded, schema versions, replicas starting at once, errors a visitor
may read (the shared contract: test_store_contract.py)."""
import threading

import pytest

from core.json_store import JsonStore
from core.pg_store import SCHEMA_VERSION, PostgresStore, state, tallies
from core.reviews import main
from core.store import ReviewStore, StoreError, public_message
from tests.core.conftest import FORREST_GUMP, make_review


def test_an_empty_database_is_seeded_exactly_as_an_empty_folder(database_url, tmp_path):
    database, folder = ReviewStore.open(database_url), JsonStore.open(tmp_path / "store")
    assert database.movies == folder.movies
    assert [(r.review_id, r.imdb_id, r.text, r.label, r.p_positive) for r in database.reviews()] == \
        [(r.review_id, r.imdb_id, r.text, r.label, r.p_positive) for r in folder.reviews()]
    assert database.tallies() == folder.tallies()


def test_replicas_starting_at_once_seed_the_database_once(database_url):
    opened = []
    threads = [threading.Thread(target=lambda: opened.append(ReviewStore.open(database_url))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(opened) == 4 and len({len(store.reviews()) for store in opened}) == 1
    assert len(ReviewStore.open(database_url).reviews()) == len(opened[0].reviews())


def test_a_database_written_by_a_newer_app_is_refused(database_url):
    store = ReviewStore.open(database_url)
    with store.engine.begin() as conn:
        conn.execute(state.update().values(schema_version=SCHEMA_VERSION + 1))
    with pytest.raises(StoreError, match="newer|reads up to"):
        ReviewStore.open(database_url)


def test_the_cli_rebuilds_and_exports_a_database_store(database_url, capsys):
    ReviewStore.open().append(make_review(1))
    assert main(["rebuild"]) == 0
    assert main(["export", "--movie", FORREST_GUMP]) == 0
    assert '"review_id":"test-1"' in capsys.readouterr().out


def test_an_unreachable_database_is_reported_without_host_or_password(tmp_path):
    url = f"postgresql://ana:s3cret@/reelpulse?host={tmp_path}"   # no server listens there
    with pytest.raises(StoreError) as refused:
        PostgresStore.open(url)
    shown = public_message(refused.value, url)
    assert "cannot be reached" in shown or "refused" in shown
    assert "s3cret" not in shown and "ana" not in shown and str(tmp_path) not in shown
    assert public_message(OSError(f"connect to {tmp_path} failed"), url) == "the database is unavailable"


def test_the_store_is_named_without_its_password(database_url):
    secret = database_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret@")
    assert "s3cret" not in PostgresStore(None, secret).key


def test_a_rescore_of_more_reviews_than_a_query_has_parameters_is_one_write(database_url):
    store = ReviewStore.open(database_url)
    store.append_many([make_review(n) for n in range(3)])
    relabel = lambda stored: stored.model_copy(update={"p_positive": 0.2, "label": "neg"})  # noqa: E731
    changes = {f"test-{n}": relabel for n in range(70_000)}   # ids not stored are skipped, as in the JSON store
    assert store.replace_reviews(changes) == 3
    assert {r.label for r in ReviewStore.open(database_url).reviews_of(FORREST_GUMP) if r.source == "test"} == {"neg"}


def test_a_stray_tally_is_reported_by_one_rebuild_only(database_url):
    store = ReviewStore.open(database_url)
    store.append(make_review(1))
    with store.engine.begin() as conn:   # a tally row for a movie with no reviews, as a bad migration might leave
        conn.execute(tallies.insert().values(imdb_id="tt0000010", doc=make_tally()))
    assert list(ReviewStore.open(database_url).rebuild()) == ["tt0000010"]
    assert ReviewStore.open(database_url).rebuild() == {}


def make_tally() -> dict:
    from core.rating import RatingTally

    return RatingTally().add("pos", 0.9).model_dump(mode="json")
