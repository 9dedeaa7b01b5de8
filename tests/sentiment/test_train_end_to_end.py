"""train → save → load → predict on a tiny model trained in seconds."""
import json
import shutil

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


def _train_tiny_bf16_recipe(tmp_path):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer
    from tests.sentiment.conftest import write_generated_imdb

    data = write_generated_imdb(tmp_path / "data", n_per_class=40)
    Trainer(data, recipe("tiny", bf16=True), tmp_path / "out", tmp_path / "work").run()


def test_bf16_autocast_training_produces_fp32_weights(tmp_path, capsys):
    from safetensors.torch import load_file

    from models.cpu import cpu_info
    from models.sentiment import SentimentModel

    if not cpu_info().native_bf16:
        pytest.skip(f"bf16 autocast needs native bf16 (AVX512_BF16 or AMX); this is {cpu_info().describe()}")
    _train_tiny_bf16_recipe(tmp_path)
    assert "training in fp32" not in capsys.readouterr().out
    weights = load_file(str(tmp_path / "out" / "model.safetensors"))
    assert {t.dtype for t in weights.values() if t.is_floating_point()} == {torch.float32}
    assert SentimentModel.load(tmp_path / "out").predict(["superb"])[0].label in ("pos", "neg")


def test_a_bf16_recipe_trains_in_fp32_where_bf16_is_not_native(tmp_path, capsys, monkeypatch):
    from models.sentiment import SentimentModel, train
    from tests.test_cpu import fake_cpu

    monkeypatch.setattr(train, "cpu_info", lambda: fake_cpu(flags={"avx2", "fma"}, aten="AVX2"))
    _train_tiny_bf16_recipe(tmp_path)
    assert "bf16 is not native on Test CPU (AVX2): training in fp32" in capsys.readouterr().out
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


def test_resume_with_more_lm_epochs_runs_a_further_pass_and_retrains_the_classifier(tmp_path, capsys):
    import json

    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer
    from tests.sentiment.conftest import write_generated_imdb

    data, work = write_generated_imdb(tmp_path / "data", n_per_class=60), tmp_path / "work"
    Trainer(data, recipe("tiny", lm_tokens=1_500), tmp_path / "first", work).run()
    seen = json.loads((work / "progress.json").read_text())["lm_train_tokens"]
    capsys.readouterr()
    Trainer(data, recipe("tiny", lm_tokens=1_500, lm_epochs=2, tail=40), tmp_path / "out", work, resume=True).run()
    out = capsys.readouterr().out
    assert "pass 2 of 2 over the text seen" in out
    assert "classifier: resuming" not in out
    progress = json.loads((work / "progress.json").read_text())
    assert (progress["lm_train_tokens"], progress["lm_passes"]) == (seen, 2)
    assert json.loads((tmp_path / "out" / "recipe.json").read_text())["tail"] == 40


def test_a_classifier_only_change_keeps_the_language_model(tiny_model_dir, tmp_path, capsys):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    root = tiny_model_dir.parent
    work = tmp_path / "work"
    shutil.copytree(root / "work", work)
    Trainer(root / "data", recipe("tiny", head=8), tmp_path / "out", work, resume=True).run()
    out = capsys.readouterr().out
    assert "language model: resuming from checkpoint" in out
    assert "classifier: resuming" not in out


@pytest.mark.parametrize("setting", ["head", "nope=1", "name=\"x\"", "head=abc"])
def test_recipe_overrides_refuse_bad_settings(setting):
    from models.sentiment.config import parse_override

    with pytest.raises(ValueError):
        parse_override(setting)


def test_recipe_override_parses_json_values():
    from models.sentiment.config import parse_override

    assert parse_override("tail=512") == ("tail", 512)
    assert parse_override("clas_stages=[[1,1,0.02],[-1,2,0.001]]") == ("clas_stages", ((1, 1, 0.02), (-1, 2, 0.001)))


def test_lm_minutes_sizes_the_epochs_to_the_budget_and_records_them(tmp_path, capsys):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer
    from tests.sentiment.conftest import write_generated_imdb

    data = write_generated_imdb(tmp_path / "data", n_per_class=40)
    Trainer(data, recipe("tiny", lm_epochs=3), tmp_path / "out", tmp_path / "work", lm_minutes=1e-6).run()
    assert "1 epoch(s) fit" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "recipe.json").read_text())["lm_epochs"] == 1
    assert json.loads((tmp_path / "work" / "progress.json").read_text())["recipe"]["lm_epochs"] == 1


def test_token_cache_holds_ids_and_labels_so_training_needs_no_csv(tiny_model_dir, tmp_path):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    work = tmp_path / "work"
    shutil.copytree(tiny_model_dir.parent / "work", work)
    cached = Trainer(tmp_path / "no-csv-here", recipe("tiny"), tmp_path / "out", work).tokenize()
    fresh = Trainer(tiny_model_dir.parent / "data", recipe("tiny"), tmp_path / "out2", tmp_path / "work2").tokenize()
    assert cached[0].vocab == fresh[0].vocab and cached[3] == fresh[3]
    assert (cached[2] == fresh[2]).all()
    assert all((a == b).all() for a, b in zip(cached[1], fresh[1]))


def test_a_token_cache_made_for_another_vocabulary_is_rebuilt(tiny_model_dir, tmp_path, capsys):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    work = tmp_path / "work"
    shutil.copytree(tiny_model_dir.parent / "work", work)
    tokenizer, *_ = Trainer(tiny_model_dir.parent / "data", recipe("tiny", vocab_size=40), tmp_path / "o", work).tokenize()
    assert "tokenised" in capsys.readouterr().out
    assert len(tokenizer.vocab) <= 40
    assert not (work / "smollm2_rows.safetensors").exists()   # rows of the old vocabulary go with it


def test_loaders_carry_the_default_device_so_the_model_follows_them_to_a_gpu():
    from fastai.text.all import LMDataLoader
    from fastai.torch_core import default_device

    from models.sentiment.train import loaders

    docs = [torch.arange(20), torch.arange(30)]
    dls = loaders(LMDataLoader(docs, bs=2, seq_len=4), LMDataLoader(docs, bs=2, seq_len=4))
    assert dls.device is not None and dls.device == default_device()
