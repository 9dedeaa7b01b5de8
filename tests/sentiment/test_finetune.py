"""The short-text fine-tune: its data mix and a whole run on a tiny model (seconds)."""
import json
import os
import random

import numpy as np
import pandas as pd
import pytest

from models.sentiment import SentimentModel, artifacts
from models.sentiment.finetune import Mix, finetune, imdb_split, read_short_texts, sentence_crops, with_lowercase
from tests.sentiment.conftest import NEGATIVE_WORDS, POSITIVE_WORDS, write_generated_imdb


def write_short_texts(folder, n=60, seed=0):
    """Every short-text file the fine-tune reads, in the shared folder's format (kotzias_imdb absent on purpose)."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("kotzias_yelp", "kotzias_amazon", "blitzer_dvd", "airline_tweets", "tweeteval"):
        rows = []
        for i in range(n):
            label = "pos" if i % 2 else "neg"
            words = POSITIVE_WORDS if label == "pos" else NEGATIVE_WORDS
            confidence = 0.4 if i % 10 == 0 else 1.0
            text = f"The film was {rng.choice(words)}." if i % 3 == 0 else f"{rng.choice(words)} {rng.choice(words)} film"
            rows.append(dict(text=text, label=label, source=name,
                             extra=json.dumps(dict(confidence=confidence))))
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv.gz", index=False)
    return folder


def test_the_imdb_split_is_the_trainers(tmp_path):
    from models.sentiment.config import recipe
    from models.sentiment.train import Trainer

    tiny = recipe("tiny")
    trainer = Trainer(tmp_path, tiny, tmp_path / "out", tmp_path / "work")
    expected = trainer.split(600)
    got = imdb_split(600, tiny)
    assert all(np.array_equal(a, b) for a, b in zip(got, expected))


def test_short_texts_hold_out_a_share_of_each_file_and_drop_unsure_airline_labels(tmp_path):
    train, valid = read_short_texts(write_short_texts(tmp_path / "short"), Mix(short_valid_share=0.2))
    assert set(train["source"]) == set(valid["source"]) == {"kotzias_yelp", "kotzias_amazon", "blitzer_dvd",
                                                             "airline_tweets", "tweeteval"}
    assert 0.1 < len(valid) / (len(train) + len(valid)) < 0.3
    airline = pd.concat([train, valid]).query("source == 'airline_tweets'")
    assert len(airline) == 54   # 6 of 60 below the confidence floor


def test_crops_keep_verdict_sentences_and_drop_those_tfidf_disagrees_with():
    texts = [f"I saw it on a Tuesday with my cousin. The plot was {w} and {w}, truly {w}." for w in POSITIVE_WORDS * 6]
    texts += [f"I saw it on a Tuesday with my cousin. The plot was {w} and {w}, truly {w}." for w in NEGATIVE_WORDS * 6]
    labels = np.array([1] * (len(texts) // 2) + [0] * (len(texts) // 2))
    crops = sentence_crops(texts, labels, Mix(crop_confidence=0.7))
    assert len(crops) and not crops["text"].str.contains("Tuesday").any()
    assert set(crops["source"]) == {"imdb_train_crop"}


def test_review_sentences_come_in_the_same_order_in_every_process():
    """Sampled crops must repeat across runs for a training run to resume on the same texts: str hashes differ by
    process, so a set would not do."""
    import subprocess
    import sys

    script = ("from models.sentiment.finetune import review_sentences; import numpy as np; "
              "texts = [f'Opening line {i} is here. Middle bit {i} follows. Last words {i} end it.' "
              "for i in range(40)]; "
              "print(review_sentences(texts, np.ones(40), (2, 10), ends_only=True)['text'].tolist())")
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(runs) == 1 and "Opening line 0" in runs.pop()


def test_lowercased_copies_are_added_not_substituted():
    frame = pd.DataFrame(dict(text=[f"Great Film {i}" for i in range(100)], y=1, source="x"))
    mixed = with_lowercase(frame, 0.3, seed=0)
    assert len(mixed) == 130 and mixed["text"].str.islower().sum() == 30 and set(frame["text"]) <= set(mixed["text"])


@pytest.fixture(scope="module")
def finetuned(tiny_model_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("finetune")
    write_generated_imdb(root / "data" / "imdb", n_per_class=60)
    write_short_texts(root / "data" / "short_texts")
    finetune(tiny_model_dir, root / "data", root / "out", epochs=1,
             mix=Mix(negation_flips=1, contrast_joins=40, imdb_reviews=40))
    return root / "out"


def test_a_finetuned_model_is_a_complete_checked_folder_that_loads(finetuned, tiny_model_dir):
    card = artifacts.verify(finetuned)
    started = artifacts.read_card(tiny_model_dir)
    assert card["started_from"] == started["version"] and card["version"] != started["version"]
    sources = card["finetune"]["sources"]
    assert set(sources) >= {"imdb_train", "kotzias_yelp", "airline_tweets", "kotzias_yelp+negation",
                            "blitzer_dvd+contrast"}
    assert not any(s.startswith(("airline_tweets+contrast", "tweeteval+contrast")) for s in sources)   # reviews only
    assert 40 <= sources["imdb_train"] <= 80 and "-cf-" in card["version"]   # 40 of 114, and lowercased copies
    assert set(card["finetune"]["validation_after"]) == {"imdb_valid", "imdb_valid_lowercased", "short_valid",
                                                         "counterfactual_valid"}
    assert (finetuned / artifacts.VOCAB).read_bytes() == (tiny_model_dir / artifacts.VOCAB).read_bytes()
    assert [r.label for r in SentimentModel.load(finetuned).predict(["great superb film", "awful dull film"])] == ["pos", "neg"]
