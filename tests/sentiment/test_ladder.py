"""The evaluation ladder: one table of every set and the behavioural suite, models side by side."""
import pandas as pd

from models.sentiment import ladder
from models.sentiment.behaviour import build_suite
from models.sentiment.evaluate import read_labelled
from tests.fakes.sentiment import FakeSentimentModel


def always(p: float) -> ladder.Scorer:
    return lambda texts: [p] * len(texts)


SETS = ([ladder.Rung("tiny", pd.DataFrame(dict(text=["good", "bad", "fine", "meh"], y=[1, 0, 1, 0])))], ["absent (test)"])


def test_each_model_gets_each_set_and_the_suite():
    result = ladder.climb({"yes": always(0.9), "no": always(0.1)}, sets=SETS)
    assert result.accuracy == {"tiny": {"yes": 0.5, "no": 0.5}} and result.sizes == {"tiny": 4}
    capabilities = {case.capability for case in build_suite()}
    assert set(result.suites["yes"].by_capability) == capabilities
    # a constant model passes every invariance and directional case and half the labelled ones
    assert result.suites["yes"].by_capability["invariance_casing"]["rate"] == 1.0
    assert result.suites["yes"].by_capability["negation"]["rate"] < 0.6


def test_the_table_lists_sets_capabilities_and_what_did_not_run():
    table = ladder.climb({"yes": always(0.9), "no": always(0.1)}, sets=SETS).table()
    head, rule, *rows = table.splitlines()
    assert head.split()[-2:] == ["yes", "no"]
    assert any(r.startswith("tiny") and r.split()[-2:] == ["50.00%", "50.00%"] for r in rows)
    assert any(r.startswith("behaviour (overall)") for r in rows) and any("negation" in r for r in rows)
    assert rows[-1] == "(not run: absent (test))"


def test_a_sentiment_model_is_scored_in_batches():
    fake = FakeSentimentModel()
    scorer = ladder.model_scorer(fake, batch=2)
    assert scorer(["great", "awful", "great fun", "boring"]) == [0.7, 0.3, 0.9, 0.3] and fake.calls == 2


def test_our_one_liners_are_balanced_short_and_unique():
    frame = read_labelled(ladder.ONE_LINERS)
    words = frame["text"].str.split().str.len()
    assert len(frame) >= 300 and frame["y"].mean() == 0.5
    assert words.between(5, 25).all() and not frame["text"].str.lower().duplicated().any()


def test_the_suite_cli_prints_the_table(tiny_model_dir, capsys, monkeypatch):
    from models.sentiment.__main__ import main

    monkeypatch.setattr(ladder, "rungs", lambda limit=None: SETS)
    assert main(["evaluate", "--suite", "--model", str(tiny_model_dir), "--no-baseline"]) == 0
    out = capsys.readouterr().out
    assert "behaviour (overall)" in out and "tiny" in out and "example failures:" in out
