import pandas as pd
import pytest

from models.sentiment.evaluate import read_labelled, scores


def test_labels_may_be_words_or_digits(tmp_path):
    path = tmp_path / "r.csv.gz"
    pd.DataFrame({"text": ["a", "b", "c", "d"], "label": ["pos", "neg", "1", "0"]}).to_csv(path, index=False)
    assert read_labelled(path)["y"].tolist() == [1, 0, 1, 0]


def test_unknown_label_names_the_row(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"text": ["a", "b"], "label": ["pos", "meh"]}).to_csv(path, index=False)
    with pytest.raises(ValueError, match="row 3"):
        read_labelled(path)


def test_limit_is_a_seeded_sample_of_both_classes(tmp_path):
    path = tmp_path / "r.csv"
    pd.DataFrame({"text": list("abcdefghij") * 10, "label": ["neg"] * 50 + ["pos"] * 50}).to_csv(path, index=False)
    first, again = read_labelled(path, limit=20), read_labelled(path, limit=20)
    assert first.equals(again) and 0 < first["y"].sum() < 20


def test_scores():
    assert scores([1, 1, 0, 0], [1, 0, 0, 1]) == {"n": 4, "accuracy": 0.5, "f1": 0.5}
