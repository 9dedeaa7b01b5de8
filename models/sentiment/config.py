"""Training recipes as plain data. `small` trains on 2 CPU cores in about 3.5 hours (language model ~2 h,
classifier ~25 min, distillation ~1 h); `full` is the ULMFiT-size AWD-LSTM meant for a GPU."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace


@dataclass(frozen=True)
class Recipe:
    name: str
    vocab_size: int = 12_000
    emb_sz: int = 256
    n_hid: int = 512
    n_layers: int = 2
    # truncation of each review (tokens kept from the start and from the end)
    head: int = 64
    tail: int = 320
    # tokenise the first word with its leading space like every other word; False only for the
    # first shipped model, trained before this option existed
    prefix_space: bool = False
    # language-model phase
    lm_tokens: int = 7_000_000      # tokens of train+unsup text seen by the LM (0 skips the phase)
    lm_epochs: int = 1
    lm_lr: float = 1e-2
    lm_drop_mult: float = 0.3
    lm_bs: int = 64
    bptt: int = 72
    # classifier phase: (layer groups left trainable, epochs, top learning rate); -1 = all
    clas_stages: tuple[tuple[int, int, float], ...] = ((1, 1, 2e-2), (2, 1, 1e-2), (3, 1, 5e-3), (-1, 2, 1e-3))
    clas_drop_mult: float = 0.5
    clas_bs: int = 64
    # distillation phase (0 epochs skips it): the whole classifier trained further on the labelled
    # reviews and on the unlabelled ones, these with the mean of the teachers' P(pos): the classifier
    # itself and TF-IDF + logistic regression over our token ids, both fitted on the labelled train part
    distil_epochs: int = 0
    distil_lr: float = 1e-3
    # a third teacher, optional: a trained model folder with the same vocabulary (a bigger network, say)
    distil_teacher: str = ""
    valid_fraction: float = 0.05
    bf16: bool = True               # reduced precision: bf16 autocast on the CPU (AMX), fp16 MixedPrecision on CUDA; weights stay fp32
    seed: int = 42

    def awd_lstm_config(self, classifier: bool) -> dict:
        from fastai.text.all import awd_lstm_clas_config, awd_lstm_lm_config

        base = dict(awd_lstm_clas_config if classifier else awd_lstm_lm_config)
        base.update(emb_sz=self.emb_sz, n_hid=self.n_hid, n_layers=self.n_layers)
        return base

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "Recipe":
        return cls(**{k: tuple(map(tuple, v)) if k == "clas_stages" else v for k, v in data.items()})


# what a resumed run may change: the language model's token budget and passes (it continues from its
# checkpoint), the classifier phase's settings (the classifier is then retrained from the finished LM)
# and the distillation's (it then starts again from the finished classifier)
CLASSIFIER_FIELDS = ("head", "tail", "clas_stages", "clas_drop_mult", "clas_bs")
DISTIL_FIELDS = ("distil_epochs", "distil_lr", "distil_teacher")
RESUMABLE_FIELDS = ("lm_tokens", "lm_epochs") + CLASSIFIER_FIELDS + DISTIL_FIELDS

RECIPES = {
    "small": Recipe(name="small", prefix_space=True, distil_epochs=2),
    "full": Recipe(name="full", prefix_space=True, vocab_size=30_000, emb_sz=400, n_hid=1152, n_layers=3, head=128, tail=1312,
                   lm_tokens=60_000_000, lm_epochs=10, lm_lr=2e-3, lm_drop_mult=1.0, bf16=False,
                   clas_stages=((1, 1, 2e-2), (2, 1, 1e-2), (3, 1, 5e-3), (-1, 2, 1e-3))),
    # seconds-long recipe for tests and smoke runs
    "tiny": Recipe(name="tiny", prefix_space=True, vocab_size=300, emb_sz=16, n_hid=32, n_layers=2, head=16, tail=48,
                   lm_tokens=20_000, lm_lr=1e-2, lm_bs=8, bptt=16, clas_bs=16, clas_drop_mult=0.1, bf16=False,
                   clas_stages=((1, 2, 3e-2), (-1, 3, 1e-2))),
}


def recipe(name: str, **overrides) -> Recipe:
    return replace(RECIPES[name], **overrides)


def parse_override(setting: str) -> tuple[str, object]:
    """`FIELD=VALUE` with a JSON value (`head=128`, `clas_stages=[[1,1,0.02],[-1,2,0.001]]`)."""
    field, sep, value = setting.partition("=")
    if not sep or field not in Recipe.__dataclass_fields__ or field == "name":
        raise ValueError(f"--set expects FIELD=VALUE with a recipe field, got {setting!r}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as err:
        raise ValueError(f"--set {field}: {value!r} is not a JSON value") from err
    return field, tuple(map(tuple, parsed)) if field == "clas_stages" else parsed
