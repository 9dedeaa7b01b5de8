"""The GPU driver end to end on the CPU: the real train commands in subprocesses (two runs, then the
first one's distillation with the second as a teacher), packed into fp16 parts under $OUT, unpacked here
into model folders that load and predict."""
import os
from pathlib import Path

from models.sentiment import gpu_run
from tests.sentiment.conftest import write_generated_imdb

ROOT = Path(__file__).resolve().parents[2]


def test_run_packs_a_model_that_unpacks_and_predicts(tmp_path, monkeypatch):
    from models.sentiment import SentimentModel

    data = write_generated_imdb(tmp_path / "data", n_per_class=60, n_unlabelled=60)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OUT", str(out))
    monkeypatch.setattr(gpu_run, "DISTIL_WAIT_S", 0)   # C waits for B however slow this machine is
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    gpu_run.run(deadline_s=300, names="AB", smoke_data=str(data), cache=tmp_path / "no-cache")
    assert sorted(p.name for p in out.iterdir()) == ["A_meta.tar.gz", "A_w0.safetensors", "B_meta.tar.gz",
                                                     "C_meta.tar.gz", "C_w0.safetensors"]   # B: a teacher only

    gpu_run.unpack(out, "A", tmp_path / "model", tokenizer=tmp_path / "work" / "run_A" / "tokenizer.json")
    model = SentimentModel.load(tmp_path / "model", precision="fp32")   # checksums verified at load
    trained = SentimentModel.load(tmp_path / "work" / "out_A", precision="fp32")   # as exported, float32
    assert model.recipe.name == "tiny"
    texts = ["great wonderful superb", "awful boring terrible", "the plot was a story of the actors"]
    for back, original in zip(model.predict(texts), trained.predict(texts)):
        assert abs(back.p_positive - original.p_positive) < 5e-3   # fp16 on the way back
    assert (tmp_path / "model_training" / "A.log").read_text().count("language model") >= 1

    gpu_run.unpack(out, "C", tmp_path / "distilled", tokenizer=tmp_path / "work" / "run_A" / "tokenizer.json")
    card = SentimentModel.load(tmp_path / "distilled").card
    assert card["recipe"]["distil_teacher"] == "work/out_B"
    assert set(card["metrics"]["distillation_teachers_valid"]) == {"classifier", "tfidf", "teacher", "mean"}


def test_a_run_starts_without_the_model_a_previous_call_left(tmp_path, monkeypatch):
    """A warm device machine keeps work/ between calls: a run stopped at the deadline must not pack the
    model an earlier call exported."""
    stale = tmp_path / "work" / "out_C" / "model.safetensors"
    stale.parent.mkdir(parents=True)
    stale.write_text("from the last call")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(gpu_run.subprocess, "Popen", lambda *args, **kwargs: None)
    gpu_run.start("C", [], "data", tmp_path, tmp_path / "no-seed")
    assert not stale.exists() and (tmp_path / "work" / "run_C").is_dir()
