"""Distillation: soft targets from the teachers, and the phase inside the real training command."""
import json
import shutil

import numpy as np
import pytest
import torch

from models.sentiment import SentimentModel, artifacts
from models.sentiment.config import recipe
from models.sentiment.distil import soft_cross_entropy, tfidf_probs
from models.sentiment.evaluate import scores

from .conftest import NEGATIVE_WORDS, POSITIVE_WORDS, write_generated_imdb


def test_soft_cross_entropy_is_cross_entropy_for_hard_targets_and_halfway_for_a_coin():
    logits = torch.tensor([[2.0, -1.0], [0.5, 1.5], [-0.3, 0.2]])
    hard = torch.tensor([0.0, 1.0, 1.0])
    assert soft_cross_entropy(logits, hard).item() == pytest.approx(
        torch.nn.functional.cross_entropy(logits, hard.long()).item(), rel=1e-6)
    coin = torch.full((3,), 0.5)
    both = (soft_cross_entropy(logits, torch.zeros(3)) + soft_cross_entropy(logits, torch.ones(3))) / 2
    assert soft_cross_entropy(logits, coin).item() == pytest.approx(both.item(), rel=1e-6)


def test_tfidf_teacher_learns_from_token_ids():
    rng = np.random.default_rng(0)
    ids = [np.append(rng.integers(10, 60, 8), [5, 5, 5] if i % 2 else [6, 6, 6]) for i in range(200)]
    labels = np.array([i % 2 for i in range(200)])
    p = tfidf_probs(ids, labels, np.arange(150), np.arange(150, 200))
    assert scores(labels[150:], (p >= 0.5).astype(int))["accuracy"] == 1.0


@pytest.fixture(scope="module")
def distilled(tmp_path_factory):
    from models.sentiment.train import Trainer

    root = tmp_path_factory.mktemp("distil")
    data = write_generated_imdb(root / "data", n_per_class=150, n_unlabelled=200)
    Trainer(data, recipe("tiny", distil_epochs=1), root / "model", root / "work").run()
    return root


def test_distillation_runs_after_the_classifier_and_the_card_says_so(distilled):
    card = json.loads((distilled / "model" / artifacts.CARD_JSON).read_text())
    assert card["recipe"]["distil_epochs"] == 1
    assert card["training"]["distillation_seconds"] > 0
    assert set(card["metrics"]["distillation_teachers_valid"]) == {"classifier", "tfidf", "mean"}
    assert "distillation" in card["summary"]
    model = SentimentModel.load(distilled / "model")
    results = model.predict([" ".join(POSITIVE_WORDS * 3), " ".join(NEGATIVE_WORDS * 3)])
    assert [r.label for r in results] == ["pos", "neg"]


def test_resume_keeps_a_finished_distillation_and_a_new_rate_redoes_only_it(distilled, tmp_path, capsys):
    from models.sentiment.train import Trainer

    Trainer(distilled / "data", recipe("tiny", distil_epochs=1), tmp_path / "same", distilled / "work",
            resume=True).run()
    assert "distillation: resuming from checkpoint" in capsys.readouterr().out
    texts = ["great wonderful film", "dull boring waste"]
    assert SentimentModel.load(tmp_path / "same").predict(texts) == SentimentModel.load(distilled / "model").predict(texts)

    Trainer(distilled / "data", recipe("tiny", distil_epochs=1, distil_lr=3e-3), tmp_path / "other",
            distilled / "work", resume=True).run()
    out = capsys.readouterr().out
    assert "classifier: resuming after stage 2" in out and "teachers' validation accuracy" in out


def test_without_unlabelled_reviews_distillation_is_skipped(tiny_model_dir, tmp_path, capsys):
    from models.sentiment.train import Trainer

    root = tiny_model_dir.parent
    shutil.copytree(root / "work", tmp_path / "work")
    Trainer(root / "data", recipe("tiny", distil_epochs=1), tmp_path / "out", tmp_path / "work", resume=True).run()
    assert "distillation: no unlabelled reviews, skipped" in capsys.readouterr().out


def test_a_trained_model_of_the_same_vocabulary_joins_the_teachers(distilled, tmp_path, capsys):
    from models.sentiment.train import Trainer

    shutil.copytree(distilled / "work", tmp_path / "work")
    with_teacher = recipe("tiny", distil_epochs=1, distil_teacher=str(distilled / "model"))
    Trainer(distilled / "data", with_teacher, tmp_path / "out", tmp_path / "work", resume=True).run()
    assert "classifier: resuming after stage 2" in capsys.readouterr().out   # only the distillation again
    card = json.loads((tmp_path / "out" / artifacts.CARD_JSON).read_text())
    assert set(card["metrics"]["distillation_teachers_valid"]) == {"classifier", "tfidf", "teacher", "mean"}
    assert "another trained model" in card["summary"]


def test_a_teacher_of_another_vocabulary_is_refused(distilled, tiny_model_dir, tmp_path):
    from models.sentiment.train import Trainer

    shutil.copytree(distilled / "work", tmp_path / "work")
    other = recipe("tiny", distil_epochs=1, distil_teacher=str(tiny_model_dir))
    with pytest.raises(ValueError, match="another vocabulary"):
        Trainer(distilled / "data", other, tmp_path / "out", tmp_path / "work", resume=True).run()
    assert not (tmp_path / "out").exists()
    assert "distil" in json.loads((tmp_path / "work" / "progress.json").read_text())   # the finished one is kept


def test_the_card_names_each_phase_machine_when_they_differ(distilled, tmp_path):
    from models.sentiment.train import Trainer, hardware

    assert json.loads((distilled / "model" / artifacts.CARD_JSON).read_text())["training"]["hardware"] == hardware()
    shutil.copytree(distilled / "work", tmp_path / "work")
    progress = json.loads((tmp_path / "work" / "progress.json").read_text())
    progress["lm_hardware"] = "NVIDIA H100 80GB HBM3 GPU"   # as a run on a lent GPU records it
    (tmp_path / "work" / "progress.json").write_text(json.dumps(progress))
    Trainer(distilled / "data", recipe("tiny", distil_epochs=1), tmp_path / "out", tmp_path / "work", resume=True).run()
    card = json.loads((tmp_path / "out" / artifacts.CARD_JSON).read_text())
    assert card["training"]["hardware"] == dict(language_model="NVIDIA H100 80GB HBM3 GPU", classifier=hardware(),
                                                distillation=hardware())
