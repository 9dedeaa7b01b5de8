import json

import pytest

from core.reviews import main
from core.store import ReviewStore
from tests.core.conftest import FORREST_GUMP


@pytest.fixture
def seeded(data_dir, fake_sentiment) -> ReviewStore:
    return ReviewStore.open()


def test_add_prints_the_verdict_and_the_rating_change(seeded, capsys):
    assert main(["add", "--movie", FORREST_GUMP, "--text", "A wonderful, moving film."]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"review_id", "label", "p_positive", "rating_before", "rating_after"} <= result.keys()
    assert result["label"] == "pos" and result["rating_after"] > result["rating_before"]
    assert ReviewStore.open().reviews_of(FORREST_GUMP)[-1].review_id == result["review_id"]


@pytest.mark.parametrize("movie, text, message", [
    ("tt9999999", "A wonderful film.", "no movie"),
    ("not-an-id", "A wonderful film.", "no movie"),
    (FORREST_GUMP, "meh", "at least 5"),
    (FORREST_GUMP, "   \n  ", "at least 5"),
    (FORREST_GUMP, "x" * 5001, "at most 5,000"),
])
def test_add_refuses_bad_input_and_stores_nothing(seeded, capsys, movie, text, message):
    size = seeded.log_path.stat().st_size
    assert main(["add", "--movie", movie, "--text", text]) != 0
    assert message in capsys.readouterr().err
    assert seeded.log_path.stat().st_size == size


def test_add_without_a_trained_model_says_so_and_stores_nothing(data_dir, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("REELPULSE_SENTIMENT_MODEL", str(tmp_path / "no-model-here"))
    size = ReviewStore.open().log_path.stat().st_size
    assert main(["add", "--movie", FORREST_GUMP, "--text", "A wonderful film."]) == 2
    assert "sentiment model is not available" in capsys.readouterr().err
    assert ReviewStore.open().log_path.stat().st_size == size


def test_export_prints_every_review_as_json_lines(seeded, capsys):
    assert main(["export"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(seeded.reviews())
    assert all(json.loads(line)["text"] for line in lines)


def test_export_one_movie(seeded, capsys):
    assert main(["export", "--movie", FORREST_GUMP]) == 0
    assert {json.loads(line)["imdb_id"] for line in capsys.readouterr().out.splitlines()} == {FORREST_GUMP}


def test_rebuild_reports_no_mismatch_on_a_healthy_store(seeded, capsys):
    assert main(["rebuild"]) == 0
    assert "0 mismatch" in capsys.readouterr().err
