import json

import pytest

from core.rescore import rescore
from core.reviews import main
from core.store import ReviewStore
from models.sentiment import SentimentResult
from tests.core.conftest import contents
from tests.fakes.sentiment import FakeSentimentModel


@pytest.fixture
def store(any_store):
    """These tests run on both store backends."""
    return any_store


class ContrarianModel(FakeSentimentModel):
    """A 'new model version' that disagrees with the keyword fake."""
    version = "fake-contrarian-2"

    def predict(self, texts):
        return [SentimentResult("neg" if r.label == "pos" else "pos", round(1 - r.p_positive, 6))
                for r in super().predict(texts)]


def test_rescore_rewrites_every_older_score_and_reports_the_changes(store):
    summary = rescore(store, ContrarianModel())
    assert summary.rescored == summary.reviews == len(store.reviews()) and summary.flipped > 0
    assert {r.model_version for r in ReviewStore.open().reviews()} == {"fake-contrarian-2"}
    biggest = summary.changes.iloc[0]
    assert abs(biggest["change"]) == summary.changes["change"].abs().max() and biggest["link"].startswith("/movie")
    assert rescore(store, ContrarianModel()).rescored == 0   # nothing left to do


def test_a_cancelled_rescore_changes_nothing(store):
    held = contents(store)

    def cancel(done, total):
        if done:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rescore(store, ContrarianModel(), cancel)
    assert contents(store) == held


def test_the_cli_rescores(data_dir, fake_sentiment, capsys):
    assert main(["rescore"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["rescored"] == summary["reviews"] > 0 and "biggest_changes" in summary
