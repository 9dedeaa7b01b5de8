"""The story model's torch work runs on threads that end with it (threads.on_own_thread)."""
from __future__ import annotations

import threading

import pytest

from models.story.generate import Clock, Generator, Request
from models.story.threads import on_own_thread

from .test_generate import SAMPLED


def test_work_runs_on_a_new_thread_that_has_ended_when_its_result_comes_back():
    caller = threading.current_thread()
    ran_on = on_own_thread(threading.current_thread)
    assert ran_on is not caller and not ran_on.is_alive()
    assert on_own_thread(lambda a, b=0: a + b, 2, b=3) == 5


def test_an_exception_reaches_the_caller():
    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        on_own_thread(fail)


def test_load_builds_and_run_decodes_off_the_callers_thread_on_threads_that_end(tiny_model_dir, monkeypatch):
    built_on, decoded_on = [], []
    build = Generator._build.__func__

    def spy_build(cls, *args):
        built_on.append(threading.current_thread())
        return build(cls, *args)

    monkeypatch.setattr(Generator, "_build", classmethod(spy_build))
    generator = Generator.load(tiny_model_dir, adapter=None)
    generate = generator.model.generate
    monkeypatch.setattr(generator.model, "generate",
                        lambda **kwargs: decoded_on.append(threading.current_thread()) or generate(**kwargs))
    run = generator.run(Request("a dog", sampling=SAMPLED.with_(max_new_tokens=3)))
    assert run.text() == run.result.text
    threads = built_on + decoded_on
    assert len(threads) == 2 and threading.current_thread() not in threads
    assert not any(thread.is_alive() for thread in threads)


def test_by_default_decoding_keeps_the_threads_prefill_had():
    from types import SimpleNamespace

    from tests.story.fake_generator import ThreadCountSpy

    spy = ThreadCountSpy()
    generator = Generator(spy, SimpleNamespace(pad_token_id=0), "spy")
    assert generator.decode_threads is None
    generator.run_generate({}, {}, None, Clock(), Request("x"))
    assert len(spy.seen) == 3 and len(set(spy.seen)) == 1
