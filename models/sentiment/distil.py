"""Distillation targets: P(pos) for unlabelled reviews from two teachers fitted on the labelled train part
only — the finished classifier and TF-IDF + logistic regression over our token ids (no raw text needed,
so a run from the token cache alone can do it)."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from .baseline import tfidf_logreg
from .config import Recipe
from .text import ReviewTokenizer


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Cross-entropy against a target P(pos): 0 or 1 for a labelled review, a teacher's belief otherwise."""
    log_p = torch.log_softmax(logits.float(), dim=-1)
    return -(target * log_p[:, 1] + (1 - target) * log_p[:, 0]).mean()


def _as_words(ids: np.ndarray) -> str:
    return " ".join(map(str, ids.tolist()))


def tfidf_probs(ids: Sequence[np.ndarray], labels: np.ndarray, train_idx: np.ndarray,
                score_idx: np.ndarray) -> np.ndarray:
    """P(pos) of the documents `score_idx` from TF-IDF (token-id uni+bigrams) + logistic regression fitted on `train_idx`."""
    pipeline = tfidf_logreg(token_pattern=r"\S+")
    pipeline.fit([_as_words(ids[i]) for i in train_idx], labels[train_idx])
    return pipeline.predict_proba([_as_words(ids[i]) for i in score_idx])[:, 1]


def classifier_probs(model: torch.nn.Module, tokenizer: ReviewTokenizer, recipe: Recipe,
                     seqs: list[list[int]]) -> np.ndarray:
    """P(pos) from the fastai classifier's current weights, run through the lean inference path."""
    from .lean import LeanClassifier
    from .model import SentimentModel

    state = {k: v.detach().float().cpu().clone() for k, v in model.state_dict().items()}
    lean = SentimentModel(LeanClassifier(state), tokenizer, recipe, card={},
                          precision="bf16" if recipe.bf16 else "fp32")
    return np.asarray(lean.p_positive(seqs))
