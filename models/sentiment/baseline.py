"""The floor to beat: TF-IDF (uni+bigrams, sublinear tf) + logistic regression (C=8)."""
from __future__ import annotations

from pathlib import Path

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from .evaluate import read_labelled
from .text import clean


def tfidf_logreg(**vectorizer) -> Pipeline:
    return make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2, **vectorizer),
                         LogisticRegression(C=8, max_iter=1000))


def train_baseline(train_csv: Path) -> Pipeline:
    frame = read_labelled(train_csv)
    return tfidf_logreg(preprocessor=lambda t: clean(t).lower()).fit(frame["text"], frame["y"])
