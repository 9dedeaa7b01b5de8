"""Where the story model's torch work runs, and on how many intra-op threads."""
from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


# The story model's torch work (loading; each generation's prefill and decoding) runs on threads of its own that
# end with it. libgomp cuts its threads' spin-wait to almost nothing once it manages more threads than there are
# cores, and a thread that has run a parallel region keeps its helper threads until it ends. So a thread that had
# loaded the model and lived on made decoding on two threads slower than on one (33 vs 40 tokens/s), and a
# long-lived decoding thread doubled the sentiment model's single-review latency in other threads (8.8 → 16.9 ms;
# docs/story_studio.md).
def on_own_thread(fn: Callable, *args, **kwargs):
    """fn(*args, **kwargs) run on a new thread that ends with it: its result, or its exception raised here."""
    outcome: dict = {}

    def body():
        try:
            outcome["result"] = fn(*args, **kwargs)
        except BaseException as err:   # handed to the caller
            outcome["error"] = err

    thread = threading.Thread(target=body, name=f"reelpulse-{getattr(fn, '__name__', 'work')}")
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


@contextmanager
def intra_op_threads(threads: int | None = None) -> Iterator[None]:
    """torch's intra-op threads set to `threads` (None: left as they are) for the block, and the count it had
    put back afterwards: the setting is process-wide, and threads started meanwhile begin from it."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads or before)
    try:
        yield
    finally:
        torch.set_num_threads(before)
