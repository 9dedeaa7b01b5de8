"""train → save → load → predict on a tiny model trained in seconds."""
import json

import pytest
import torch

from models.sentiment import artifacts


def test_training_writes_every_artifact_with_checksums(tiny_model_dir):
    card = json.loads((tiny_model_dir / artifacts.CARD_JSON).read_text())
    for name in artifacts.CHECKED_FILES:
        assert (tiny_model_dir / name).stat().st_size > 0
        assert card["sha256"][name] == artifacts.sha256(tiny_model_dir / name)
    assert card["recipe"]["name"] == "tiny"
    assert "validation" in card["metrics"]
    assert (tiny_model_dir / artifacts.CARD_MD).read_text().startswith("# ReelPulse AWD-LSTM")


def test_loaded_model_separates_the_generated_classes(tiny_model):
    positive = ["great wonderful superb film loved it", "brilliant and moving, a delightful story"]
    negative = ["awful boring terrible film hated it", "dull, a clumsy waste of a story"]
    results = tiny_model.predict(positive + negative)
    assert [r.label for r in results] == ["pos", "pos", "neg", "neg"]
    assert min(r.p_positive for r in results[:2]) > max(r.p_positive for r in results[2:])


# int8 quantises activations with a scale per batch, so a review's score depends a little on its batch
@pytest.mark.parametrize("precision, tolerance", [("fp32", 1e-4), ("bf16", 0.02), ("int8", 0.06)])
def test_batched_and_single_predictions_agree(tiny_model_dir, precision, tolerance):
    from models.sentiment import SentimentModel

    model = SentimentModel.load(tiny_model_dir, precision=precision)
    texts = ["great film", "a dull and clumsy plot that goes nowhere at all " * 5, "loved the actors"]
    batched = model.predict(texts)
    singles = [model.predict([t])[0] for t in texts]
    for b, s in zip(batched, singles):
        assert abs(b.p_positive - s.p_positive) < tolerance


def test_resume_skips_finished_phases(tiny_model_dir, tmp_path, capsys):
    from models.sentiment import SentimentModel
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    root = tiny_model_dir.parent
    Trainer(root / "data", recipe("tiny"), tmp_path / "resumed", root / "work", resume=True).run()
    out = capsys.readouterr().out
    assert "language model: resuming from checkpoint" in out
    assert "classifier: resuming after stage 2" in out
    texts = ["superb and moving", "a clumsy waste"]
    assert SentimentModel.load(tmp_path / "resumed").predict(texts) == SentimentModel.load(tiny_model_dir).predict(texts)


def test_bf16_autocast_training_produces_fp32_weights(tmp_path):
    from safetensors.torch import load_file

    from models.sentiment import SentimentModel
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer
    from tests.sentiment.conftest import write_generated_imdb

    data = write_generated_imdb(tmp_path / "data", n_per_class=40)
    Trainer(data, recipe("tiny", bf16=True), tmp_path / "out", tmp_path / "work").run()
    weights = load_file(str(tmp_path / "out" / "model.safetensors"))
    assert {t.dtype for t in weights.values() if t.is_floating_point()} == {torch.float32}
    assert SentimentModel.load(tmp_path / "out").predict(["superb"])[0].label in ("pos", "neg")


def test_resume_with_a_larger_lm_budget_extends_the_language_model(tmp_path, capsys):
    import json

    from models.sentiment import SentimentModel
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer
    from tests.sentiment.conftest import write_generated_imdb

    data, work = write_generated_imdb(tmp_path / "data", n_per_class=100), tmp_path / "work"
    Trainer(data, recipe("tiny", lm_tokens=1_500), tmp_path / "first", work).run()
    before = json.loads((work / "progress.json").read_text())["lm_train_tokens"]
    capsys.readouterr()
    Trainer(data, recipe("tiny", lm_tokens=4_000), tmp_path / "out", work, resume=True).run()
    out = capsys.readouterr().out
    assert f"continuing after {before:,} seen" in out
    assert "classifier: resuming" not in out
    progress = json.loads((work / "progress.json").read_text())
    assert before < 1_500 < progress["lm_train_tokens"] <= 4_000
    assert progress["recipe"]["lm_tokens"] == 4_000
    assert SentimentModel.load(tmp_path / "out").predict(["superb"])[0].label in ("pos", "neg")


def test_resume_refuses_a_different_recipe(tiny_model_dir, tmp_path):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    root = tiny_model_dir.parent
    with pytest.raises(SystemExit, match="another recipe"):
        Trainer(root / "data", recipe("tiny", emb_sz=24), tmp_path / "out", root / "work", resume=True)
