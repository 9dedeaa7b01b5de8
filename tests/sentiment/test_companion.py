"""The TF-IDF companion: stored without pickle, scores as sklearn's pipeline does, blended into predict, checked."""
import json
import shutil

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from models.sentiment import ArtifactError, SentimentModel
from models.sentiment.companion import ARRAYS, SHORT_WORDS, TERMS, Companion, add_companion, lowered
from tests.sentiment.test_finetune import write_short_texts
from tests.sentiment.conftest import write_generated_imdb

TEXTS = ["A wonderful film, loved it.", "Dull and boring, a waste.", "Not bad at all, really moving.",
         "Awful acting, terrible plot.", "Great cast, superb score.", "I hated the clumsy script."] * 3
LABELS = np.array([1, 0, 1, 0, 1, 0] * 3)


def test_its_scores_equal_the_sklearn_pipeline_it_was_fitted_as(tmp_path):
    companion = Companion.fit(TEXTS, LABELS)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, preprocessor=lowered)
    regression = LogisticRegression(C=8, max_iter=1000).fit(vectorizer.fit_transform(TEXTS), LABELS)
    unseen = ["LOVED the superb cast", "boring boring boring", "nothing in the vocabulary here"]
    expected = regression.predict_proba(vectorizer.transform(unseen))[:, 1]
    companion.save(tmp_path)
    assert np.allclose(Companion.load(tmp_path).p_positive(unseen), expected, atol=1e-9)
    assert Companion.load(tmp_path / "elsewhere") is None


@pytest.fixture
def with_companion(tiny_model_dir, tmp_path):
    model = shutil.copytree(tiny_model_dir, tmp_path / "model")
    data = tmp_path / "data"
    write_generated_imdb(data / "imdb")
    write_short_texts(data / "short_texts")
    card = add_companion(model, data)
    return model, card


def test_a_companion_is_fitted_weighted_on_validation_and_blended_into_predict(with_companion, tiny_model_dir):
    folder, card = with_companion
    base, blended = SentimentModel.load(tiny_model_dir), SentimentModel.load(folder)
    assert card["version"] == base.version + "+tfidf" and blended.version == card["version"]
    companion = blended.companion
    assert (card["companion"]["weight"], card["companion"]["short_weight"]) == (companion.weight, companion.short_weight)
    assert str(companion.weight) in card["companion"]["validation"] and "chosen" in card["companion"]["validation"]
    texts = ["a wonderful superb film", "dull awful waste", " ".join(["a dull awful waste of a film"] * 8)]
    shares = [companion.short_weight, companion.short_weight, companion.weight]
    lstm = [r.p_positive for r in base.predict(texts)]
    bag = companion.p_positive(texts)
    assert [r.p_positive for r in blended.predict(texts)] == \
        pytest.approx([(1 - w) * a + w * b for w, a, b in zip(shares, lstm, bag)], abs=1e-6)


def test_its_share_depends_on_the_length_of_the_text_and_older_files_keep_one_share(tmp_path):
    companion = Companion.fit(TEXTS, LABELS, weight=0.6)
    companion.short_weight = 0.1
    assert companion.shares(["one two three", " ".join(["word"] * (SHORT_WORDS + 1))]).tolist() == [0.1, 0.6]
    companion.save(tmp_path)
    assert Companion.load(tmp_path).short_weight == 0.1
    spec = json.loads((tmp_path / TERMS).read_text())
    del spec["short_weight"]
    (tmp_path / TERMS).write_text(json.dumps(spec))
    assert Companion.load(tmp_path).shares(["one two three"]).tolist() == [0.6]


@pytest.mark.parametrize("name", [ARRAYS, TERMS])
def test_a_tampered_or_missing_companion_file_is_refused(with_companion, name):
    folder, _ = with_companion
    (folder / name).write_bytes((folder / name).read_bytes()[:-3])
    with pytest.raises(ArtifactError, match=name):
        SentimentModel.load(folder)
    (folder / name).unlink()
    with pytest.raises(ArtifactError, match=name):
        SentimentModel.load(folder)
