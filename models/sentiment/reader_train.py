"""Train the short-text reader (reader.py) on CPU or GPU, resumably.

    python -m models.sentiment reader --data ../shared/datasets --out DIR [--minutes 60] [--resume]
        [--start READER_DIR] [--negation-flips COPIES] [--contrast-joins N] [--base-texts N]

Texts: the short-text train files (finetune.read_short_texts: Yelp and Amazon sentences, Amazon DVD titles and
bodies, airline tweets, TweetEval; never kotzias_imdb, which comes from IMDB test) and a seeded sample of the first
and last sentences of IMDB train reviews that a TF-IDF model agrees with (finetune.sentence_crops); a seeded share
is lowercased in place. Optionally counterfactual.py's rewrites of these and of IMDB train sentences join the mix
(negation flips, contrast joins), the original texts sampled down (`base_texts`), from an earlier reader's weights
(`--start`); `--resume` needs the same options, as they make the texts. One pass in length-sorted batches, AdamW
with a linear warm-up and decay. Every `CHECKPOINT_EVERY` steps the adapters, the head, the optimiser's moments
and the step are written to `DIR` (safetensors + JSON), so `--resume` goes on where a run stopped (a checkpoint of
other options is refused). Validation (short_valid, IMDB valid crops and counterfactual rewrites of both,
finetune.counterfactual_valid) is scored at the end and written to `DIR/reader_card.json`; `add_reader` puts the
reader into a model folder with its share chosen on it. Nothing here reads the IMDB test split.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from safetensors.torch import load_file, save_file

from .companion import SHORT_WORDS, blend, is_short
from .config import recipe
from .evaluate import read_labelled
from .finetune import (Mix, counterfactual_valid, fitted_polarity, imdb_split, read_short_texts,
                       rewritable_sentences, sentence_crops, with_counterfactuals)
from .reader import WEIGHTS, Reader, ReaderConfig, smollm2_backbone, summary_sentence, version_suffix

CHECKPOINT, STATE, CARD = "checkpoint.safetensors", "checkpoint.json", "reader_card.json"
CHECKPOINT_EVERY = 50
SHARES = tuple(round(0.1 * i, 1) for i in range(11))   # the reader's share of a short text's average


@dataclass(frozen=True)
class Schedule:
    batch: int = 32
    lr: float = 3e-4
    head_lr: float = 1e-3
    warmup: int = 40
    crops: int = 10_000          # IMDB train sentence crops sampled into the mix
    lowercase_share: float = 0.2
    chunk: int = 50              # batches whose texts are sorted by length together
    negation_flips: int = 0      # counterfactual.py rewrites added to the mix: copies of each negation flip
    contrast_joins: int = 0      # ... and this many contrast joins
    base_texts: int | None = None   # a seeded sample of the short texts and crops (a shorter pass), or all
    seed: int = 42


def training_texts(data: Path, schedule: Schedule) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(train, validation frames): every frame has text and y."""
    mix = Mix(seed=schedule.seed)
    imdb = read_labelled(data / "imdb" / "imdb_train.csv.xz")
    train_idx, valid_idx = imdb_split(len(imdb), recipe("small"))   # the split the shipped model holds out
    imdb_train, imdb_valid = imdb.iloc[train_idx], imdb.iloc[valid_idx]
    short_train, short_valid = read_short_texts(data / "short_texts", mix)
    polarity = fitted_polarity(*(lambda f: (f["text"].tolist(), f["y"].to_numpy()))(
        pd.concat([imdb_train, short_train], ignore_index=True)))
    crops = sentence_crops(imdb_train["text"].tolist(), imdb_train["y"].to_numpy(), mix, polarity)
    crops = crops.sample(n=min(schedule.crops, len(crops)), random_state=schedule.seed)
    train = pd.concat([short_train, crops], ignore_index=True)
    if schedule.negation_flips or schedule.contrast_joins:
        sentences = rewritable_sentences(imdb_train["text"].tolist(), imdb_train["y"].to_numpy())
        train = with_counterfactuals(train, sentences, polarity, replace(
            mix, negation_flips=schedule.negation_flips, contrast_joins=schedule.contrast_joins))
    if schedule.base_texts is not None:
        rewritten = train["source"].str.contains("+", regex=False)
        base = train[~rewritten]
        train = pd.concat([base.sample(n=min(schedule.base_texts, len(base)), random_state=schedule.seed),
                           train[rewritten]], ignore_index=True)
    lower = np.random.default_rng(schedule.seed).random(len(train)) < schedule.lowercase_share
    train.loc[lower, "text"] = train.loc[lower, "text"].str.lower()
    valid_crops = sentence_crops(imdb_valid["text"].tolist(), imdb_valid["y"].to_numpy(), mix, polarity)
    valid = {"short_valid": short_valid, "imdb_valid_crops": valid_crops,
             "counterfactual_valid": counterfactual_valid(imdb_valid, short_valid, polarity, mix)}
    return train, {name: frame for name, frame in valid.items() if len(frame)}


def batch_order(lengths: np.ndarray, schedule: Schedule) -> list[np.ndarray]:
    """Seeded batches of row indices: shuffled, sorted by length within chunks, the batches shuffled again."""
    rng = np.random.default_rng(schedule.seed)
    rows = rng.permutation(len(lengths))
    size = schedule.batch * schedule.chunk
    batches = []
    for start in range(0, len(rows), size):
        chunk = rows[start:start + size]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches += [chunk[i:i + schedule.batch] for i in range(0, len(chunk), schedule.batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def optimiser(reader: Reader, schedule: Schedule) -> torch.optim.AdamW:
    params = reader.trainable()
    head = [p for name, p in params.items() if name.startswith("head.")]
    lora = [p for name, p in params.items() if not name.startswith("head.")]
    return torch.optim.AdamW([dict(params=lora, lr=schedule.lr), dict(params=head, lr=schedule.head_lr)],
                             weight_decay=0.01)


def lr_factor(step: int, total: int, warmup: int) -> float:
    return min(1.0, (step + 1) / warmup) * max(0.0, 1.0 - step / total)


def save_checkpoint(out: Path, reader: Reader, opt: torch.optim.AdamW, step: int, total: int, run: dict) -> None:
    """`run`: what made the texts and the starting weights (schedule, limit, start), which a resume must repeat."""
    names = {id(p): name for name, p in reader.trainable().items()}
    tensors = {f"param/{name}": p.detach().contiguous() for name, p in reader.trainable().items()}
    for group in opt.param_groups:
        for p in group["params"]:
            for key, value in opt.state.get(p, {}).items():
                if key != "step":
                    tensors[f"{key}/{names[id(p)]}"] = value.contiguous()
    save_file(tensors, str(out / (CHECKPOINT + ".tmp")))
    (out / (CHECKPOINT + ".tmp")).replace(out / CHECKPOINT)
    (out / STATE).write_text(json.dumps(dict(step=step, total=total, run=run)))


def load_checkpoint(out: Path, reader: Reader, opt: torch.optim.AdamW, run: dict) -> int:
    """The step a checkpoint in `out` stopped at (its weights and moments restored), or 0 without one; a checkpoint
    of another run (other texts or start) is refused."""
    if not (out / STATE).is_file():
        return 0
    state = json.loads((out / STATE).read_text())
    if state.get("run") != run:
        raise ValueError(f"the checkpoint in {out} is of another run ({state.get('run')}): resume with its options")
    step = state["step"]
    tensors = load_file(str(out / CHECKPOINT))
    names = {id(p): name for name, p in reader.trainable().items()}
    with torch.no_grad():
        for name, p in reader.trainable().items():
            p.copy_(tensors[f"param/{name}"])
    for group in opt.param_groups:
        for p in group["params"]:
            name = names[id(p)]
            opt.state[p] = {"step": torch.tensor(float(step)),
                            "exp_avg": tensors[f"exp_avg/{name}"], "exp_avg_sq": tensors[f"exp_avg_sq/{name}"]}
    return step


def validation_accuracy(reader: Reader, frames: dict[str, pd.DataFrame]) -> dict[str, float]:
    return {name: round(float(((reader.p_positive(f["text"].tolist()) >= 0.5) == f["y"].to_numpy()).mean()), 5)
            for name, f in frames.items()}


def train_reader(data: Path, out: Path, minutes: float | None = None, resume: bool = False,
                 config: ReaderConfig = ReaderConfig(), schedule: Schedule = Schedule(),
                 backbone=None, tokenizer=None, limit: int | None = None, start: Path | None = None) -> dict | None:
    """Train (or go on training) the reader into `out`; its card once the pass is done, else None. `start`: a
    trained reader's folder whose adapters and head this pass begins from (a checkpoint in `out` wins on --resume)."""
    from models.sentiment.train import hardware

    torch.manual_seed(schedule.seed)
    out.mkdir(parents=True, exist_ok=True)
    if backbone is None:
        backbone, tokenizer = smollm2_backbone()
    reader = Reader(backbone, tokenizer, config)
    start_schedule = None
    if start is not None:
        reader.load_trained(start / WEIGHTS)
        start_schedule = json.loads((start / CARD).read_text())["schedule"] if (start / CARD).is_file() else None
    run = dict(schedule=asdict(schedule), limit=limit, start=None if start is None else str(start.resolve()))
    opt = optimiser(reader, schedule)
    step = load_checkpoint(out, reader, opt, run) if resume else 0
    train, valid = training_texts(data, schedule)
    if limit:
        train = train.sample(n=min(limit, len(train)), random_state=schedule.seed)
        valid = {k: v.head(limit) for k, v in valid.items()}
    lengths = train["text"].str.len().to_numpy()
    batches = batch_order(lengths, schedule)
    texts, labels = train["text"].tolist(), torch.tensor(train["y"].to_numpy(np.int64))
    bases = [g["lr"] for g in opt.param_groups]
    print(f"reader: {len(train):,} texts, {len(batches)} steps, from step {step}", flush=True)
    t0, deadline = time.time(), None if minutes is None else time.time() + 60 * minutes
    reader.train()
    while step < len(batches):
        rows = batches[step]
        for group, base in zip(opt.param_groups, bases):
            group["lr"] = base * lr_factor(step, len(batches), schedule.warmup)
        loss = torch.nn.functional.cross_entropy(reader(*reader.encode([texts[i] for i in rows])), labels[rows])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(reader.trainable().values()), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if step % 10 == 0:
            print(f"step {step}/{len(batches)} loss {loss.item():.4f} {time.time() - t0:.0f} s", flush=True)
        if step % CHECKPOINT_EVERY == 0 or step == len(batches):
            save_checkpoint(out, reader, opt, step, len(batches), run)
        if deadline is not None and time.time() > deadline and step < len(batches):
            save_checkpoint(out, reader, opt, step, len(batches), run)
            print(f"time budget spent at step {step}; --resume goes on", flush=True)
            return None
    reader.save(out)
    card = dict(config=asdict(config), schedule=asdict(schedule), texts=len(train),
                start_schedule=start_schedule, trained_at=time.time(),
                sources=train["source"].value_counts().to_dict(), steps=len(batches),
                validation=validation_accuracy(reader, valid), hardware=hardware(),
                seconds_last_run=round(time.time() - t0))
    (out / CARD).write_text(json.dumps(card, indent=1))
    print(f"reader done: {card['validation']}", flush=True)
    return card


def add_reader(model_dir: Path, reader_dir: Path, data: Path) -> dict:
    """Put the trained reader in `reader_dir` into the model folder `model_dir` with its share of a short text's
    average chosen on validation (the mean accuracy over short_valid, the IMDB valid crops and the counterfactual
    rewrites; the smaller share wins a tie); write a new version into the card and return the card."""
    from . import artifacts
    from .model import SentimentModel

    model = SentimentModel.load(model_dir, precision="fp32")
    if model.reader is not None:
        raise ValueError(f"{model_dir} has a reader already")
    reader = Reader.load(reader_dir)
    if reader is None:
        raise FileNotFoundError(f"{reader_dir} holds no trained reader")
    _, valid = training_texts(data, Schedule())
    scored = {name: (np.array([r.p_positive for r in model.predict(f["text"].tolist())]),
                     reader.p_positive(f["text"].tolist()), is_short(f["text"].tolist()), f["y"].to_numpy())
              for name, f in valid.items()}

    def accuracy(share: float) -> dict[str, float]:
        return {name: round(float(np.mean((np.where(short, blend(base, mine, share), base) >= 0.5) == y)), 5)
                for name, (base, mine, short, y) in scored.items()}

    reader.share = max(SHARES, key=lambda share: float(np.mean(list(accuracy(share).values()))))
    reader.save(model_dir)
    trained = json.loads((reader_dir / CARD).read_text())
    card = artifacts.read_card(model_dir)
    suffix = version_suffix(trained.get("trained_at", (reader_dir / WEIGHTS).stat().st_mtime))   # older cards lack it
    card.update(version=f"{card['version']}{suffix}", started_from=card["version"],
                summary=card["summary"] + summary_sentence(reader.share, reader.config.tuned_layers),
                reader=dict(trained, share=reader.share, short_words=SHORT_WORDS,
                            validation={str(share): accuracy(share) for share in SHARES}))
    return artifacts.write_card(model_dir, card)
