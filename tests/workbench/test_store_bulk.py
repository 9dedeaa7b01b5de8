import pytest

from core.store import ReviewStore, UnknownMovie
from tests.core.conftest import FORREST_GUMP, make_review


def test_append_many_stores_all_reviews_in_one_step(store):
    before = store.tally(FORREST_GUMP).reviews
    assert store.append_many([make_review(n) for n in range(5)]) == 5
    assert store.tally(FORREST_GUMP).reviews == before + 5
    reopened = ReviewStore.open()
    assert reopened.tallies() == store.tallies()
    assert [r.review_id for r in reopened.reviews_of(FORREST_GUMP)[-5:]] == [f"test-{n}" for n in range(5)]


def test_append_many_with_an_unknown_movie_stores_nothing(store):
    size = store.log_path.stat().st_size
    with pytest.raises(UnknownMovie):
        store.append_many([make_review(1), make_review(2, imdb_id="tt9999999")])
    assert store.log_path.stat().st_size == size


def test_an_interrupted_bulk_write_leaves_the_log_as_it_was(store, monkeypatch):
    import core.durable

    good = store.log_path.read_bytes()

    def interrupted(src, dst, length=0):
        dst.write(src.read(100))
        raise KeyboardInterrupt

    monkeypatch.setattr(core.durable.shutil, "copyfileobj", interrupted)
    with pytest.raises(KeyboardInterrupt):
        store.append_many([make_review(1)])
    assert store.log_path.read_bytes() == good
    assert not list(store.folder.glob(".reviews.jsonl.*"))


def test_other_views_see_a_bulk_write_and_a_rewrite(store):
    other = ReviewStore.open()
    version = other.version
    store.append_many([make_review(n) for n in range(3)])
    assert other.refresh() > version and other.tallies() == store.tallies()
    rescored = {r.review_id: (lambda stored: stored.model_copy(update={"p_positive": 0.1, "label": "neg"}))
                for r in store.reviews_of(FORREST_GUMP)}
    version = other.version
    assert store.replace_reviews(rescored) == len(rescored)
    assert other.refresh() > version
    assert other.tally(FORREST_GUMP).positive == 0 and other.tallies() == store.tallies()
    assert len(other.reviews()) == len(store.reviews())


def test_replace_reviews_keeps_other_lines_and_recomputes_ratings(store):
    store.append(make_review(1, p_positive=0.9))
    lines = store.log_path.read_bytes().splitlines()
    flipped = make_review(1, p_positive=0.2)
    assert store.replace_reviews({"test-1": lambda stored: flipped}) == 1
    new_lines = store.log_path.read_bytes().splitlines()
    assert new_lines[:-1] == lines[:-1] and new_lines[-1] == flipped.model_dump_json().encode()
    reopened = ReviewStore.open()
    assert reopened.tallies() == store.tallies() and reopened.rebuild() == {}


def test_stars_are_stored_only_when_given(store):
    with_stars = make_review(1).model_copy(update={"stars": 8.0})
    store.append_many([with_stars, make_review(2)])
    assert b'"stars":8.0' in store.log_path.read_bytes() and b'"stars":null' not in store.log_path.read_bytes()
    assert [r.stars for r in ReviewStore.open().reviews_of(FORREST_GUMP)[-2:]] == [8.0, None]
