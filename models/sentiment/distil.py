"""Distillation targets: P(pos) for unlabelled reviews from teachers fitted on the labelled train part
only — the finished classifier, TF-IDF + logistic regression over our token ids (no raw text needed,
so a run from the token cache alone can do it) and, optionally, another trained model of the same
vocabulary (a bigger network trained beside this one)."""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from .baseline import tfidf_logreg
from .config import Recipe
from .text import ReviewTokenizer, classifier_ids

# teachers score on the GPU when there is one (fp32 there; on a CPU, the machine's own precision)
DEVICE = "cuda" if torch.cuda.is_available() else "cpu"


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
    return _scored(SentimentModel(LeanClassifier(state), tokenizer, recipe, card={},
                                  precision=_precision(recipe.bf16)), seqs)


def load_teacher(folder: Path, vocab: list[str]):
    """A trained model folder of the same vocabulary (checksums verified), as a SentimentModel."""
    from .model import SentimentModel

    teacher = SentimentModel.load(folder, precision=_precision(bf16=True))
    if teacher.tokenizer.vocab != vocab:
        raise ValueError(f"distillation teacher {folder} has another vocabulary than this model")
    return teacher


def teacher_probs(teacher, ids: Sequence[np.ndarray]) -> np.ndarray:
    """P(pos) from a loaded teacher, each review truncated its way."""
    r = teacher.recipe
    return _scored(teacher, [classifier_ids(x, r.head, r.tail) for x in ids])


def _precision(bf16: bool) -> str:
    return "auto" if bf16 and DEVICE == "cpu" else "fp32"


def _scored(model, seqs: list[list[int]]) -> np.ndarray:
    model.net.to(DEVICE)
    return np.asarray(model.p_positive(seqs))
