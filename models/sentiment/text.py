"""Review text → token ids: HTML clean-up, SmolLM2's byte-level BPE, our reduced vocabulary.

The BPE tokenizer is SmolLM2's (Apache-2.0, shipped with the weights as tokenizer.json), so the
classifier's input embeddings can start from SmolLM2's pretrained token embeddings. Only the
`vocab_size` most frequent BPE tokens of the training text get their own id; the rest map to UNK.
"""
from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

UNK, PAD, BOS = 0, 1, 2  # PAD must be 1: fastai's AWD_LSTM and classifier default to pad_idx=1
SPECIALS = ["xxunk", "xxpad", "xxbos"]

_BREAKS = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAGS = re.compile(r"</?[a-zA-Z][^<>]{0,40}>")
_SPACES = re.compile(r"[ \t\r\f\v]+")
SHOUTING = 0.7   # share of capital letters above which a text counts as written in capitals


def clean(text: str) -> str:
    """Normalise raw review text: <br /> → newline, other tags dropped, entities decoded, shouting lowercased."""
    text = _BREAKS.sub("\n", text)
    text = _TAGS.sub(" ", text)
    text = html.unescape(text)
    text = text.replace("\x00", " ")
    return unshout(_SPACES.sub(" ", text).strip())


def unshout(text: str) -> str:
    """A text written mostly in capitals, lowercased: it means what it means in lower case, which the model
    has seen (lowercased copies are part of its training mix), while whole sentences in capitals are rare."""
    letters = [c for c in text if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return text.lower() if len(letters) >= 8 and upper > SHOUTING * len(letters) else text


def truncate(ids: Sequence[int], head: int, tail: int) -> list[int]:
    """Keep the first `head` and last `tail` tokens: openings state the topic, endings the verdict."""
    ids = list(ids)
    if len(ids) <= head + tail:
        return ids
    return ids[:head] + ids[len(ids) - tail:]


def classifier_ids(ids: Sequence[int], head: int, tail: int) -> list[int]:
    """What the classifier reads of a review: its `truncate`d ids, or one UNK when it has none."""
    return truncate(ids, head, tail) or [UNK]


class ReviewTokenizer:
    """Maps text to ids of a reduced vocabulary over a byte-level BPE tokenizer."""

    def __init__(self, bpe: Tokenizer, vocab: list[str], prefix_space: bool = True):
        self.bpe = bpe
        self.vocab = vocab
        self.prefix_space = prefix_space
        # lookup table: BPE id → our id (UNK when the BPE token is not in our vocabulary)
        self._bpe_to_ours = np.full(bpe.get_vocab_size(), UNK, dtype=np.int64)
        for ours, token in enumerate(vocab):
            bpe_id = bpe.token_to_id(token)
            if bpe_id is not None and ours >= len(SPECIALS):
                self._bpe_to_ours[bpe_id] = ours

    @classmethod
    def from_files(cls, tokenizer_json: Path, vocab: list[str], prefix_space: bool = True) -> "ReviewTokenizer":
        return cls(Tokenizer.from_file(str(tokenizer_json)), vocab, prefix_space)

    @classmethod
    def build(cls, bpe: Tokenizer, texts: Iterable[str], vocab_size: int, prefix_space: bool = True,
              min_count: int = 3) -> tuple["ReviewTokenizer", list[np.ndarray]]:
        """Choose the vocabulary from `texts`; return the tokenizer and the texts' BPE ids."""
        bpe_ids = encode_bpe(bpe, texts, prefix_space)
        counts = Counter()
        for ids in bpe_ids:
            counts.update(ids.tolist())
        common = [i for i, c in counts.most_common(vocab_size - len(SPECIALS)) if c >= min_count]
        vocab = SPECIALS + [bpe.id_to_token(i) for i in common]
        return cls(bpe, vocab, prefix_space), bpe_ids

    def from_bpe(self, bpe_ids: np.ndarray) -> np.ndarray:
        return self._bpe_to_ours[bpe_ids]

    def encode_batch(self, texts: Sequence[str]) -> list[np.ndarray]:
        return [self.from_bpe(ids) for ids in encode_bpe(self.bpe, texts, self.prefix_space)]


def encode_bpe(bpe: Tokenizer, texts: Iterable[str], prefix_space: bool) -> list[np.ndarray]:
    """BPE ids of cleaned texts. With `prefix_space` the first word is tokenised like every other
    word ("Ġgreat", not "great")."""
    prefix = " " if prefix_space else ""
    encodings = bpe.encode_batch([prefix + clean(t) for t in texts], add_special_tokens=False)
    return [np.asarray(e.ids, dtype=np.int64) for e in encodings]
