"""The screenplay adapter is merged into a copy of the base model: same outputs as peft's unmerged
wrapper, the plain model untouched, and int4 applied to both."""
from types import SimpleNamespace

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

from models.story.generate import Generator, Request
from models.story.loader import attach_adapter, merged_adapter
from models.story.quant import Int4Linear, LowRankDelta

INPUT = torch.tensor([[1, 2, 3, 4]])


def tiny_llama_with_adapter(tmp_path):
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2)
    torch.manual_seed(0)
    base = LlamaForCausalLM(config).eval()
    tuned = get_peft_model(LlamaForCausalLM(config), LoraConfig(r=4, target_modules=["q_proj", "v_proj"]))
    tuned.load_state_dict(base.state_dict(), strict=False)
    with torch.no_grad():   # peft starts lora_B at zero; make the adapter do something
        for name, param in tuned.named_parameters():
            if "lora_B" in name:
                param.normal_(0, 0.5)
    tuned.save_pretrained(tmp_path / "adapter")
    return base, tmp_path / "adapter"


def test_merged_adapter_matches_the_unmerged_one_and_leaves_the_base_alone(tmp_path):
    base, adapter = tiny_llama_with_adapter(tmp_path)
    plain_before = base(INPUT).logits
    merged = merged_adapter(base, adapter)
    assert not any("lora_" in name for name, _ in merged.named_modules())
    assert torch.allclose(base(INPUT).logits, plain_before)
    unmerged = attach_adapter(base, adapter)(INPUT).logits
    assert torch.allclose(merged(INPUT).logits, unmerged, atol=1e-5)
    assert not torch.allclose(merged(INPUT).logits, plain_before, atol=1e-3)


def test_no_adapter_folder_means_no_screenplay_model(tmp_path):
    base, _ = tiny_llama_with_adapter(tmp_path)
    assert merged_adapter(base, tmp_path / "missing") is None
    assert merged_adapter(base, None) is None


def test_int4_reaches_both_models_and_the_screenplay_one_keeps_its_tuned_delta(tmp_path):
    base, adapter = tiny_llama_with_adapter(tmp_path)
    generator = Generator(base, AutoTokenizer, "tiny", merged_adapter(base, adapter)).quantized()
    for model in (generator.model, generator.screenplay_model):
        assert isinstance(model.model.layers[0].mlp.up_proj, Int4Linear)
        assert torch.isfinite(model(INPUT).logits).all()
    attention = generator.screenplay_model.model.layers[0].self_attn
    assert isinstance(attention.q_proj, LowRankDelta) and attention.q_proj.down.shape[0] == 4   # the LoRA rank
    assert isinstance(attention.k_proj, Int4Linear)
    assert isinstance(generator.model.model.layers[0].self_attn.q_proj, Int4Linear)


def test_style_picks_the_model():
    calls = []

    class Spy:
        config = SimpleNamespace(max_position_embeddings=64)

        def __init__(self, name):
            self.name = name

        def generate(self, **kwargs):
            calls.append(self.name)

    generator = Generator(Spy("plain"), SimpleNamespace(pad_token_id=0), "spy", Spy("screenplay"))
    for style in (True, False):
        generator.run_generate({}, {}, None, None, Request("x", screenplay_style=style))
    assert calls == ["screenplay", "plain"]
