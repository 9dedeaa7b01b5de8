"""The lean Llama decoder gives transformers' logits and generate()'s tokens, seed for seed."""
import pytest
import torch

from models.story.decoder import LlamaDecoder, supports
from models.story.generate import CHECK_TEXT, Generator, Request
from models.story.config import Sampling
from models.story.quant import Int4Linear, LowRankDelta, ShortlistHead, quantize_weights
from tests.story.conftest import tiny_llama

PROMPT = torch.tensor([[5, 17, 42, 8, 99, 3, 61]])


@pytest.fixture(scope="module")
def hf_and_lean():
    model = tiny_llama()
    return model, LlamaDecoder(model, context=96)


def test_only_bias_free_llamas_are_supported(hf_and_lean):
    from transformers import GPT2Config, GPT2LMHeadModel

    assert supports(hf_and_lean[0])
    assert not supports(GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2)))
    suppressing = tiny_llama()
    suppressing.generation_config.suppress_tokens = [5]
    assert not supports(suppressing)
    with pytest.raises(ValueError, match="cannot run"):
        LlamaDecoder(GPT2LMHeadModel(GPT2Config(n_embd=32, n_layer=1, n_head=2)), 32)


def test_logits_match_transformers_for_a_right_padded_batch(hf_and_lean):
    hf, lean = hf_and_lean
    ids = torch.randint(3, 128, (3, 20), generator=torch.Generator().manual_seed(0))
    mask = torch.ones_like(ids)
    mask[1, 15:] = 0
    with torch.inference_mode():
        expected = hf(input_ids=ids, attention_mask=mask).logits
        got = lean(ids, attention_mask=mask).logits
    assert torch.allclose(got[0], expected[0], atol=1e-4)
    assert torch.allclose(got[1, :15], expected[1, :15], atol=1e-4)
    with pytest.raises(ValueError, match="right-padded"):
        lean(ids, attention_mask=mask.flip(-1))
    with pytest.raises(ValueError, match="context"):
        lean(torch.ones(1, 97, dtype=torch.long))
    with pytest.raises(ValueError, match="position 0"):
        lean(ids[:1], pos=3)
    with pytest.raises(ValueError, match="unpadded"):
        lean.generate(ids[1:2], attention_mask=mask[1:2], max_new_tokens=3)


SETTINGS = [dict(do_sample=False),
            dict(do_sample=False, repetition_penalty=1.3, no_repeat_ngram_size=2),
            dict(do_sample=True, temperature=0.7, top_k=20, top_p=0.9, repetition_penalty=1.1),
            dict(do_sample=True, temperature=1.3, top_k=0, min_p=0.05, typical_p=0.9),
            dict(do_sample=True, temperature=3.0)]   # transformers' default top-k (50) applies


@pytest.mark.parametrize("settings", SETTINGS)
def test_generate_matches_transformers_seed_for_seed(hf_and_lean, settings):
    hf, lean = hf_and_lean
    with torch.inference_mode():
        torch.manual_seed(7)
        expected = hf.generate(PROMPT, max_new_tokens=30, pad_token_id=0, **settings)
        torch.manual_seed(7)
        got = lean.generate(PROMPT, max_new_tokens=30, **settings)
    assert got.tolist() == expected.tolist()


def test_stopping_criteria_all_run_and_end_it_and_the_streamer_sees_prompt_then_tokens(hf_and_lean):
    _, lean = hf_and_lean
    seen, calls = [], []

    class Streamer:
        def put(self, value):
            seen.append(value.tolist())

        def end(self):
            seen.append("end")

    def after_three(ids, scores):
        calls.append("a")
        return torch.tensor([ids.shape[1] - PROMPT.shape[1] >= 3])

    def never(ids, scores):
        calls.append("b")
        return torch.tensor([False])

    with torch.inference_mode():
        out = lean.generate(PROMPT, max_new_tokens=20, streamer=Streamer(), stopping_criteria=[after_three, never])
    assert out.shape[1] == PROMPT.shape[1] + 3
    assert seen[0] == PROMPT.tolist() and len(seen) == 5 and seen[-1] == "end"
    assert calls == ["a", "b"] * 3


def test_end_of_text_stops_unless_min_new_tokens_says_otherwise():
    lean = LlamaDecoder(tiny_llama(), context=96)
    with torch.inference_mode():
        free = lean.generate(PROMPT, max_new_tokens=12)[0, PROMPT.shape[1]:].tolist()
        lean.generation_config.eos_token_id = free[3]
        assert lean.generate(PROMPT, max_new_tokens=12)[0, PROMPT.shape[1]:].tolist() == free[:4]
        lean.generation_config.min_new_tokens = 12
        assert lean.generate(PROMPT, max_new_tokens=12).shape[1] == PROMPT.shape[1] + 12


def test_quantised_decoder_keeps_a_tuned_change_as_one_low_rank_delta_per_fused_projection():
    plain, tuned = tiny_llama(), tiny_llama()
    with torch.no_grad():   # a rank-2 change of q and v, as a merged LoRA adapter makes
        for layer in tuned.model.layers:
            for proj in (layer.self_attn.q_proj, layer.self_attn.v_proj):
                proj.weight += torch.randn(proj.out_features, 2) @ torch.randn(2, proj.in_features) * 0.05
    float_tuned, float_plain = LlamaDecoder(tuned, 96), LlamaDecoder(plain, 96)
    quantized = quantize_weights(LlamaDecoder(tuned, 96), base=LlamaDecoder(plain, 96))
    quantized_plain = quantize_weights(LlamaDecoder(plain, 96))
    block = quantized.blocks[0]
    assert isinstance(block.qkv, LowRankDelta) and block.qkv.down.shape[0] == 4   # q's rank 2 + v's rank 2
    assert isinstance(block.gate_up, Int4Linear) and isinstance(quantized.lm_head, ShortlistHead)
    x = torch.randn(5, 64)
    change = x @ (float_tuned.blocks[0].qkv.weight - float_plain.blocks[0].qkv.weight).t()
    with torch.inference_mode():
        kept = block.qkv(x).float() - quantized_plain.blocks[0].qkv(x).float()
        exact, approx = float_tuned(PROMPT).logits, quantized(PROMPT).logits.float()
    assert torch.allclose(kept, change, atol=0.05 * change.abs().max().item())
    assert torch.nn.functional.cosine_similarity(exact.flatten(), approx.flatten(), dim=0) > 0.9


def test_generator_loads_a_llama_folder_as_decoders_and_a_seed_repeats_its_text(tiny_model_dir, tmp_path):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = tiny_llama(vocab=len(tokenizer))
    model.config.eos_token_id = model.generation_config.eos_token_id = tokenizer.eos_token_id
    model.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    for precision in ("fp32", "int4"):
        generator = Generator.load(tmp_path, adapter=None, precision=precision)
        assert isinstance(generator.model, LlamaDecoder)
        request = Request("a lighthouse", "story", Sampling(max_new_tokens=15, seed=3))
        first, again = generator.run(request), generator.run(request)
        assert first.text() == again.text() and first.result.new_tokens >= 1


def test_generator_compiles_its_decoders_when_asked(tiny_model_dir, tmp_path, monkeypatch):
    from transformers import AutoTokenizer

    from models.story.config import COMPILE_ENV

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tiny_llama(vocab=len(tokenizer)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    compiled, samples = [], []
    monkeypatch.setattr(LlamaDecoder, "compiled_step",
                        lambda self, sample: compiled.append(self) or samples.append(sample) or self.forward)
    Generator.load(tmp_path, adapter=None, precision="fp32")    # REELPULSE_STORY_COMPILE=0 here (conftest)
    monkeypatch.delenv(COMPILE_ENV)
    Generator.load(tmp_path, adapter=None, precision="fp32")    # a one-shot load does not compile by default
    assert compiled == []
    generator = Generator.load(tmp_path, adapter=None, precision="fp32", compiled=True)
    assert compiled == [generator.model] * len(generator.step_threads())   # a step for each thread count
    assert generator.model.step.threads == generator.step_threads()
    assert samples[0].tolist() == [tokenizer(CHECK_TEXT).input_ids]   # checked on our written text
    monkeypatch.setenv(COMPILE_ENV, "1")
    assert Generator.load(tmp_path, adapter=None, precision="fp32").model in compiled


def test_a_step_compiled_in_the_background_takes_over_between_generations(tiny_model_dir, tmp_path, monkeypatch):
    import time

    from transformers import AutoTokenizer

    from models.story.config import Sampling
    from models.story.generate import Request
    from models.story.turns import GENERATION_TURNS

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tiny_llama(vocab=len(tokenizer)).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    steps = []

    def compiled_step(self, sample):
        steps.append(lambda *args, **kwargs: self.forward(*args, **kwargs))   # stands in for the compiled program
        return steps[-1]

    monkeypatch.setattr(LlamaDecoder, "compiled_step", compiled_step)
    monkeypatch.setattr(Generator, "_build_steps_elsewhere", lambda self: True)   # the child process's part
    running = GENERATION_TURNS.join("a visitor's generation")
    generator = Generator.load(tmp_path, adapter=None, precision="fp32", compiled=True, background=True)
    assert generator.decoding == "compiling"
    deadline = time.monotonic() + 10
    while not steps and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert steps and not hasattr(generator.model.step, "steps")   # built, but it waits for the running generation
    GENERATION_TURNS.leave(running)
    while generator.decoding != "compiled" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert generator.decoding == "compiled" and list(generator.model.step.steps.values()) == steps
    assert generator.run(Request("a dog", sampling=Sampling(temperature=0.0, max_new_tokens=3))).text() is not None
    assert len(GENERATION_TURNS) == 0


def test_a_failed_background_build_leaves_eager_decoding_and_says_so(tiny_lean_generator, monkeypatch, tmp_path):
    monkeypatch.setenv("REELPULSE_CACHE", str(tmp_path))   # nothing built there
    monkeypatch.setattr(Generator, "_build_steps_elsewhere", lambda self: False)
    step = tiny_lean_generator.model.step
    tiny_lean_generator.compile_in_background().join(10)
    assert tiny_lean_generator.decoding == "eager" and tiny_lean_generator.model.step is step


def test_compile_wanted_reads_the_environment_over_the_default(monkeypatch):
    from models.story.config import COMPILE_ENV, compile_wanted

    monkeypatch.delenv(COMPILE_ENV)
    assert compile_wanted(True) and not compile_wanted(False)
    monkeypatch.setenv(COMPILE_ENV, "0")
    assert not compile_wanted(True)
    monkeypatch.setenv(COMPILE_ENV, "1")
    assert compile_wanted(False)
    for off in ("false", "Off", " no ", ""):
        monkeypatch.setenv(COMPILE_ENV, off)
        assert not compile_wanted(True)


@pytest.mark.parametrize("top_k", [50, 700, 0])   # 0: too many candidates, the whole warper
def test_the_nucleus_over_the_tokens_in_play_keeps_what_transformers_keeps(top_k):
    from transformers import TopKLogitsWarper, TopPLogitsWarper

    from models.story.decoder import NucleusWarper

    generator = torch.Generator().manual_seed(0)
    ids = torch.zeros(1, 1, dtype=torch.long)
    for trial in range(40):
        scores = torch.randn(1, 49_152, generator=generator) * (1 + trial % 4)
        scores[0, :100] = -float("inf")   # banned by an earlier processor (no-repeat n-grams, say)
        if top_k:
            scores = TopKLogitsWarper(top_k)(ids, scores)
        top_p = 0.5 + 0.45 * (trial % 10) / 9
        expected = TopPLogitsWarper(top_p)(ids, scores.clone())
        assert torch.equal(NucleusWarper(TopPLogitsWarper(top_p))(ids, scores.clone()), expected)


@pytest.mark.parametrize("temperature", [0.7, 1.0, 1.4])
def test_without_top_k_the_nucleus_among_the_likeliest_tokens_keeps_what_transformers_keeps(temperature):
    from transformers import TopPLogitsWarper

    from models.story.decoder import NucleusWarper

    generator = torch.Generator().manual_seed(3)
    ids = torch.zeros(1, 1, dtype=torch.long)
    heads = 0
    for trial in range(30):   # peaked like a language model's logits: a few likely tokens, a long flat tail
        scores = torch.randn(1, 49_152, generator=generator) * 2
        scores[0, torch.randint(0, 49_152, (40,), generator=generator)] += 12 + torch.rand(40, generator=generator) * 8
        scores /= temperature
        top_p = (0.8, 0.9, 0.95)[trial % 3]
        nucleus = NucleusWarper(TopPLogitsWarper(top_p))
        heads += nucleus.head_nucleus(scores[0]) is not None
        assert torch.equal(nucleus(ids, scores.clone()), TopPLogitsWarper(top_p)(ids, scores.clone()))
    assert heads >= 10   # the path without a sort was taken, not only the whole warper


@pytest.mark.parametrize("top_k", [50, 0])
def test_tied_scores_across_the_cut_keep_as_many_equally_likely_tokens(top_k):
    from transformers import TopKLogitsWarper, TopPLogitsWarper

    from models.story.decoder import NucleusWarper

    generator = torch.Generator().manual_seed(5)
    ids = torch.zeros(1, 1, dtype=torch.long)
    for trial in range(20):   # coarse scores, as bf16 head estimates give: many exact ties
        scores = (torch.randn(1, 49_152, generator=generator) * 4).round() / 2
        scores[0, :30] += 6
        if top_k:
            scores = TopKLogitsWarper(top_k)(ids, scores)
        expected = TopPLogitsWarper(0.9)(ids, scores.clone())
        got = NucleusWarper(TopPLogitsWarper(0.9))(ids, scores.clone())
        assert torch.equal(got[torch.isfinite(got)].sort().values, expected[torch.isfinite(expected)].sort().values)


def test_the_nucleus_of_a_batch_or_of_a_row_with_no_candidates_is_transformers_own():
    from transformers import TopPLogitsWarper

    from models.story.decoder import NucleusWarper

    ids = torch.zeros(2, 1, dtype=torch.long)
    nothing_left = torch.full((1, 300), -float("inf"))
    assert torch.equal(NucleusWarper(TopPLogitsWarper(0.9))(ids[:1], nothing_left.clone()), nothing_left)
    batch = torch.randn(2, 300, generator=torch.Generator().manual_seed(1))
    assert torch.equal(NucleusWarper(TopPLogitsWarper(0.9))(ids, batch.clone()), TopPLogitsWarper(0.9)(ids, batch.clone()))


def test_a_compile_that_builds_no_step_says_decoding_stays_eager(tiny_lean_generator, monkeypatch):
    monkeypatch.setattr(LlamaDecoder, "compiled_step", lambda self, sample: None)
    step = tiny_lean_generator.model.step
    tiny_lean_generator.compile_decoding()
    assert tiny_lean_generator.decoding == "eager" and tiny_lean_generator.model.step is step


def test_a_prompt_prefilled_after_a_cached_start_gives_the_logits_of_one_prefill(hf_and_lean):
    _, lean = hf_and_lean
    ids = torch.randint(3, 128, (1, 20), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        whole = lean(ids).logits
        cache = lean.new_cache(20)
        lean(ids[:, :12], cache=cache, pos=0)
        rest = lean(ids[:, 12:], cache=cache, pos=12).logits
    assert torch.allclose(rest, whole[:, 12:], atol=1e-5)


@pytest.mark.parametrize("settings", SETTINGS[:3])
def test_a_prompt_sharing_the_last_ones_start_prefills_only_the_rest_and_decodes_the_same(settings):
    lean = LlamaDecoder(tiny_llama(), context=96)
    template, first, second = [5, 17, 42, 8, 99, 3], [61, 62, 63], [70, 71]
    prefilled = []   # tokens run by each run's first forward pass
    lean.register_forward_pre_hook(lambda module, args, kwargs: prefilled.append(args[0].shape[1]), with_kwargs=True)
    lean.step = lean   # one-token steps through the hook too

    def run(user: list[int], reuse: bool) -> tuple[list[int], int]:
        lean.reuse_prompts = reuse
        prefilled.clear()
        torch.manual_seed(3)
        return lean.generate(torch.tensor([template + user]), max_new_tokens=12, **settings)[0].tolist(), prefilled[0]

    run(first, reuse=True)
    reused, prefill = run(second, reuse=True)
    assert prefill == len(second)   # the template's keys and values came from the first prompt
    assert run(second, reuse=False) == (reused, len(template + second))
    assert run(second, reuse=True) == (reused, 1)   # the same prompt again: only its last token runs


def test_a_pinned_template_is_reused_whatever_ran_since():
    lean = LlamaDecoder(tiny_llama(), context=96)
    template, user, other = [5, 17, 42, 8, 99, 3], [61, 62, 63], [70, 71, 72, 73]
    prefilled = []
    lean.register_forward_pre_hook(lambda module, args, kwargs: prefilled.append(args[0].shape[1]), with_kwargs=True)
    lean.pin_prompt(torch.tensor([template]))
    lean.pin_prompt(torch.tensor([template]))   # pinned once
    assert len(lean._pinned_prompts) == 1 and prefilled == [len(template)]

    def run(ids: list[int], reuse: bool = True) -> tuple[list[int], int]:
        lean.reuse_prompts = reuse
        prefilled.clear()
        return lean.generate(torch.tensor([ids]), max_new_tokens=6)[0].tolist(), prefilled[0]

    run(other)   # another mode's prompt: the last prompt kept shares nothing with the next
    tokens, prefill = run(template + user)
    assert prefill == len(user) and run(template + user, reuse=False) == (tokens, len(template + user))


def test_a_loaded_generator_pins_every_modes_template_that_fits(tiny_lean_generator):
    from models.story.prompts import MODES, build

    tokenizer = tiny_lean_generator.tokenizer
    fitting = [mode for mode in MODES if len(tokenizer(build(tokenizer, "", mode)).input_ids) < 96]
    tiny_lean_generator.pin_templates()
    for decoder in tiny_lean_generator._decoders():
        assert len(decoder._pinned_prompts) == len(fitting) >= 1
