"""The AWD-LSTM classifier network (fastai's), built from a recipe and a vocabulary size, and its batch padding.
The language model is built by fastai's language_model_learner in train.py."""
from __future__ import annotations

import math

from torch import nn

from .config import Recipe
from .text import PAD


def classifier(recipe: Recipe, vocab_size: int) -> nn.Module:
    from fastai.text.all import AWD_LSTM, get_text_classifier

    return get_text_classifier(AWD_LSTM, vocab_size, 2, seq_len=recipe.bptt,
                               config=recipe.awd_lstm_config(classifier=True),
                               drop_mult=recipe.clas_drop_mult,
                               pad_idx=PAD, max_len=recipe.head + recipe.tail)


def pad_batch(samples: list[tuple], bptt: int) -> list[tuple]:
    """Pad the first element of each sample, sorted longest first, as fastai's SentenceEncoder
    expects: whole chunks of PAD before the text, the rest after it. The batch length is rounded up
    to a multiple of `bptt` so the pooling's "last token" always lands on the text, whatever the
    other reviews in the batch (fastai's pad_input_chunk leaves that to chance)."""
    from fastai.text.all import pad_chunk

    length = math.ceil(max(len(s[0]) for s in samples) / bptt) * bptt
    return [(pad_chunk(s[0], pad_idx=PAD, pad_first=True, seq_len=bptt, pad_len=length), *s[1:]) for s in samples]
