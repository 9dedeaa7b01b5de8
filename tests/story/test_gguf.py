"""Bring your own model: a local GGUF file loads through the conversion cache into the lean decoder."""
import pytest
import torch

from models.story.generate import Generator, Request
from models.story.loader import UnsupportedModel, base_dir
from tests.story.conftest import tiny_llama
from tests.story.tiny_gguf import write_tiny_gguf


@pytest.fixture
def tiny_gguf(tiny_model_dir, tmp_path, monkeypatch):
    from transformers import AutoTokenizer

    monkeypatch.setenv("REELPULSE_CACHE", str(tmp_path / "cache"))
    model = tiny_llama(vocab=len(AutoTokenizer.from_pretrained(tiny_model_dir)))
    return model, write_tiny_gguf(model, tiny_model_dir, tmp_path / "tiny-llama.gguf")


def test_a_tiny_gguf_round_trips_to_the_same_logits_and_decodes_lean(tiny_gguf):
    from models.story.decoder import LlamaDecoder

    original, path = tiny_gguf
    generator = Generator.load(path, adapter=None, precision="fp32")
    assert isinstance(generator.model, LlamaDecoder) and not generator.has_adapter
    ids = torch.tensor([[5, 17, 42, 8, 99]])
    with torch.inference_mode():
        expected = original(ids).logits[:, -1]
        got = generator.model(ids, cache=generator.model.new_cache(5), pos=0, last_only=True).logits[:, -1]
    assert torch.allclose(got, expected, atol=1e-4)
    assert generator.info["source"] == "GGUF file" and generator.info["parameters"] == sum(
        p.numel() for p in original.parameters())
    assert generator.run(Request("a dog", sampling=Request("x").sampling.with_(max_new_tokens=4))).text() is not None


def test_the_conversion_is_cached_per_file(tiny_gguf):
    _, path = tiny_gguf
    first = base_dir(path)
    assert base_dir(path) == first and (first / "model.safetensors").is_file()


def test_a_file_transformers_cannot_read_gets_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv("REELPULSE_CACHE", str(tmp_path / "cache"))
    broken = tmp_path / "not-a-model.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)
    with pytest.raises(UnsupportedModel, match="cannot be read as a story model.*Llama family"):
        base_dir(broken)
