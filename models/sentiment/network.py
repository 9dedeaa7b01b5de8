"""Batch padding for fastai's AWD-LSTM classifier in training (inference uses lean.py)."""
from __future__ import annotations

import math

from .text import PAD


def pad_batch(samples: list[tuple], bptt: int) -> list[tuple]:
    """Pad the first element of each sample, sorted longest first, as fastai's SentenceEncoder
    expects: whole chunks of PAD before the text, the rest after it. The batch length is rounded up
    to a multiple of `bptt` so the pooling's "last token" always lands on the text, whatever the
    other reviews in the batch (fastai's pad_input_chunk leaves that to chance)."""
    from fastai.text.all import pad_chunk

    length = math.ceil(max(len(s[0]) for s in samples) / bptt) * bptt
    return [(pad_chunk(s[0], pad_idx=PAD, pad_first=True, seq_len=bptt, pad_len=length), *s[1:]) for s in samples]
