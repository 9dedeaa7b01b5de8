"""The one-token step compiled ahead of time decodes the eager tokens, on the decoder's own weights, from a
package reused while nothing it depends on changes; any failure leaves eager decoding."""
import os
import shutil
import time
from types import SimpleNamespace

import pytest
import torch

from models.story import aot
from models.story.config import CACHE_ENV
from models.story.decoder import LlamaDecoder
from models.story.quant import LowRankDelta, quantize_weights
from tests.story.conftest import tiny_llama
from tests.story.test_decoder import PROMPT, SETTINGS

CONTEXT = 48


def tiny_decoder(**options) -> LlamaDecoder:
    decoder = LlamaDecoder(tiny_llama(layers=1, **options), context=CONTEXT)   # 1 layer: quicker to compile
    decoder.generation_config.eos_token_id = None   # generations run to their length
    return decoder


@pytest.fixture(scope="module")
def cache_folder(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        folder = tmp_path_factory.mktemp("cache")
        patch.setenv(CACHE_ENV, str(folder))
        # programs loaded from now on refuse shapes (and strides: see one_token) they were not compiled for
        patch.setenv("AOTI_RUNTIME_CHECK_INPUTS", "1")
        yield folder


@pytest.fixture(scope="module")
def compiled(cache_folder) -> LlamaDecoder:
    decoder = tiny_decoder()
    assert decoder.compile_decoding() and isinstance(decoder.step, aot.CompiledStep)
    return decoder


def one_token(ids: torch.Tensor, pos: int) -> torch.Tensor:
    """ids[:, pos:pos + 1] with the strides generate()'s tokens have (a slice keeps its row's stride)."""
    return ids[0, pos].reshape(1, 1)


def packages(folder) -> list:
    return sorted((folder / "story-steps").glob("*.pt2"))


@pytest.mark.parametrize("settings", SETTINGS[:3])
def test_compiled_decoding_gives_the_eager_tokens_seed_for_seed(compiled, settings):
    eager = tiny_decoder()
    for max_new_tokens in (12, 100):   # 100: up to the context
        torch.manual_seed(7)
        expected = eager.generate(PROMPT, max_new_tokens=max_new_tokens, **settings)
        torch.manual_seed(7)
        assert compiled.generate(PROMPT, max_new_tokens=max_new_tokens, **settings).tolist() == expected.tolist()
    assert expected.shape[1] == CONTEXT


def test_the_step_reads_the_decoders_own_weights(compiled):
    with torch.inference_mode():
        before = compiled.generate(PROMPT, max_new_tokens=6)
        norm = compiled.norm.weight.clone()
        compiled.norm.weight.neg_()   # changed in place: the program sees it
        try:
            eager = compiled.forward(before[:, :-1], cache=None).logits[:, -1]
            cache = compiled.new_cache(before.shape[1])
            compiled.forward(before[:, :-2], cache=cache)
            got = compiled.step(one_token(before, -2), cache=cache, pos=before.shape[1] - 2).logits[:, -1]
        finally:
            compiled.norm.weight.copy_(norm)
    assert torch.allclose(got, eager, atol=1e-4)


def test_the_step_covers_the_shortest_and_the_fullest_cache(compiled):
    ids = torch.randint(3, 128, (1, CONTEXT), generator=torch.Generator().manual_seed(3))
    with torch.inference_mode():
        # a one-token prompt's first step (cache sized 1 + 2 new tokens: eager), the first position the program
        # covers, and a step whose keys fill the last slot
        for pos, length in ((1, 3), (aot.FIRST_POSITION, aot.FIRST_POSITION + 2), (CONTEXT - 1, CONTEXT)):
            expected = compiled.forward(ids[:, :pos + 1]).logits[:, -1]
            cache = compiled.new_cache(length)
            compiled.forward(ids[:, :pos], cache=cache)
            got = compiled.step(one_token(ids, pos), cache=cache, pos=pos).logits[:, -1]
            assert torch.allclose(got, expected, atol=1e-4)


def test_on_another_thread_count_the_step_decodes_eagerly(compiled, monkeypatch):
    with torch.inference_mode():
        expected = compiled.generate(PROMPT, max_new_tokens=8)
        monkeypatch.setattr(compiled.step, "runner", None)   # calling the program would fail
        monkeypatch.setattr(torch, "get_num_threads", lambda: compiled.step.threads + 1)
        with pytest.warns(UserWarning, match="runs on \\d+ threads"):
            assert compiled.generate(PROMPT, max_new_tokens=8).tolist() == expected.tolist()


def test_a_tuned_int4_decoder_compiles_to_its_eager_logits(cache_folder):
    plain, tuned = tiny_llama(layers=1), tiny_llama(layers=1)
    with torch.no_grad():   # a rank-2 change of q and v, as a merged LoRA adapter makes
        for proj in (tuned.model.layers[0].self_attn.q_proj, tuned.model.layers[0].self_attn.v_proj):
            proj.weight += torch.randn(proj.out_features, 2) @ torch.randn(2, proj.in_features) * 0.05
    decoder = quantize_weights(LlamaDecoder(tuned, CONTEXT), base=LlamaDecoder(plain, CONTEXT))
    untuned = quantize_weights(LlamaDecoder(plain, CONTEXT))
    assert isinstance(decoder.blocks[0].qkv, LowRankDelta)
    with torch.inference_mode():
        ids = decoder.generate(PROMPT, max_new_tokens=20)
        assert decoder.compile_decoding() and isinstance(decoder.step, aot.CompiledStep)
        # token by token on the same text (greedy tokens part where bf16 rounding meets the 4-bit head's ties)
        steps = [(decoder, decoder.forward), (decoder, decoder.step), (untuned, untuned.forward)]
        caches = [model.new_cache(ids.shape[1]) for model, _ in steps]
        start = PROMPT.shape[1]
        for (model, _), cache in zip(steps, caches):
            model(ids[:, :start], cache=cache)
        for pos in range(start, ids.shape[1]):
            eager, compiled, without = (step(one_token(ids, pos), cache=cache, pos=pos).logits[0, -1].float()
                                        for (_, step), cache in zip(steps, caches))
            assert (compiled - eager).abs().max() < 0.25 < (without - eager).abs().max()   # logits span ~12


def test_a_package_is_reused_while_nothing_it_depends_on_changes(compiled, cache_folder, monkeypatch):
    def no_compiling(decoder, path):
        raise AssertionError("compiled again")

    monkeypatch.setattr(aot, "build_package", no_compiling)
    before = packages(cache_folder)
    other_weights = tiny_decoder(seed=1)
    assert aot.package_key(other_weights) == aot.package_key(compiled)
    assert other_weights.compile_decoding()
    with torch.inference_mode():
        assert other_weights.generate(PROMPT, max_new_tokens=8).tolist() == \
            tiny_decoder(seed=1).generate(PROMPT, max_new_tokens=8).tolist()
    assert aot.package_key(tiny_decoder(vocab=256)) != aot.package_key(compiled)
    assert aot.package_key(quantize_weights(tiny_decoder())) != aot.package_key(compiled)
    key = aot.package_key(compiled)
    with monkeypatch.context() as patch:
        patch.setattr(torch, "get_num_threads", lambda: 7)   # kernels are compiled for a thread count
        assert aot.package_key(compiled) != key
    assert packages(cache_folder) == before


def test_a_failed_compile_leaves_eager_decoding_and_is_not_tried_again(monkeypatch, tmp_path):
    def broken(*args, **kwargs):
        raise RuntimeError("no C++ compiler")

    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    monkeypatch.setattr(torch._inductor, "aoti_compile_and_package", broken)
    lean = tiny_decoder()
    with pytest.warns(UserWarning, match="no C\\+\\+ compiler"):
        assert not lean.compile_decoding()
    assert lean.step == lean.forward and packages(tmp_path) == []
    with torch.inference_mode():
        assert lean.generate(PROMPT, max_new_tokens=5).shape[1] > PROMPT.shape[1]
    monkeypatch.setattr(aot, "build_package", lambda decoder, path: pytest.fail("built again"))
    with pytest.warns(UserWarning, match="failed its check before"):
        assert not tiny_decoder().compile_decoding()


def test_a_machine_that_cannot_be_keyed_leaves_eager_decoding(monkeypatch):
    def no_compiler():
        raise RuntimeError("no C++ compiler found")

    monkeypatch.setattr(aot, "_machine", no_compiler)
    lean = tiny_decoder()
    with pytest.warns(UserWarning, match="no C\\+\\+ compiler found"):
        assert not lean.compile_decoding()
    assert lean.step == lean.forward


def test_a_step_whose_logits_stray_from_eager_ones_is_refused_and_its_package_deleted(compiled, cache_folder,
                                                                                    monkeypatch, tmp_path):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))   # a copy of the good package, so deleting it touches no other test
    (tmp_path / "story-steps").mkdir()
    shutil.copy(cache_folder / "story-steps" / f"{aot.package_key(compiled)}.pt2", tmp_path / "story-steps")
    real_call = aot.CompiledStep.__call__

    def flipped(self, *args, **kwargs):
        return SimpleNamespace(logits=real_call(self, *args, **kwargs).logits.flip(-1))

    monkeypatch.setattr(aot.CompiledStep, "__call__", flipped)
    lean = tiny_decoder()
    with pytest.warns(UserWarning, match="differ from eager"):
        assert not lean.compile_decoding()
    assert lean.step == lean.forward and packages(tmp_path) == []


def test_building_deletes_long_unused_packages_and_stale_scratch_folders(tmp_path):
    old, recent = tmp_path / "old.pt2", tmp_path / "recent.pt2"
    stale, building = tmp_path / f"{aot.SCRATCH_PREFIX}a", tmp_path / f"{aot.SCRATCH_PREFIX}b"
    for path in (old, recent):
        path.write_bytes(b"")
    for folder in (stale, building):
        folder.mkdir()
    days = 86400
    os.utime(old, (0, time.time() - (aot.UNUSED_DAYS + 1) * days))
    os.utime(recent, (0, time.time() - (aot.UNUSED_DAYS - 1) * days))
    os.utime(stale, (0, time.time() - 2 * days))
    aot._prune(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([recent.name, building.name])
