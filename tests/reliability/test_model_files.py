"""Model files: a tampered file is refused before anything is deserialised, and nothing is ever unpickled."""
import ast
import pickle
import shutil
from pathlib import Path

import pytest

from core.submission import ModelUnavailable, load_model
from models.sentiment import ArtifactError, SentimentModel, artifacts
from tests.conftest import ROOT

SOURCES = [p for folder in ("core", "models", "ui", "pages", "bench") for p in (ROOT / folder).rglob("*.py")]
PICKLERS = {"pickle", "cPickle", "dill", "joblib", "cloudpickle"}


def unsafe_loads(path: Path) -> list[str]:
    """Calls that can unpickle: pickle-family load(s), torch.load without weights_only=True, numpy
    allow_pickle=True, pandas read_pickle."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        owner = node.func.value.id if isinstance(node.func.value, ast.Name) else ""
        keywords = {k.arg: getattr(k.value, "value", None) for k in node.keywords}
        name = f"{owner}.{node.func.attr}"
        if ((owner in PICKLERS and node.func.attr in ("load", "loads", "Unpickler"))
                or (name == "torch.load" and keywords.get("weights_only") is not True)
                or keywords.get("allow_pickle") is True or node.func.attr == "read_pickle"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {name}")
    return found


def test_no_code_path_can_unpickle():
    assert [hit for path in SOURCES for hit in unsafe_loads(path)] == []


@pytest.fixture
def tampered_model(tmp_path, monkeypatch) -> Path:
    """A model folder whose weights changed after its card was written; loading weights is made to fail loudly."""
    for name in artifacts.CHECKED_FILES:
        (tmp_path / name).write_bytes(f"{name} contents".encode())
    artifacts.write_card(tmp_path, {"version": "tampered-test"})
    (tmp_path / artifacts.WEIGHTS).write_bytes(b"\x80\x04 something else entirely")
    monkeypatch.setenv("REELPULSE_SENTIMENT_MODEL", str(tmp_path))

    def deserialised(*args, **kwargs):
        raise AssertionError("a file was deserialised before its checksum was checked")

    import torch

    import models.sentiment.model as model_module
    monkeypatch.setattr(model_module, "load_file", deserialised)
    monkeypatch.setattr(torch, "load", deserialised)
    monkeypatch.setattr(pickle, "load", deserialised)
    return tmp_path


def test_a_tampered_weight_file_is_refused_before_it_is_read(tampered_model):
    with pytest.raises(ArtifactError, match=f"{artifacts.WEIGHTS} does not match its sha256"):
        SentimentModel.load(tampered_model)
    with pytest.raises(ModelUnavailable) as refused:
        load_model()
    assert str(tampered_model) not in str(refused.value)   # what the page shows names no server path
    assert artifacts.WEIGHTS in str(refused.value.__cause__)   # what the CLI adds for its operator


class Payload:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return Path.touch, (self.marker,)


def test_a_pickled_story_checkpoint_is_never_executed(tiny_model_dir, tmp_path):
    from models.story.generate import Generator

    folder, marker = shutil.copytree(tiny_model_dir, tmp_path / "model"), tmp_path / "pwned"
    (folder / "model.safetensors").unlink()
    (folder / "pytorch_model.bin").write_bytes(pickle.dumps(Payload(marker)))
    with pytest.raises(Exception):
        Generator.load(folder, adapter=None)
    assert not marker.exists()
