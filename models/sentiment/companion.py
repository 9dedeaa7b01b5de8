"""The bag-of-words companion the AWD-LSTM's verdict is averaged with: TF-IDF (uni+bigrams, sublinear tf) and a
logistic regression, fitted on the IMDB train part and the short-text train files (never on a validation or test
set). It reads idioms and misspellings the LSTM misses ("knocked it out of the park"), the LSTM reads order and
contrast; the ladder measures what the average gives (README: ensembling). Its share of the average is chosen on
validation for texts of up to SHORT_WORDS words and for longer ones apart: on long reviews the bag of words adds
most, on a short one it can undo what the LSTM read from the order of the words ("not bad", "…, but …").

    python -m models.sentiment companion --model DIR --data ../shared/datasets

Stored without pickle beside the model: the terms in `tfidf_terms.json` (index order) and idf, coefficients and
intercept in `tfidf.safetensors`; inference is a CountVectorizer over the fixed terms and a few array operations.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file, save_file
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .text import clean

ARRAYS, TERMS = "tfidf.safetensors", "tfidf_terms.json"
NGRAMS = (1, 2)
WEIGHTS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)   # the companion's share of the average, chosen on validation
SHORT_WORDS = 40   # up to this many words a text gets the companion's short-text share (it reads order worse)
VERSION_SUFFIX = "+tfidf"
CHOSEN_ON = ("imdb_valid", "short_valid", "counterfactual_valid")   # the shares with the best mean accuracy win


def is_short(texts: list[str]) -> np.ndarray:
    """Which texts have at most SHORT_WORDS words."""
    return np.array([len(t.split()) <= SHORT_WORDS for t in texts], dtype=bool)


def lowered(text: str) -> str:
    return clean(text).lower()


@dataclass
class Companion:
    terms: list[str]
    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    weight: float                      # its share of the averaged P(pos) for a text of over SHORT_WORDS words
    short_weight: float | None = None  # its share for a shorter one (None: the same)

    def __post_init__(self):
        self.short_weight = self.weight if self.short_weight is None else self.short_weight
        self._counts = CountVectorizer(vocabulary={t: i for i, t in enumerate(self.terms)}, ngram_range=NGRAMS,
                                       preprocessor=lowered)

    def shares(self, texts: list[str]) -> np.ndarray:
        """Its share of the average for each text, by the text's length."""
        return np.where(is_short(texts), self.short_weight, self.weight)

    def p_positive(self, texts: list[str]) -> np.ndarray:
        counts = self._counts.transform(texts).astype(np.float64)
        counts.data = (1.0 + np.log(counts.data)) * self.idf[counts.indices]   # sublinear tf × idf
        norms = np.sqrt(counts.multiply(counts).sum(axis=1)).A1
        logits = counts @ self.coef / np.maximum(norms, 1e-12) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    @classmethod
    def fit(cls, texts: list[str], labels: np.ndarray, weight: float = 0.5) -> Companion:
        vectorizer = TfidfVectorizer(ngram_range=NGRAMS, sublinear_tf=True, min_df=2, preprocessor=lowered)
        features = vectorizer.fit_transform(texts)
        regression = LogisticRegression(C=8, max_iter=1000).fit(features, labels)
        return cls(vectorizer.get_feature_names_out().tolist(), vectorizer.idf_, regression.coef_[0],
                   float(regression.intercept_[0]), weight)

    def save(self, folder: Path) -> None:
        save_file({"idf": self.idf.astype(np.float64), "coef": self.coef.astype(np.float64),
                   "intercept": np.array([self.intercept])}, str(folder / ARRAYS))
        (folder / TERMS).write_text(json.dumps(dict(weight=self.weight, short_weight=self.short_weight,
                                                    ngrams=list(NGRAMS), terms=self.terms)))

    @classmethod
    def load(cls, folder: Path) -> Companion | None:
        """The companion in a model folder, or None for a model without one."""
        if not (folder / TERMS).is_file():
            return None
        spec, arrays = json.loads((folder / TERMS).read_text()), load_file(str(folder / ARRAYS))
        return cls(spec["terms"], arrays["idf"], arrays["coef"], float(arrays["intercept"][0]), spec["weight"],
                   spec.get("short_weight"))


def blend(p_lstm: list[float], p_companion: np.ndarray, shares: np.ndarray | float) -> list[float]:
    return ((1.0 - shares) * np.asarray(p_lstm) + shares * p_companion).tolist()


def _summary_sentence(weight: float, short_weight: float | None = None) -> str:
    share = f"weight {weight}" if short_weight in (None, weight) else \
        f"weight {weight}, {short_weight} for texts of up to {SHORT_WORDS} words"
    return (f" Its P(pos) is averaged with a TF-IDF + logistic regression companion's ({share}), fitted on "
            "the same IMDB train part and short texts.")


def without_companion(card: dict) -> dict:
    """A model card with what add_companion wrote into it taken out (for a model trained further from it)."""
    card = dict(card)
    if (companion := card.pop("companion", None)) is not None:
        card["summary"] = card["summary"].replace(
            _summary_sentence(companion["weight"], companion.get("short_weight")), "")
        card["version"] = card["version"].removesuffix(VERSION_SUFFIX)
    return card


def add_companion(model_dir: Path, data: Path) -> dict:
    """Fit the companion on the train parts, choose its weight on validation, write it into `model_dir` with a new
    version in the card; return the card."""
    import pandas as pd

    from . import artifacts
    from .evaluate import read_labelled
    from .finetune import Mix, counterfactual_valid, imdb_split, read_short_texts
    from .model import SentimentModel

    model = SentimentModel.load(model_dir, precision="fp32")
    if model.companion is not None:
        raise ValueError(f"{model_dir} has a companion already")
    imdb = read_labelled(data / "imdb" / "imdb_train.csv.xz")
    train_idx, valid_idx = imdb_split(len(imdb), model.recipe)
    short_train, short_valid = read_short_texts(data / "short_texts", Mix())
    train = pd.concat([imdb.iloc[train_idx], short_train], ignore_index=True)
    started = time.time()
    companion = Companion.fit(train["text"].tolist(), train["y"].to_numpy())
    seconds = round(time.time() - started)
    valid = {"imdb_valid": imdb.iloc[valid_idx], "short_valid": short_valid}
    valid["imdb_valid_lowercased"] = valid["imdb_valid"].assign(text=valid["imdb_valid"]["text"].str.lower())
    if len(rewrites := counterfactual_valid(valid["imdb_valid"], short_valid, companion.p_positive, Mix())):
        valid["counterfactual_valid"] = rewrites
    scored = {name: (model.p_positive(model.encode(frame["text"].tolist())), companion.p_positive(frame["text"].tolist()),
                     is_short(frame["text"].tolist()), frame["y"].to_numpy())
              for name, frame in valid.items()}

    def accuracy(long: float, short: float) -> dict[str, float]:
        return {name: float(np.mean((np.array(blend(lstm, bag, np.where(short_rows, short, long))) >= 0.5) == y))
                for name, (lstm, bag, short_rows, y) in scored.items()}

    def mean(shares: tuple[float, float]) -> float:
        return float(np.mean([a for name, a in accuracy(*shares).items() if name in CHOSEN_ON]))

    companion.weight, companion.short_weight = max(((w, s) for w in WEIGHTS for s in WEIGHTS), key=mean)
    companion.save(model_dir)
    card = artifacts.read_card(model_dir)
    card.update(version=f"{card['version']}{VERSION_SUFFIX}", started_from=card["version"],
                summary=card["summary"] + _summary_sentence(companion.weight, companion.short_weight),
                companion=dict(terms=len(companion.terms), weight=companion.weight,
                               short_weight=companion.short_weight, short_words=SHORT_WORDS, seconds=seconds,
                               train_texts=len(train),
                               validation={**{str(w): accuracy(w, w) for w in (*WEIGHTS, 1.0)},
                                           "chosen": accuracy(companion.weight, companion.short_weight)}))
    return artifacts.write_card(model_dir, card)
