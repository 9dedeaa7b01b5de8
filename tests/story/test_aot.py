"""The one-token step compiled ahead of time decodes the eager tokens, on the decoder's own weights, from a
package reused while nothing it depends on changes; any failure leaves eager decoding."""
import pytest
import torch

from models.story import aot
from models.story.config import CACHE_ENV
from models.story.decoder import LlamaDecoder
from models.story.quant import quantize_weights
from tests.story.test_decoder import PROMPT, SETTINGS, tiny_llama

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
        yield folder


@pytest.fixture(scope="module")
def compiled(cache_folder) -> LlamaDecoder:
    decoder = tiny_decoder()
    assert decoder.compile_decoding() and isinstance(decoder.step, aot.CompiledStep)
    return decoder


def packages(folder) -> list:
    return sorted((folder / "story-steps").glob("*.pt2"))


@pytest.mark.parametrize("settings", SETTINGS[:3])
def test_compiled_decoding_gives_the_eager_tokens_seed_for_seed(compiled, settings):
    eager = tiny_decoder()
    for max_new_tokens in (12, 100):   # 100: up to the context, the last token's keys filling the whole cache
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
            got = compiled.step(before[:, -2:-1], cache=cache, pos=before.shape[1] - 2).logits[:, -1]
        finally:
            compiled.norm.weight.copy_(norm)
    assert torch.allclose(got, eager, atol=1e-4)


def test_a_package_is_reused_while_nothing_it_depends_on_changes(compiled, cache_folder, monkeypatch):
    def no_compiling(decoder, path):
        raise AssertionError("compiled again")

    monkeypatch.setattr(aot, "build_package", no_compiling)
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
    assert len(packages(cache_folder)) == 1


def test_a_failed_compile_leaves_eager_decoding(monkeypatch, tmp_path):
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


def test_a_step_whose_logits_stray_from_eager_ones_is_refused(compiled, monkeypatch):
    real_call = aot.CompiledStep.__call__
    monkeypatch.setattr(aot.CompiledStep, "__call__",
                        lambda self, *args, **kwargs: type("Out", (), {"logits": real_call(self, *args, **kwargs).logits.flip(-1)}))
    lean = tiny_decoder()
    with pytest.warns(UserWarning, match="differ from eager"):
        assert not lean.compile_decoding()
    assert lean.step == lean.forward
