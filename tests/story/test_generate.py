from __future__ import annotations

import threading
import time

import pytest

from models.story.config import MAX_NEW_TOKENS, PRESETS, Sampling
from models.story.generate import (Clock, Generator, Request, bounded_new_tokens, cut_at_stop,
                                   generation_kwargs)
from models.story.turns import GENERATION_TURNS

SAMPLED = Sampling(temperature=1.5, top_k=0, top_p=1.0, repetition_penalty=1.0, max_new_tokens=24, seed=7)


def test_sampling_controls_map_to_generate_kwargs():
    kwargs = generation_kwargs(Sampling(temperature=0.9, top_k=40, top_p=0.8, min_p=0.05, typical_p=0.7,
                                        repetition_penalty=1.2, no_repeat_ngram_size=3, max_new_tokens=99))
    assert kwargs == dict(do_sample=True, temperature=0.9, top_k=40, top_p=0.8, min_p=0.05, typical_p=0.7,
                          repetition_penalty=1.2, no_repeat_ngram_size=3, max_new_tokens=99)


def test_temperature_zero_is_greedy_without_sampling_knobs():
    kwargs = generation_kwargs(PRESETS["Precise"])
    assert kwargs["do_sample"] is False
    assert not {"temperature", "top_k", "top_p", "min_p", "typical_p"} & kwargs.keys()


@pytest.mark.parametrize("asked, used", [(0, 1), (-5, 1), (50, 50), (10**9, MAX_NEW_TOKENS)])
def test_max_new_tokens_is_bounded(asked, used):
    assert bounded_new_tokens(asked) == used
    assert generation_kwargs(Sampling(max_new_tokens=asked))["max_new_tokens"] == used


def test_same_seed_same_text_other_seed_other_text(tiny_generator):
    def text(seed: int) -> str:
        return tiny_generator.run(Request("the detective", sampling=SAMPLED.with_(seed=seed))).text()

    assert text(7) == text(7)
    assert text(7) != text(8)


def test_result_reports_seed_tokens_and_timing(tiny_generator):
    run = tiny_generator.run(Request("a lighthouse keeper", sampling=SAMPLED.with_(max_new_tokens=10)))
    assert run.text() == run.result.text
    result = run.result
    assert result.seed == 7 and 1 <= result.new_tokens <= 10
    assert result.ttft_ms >= 0 and result.tokens_per_s >= 0 and result.finish in ("length", "eos")


def test_stop_sequence_cuts_the_text(tiny_generator):
    full = tiny_generator.run(Request("the diner", sampling=SAMPLED)).text()
    stop = full[len(full) // 2:len(full) // 2 + 3]
    run = tiny_generator.run(Request("the diner", sampling=SAMPLED.with_(stop=(stop,))))
    pieces = list(run)
    assert "".join(pieces) == full[:full.index(stop)] == run.result.text
    assert run.result.finish == "stop sequence"


def test_cut_at_stop_uses_the_earliest_sequence():
    assert cut_at_stop("abc END def STOP", ("STOP", "END")) == ("abc ", True)
    assert cut_at_stop("nothing here", ("STOP", "")) == ("nothing here", False)


def test_long_prompt_is_trimmed_from_the_left(tiny_generator):
    prompt = "first words " + "the dog barks twice " * 200 + "last words"
    run = tiny_generator.run(Request(prompt, sampling=SAMPLED.with_(max_new_tokens=8)))
    run.text()
    assert run.result.trimmed
    assert run.result.prompt_tokens <= tiny_generator.context - 8


def test_short_prompt_is_not_trimmed(tiny_generator):
    run = tiny_generator.run(Request("a dog", sampling=SAMPLED.with_(max_new_tokens=4)))
    run.text()
    assert not run.result.trimmed


def test_empty_prompt_is_refused(tiny_generator):
    with pytest.raises(ValueError, match="empty"):
        tiny_generator.run(Request("   "))


def test_cancel_stops_early(tiny_generator):
    run = tiny_generator.run(Request("the detective", sampling=SAMPLED.with_(max_new_tokens=200)))
    run.cancel()
    run.text()
    assert run.result.finish == "stopped" and run.result.new_tokens < 200


def test_a_second_generation_waits_its_turn_and_is_told_how_many_are_ahead(tiny_generator):
    places: list[int] = []
    run = tiny_generator.run(Request("a dog", sampling=SAMPLED.with_(max_new_tokens=3)), on_wait=places.append)
    first = GENERATION_TURNS.join("someone else")
    worker = threading.Thread(target=run.text)
    worker.start()
    deadline = time.monotonic() + 5
    while not places and time.monotonic() < deadline:
        time.sleep(0.05)
    assert places and set(places) == {1} and run.result is None
    GENERATION_TURNS.leave(first)
    worker.join(30)
    assert run.result is not None and len(GENERATION_TURNS) == 0


def test_env_variable_selects_a_local_gpt2_folder(tiny_model_dir, monkeypatch):
    monkeypatch.setenv("REELPULSE_STORY_MODEL", str(tiny_model_dir))
    generator = Generator.load(adapter=None)
    assert generator.model.config.model_type == "gpt2" and generator.context == 256


def test_int4_is_the_default_and_fp32_keeps_the_model_as_loaded(tiny_model_dir, monkeypatch):
    from torch import nn

    from models.story.quant import ShortlistHead

    assert isinstance(Generator.load(tiny_model_dir).model.lm_head, ShortlistHead)
    monkeypatch.setenv("REELPULSE_STORY_PRECISION", "fp32")
    generator = Generator.load(tiny_model_dir)
    assert type(generator.model.lm_head) is nn.Linear
    run = generator.run(Request("a dog", sampling=SAMPLED.with_(max_new_tokens=4)))
    assert run.text() == run.result.text


def test_unknown_precision_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="int4, fp32"):
        Generator.load(tiny_model_dir, precision="int3")


def test_prefill_uses_every_thread_decoding_the_generators_count_and_the_old_one_comes_back():
    from types import SimpleNamespace

    import torch

    from models.story.threads import on_own_thread
    from tests.story.fake_generator import ThreadCountSpy

    # new threads start from torch's process-wide setting, which a thread may change
    before = on_own_thread(torch.get_num_threads)
    spy = ThreadCountSpy()
    generator = Generator(spy, SimpleNamespace(pad_token_id=0), "spy", decode_threads=before + 1)
    on_own_thread(generator.run_generate, {}, {}, None, Clock(), Request("x"))
    assert spy.seen == [before, before + 1, before + 1]
    assert on_own_thread(torch.get_num_threads) == before


def test_decoding_leaves_all_threads_for_one_while_another_process_holds_a_core(monkeypatch):
    import torch

    from models.story import generate
    from models.story.generate import AdaptiveThreads
    from models.story.threads import on_own_thread

    many = 2
    contended = {"now": False}
    clock = {"now": 0.0}

    def decode(chooser: AdaptiveThreads, steps: int) -> list[int]:
        counts = []
        for _ in range(steps):   # each step's time: two threads 20 ms idle, 70 beside a busy core; one thread 30 ms
            threads = torch.get_num_threads()
            clock["now"] += 0.030 if threads == 1 else 0.070 if contended["now"] else 0.020
            counts.append(threads)
            assert not chooser(torch.zeros((1, 3), dtype=torch.long), None).any()
        return counts

    def scenario() -> None:
        paces: dict[int, float] = {}
        chooser = AdaptiveThreads((1, many), paces)
        assert set(decode(chooser, 40)) == {many}                    # idle: both threads all along
        contended["now"] = True
        counts = decode(chooser, 12)
        assert counts[-1] == 1 and counts.count(many) <= 2 * AdaptiveThreads.WINDOW   # lost its pace: one thread
        counts = decode(chooser, AdaptiveThreads.RETRY_EVERY + 2 * AdaptiveThreads.WINDOW + 2)
        assert many in counts and counts[-1] == 1                    # tried both again, still slower: back to one
        contended["now"] = False
        counts = decode(chooser, AdaptiveThreads.RETRY_EVERY + 20)
        assert counts[-1] == many and counts[-10:] == [many] * 10    # the other process is gone: both again
        assert paces == {many: pytest.approx(0.020), 1: pytest.approx(0.030)}
        later = AdaptiveThreads((1, many), paces)                    # the next generation starts from these paces
        contended["now"] = True
        decode(later, 1 + AdaptiveThreads.WINDOW)
        assert later.threads == 1

    monkeypatch.setattr(generate.time, "perf_counter", lambda: clock["now"])
    monkeypatch.setattr(torch, "get_num_threads", lambda: threads_now["n"])
    threads_now = {"n": many}
    monkeypatch.setattr(torch, "set_num_threads", lambda n: threads_now.update(n=n))
    on_own_thread(scenario)


def test_a_generator_with_steps_for_two_thread_counts_decodes_adaptively(monkeypatch):
    from types import SimpleNamespace

    from models.story.generate import AdaptiveThreads, DecodeThreads, StepsByThreads
    from tests.story.fake_generator import ThreadCountSpy

    spy = ThreadCountSpy()
    spy.step = StepsByThreads({1: None, 2: None}, eager=None)
    seen = []

    def generate(stopping_criteria, **kwargs):
        seen.append([type(c) for c in stopping_criteria])

    monkeypatch.setattr(spy, "generate", generate)
    generator = Generator(spy, SimpleNamespace(pad_token_id=0), "spy", decode_threads=None)
    generator.run_generate({}, {}, None, Clock(), Request("x"))
    generator.decode_threads = 1
    generator.run_generate({}, {}, None, Clock(), Request("x"))
    assert AdaptiveThreads in seen[0] and DecodeThreads not in seen[0] and DecodeThreads in seen[1]
