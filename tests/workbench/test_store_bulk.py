"""JSON store specifics of bulk writes (the contract on both backends: tests/core/test_store_contract.py)."""
import pytest

from core.store import ReviewStore
from tests.core.conftest import make_review


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


def test_replace_reviews_keeps_other_lines_and_recomputes_ratings(store):
    store.append(make_review(1, p_positive=0.9))
    lines = store.log_path.read_bytes().splitlines()
    flipped = make_review(1, p_positive=0.2)
    assert store.replace_reviews({"test-1": lambda stored: flipped}) == 1
    new_lines = store.log_path.read_bytes().splitlines()
    assert new_lines[:-1] == lines[:-1] and new_lines[-1] == flipped.model_dump_json().encode()
    reopened = ReviewStore.open()
    assert reopened.tallies() == store.tallies() and reopened.rebuild() == {}


def test_stars_are_written_only_when_given(store):
    store.append_many([make_review(1).model_copy(update={"stars": 8.0}), make_review(2)])
    assert b'"stars":8.0' in store.log_path.read_bytes() and b'"stars":null' not in store.log_path.read_bytes()
