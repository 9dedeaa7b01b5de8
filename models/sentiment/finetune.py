"""Teach a trained classifier how people write short reviews, without forgetting long ones.

    python -m models.sentiment finetune --start DIR --data ../shared/datasets --out DIR [--epochs 2]
        [--negation-flips COPIES] [--contrast-joins N] [--imdb-reviews N]

The whole classifier trains on a mix of (1) the IMDB train reviews it learned from, (2) labelled short
texts from other sources (../shared/datasets/short_texts, all but kotzias_imdb, which comes from the
IMDB test split), (3) the first and last sentences of IMDB train reviews whose polarity a TF-IDF model
fitted on the train part agrees with, optionally (4) counterfactual rewrites of these and of other IMDB
train sentences (counterfactual.py: negation flips, contrast joins), and (5) a lowercased copy of a share
of all of these (casing must not change a verdict). Validation: the same 5 % of IMDB train the recipe
holds out, 10 % of each short-text file, and the same rewrites made from those two; none is trained on.
Nothing here reads the IMDB test split.
"""
from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from . import artifacts, network
from .companion import without_companion
from .config import Recipe
from .evaluate import read_labelled, scores
from .reader import without_reader
from .text import ReviewTokenizer, classifier_ids, clean

SHORT_FILES = ("kotzias_yelp", "kotzias_amazon", "blitzer_dvd", "airline_tweets", "tweeteval")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Mix:
    short_valid_share: float = 0.1
    crops_per_review: int = 2          # first and last sentence
    crop_words: tuple[int, int] = (4, 40)
    crop_confidence: float = 0.75      # TF-IDF's P(label) a crop must reach to keep the review's label
    lowercase_share: float = 0.3
    airline_min_confidence: float = 0.6
    contrast_joins: int = 0            # counterfactual.py: joins of opposite-verdict clauses ("…, but …")
    negation_flips: int = 0            # counterfactual.py: copula negation added or removed, label flipped; copies each
    imdb_reviews: int | None = None    # a seeded sample of the IMDB train reviews (a shorter epoch), or all
    seed: int = 42


CONTRAST_SOURCES = ("kotzias_yelp", "kotzias_amazon", "blitzer_dvd", "imdb_train_crop")   # reviews, not tweets


def imdb_split(n: int, recipe: Recipe) -> tuple[np.ndarray, np.ndarray]:
    """The train/validation split Trainer.split draws (the first draw of its seeded generator)."""
    order = np.random.default_rng(recipe.seed).permutation(n)
    n_valid = int(n * recipe.valid_fraction)
    return order[n_valid:], order[:n_valid]


def read_short_texts(folder: Path, mix: Mix) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, validation) frames of text, y, source from the short-text files; 10 % of each file held out."""
    rng = np.random.default_rng(mix.seed)
    train, valid = [], []
    for name in SHORT_FILES:
        frame = pd.read_csv(folder / f"{name}.csv.gz", keep_default_na=False, dtype=str)
        if name == "airline_tweets":
            confidence = frame["extra"].map(lambda e: json.loads(e).get("confidence", 1.0))
            frame = frame[confidence.astype(float) >= mix.airline_min_confidence]
        frame = pd.DataFrame(dict(text=frame["text"], y=(frame["label"] == "pos").astype(int), source=name))
        held = rng.random(len(frame)) < mix.short_valid_share
        train.append(frame[~held])
        valid.append(frame[held])
    return pd.concat(train, ignore_index=True), pd.concat(valid, ignore_index=True)


def review_sentences(texts: list[str], labels: np.ndarray, words: tuple[int, int], ends_only: bool) -> pd.DataFrame:
    """The sentences of `words` length of each review (only its first and last if ends_only), with its label."""
    rows, ys = [], []
    low, high = words
    for text, y in zip(texts, labels):
        sentences = [s for s in SENTENCE_END.split(clean(text)) if low <= len(s.split()) <= high]
        # dict, not set: the same order in every process (str hashes are salted), so a sample of these repeats
        for sentence in dict.fromkeys(sentences[:1] + sentences[-1:] if ends_only else sentences):
            rows.append(sentence)
            ys.append(int(y))
    return pd.DataFrame(dict(text=rows, y=np.asarray(ys, dtype=int), source="imdb_train_sentence"))


def rewritable_sentences(texts: list[str], labels: np.ndarray) -> pd.DataFrame:
    """Every sentence of 3-20 words of the reviews: what counterfactual rewrites are made from besides short texts."""
    return review_sentences(texts, labels, (3, 20), ends_only=False)


def fitted_polarity(texts: list[str], labels: np.ndarray):
    """P(pos) of a TF-IDF model fitted on the given training texts."""
    from .baseline import tfidf_logreg

    tfidf = tfidf_logreg(preprocessor=lambda t: clean(t).lower()).fit(texts, labels)
    return lambda batch: tfidf.predict_proba(batch)[:, 1]


def sentence_crops(texts: list[str], labels: np.ndarray, mix: Mix, polarity=None) -> pd.DataFrame:
    """First and last sentences of reviews, labelled with their review's label where TF-IDF (fitted on
    these reviews unless `polarity` is given) agrees with it confidently: a neutral or off-verdict sentence is
    dropped."""
    crops = review_sentences(texts, labels, mix.crop_words, ends_only=True)
    p = (polarity or fitted_polarity(texts, labels))(crops["text"].tolist())
    keep = np.where(crops["y"] == 1, p, 1 - p) >= mix.crop_confidence
    return crops[keep].assign(source="imdb_train_crop").reset_index(drop=True)


def with_counterfactuals(frame: pd.DataFrame, sentences: pd.DataFrame, polarity, mix: Mix) -> pd.DataFrame:
    """The frame plus the counterfactual rewrites the mix asks for: negation flips of its rows and of the review
    `sentences`, and contrast joins of its review-like rows."""
    from .counterfactual import contrast_clauses, contrast_joins, negation_flips

    parts = [frame]
    if mix.negation_flips:
        flips = negation_flips(pd.concat([frame, sentences], ignore_index=True), polarity, mix.seed)
        parts += [flips.drop_duplicates("text")] * mix.negation_flips
    if mix.contrast_joins:
        clauses = contrast_clauses(frame[frame["source"].isin(CONTRAST_SOURCES)], polarity)
        parts.append(contrast_joins(clauses, mix.contrast_joins, mix.seed))
    return pd.concat(parts, ignore_index=True)


def with_lowercase(frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    """The frame plus a lowercased copy of a seeded `share` of its rows."""
    picked = frame.sample(frac=share, random_state=seed)
    return pd.concat([frame, picked.assign(text=picked["text"].str.lower())], ignore_index=True)


def counterfactual_valid(imdb_valid: pd.DataFrame, short_valid: pd.DataFrame, polarity, mix: Mix) -> pd.DataFrame:
    """The same rewrites made from held-out text only: the short-text validation rows, the validation reviews'
    sentences and their first and last ones (1,000 contrast joins)."""
    texts, labels = imdb_valid["text"].tolist(), imdb_valid["y"].to_numpy()
    frame = pd.concat([short_valid, sentence_crops(texts, labels, mix, polarity)], ignore_index=True)
    rewrites = with_counterfactuals(frame, rewritable_sentences(texts, labels), polarity,
                                    replace(mix, negation_flips=1, contrast_joins=1000))
    return rewrites.iloc[len(frame):].reset_index(drop=True)


def classifier_loaders(tokenizer: ReviewTokenizer, recipe: Recipe, train: pd.DataFrame, valid: pd.DataFrame):
    from fastai.text.all import SortedDL

    from .train import LOADER_WORKERS, loaders

    def items(frame: pd.DataFrame):
        seqs = [torch.as_tensor(classifier_ids(ids, recipe.head, recipe.tail))
                for ids in tokenizer.encode_batch(frame["text"].tolist())]
        return [(s, torch.tensor(int(y))) for s, y in zip(seqs, frame["y"])], [len(s) for s in seqs]

    pad = partial(network.pad_batch, bptt=recipe.bptt)
    (train_items, train_lens), (valid_items, valid_lens) = items(train), items(valid)
    dls = loaders(SortedDL(train_items, res=train_lens, bs=recipe.clas_bs, before_batch=pad, shuffle=True, drop_last=True,
                           num_workers=LOADER_WORKERS),
                  SortedDL(valid_items, res=valid_lens, bs=recipe.clas_bs * 2, before_batch=pad,
                           num_workers=LOADER_WORKERS))
    dls.vocab, dls.c = tokenizer.vocab, 2
    return dls


def validation_report(model, frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    return {name: scores(frame["y"].tolist(), [int(r.label == "pos") for r in model.predict(frame["text"].tolist())])["accuracy"]
            for name, frame in frames.items()}


def finetune(start: Path, data: Path, out: Path, epochs: int = 2, lr: float = 1e-3, mix: Mix = Mix(),
             limit: int | None = None) -> dict:
    """Fine-tune the model in `start` on the mix; write a complete model folder to `out`; return its card."""
    from fastai.text.all import AWD_LSTM, CrossEntropyLossFlat, accuracy, text_classifier_learner
    from fastai.torch_core import set_seed
    from safetensors.torch import load_model, save_model

    from .model import SentimentModel
    from .train import hardware, precision_callbacks

    set_seed(mix.seed, reproducible=True)
    base = SentimentModel.load(start, precision="fp32")
    base.companion = base.reader = None   # the LSTM alone trains; a companion and a reader are added afterwards
    recipe, tokenizer = base.recipe, base.tokenizer
    imdb = read_labelled(data / "imdb" / "imdb_train.csv.xz")
    train_idx, valid_idx = imdb_split(len(imdb), recipe)
    imdb_train, imdb_valid = imdb.iloc[train_idx], imdb.iloc[valid_idx]
    short_train, short_valid = read_short_texts(data / "short_texts", mix)
    texts, labels = imdb_train["text"].tolist(), imdb_train["y"].to_numpy()
    crops = sentence_crops(texts, labels, mix)
    reviews = imdb_train if mix.imdb_reviews is None else imdb_train.sample(n=min(mix.imdb_reviews, len(imdb_train)),
                                                                              random_state=mix.seed)
    train = pd.concat([reviews.assign(source="imdb_train"), short_train, crops], ignore_index=True)
    valid_frames = {"imdb_valid": imdb_valid, "imdb_valid_lowercased": imdb_valid.assign(text=imdb_valid["text"].str.lower()),
                    "short_valid": short_valid}
    if mix.negation_flips or mix.contrast_joins:
        both = pd.concat([imdb_train, short_train], ignore_index=True)
        polarity = fitted_polarity(both["text"].tolist(), both["y"].to_numpy())
        train = with_counterfactuals(train, rewritable_sentences(texts, labels), polarity, mix)
        valid_frames["counterfactual_valid"] = counterfactual_valid(imdb_valid, short_valid, polarity, mix)
    train = with_lowercase(train, mix.lowercase_share, mix.seed)
    if limit:
        train = train.sample(n=min(limit, len(train)), random_state=mix.seed)
    counts = train["source"].value_counts().to_dict()
    print(f"fine-tune mix: {len(train):,} texts {counts}; validation {({k: len(v) for k, v in valid_frames.items()})}",
          flush=True)
    before = validation_report(base, valid_frames)
    print(f"before: {before}", flush=True)

    dls = classifier_loaders(tokenizer, recipe, train, pd.concat([imdb_valid, short_valid], ignore_index=True))
    learn = text_classifier_learner(dls, AWD_LSTM, seq_len=recipe.bptt, config=recipe.awd_lstm_config(classifier=True),
                                    drop_mult=recipe.clas_drop_mult, pretrained=False, max_len=recipe.head + recipe.tail,
                                    loss_func=CrossEntropyLossFlat(), metrics=accuracy, cbs=precision_callbacks(recipe.bf16))
    load_model(learn.model, str(start / artifacts.WEIGHTS), device="cpu")
    learn.unfreeze()
    t0 = time.time()
    learn.fit_one_cycle(epochs, slice(lr / 2.6 ** 4, lr))
    seconds = round(time.time() - t0)

    out.mkdir(parents=True, exist_ok=True)
    save_model(learn.model.cpu().eval(), str(out / artifacts.WEIGHTS))
    for name in (artifacts.TOKENIZER, artifacts.VOCAB, artifacts.RECIPE):
        (out / name).write_bytes((start / name).read_bytes())
    after = validation_report(SentimentModel(
        type(base.net)({k: v.float() for k, v in learn.model.state_dict().items()}), tokenizer, recipe, {}, "fp32"),
        valid_frames)
    print(f"after: {after}", flush=True)
    card = without_companion(without_reader(artifacts.read_card(start)))
    rewrites = ("" if not (mix.negation_flips or mix.contrast_joins) else
                " plus counterfactual rewrites of them (counterfactual.py: negation added to or removed from a copula, "
                "label flipped; opposite-verdict clauses joined by 'but', 'although', 'however', 'even though')")
    card.update(
        version=f"awd-lstm-{recipe.name}-{'cf' if rewrites else 'short'}-{time.strftime('%Y%m%d-%H%M')}",
        summary=card["summary"] + (f" Then fine-tuned ({epochs} epochs, whole network) on IMDB train reviews plus "
                                   "labelled short texts (Yelp and Amazon sentences, Amazon DVD review titles and "
                                   "bodies, airline tweets, TweetEval tweets), first and last sentences of IMDB "
                                   f"train reviews{rewrites}, and lowercased copies of {mix.lowercase_share:.0%} of "
                                   "all of them."),
        started_from=base.version,
        finetune=dict(epochs=epochs, lr=lr, mix=mix.__dict__, texts=len(train), sources=counts, seconds=seconds,
                      hardware=hardware(), validation_before=before, validation_after=after),
        metrics=dict(validation=dict(valid_accuracy=after["imdb_valid"], n_valid=len(imdb_valid)),
                     short_validation=dict(accuracy=after["short_valid"], n=len(short_valid))),
    )
    return artifacts.write_card(out, card)
