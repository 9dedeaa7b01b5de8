import json

import pytest

from core.store import ReviewStore, StoreError
from tests.core.conftest import FORREST_GUMP, make_review


def test_a_torn_last_line_is_cut_off_on_load(store):
    store.append(make_review(1))
    good = store.log_path.read_bytes()
    with open(store.log_path, "ab") as f:
        f.write(make_review(2).model_dump_json().encode()[:40])   # a crash mid-append
    reopened = ReviewStore.open()
    assert store.log_path.read_bytes() == good
    assert reopened.tally(FORREST_GUMP) == store.tally(FORREST_GUMP)


def test_appending_after_a_torn_line_still_gives_valid_lines(store):
    with open(store.log_path, "ab") as f:
        f.write(b'{"review_id": "half')
    store.append(make_review(3))
    assert ReviewStore.open().reviews_of(FORREST_GUMP)[-1].review_id == "test-3"


@pytest.mark.parametrize("garbage", [b"{not json", b'{"format": "reelpulse.ratings"}', b""])
def test_a_corrupted_snapshot_is_rebuilt_from_the_log(store, garbage):
    store.append(make_review(1))
    expected = store.tallies()
    store.snapshot_path.write_bytes(garbage)
    assert ReviewStore.open().tallies() == expected


def test_a_snapshot_that_does_not_fit_the_log_is_rebuilt(store):
    store.rebuild()
    store.snapshot_path.write_bytes(store.snapshot_path.read_bytes().replace(b'"log_offset":', b'"log_offset":1'))
    assert ReviewStore.open().tallies() == store.tallies()


def test_a_stale_snapshot_is_caught_up_from_the_log(store):
    store.rebuild()
    store.append(make_review(1))   # not yet in the snapshot
    assert ReviewStore.open().tallies() == store.tallies()


def test_a_damaged_line_inside_the_log_is_reported_not_dropped(store):
    lines = store.log_path.read_bytes().splitlines(keepends=True)
    lines[5] = b'{"broken": true}\n'
    store.log_path.write_bytes(b"".join(lines))
    store.snapshot_path.unlink()
    with pytest.raises(StoreError, match="bad line"):
        ReviewStore.open()


def test_rebuild_reports_a_tampered_rating(store):
    store.rebuild()
    snapshot = json.loads(store.snapshot_path.read_text())
    snapshot["tallies"][FORREST_GUMP]["positive"] += 1
    store.snapshot_path.write_text(json.dumps(snapshot))
    mismatches = ReviewStore.open().rebuild()
    assert list(mismatches) == [FORREST_GUMP]
    assert ReviewStore.open().rebuild() == {}
