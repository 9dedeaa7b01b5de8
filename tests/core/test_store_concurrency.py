"""Processes writing at once, on both store backends (threads: test_store_contract.py)."""
import multiprocessing

from core.store import ReviewStore
from tests.core.conftest import FORREST_GUMP, make_review

PER_WORKER = 15


def append_some(location: str, worker: int) -> None:
    store = ReviewStore.open(location)
    for i in range(PER_WORKER):
        store.append(make_review(worker * 1000 + i))


def test_processes_appending_at_once_lose_nothing(any_store):
    before = any_store.tally(FORREST_GUMP).reviews
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=append_some, args=(any_store.location, w)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    reopened = ReviewStore.open()
    assert reopened.tally(FORREST_GUMP).reviews == before + 2 * PER_WORKER
    assert reopened.rebuild() == {}
