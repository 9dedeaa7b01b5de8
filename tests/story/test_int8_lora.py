import torch
from peft import LoraConfig, get_peft_model
from transformers import LlamaConfig, LlamaForCausalLM

from models.story.loader import quantize_int8


def test_int8_keeps_lora_layers_float_and_still_runs():
    config = LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=1,
                         num_attention_heads=4, num_key_value_heads=2)
    torch.manual_seed(0)
    model = get_peft_model(LlamaForCausalLM(config), LoraConfig(r=4, target_modules=["q_proj", "v_proj"])).eval()
    quantized = quantize_int8(model)
    kinds = {name: type(m).__module__ for name, m in quantized.named_modules()}
    assert kinds["base_model.model.model.layers.0.self_attn.q_proj.lora_A.default"] == "torch.nn.modules.linear"
    assert kinds["base_model.model.model.layers.0.mlp.up_proj"].startswith("torch.ao.nn.quantized.dynamic")
    assert kinds["base_model.model.model.layers.0.self_attn.q_proj.base_layer"].startswith("torch.ao.nn.quantized")
    logits = quantized(torch.tensor([[1, 2, 3]])).logits
    assert logits.shape == (1, 3, 64) and torch.isfinite(logits).all()
