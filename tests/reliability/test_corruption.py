"""Damaged store files: a clear error naming the file, a repair where the log allows it, and a backup of
whatever a repair could not read (recovered/<file>.<time>.bad)."""
import pytest

from core import reviews as cli
from core.durable import BACKUPS
from core.seed_data import load_movies
from core.json_store import MAX_LINE
from core.store import ReviewStore, StoreError
from tests.core.conftest import FORREST_GUMP, make_review

DAMAGE = {
    "truncated": lambda data: data[: len(data) * 2 // 3],
    "garbage": lambda data: bytes(range(256)) * 8,
    "wrong version": lambda data: data.replace(b'"format_version":1', b'"format_version":2', 1),
    "empty": lambda data: b"",
}


def damage(path, how: str) -> bytes:
    damaged = DAMAGE[how](path.read_bytes())
    path.write_bytes(damaged)
    return damaged


def backups(path) -> list[bytes]:
    return [b.read_bytes() for b in sorted((path.parent / BACKUPS).glob(f"{path.name}.*.bad"))]


@pytest.mark.parametrize("how", DAMAGE)
def test_a_damaged_snapshot_is_rebuilt_and_kept_as_a_backup(store, how):
    store.append(make_review(1))
    store.rebuild()
    expected = store.tallies()
    damaged = damage(store.snapshot_path, how)
    assert ReviewStore.open().tallies() == expected
    assert backups(store.snapshot_path) == [damaged]


@pytest.mark.parametrize("how", ["truncated", "garbage", "empty", "missing"])
def test_a_damaged_catalogue_is_restored_from_the_seed(store, how):
    path = store.folder / "movies.jsonl"
    if how == "missing":
        path.unlink()
    else:
        damaged = damage(path, how)
    assert list(ReviewStore.open().movies.values()) == load_movies()
    assert backups(path) == ([] if how == "missing" else [damaged])


def test_a_torn_tail_is_cut_and_kept_as_a_backup(store):
    store.append(make_review(1))
    good = store.log_path.read_bytes()
    torn = make_review(2).model_dump_json().encode()[:50]
    store.log_path.write_bytes(good + torn)
    assert ReviewStore.open().reviews_of(FORREST_GUMP)[-1].review_id == "test-1"
    assert store.log_path.read_bytes() == good and backups(store.log_path) == [torn]


def test_garbage_longer_than_a_line_after_the_log_loses_no_review(store):
    store.append(make_review(1))
    good = store.log_path.read_bytes()
    store.log_path.write_bytes(good + b"x" * (3 * MAX_LINE))
    ReviewStore.open()
    ReviewStore.open().append(make_review(2))
    ids = [r.review_id for r in ReviewStore.open().reviews_of(FORREST_GUMP)]
    assert ids[-2:] == ["test-1", "test-2"] and store.log_path.read_bytes().startswith(good)


@pytest.mark.parametrize("how, message", [("empty", "v1 header"), ("wrong version", "v1 header"),
                                          ("header cut", "no complete line"), ("bad line", r"bad line at byte \d+")])
def test_an_unreadable_log_stops_with_a_message_naming_it_and_is_left_as_it_was(store, how, message):
    data = store.log_path.read_bytes()
    lines = data.splitlines(keepends=True)
    damaged = {"empty": b"", "wrong version": DAMAGE["wrong version"](data), "header cut": data[:20],
               "bad line": b"".join(lines[:5] + [b"\x00garbage\n"] + lines[5:])}[how]
    store.log_path.write_bytes(damaged)
    store.snapshot_path.unlink(missing_ok=True)
    with pytest.raises(StoreError, match=message) as err:
        ReviewStore.open()
    assert str(store.log_path) in str(err.value)
    assert store.log_path.read_bytes() == damaged


def test_the_pages_name_an_unreadable_log_by_its_file_and_the_cli_by_its_path(app, store, capsys):
    store.log_path.write_bytes(b'{"format": "something else"}\n')
    store.snapshot_path.unlink(missing_ok=True)
    for page in ("pages/home.py", "pages/movies.py", "pages/movie.py"):
        app.switch_page(page).run()
        message = app.error[0].value
        assert not app.exception and "reviews.jsonl" in message and str(store.folder) not in message
    assert cli.main(["export"]) == 2
    assert str(store.log_path) in capsys.readouterr().err
