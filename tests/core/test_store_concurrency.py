import multiprocessing
import threading

from core.store import ReviewStore
from tests.core.conftest import FORREST_GUMP, make_review

PER_WORKER = 15


def append_many(folder: str, worker: int) -> None:
    store = ReviewStore.open(folder)
    for i in range(PER_WORKER):
        store.append(make_review(worker * 1000 + i))


def test_threads_appending_at_once_lose_nothing(store):
    before = store.tally(FORREST_GUMP).reviews
    threads = [threading.Thread(target=lambda w=w: [store.append(make_review(w * 1000 + i)) for i in range(PER_WORKER)])
               for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.tally(FORREST_GUMP).reviews == before + 4 * PER_WORKER
    assert ReviewStore.open().rebuild() == {}


def test_processes_appending_at_once_lose_nothing(store):
    before = store.tally(FORREST_GUMP).reviews
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=append_many, args=(str(store.folder), w)) for w in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [w.exitcode for w in workers] == [0, 0]
    reopened = ReviewStore.open()
    assert reopened.tally(FORREST_GUMP).reviews == before + 2 * PER_WORKER
    assert reopened.rebuild() == {}
