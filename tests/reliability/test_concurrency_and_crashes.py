"""Many writers at once, and writers killed mid-write: nothing lost, nothing doubled, nothing half-written.
Full sizes (8 processes + 8 threads x 500 reviews, 250 kills): python -m bench.reliability --full."""
from tests.reliability.workloads import concurrent_writes, crash_loop, problems


def test_processes_and_threads_writing_at_once_store_every_review_once(store):
    expected, _ = concurrent_writes(store.folder, processes=8, threads=8, per_writer=10)
    assert problems(store.folder, expected) == []


def test_writers_killed_at_random_points_lose_no_acknowledged_review(store):
    figures = crash_loop(store.folder, kills=20)
    assert figures["acknowledged"] > 20 and figures["problems"] == []
