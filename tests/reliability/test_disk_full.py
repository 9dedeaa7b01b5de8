"""A disk that is full or refuses writes: the user reads why (page and CLI) and the store stays as it was."""
import errno
import os

import pytest

from core import reviews as cli
from core import json_store as store_module
from core.store import ReviewStore, StoreError
from core.submission import submit_review
from tests.core.conftest import FORREST_GUMP, make_review
from tests.pages.conftest import open_page, submit_button

REFUSALS = {errno.ENOSPC: "No space left on device", errno.EACCES: "Permission denied"}


@pytest.fixture(params=REFUSALS, ids=["disk full", "permission denied"])
def refused(request, monkeypatch) -> str:
    """Appends to the log fail; a full disk has taken half of the line first. Yields the expected message."""
    code = request.param

    def append(path, data):
        if code == errno.ENOSPC:
            with open(path, "ab") as f:
                f.write(data[: len(data) // 2])
        raise OSError(code, os.strerror(code), str(path))

    monkeypatch.setattr(store_module, "append_durably", append)
    return REFUSALS[code]


def test_a_refused_append_raises_a_clear_error_and_changes_nothing(store, fake_sentiment, refused):
    log, tallies = store.log_path.read_bytes(), store.tallies()
    with pytest.raises(StoreError, match=refused) as err:
        submit_review(store, fake_sentiment, FORREST_GUMP, "A wonderful film.", source="test")
    assert str(store.log_path) in str(err.value)
    assert store.log_path.read_bytes() == log and store.tallies() == tallies
    assert ReviewStore.open().tallies() == tallies


def test_the_movie_page_says_the_review_was_not_stored(app, data_dir, refused):
    open_page(app, "pages/movie.py", id=FORREST_GUMP)
    log = (data_dir / "reviews.jsonl").read_bytes()
    app.text_area[0].input("A wonderful film.")
    submit_button(app).click().run()
    assert not app.exception, app.exception
    assert "not stored" in app.error[0].value and refused in app.error[0].value
    assert str(data_dir) not in app.error[0].value   # the file's name, not the server's path
    assert (data_dir / "reviews.jsonl").read_bytes() == log


def test_the_cli_says_the_review_was_not_stored(store, fake_sentiment, refused, capsys):
    log = store.log_path.read_bytes()
    assert cli.main(["add", "--movie", FORREST_GUMP, "--text", "A wonderful film."]) == 2
    assert refused in capsys.readouterr().err
    assert store.log_path.read_bytes() == log


def test_a_snapshot_the_disk_refuses_does_not_fail_a_stored_review(store, monkeypatch):
    def full(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(store_module, "SNAPSHOT_EVERY", 1)
    monkeypatch.setattr(store_module, "atomic_write", full)
    before, after = store.append(make_review(1))
    assert after.reviews == before.reviews + 1
    assert ReviewStore.open().reviews_of(FORREST_GUMP)[-1].review_id == "test-1"
