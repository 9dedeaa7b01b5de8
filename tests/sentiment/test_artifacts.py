import shutil

import pytest

from models.sentiment import ArtifactError, SentimentModel, artifacts


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


@pytest.mark.parametrize("name", artifacts.CHECKED_FILES)
def test_a_tampered_file_is_refused_with_its_name(model_copy, name):
    path = model_copy / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=name):
        SentimentModel.load(model_copy)


def test_a_missing_weight_file_is_refused(model_copy):
    (model_copy / artifacts.WEIGHTS).unlink()
    with pytest.raises(ArtifactError, match="missing"):
        SentimentModel.load(model_copy)


def test_a_folder_without_card_is_not_a_model(tmp_path):
    with pytest.raises(ArtifactError, match="card.json"):
        SentimentModel.load(tmp_path)


def test_untampered_copy_loads(model_copy):
    assert SentimentModel.load(model_copy).predict(["great"])[0].label in ("pos", "neg")
