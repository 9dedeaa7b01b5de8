"""The story model is built and decodes on one long-lived thread (generate.STORY_THREAD)."""
from __future__ import annotations

import threading

import pytest

from models.story.generate import STORY_THREAD_NAME, Clock, Generator, Request, on_story_thread

from .test_generate import SAMPLED


def _thread_name() -> str:
    return threading.current_thread().name


def test_work_is_handed_to_the_story_thread_and_its_result_comes_back():
    assert on_story_thread(_thread_name).startswith(STORY_THREAD_NAME)
    assert on_story_thread(lambda a, b=0: a + b, 2, b=3) == 5


def test_called_on_the_story_thread_it_runs_in_place_instead_of_waiting_for_itself():
    assert on_story_thread(on_story_thread, _thread_name).startswith(STORY_THREAD_NAME)


def test_an_exception_reaches_the_caller():
    def fail():
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        on_story_thread(fail)


def test_load_builds_and_run_decodes_on_the_story_thread(tiny_model_dir, monkeypatch):
    built_on, decoded_on = [], []
    build = Generator._build.__func__

    def spy_build(cls, *args):
        built_on.append(_thread_name())
        return build(cls, *args)

    monkeypatch.setattr(Generator, "_build", classmethod(spy_build))
    generator = Generator.load(tiny_model_dir, adapter=None)
    generate = generator.model.generate
    monkeypatch.setattr(generator.model, "generate",
                        lambda **kwargs: decoded_on.append(_thread_name()) or generate(**kwargs))
    run = generator.run(Request("a dog", sampling=SAMPLED.with_(max_new_tokens=3)))
    assert run.text() == run.result.text
    assert built_on and decoded_on and all(name.startswith(STORY_THREAD_NAME) for name in built_on + decoded_on)


def test_by_default_decoding_keeps_the_threads_prefill_had():
    from types import SimpleNamespace

    from tests.story.fake_generator import ThreadCountSpy

    spy = ThreadCountSpy()
    Generator(spy, SimpleNamespace(pad_token_id=0), "spy").run_generate({}, {}, None, Clock(), Request("x"))
    assert len(spy.seen) == 3 and len(set(spy.seen)) == 1
