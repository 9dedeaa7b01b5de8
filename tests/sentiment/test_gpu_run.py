"""The GPU driver end to end on the CPU: the real train command in a subprocess, packed into fp16 parts
under $OUT, unpacked here into a model folder that loads and predicts."""
import os
from pathlib import Path

from models.sentiment import gpu_run
from tests.sentiment.conftest import write_generated_imdb

ROOT = Path(__file__).resolve().parents[2]


def test_run_packs_a_model_that_unpacks_and_predicts(tmp_path, monkeypatch):
    from models.sentiment import SentimentModel

    data = write_generated_imdb(tmp_path / "data", n_per_class=60)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUT", str(out))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    gpu_run.run(deadline_s=300, names="A", smoke_data=str(data), cache=tmp_path / "no-cache")
    assert sorted(p.name for p in out.iterdir()) == ["A_meta.tar.gz", "A_w0.safetensors"]

    gpu_run.unpack(out, "A", tmp_path / "model", tokenizer=tmp_path / "work" / "run_A" / "tokenizer.json")
    model = SentimentModel.load(tmp_path / "model", precision="fp32")   # checksums verified at load
    trained = SentimentModel.load(tmp_path / "work" / "out_A", precision="fp32")   # as exported, float32
    assert model.recipe.name == "tiny"
    texts = ["great wonderful superb", "awful boring terrible", "the plot was a story of the actors"]
    for back, original in zip(model.predict(texts), trained.predict(texts)):
        assert abs(back.p_positive - original.p_positive) < 5e-3   # fp16 on the way back
    assert (tmp_path / "model_training" / "A.log").read_text().count("language model") >= 1
