"""The committed weights: checksums hold, and accuracy on a fixed sample of the IMDB test split."""
import pytest

from models.sentiment import DEFAULT_DIR, SentimentModel, artifacts
from models.sentiment.evaluate import read_labelled, scores
from tests.conftest import shared_file


def test_shipped_artifacts_pass_their_checksums():
    card = artifacts.verify(DEFAULT_DIR)
    assert card["metrics"]["imdb_test"]["n"] == 25_000


@pytest.fixture(scope="module")
def shipped_model():
    return SentimentModel.load()


def test_shipped_model_scores_85_percent_on_a_seeded_test_sample(shipped_model):
    sample = read_labelled(shared_file("imdb", "imdb_test.csv.xz"), limit=1000, seed=2024)
    predictions = [int(r.label == "pos") for r in shipped_model.predict(sample["text"].tolist())]
    assert scores(sample["y"].tolist(), predictions)["accuracy"] >= 0.85
