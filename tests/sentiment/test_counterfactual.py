"""Counterfactual rewrites: negation flips and contrast joins, with a lexicon standing in for the fitted polarity."""
import re

import numpy as np
import pandas as pd

from models.sentiment.counterfactual import contrast_clauses, contrast_joins, negation_flips

POSITIVE = {"great", "wonderful", "superb", "good", "loved"}
NEGATIVE = {"awful", "boring", "terrible", "bad", "dull"}


def lexicon_polarity(texts):
    def p(text):
        words = set(text.lower().replace(".", " ").replace(",", " ").split())
        return 0.95 if words & POSITIVE else 0.05 if words & NEGATIVE else 0.5
    return np.array([p(t) for t in texts])


def frame(*rows, source="kotzias_yelp"):
    return pd.DataFrame(dict(text=[t for t, _ in rows], y=[y for _, y in rows], source=source))


def test_a_negation_is_added_to_the_copula_and_the_label_flips():
    flips = negation_flips(frame(("The acting was great.", 1), ("The plot is dull.", 0)), lexicon_polarity, seed=0)
    assert flips["y"].tolist() == [0, 1]
    for text in flips["text"]:
        assert any(form in text for form in ("was not", "wasn't", "was never", "is not", "isn't", "is never"))
    assert set(flips["source"]) == {"kotzias_yelp+negation"}


def test_a_negation_on_the_copula_is_removed_and_the_label_flips():
    flips = negation_flips(frame(("The acting wasn't great.", 0), ("The ending is not bad at all", 1)),
                           lexicon_polarity, seed=0)
    assert flips["text"].tolist() == ["The acting was great.", "The ending is bad at all"]
    assert flips["y"].tolist() == [1, 0]


def test_capitals_are_kept_in_the_negation():
    flips = negation_flips(frame(("THE FILM WAS AWFUL", 0)), lexicon_polarity, seed=0)
    assert flips["text"].iloc[0] in ("THE FILM WAS NOT AWFUL", "THE FILM WASN'T AWFUL", "THE FILM WAS NEVER AWFUL")


def test_sentences_whose_new_label_would_be_unsafe_are_left_alone():
    unsafe = frame(("Was the acting great?", 1),                     # a question
                   ("The acting was great but the plot was dull.", 0),  # contrast
                   ("The cast was great and the food was cold.", 1),  # two copulas
                   ("The acting was great and the sets cheap.", 1),   # the verdict goes on after the predicate
                   ("The acting was probably great.", 1),             # "not" cannot go before "probably"
                   ("The best part was the ending.", 1),              # the predicate carries no verdict
                   ("The great cast was wasted.", 1),                 # the subject does
                   ("I was not bored, not for a second.", 1),         # two negations
                   ("It was fine. Loved it.", 1))                     # two sentences
    assert negation_flips(unsafe, lexicon_polarity, seed=0).empty


def winning_clause(text: str) -> str:
    if "even though" in text:
        return text.split("even though")[0]
    if text.startswith("Although"):
        return text.split(",", 1)[1]
    return re.split(r"(?i)\bbut\b|\bhowever\b", text, maxsplit=1)[1]


def test_contrast_joins_take_the_verdict_of_the_clause_the_connective_points_to():
    clauses = frame(("Loved the music.", 1), ("A wonderful cast", 1), ("The plot is dull.", 0), ("Terrible ending", 0))
    joins = contrast_joins(clauses, n=60, seed=1)
    assert len(joins) == 60 and joins["y"].mean() == 0.5
    for text, y in zip(joins["text"], joins["y"]):
        assert lexicon_polarity([winning_clause(text)])[0] == (0.95 if y else 0.05), text
    assert joins["text"].str.contains("loved the music|a wonderful cast|the plot is dull|terrible ending").any()


def test_contrast_clauses_are_single_confident_clauses():
    pool = frame(("Loved it.", 1), ("Loved it. Hated the end.", 1), ("It was fine", 1), ("Great, but long.", 1),
                 ("A dull mess of a film", 0))
    assert contrast_clauses(pool, lexicon_polarity)["text"].tolist() == ["A dull mess of a film"]


def test_joins_never_mix_sources_and_are_reproducible():
    pool = pd.concat([frame(("Loved it", 1), ("Dull", 0), source="a"), frame(("Great fun", 1), ("Awful", 0), source="b")])
    first, again = contrast_joins(pool, 40, seed=3), contrast_joins(pool, 40, seed=3)
    assert first.equals(again)
    for text, source in zip(first["text"], first["source"]):
        own = {"a+contrast": ("loved it", "dull"), "b+contrast": ("great fun", "awful")}[source]
        assert all(part in text.lower() for part in own), text



def test_the_finetune_mix_flips_review_sentences_and_joins_only_review_sources():
    from models.sentiment.finetune import Mix, with_counterfactuals

    data = pd.concat([frame(("I loved the music", 1), ("A dull film overall", 0), source="blitzer_dvd"),
                      frame(("Great flight crew today", 1), ("Awful crew on board", 0), source="tweeteval")])
    sentences = frame(("The score was superb.", 1), source="imdb_train_sentence")
    made = with_counterfactuals(data, sentences, lexicon_polarity, Mix(negation_flips=1, contrast_joins=10))
    assert made.iloc[:len(data)].equals(data.reset_index(drop=True))
    added = made.iloc[len(data):]
    assert added["source"].value_counts().to_dict() == {"blitzer_dvd+contrast": 10, "imdb_train_sentence+negation": 1}
