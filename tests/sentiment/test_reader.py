"""The short-text reader on a tiny Llama built here (the real SmolLM2 is never loaded): what trains, what is
stored, how it is averaged into a verdict, that a stopped run resumes to the same weights, and how it is attached."""
import json
import re
import shutil
from dataclasses import replace

import numpy as np
import pytest
import torch

from models.sentiment import ArtifactError, SentimentModel
from models.sentiment import reader as reader_module
from models.sentiment.companion import SHORT_WORDS
from models.sentiment.reader import CONFIG, WEIGHTS, Reader, ReaderConfig, without_reader
from models.sentiment.reader_train import SHARES, Schedule, add_reader, train_reader
from tests.sentiment.conftest import FILLER, NEGATIVE_WORDS, POSITIVE_WORDS, write_generated_imdb
from tests.sentiment.test_finetune import write_short_texts

TINY = ReaderConfig(tuned_layers=1, rank=4, alpha=8, dropout=0.0, max_tokens=16)


def tiny_backbone():
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import LlamaConfig, LlamaModel, PreTrainedTokenizerFast

    words = ["[PAD]", "[UNK]", ".", ",", "!", *POSITIVE_WORDS, *NEGATIVE_WORDS, *FILLER]
    raw = Tokenizer(models.WordLevel({w: i for i, w in enumerate(dict.fromkeys(words))}, unk_token="[UNK]"))
    raw.normalizer, raw.pre_tokenizer = normalizers.Lowercase(), pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=raw, pad_token="[PAD]", unk_token="[UNK]")
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=64, pad_token_id=0)
    return LlamaModel(config).eval(), tokenizer


@pytest.fixture(autouse=True)
def tiny_smollm2(monkeypatch):
    """Every reader loaded without a backbone gets a fresh tiny one, as SmolLM2 would be."""
    monkeypatch.setattr(reader_module, "smollm2_backbone", tiny_backbone)


def tiny_reader(share: float = 0.0) -> Reader:
    return Reader(*tiny_backbone(), TINY, share)


def test_only_the_top_layers_adapters_and_the_head_train():
    reader = tiny_reader()
    trainable = set(reader.trainable())
    assert trainable and all(".lora_" in name or name.startswith("head.") for name in trainable)
    assert {name.split(".layers.")[1].split(".")[0] for name in trainable if ".layers." in name} == {"2"}
    assert sum(p.numel() for p in reader.trainable().values()) < 0.1 * sum(p.numel() for p in reader.parameters())


def test_scores_do_not_depend_on_the_batch_or_the_padding():
    reader = tiny_reader()
    texts = ["great", "the plot was dull and the actors were clumsy", "LOVED IT!", "a waste of a film"]
    together = reader.p_positive(texts, batch=4)
    alone = np.concatenate([reader.p_positive([t]) for t in texts])
    assert together == pytest.approx(alone, abs=1e-5)
    assert ((together > 0) & (together < 1)).all()


def test_a_saved_reader_loads_with_the_same_scores_and_share(tmp_path):
    reader = tiny_reader(share=0.4)
    with torch.no_grad():
        for p in reader.trainable().values():
            p.add_(0.05 * torch.randn_like(p))   # LoRA's B starts at zero: give the adapters some effect
    reader.save(tmp_path)
    loaded = Reader.load(tmp_path)
    texts = ["superb and moving", "boring"]
    assert loaded.share == 0.4 and loaded.config == TINY
    assert loaded.p_positive(texts) == pytest.approx(reader.p_positive(texts), abs=1e-6)
    assert Reader.load(tmp_path / "elsewhere") is None


def test_a_reader_file_without_its_tensors_is_refused(tmp_path):
    from safetensors.torch import save_file

    tiny_reader().save(tmp_path)
    save_file({"head.weight": torch.zeros(2, 64)}, str(tmp_path / WEIGHTS))
    with pytest.raises(ValueError, match="does not fit"):
        Reader.load(tmp_path)


def test_it_is_averaged_in_for_short_texts_only_at_its_share():
    reader = tiny_reader(share=0.3)
    short, long = "a dull film", " ".join(["the film was great"] * (SHORT_WORDS // 4 + 1))
    mine = reader.p_positive([short])[0]
    assert reader.blended([0.9, 0.9], [short, long]) == pytest.approx([0.7 * 0.9 + 0.3 * mine, 0.9])
    reader.share = 0.0
    assert reader.blended([0.9], [short]) == [0.9]


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "data"
    write_generated_imdb(folder / "imdb", n_per_class=60)
    write_short_texts(folder / "short_texts", n=40)
    return folder


TINY_SCHEDULE = Schedule(batch=16, warmup=2, crops=40)


def train_tiny(data, out, config=TINY, schedule=TINY_SCHEDULE, **options):
    backbone, tokenizer = tiny_backbone()
    return train_reader(data, out, config=config, schedule=schedule, backbone=backbone, tokenizer=tokenizer, **options)


def test_counterfactual_rewrites_join_a_sampled_mix(data):
    from models.sentiment.reader_train import training_texts

    plain, _ = training_texts(data, Schedule(crops=40))
    mixed, _ = training_texts(data, Schedule(crops=40, negation_flips=1, contrast_joins=30, base_texts=50))
    rewritten = mixed["source"].str.contains("+", regex=False)
    assert (~rewritten).sum() == 50
    assert set(mixed.loc[~rewritten, "text"].str.lower()) <= set(plain["text"].str.lower())   # a share is lowercased
    assert mixed["source"].str.endswith("+negation").any() and mixed["source"].str.endswith("+contrast").sum() == 30
    flipped = mixed[mixed["source"].str.endswith("+negation")]
    assert flipped["text"].str.contains(r"\b(?:not|never)\b|n't", case=False).any()


def test_a_stopped_run_resumes_to_the_weights_of_an_unstopped_one(data, tmp_path):
    whole = train_tiny(data, tmp_path / "whole")
    assert whole is not None and {"short_valid", "imdb_valid_crops"} <= set(whole["validation"])
    assert train_tiny(data, tmp_path / "parts", minutes=0) is None
    assert json.loads((tmp_path / "parts" / "checkpoint.json").read_text())["step"] == 1
    resumed = train_tiny(data, tmp_path / "parts", resume=True)
    assert resumed["steps"] == whole["steps"] > 1
    a, b = Reader.load(tmp_path / "whole"), Reader.load(tmp_path / "parts")
    for name, p in a.trainable().items():
        assert torch.allclose(p, b.trainable()[name], atol=1e-5), name


def test_a_resume_with_other_options_is_refused(data, tmp_path):
    assert train_tiny(data, tmp_path / "run", minutes=0) is None
    with pytest.raises(ValueError, match="another run"):
        train_tiny(data, tmp_path / "run", resume=True, schedule=replace(TINY_SCHEDULE, negation_flips=1))


def test_a_run_starts_from_a_trained_reader_of_the_same_shape_only(data, tmp_path):
    first = train_tiny(data, tmp_path / "first")
    second = train_tiny(data, tmp_path / "second", start=tmp_path / "first")
    assert second["start_schedule"] == first["schedule"] and first["start_schedule"] is None
    wider = ReaderConfig(tuned_layers=2, rank=4, alpha=8, dropout=0.0, max_tokens=16)
    with pytest.raises(ValueError, match="does not fit"):
        train_tiny(data, tmp_path / "third", config=wider, start=tmp_path / "first")


def test_an_attached_reader_moves_short_verdicts_and_is_checksummed(data, tiny_model_dir, tmp_path):
    train_tiny(data, tmp_path / "reader")
    folder = shutil.copytree(tiny_model_dir, tmp_path / "model")
    card = add_reader(folder, tmp_path / "reader", data)
    base, model = SentimentModel.load(tiny_model_dir), SentimentModel.load(folder)
    assert model.version == card["version"] and re.fullmatch(re.escape(base.version) + r"\+smollm2-\d{8}-\d{4}",
                                                             model.version)
    assert card["reader"]["share"] == model.reader.share in SHARES
    assert set(card["reader"]["validation"]) == {str(s) for s in SHARES}
    assert without_reader(card)["version"] == base.version and without_reader(card)["summary"] == base.card["summary"]
    model.reader.share = 0.5
    short, long = "a wonderful superb film", " ".join(["a dull awful waste of a film"] * 8)
    before = [r.p_positive for r in base.predict([short, long])]
    mine = model.reader.p_positive([short])[0]
    assert [r.p_positive for r in model.predict([short, long])] == pytest.approx([0.5 * before[0] + 0.5 * mine, before[1]],
                                                                                 abs=1e-6)
    with pytest.raises(ValueError, match="reader already"):
        add_reader(folder, tmp_path / "reader", data)
    (folder / CONFIG).write_text((folder / CONFIG).read_text().replace('"share"', '"share" ', 1))
    with pytest.raises(ArtifactError, match=CONFIG):
        SentimentModel.load(folder)
