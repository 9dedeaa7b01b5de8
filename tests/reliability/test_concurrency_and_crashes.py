"""Many writers at once, and writers killed mid-write: nothing lost, nothing doubled, nothing half-written, on both
store backends. Full sizes (8 processes + 8 threads x 500 reviews, 250 kills): python -m bench.reliability --full."""
from tests.reliability.workloads import concurrent_writes, crash_loop, problems


def test_processes_and_threads_writing_at_once_store_every_review_once(any_store):
    expected, _ = concurrent_writes(any_store.location, processes=8, threads=8, per_writer=10)
    assert problems(any_store.location, expected) == []


def test_writers_killed_at_random_points_lose_no_acknowledged_review(any_store):
    figures = crash_loop(any_store.location, kills=20)
    assert figures["acknowledged"] > 20 and figures["problems"] == []


def test_eight_processes_store_500_reviews_each_on_postgresql(database_url):
    expected, _ = concurrent_writes(database_url, processes=8, threads=0, per_writer=500)
    assert len(expected) == 4_000 and problems(database_url, expected) == []
