"""A tiny randomly initialised GPT-2 + byte-level BPE tokenizer, built here and saved to a temp folder:
the real 135M model is never loaded by the tests."""
from __future__ import annotations

from pathlib import Path

import pytest

SENTENCES = [
    "INT. DINER - NIGHT. A waitress pours coffee for a stranger in a wet coat.",
    "The detective looks out of the window and lights a cigarette.",
    "Once upon a time a lighthouse keeper found a bottle on the rocks.",
    "EXT. DESERT ROAD - DAY. Two rivals argue beside a broken car.",
    "She laughs, then stops. Somewhere a dog barks twice.",
]


def build_tiny_gpt2(folder: Path, n_positions: int = 256) -> Path:
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(SENTENCES * 4, trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=len(tokenizer), n_positions=n_positions, n_embd=32, n_layer=2, n_head=2,
                        bos_token_id=tokenizer.eos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    return folder


def tiny_llama(seed: int = 0, vocab: int = 128, layers: int = 2):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=vocab, hidden_size=64, intermediate_size=128, num_hidden_layers=layers,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=96,
                         tie_word_embeddings=True, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model = LlamaForCausalLM(config).eval()
    with torch.no_grad():   # larger weights than the init's, so the logits are far from uniform
        for p in model.parameters():
            p.mul_(4)
    return model


@pytest.fixture(autouse=True)
def eager_decoding(monkeypatch):
    """Generators load without compiling (a minute a real model) even where the environment asks for it;
    test_aot.py compiles a tiny one on purpose. int4 ones prefill with dense float32 weights without timing
    the machine (test_prefill.py times it)."""
    from models.story.config import COMPILE_ENV
    from models.story.prefill import PREFILL_ENV

    monkeypatch.setenv(COMPILE_ENV, "0")
    monkeypatch.setenv(PREFILL_ENV, "float32")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_gpt2(tmp_path_factory.mktemp("tiny-gpt2"))


@pytest.fixture(scope="session")
def tiny_lean_generator(tiny_model_dir, tmp_path_factory):
    """A tiny random Llama behind the tiny tokenizer: the generator decodes it with the lean decoder."""
    from transformers import AutoTokenizer

    from models.story.generate import Generator

    folder = tmp_path_factory.mktemp("tiny-llama")
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tiny_llama(vocab=len(tokenizer)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return Generator.load(folder, adapter=None, precision="fp32")


@pytest.fixture(scope="session")
def tiny_generator(tiny_model_dir):
    from models.story.generate import Generator

    return Generator.load(tiny_model_dir, adapter=None)


@pytest.fixture
def fake_story(monkeypatch):
    """Every Generator.load() in this test returns the instant fake (Streamlit caches cleared)."""
    import streamlit as st

    from models.story.generate import Generator
    from tests.story.fake_generator import FakeGenerator

    fake = FakeGenerator()
    monkeypatch.setattr(Generator, "load", classmethod(lambda cls, path=None, adapter=None, **options: fake))
    st.cache_resource.clear()
    yield fake
    st.cache_resource.clear()
