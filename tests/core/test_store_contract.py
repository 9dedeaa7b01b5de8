"""The store contract (core.store.ReviewStore) on both backends: a JSON folder and a PostgreSQL database."""
import threading

import pytest

from core.store import ReviewStore, UnknownMovie
from tests.core.conftest import FORREST_GUMP, contents, make_review


def test_append_returns_the_rating_before_and_after(any_store):
    before, after = any_store.append(make_review(1, p_positive=0.95))
    assert after == any_store.tally(FORREST_GUMP)
    assert after.reviews == before.reviews + 1
    assert after.rating > before.rating


def test_a_stored_review_survives_reopening(any_store):
    any_store.append(make_review(1))
    reopened = ReviewStore.open()
    assert reopened.reviews_of(FORREST_GUMP)[-1].review_id == "test-1"
    assert reopened.tally(FORREST_GUMP) == any_store.tally(FORREST_GUMP)


def test_an_unknown_movie_stores_nothing(any_store):
    version, held = any_store.version, contents(any_store)
    with pytest.raises(UnknownMovie):
        any_store.append(make_review(1, imdb_id="tt9999999"))
    with pytest.raises(UnknownMovie):
        any_store.append_many([make_review(2), make_review(3, imdb_id="tt9999999")])
    assert any_store.refresh() == version and contents(any_store) == held


def test_the_version_grows_with_every_review(any_store):
    version = any_store.version
    any_store.append(make_review(1))
    assert any_store.version > version


def test_refresh_sees_reviews_another_view_stored(any_store):
    other = ReviewStore.open()
    any_store.reviews()
    other.append(make_review(7))
    any_store.refresh()
    assert any_store.tally(FORREST_GUMP) == other.tally(FORREST_GUMP)
    assert any_store.reviews_of(FORREST_GUMP)[-1].review_id == "test-7"


def test_imported_votes_enter_the_rating_and_rebuild_keeps_them(any_store):
    imported = any_store.movie(FORREST_GUMP).imported_votes()
    assert imported.imported > 0
    before, after = any_store.append(make_review(1, p_positive=0.05))
    assert before.imported == after.imported == imported.imported
    assert after.rating < before.rating
    assert any_store.rebuild() == {}
    assert any_store.tally(FORREST_GUMP) == after


def test_the_tally_of_some_reviews_carries_the_movies_imported_votes(any_store):
    any_store.append(make_review(1, p_positive=0.05))
    assert any_store.tally_of(FORREST_GUMP, []) == any_store.movie(FORREST_GUMP).imported_votes()
    assert any_store.tally_of(FORREST_GUMP, any_store.reviews_of(FORREST_GUMP)) == any_store.tally(FORREST_GUMP)


def test_append_many_stores_all_reviews_in_one_step(any_store):
    before = any_store.tally(FORREST_GUMP).reviews
    assert any_store.append_many([make_review(n) for n in range(5)]) == 5
    assert any_store.tally(FORREST_GUMP).reviews == before + 5
    reopened = ReviewStore.open()
    assert reopened.tallies() == any_store.tallies()
    assert [r.review_id for r in reopened.reviews_of(FORREST_GUMP)[-5:]] == [f"test-{n}" for n in range(5)]


def test_append_many_adds_a_stored_review_id_once(any_store):
    assert any_store.append_many([make_review(n) for n in range(3)]) == 3
    other = ReviewStore.open()
    assert other.append_many([make_review(n) for n in range(5)]) == 2
    assert any_store.append_many([make_review(4), make_review(4)]) == 0
    reopened = ReviewStore.open()
    assert sorted(r.review_id for r in reopened.reviews_of(FORREST_GUMP) if r.source == "test") == \
        [f"test-{n}" for n in range(5)]
    assert reopened.rebuild() == {}


def test_other_views_see_a_bulk_write_and_a_rewrite(any_store):
    other = ReviewStore.open()
    version = other.version
    any_store.append_many([make_review(n) for n in range(3)])
    assert other.refresh() > version and other.tallies() == any_store.tallies()
    rescored = {r.review_id: (lambda stored: stored.model_copy(update={"p_positive": 0.1, "label": "neg"}))
                for r in any_store.reviews_of(FORREST_GUMP)}
    version = other.version
    assert any_store.replace_reviews(rescored) == len(rescored)
    assert other.refresh() > version
    assert other.tally(FORREST_GUMP).positive == 0 and other.tallies() == any_store.tallies()
    assert len(other.reviews()) == len(any_store.reviews())


def test_a_change_that_raises_writes_nothing(any_store):
    any_store.append_many([make_review(n) for n in range(2)])
    held = contents(any_store)

    def refuse(stored):
        raise ValueError("no")

    with pytest.raises(ValueError):
        any_store.replace_reviews({"test-0": lambda stored: stored.model_copy(update={"status": "held"}),
                                   "test-1": refuse})
    assert contents(any_store) == held


def test_stars_are_kept_when_given(any_store):
    any_store.append_many([make_review(1).model_copy(update={"stars": 8.0}), make_review(2)])
    assert [r.stars for r in ReviewStore.open().reviews_of(FORREST_GUMP)[-2:]] == [8.0, None]


def test_threads_appending_at_once_lose_nothing(any_store):
    before = any_store.tally(FORREST_GUMP).reviews
    threads = [threading.Thread(target=lambda w=w: [any_store.append(make_review(w * 1000 + i)) for i in range(15)])
               for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert any_store.tally(FORREST_GUMP).reviews == before + 60
    assert ReviewStore.open().rebuild() == {}


def test_decisions_are_kept_in_order(any_store):
    entries = [dict(at="2026-12-07T10:00:00+00:00", analyst="ana", review_id=f"r{n}", imdb_id=FORREST_GUMP,
                    status="rejected") for n in range(3)]
    any_store.record_decisions(entries[:2])
    ReviewStore.open().record_decisions(entries[2:])
    assert any_store.decisions() == entries


def test_every_view_of_a_store_gives_the_same_visitor_key(any_store, monkeypatch):
    monkeypatch.delenv("REELPULSE_VISITOR_KEY", raising=False)
    key = any_store.visitor_key()
    assert len(key) == 64 and ReviewStore.open().visitor_key() == key
    monkeypatch.setenv("REELPULSE_VISITOR_KEY", "shared-by-replicas")
    assert any_store.visitor_key() == b"shared-by-replicas"


def test_an_error_shown_to_a_visitor_names_no_server_path_or_host(any_store):
    message = any_store.public_message(OSError(f"cannot write {any_store.key}/reviews.jsonl"))
    assert any_store.key not in message
