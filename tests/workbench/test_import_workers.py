"""`import --workers N`: scoring spread over a local Dask cluster of N processes, stored through either backend."""
import json

import pytest

from core.reviews import main
from core.store import ReviewStore
from tests.fakes.sentiment import FakeSentimentModel
from tests.workbench.helpers import write_csv

FAKE = "tests.fakes.sentiment:FakeSentimentModel"   # each worker process builds its own keyword fake


def test_two_workers_score_like_one_process_and_a_rerun_adds_nothing(any_store, tmp_path, capsys):
    texts = [f"Review {n}: a {'great' if n % 3 else 'dull'} film about number {n}." for n in range(700)]
    path = write_csv(tmp_path / "in.csv", [[t, "Forrest Gump", "", ""] for t in texts],
                     header=["text", "imdb_title_id", "x", "rating"])
    assert main(["import", str(path), "--workers", "2", "--loader", FAKE]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["added"], summary["workers"]) == (700, 2)
    stored = {r.text: r for r in ReviewStore.open().reviews() if r.source == "import:in.csv"}
    expected = FakeSentimentModel().predict(texts)
    assert [(stored[t].label, stored[t].p_positive) for t in texts] == [(e.label, e.p_positive) for e in expected]
    assert main(["import", str(path), "--workers", "2", "--loader", FAKE]) == 0
    again = json.loads(capsys.readouterr().out)
    assert (again["added"], again["duplicates"]) == (0, 700)
    assert ReviewStore.open().rebuild() == {}


def test_workers_must_be_at_least_one(data_dir, capsys):
    with pytest.raises(SystemExit) as exit:
        main(["import", "x.csv", "--workers", "0"])
    assert exit.value.code == 2 and "must be 1 or more" in capsys.readouterr().err
