"""ULMFiT on IMDB with fastai: an AWD-LSTM language model on train + unlabelled reviews, then a
classifier fine-tuned from its encoder with gradual unfreezing, optionally trained further on the
unlabelled reviews with teachers' targets (distillation; distil.py). The test split is never read here.

Every phase checkpoints into `work_dir` (safetensors + progress.json), so `--resume` continues
after the last finished phase. Resuming with a larger `lm_tokens` extends the finished language model
on the next, unseen slice of text and then retrains the classifier from it.
"""
from __future__ import annotations

import json
import platform
import time
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from fastai.callback.core import Callback
from fastai.torch_core import default_device, set_seed
from safetensors.torch import load_file, load_model, save_file, save_model

from tokenizers import Tokenizer

from .. import smollm2
from ..cpu import cpu_info
from . import artifacts, distil, network
from .config import CLASSIFIER_FIELDS, RESUMABLE_FIELDS, Recipe
from .evaluate import scores
from .text import BOS, SPECIALS, ReviewTokenizer, classifier_ids

EMB_INIT_STD = 0.1
# batches are cut from token ids already in memory: worker processes would only add fork and IPC cost
LOADER_WORKERS = 0
ROWS_CACHE = "smollm2_rows.safetensors"


def read_imdb(data_dir: Path) -> tuple[pd.DataFrame, list[str]]:
    """Labelled train reviews (text, label 0/1) and unlabelled texts; the test split stays unread."""
    train = pd.read_csv(data_dir / "imdb_train.csv.xz", usecols=["text", "label"])
    train["label"] = (train["label"] == "pos").astype(int)
    unsup_path = data_dir / "imdb_unsup.csv.xz"
    unsup = pd.read_csv(unsup_path, usecols=["text"])["text"].tolist() if unsup_path.exists() else []
    return train, unsup


def loaders(train, valid):
    """fastai's learners put the model on the loaders' device; built by hand, loaders have none (the model
    then trains on the CPU even beside a GPU), so they are given the default one: a GPU where there is one."""
    from fastai.data.core import DataLoaders

    return DataLoaders(train, valid, device=default_device())


def hardware() -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.get_device_name()} GPU"
    return f"{platform.machine()} CPU, {torch.get_num_threads()} threads"


class BF16Autocast(Callback):
    """Forward pass and loss under CPU bf16 autocast; backward and weights stay fp32.
    (fastai's MixedPrecision is CUDA-only.)"""

    order = 15

    def before_batch(self):
        self.ctx = torch.autocast("cpu", dtype=torch.bfloat16)
        self.ctx.__enter__()

    def after_loss(self):
        self._exit()

    def after_batch(self):
        self._exit()

    def _exit(self):
        if getattr(self, "ctx", None) is not None:
            self.ctx.__exit__(None, None, None)
            self.ctx = None


def precision_callbacks(bf16: bool) -> list:
    """Reduced precision when a recipe asks for it: bf16 autocast on a CPU that multiplies bf16 natively,
    fastai's fp16 MixedPrecision (with loss scaling) on a GPU, where cuDNN's LSTM kernels take fp16."""
    if not bf16:
        return []
    if torch.cuda.is_available():
        from fastai.callback.fp16 import MixedPrecision
        return [MixedPrecision()]
    cpu = cpu_info()
    if not cpu.native_bf16:
        print(f"bf16 is not native on {cpu.describe()}: training in fp32", flush=True)
        return []
    return [BF16Autocast()]


class Trainer:
    def __init__(self, data_dir: Path, recipe: Recipe, out_dir: Path, work_dir: Path, resume: bool = False,
                 lm_minutes: float | None = None):
        """`lm_minutes`: train the language model for as many whole epochs (at most `recipe.lm_epochs`, at
        least one) as the measured speed fits into that time; the recipe recorded says how many ran."""
        self.data_dir, self.out_dir, self.work_dir = data_dir, out_dir, work_dir
        self.lm_minutes = lm_minutes
        work_dir.mkdir(parents=True, exist_ok=True)
        self.progress_path = work_dir / "progress.json"
        self.progress = json.loads(self.progress_path.read_text()) if resume and self.progress_path.exists() else {}
        recorded = self.progress.get("recipe")
        if recorded is not None:
            before = Recipe.from_dict(recorded)
            if replace(before, **{f: getattr(recipe, f) for f in RESUMABLE_FIELDS}) != recipe:
                raise SystemExit(f"{self.progress_path} was written by another recipe; drop --resume or the folder")
            if any(getattr(before, f) != getattr(recipe, f) for f in CLASSIFIER_FIELDS):
                self.progress.update(clas_stages_done=0, clas_seconds=0)
        self._record_recipe(recipe)
        self.rng = np.random.default_rng(recipe.seed)
        set_seed(recipe.seed, reproducible=True)  # python, numpy and torch: fastai's loaders shuffle with `random`

    def _record_recipe(self, recipe: Recipe) -> None:
        """The recipe this run follows, as progress.json will record it."""
        self.recipe = recipe
        self.progress["recipe"] = json.loads(json.dumps(recipe.to_dict()))

    def _save_progress(self, **updates) -> None:
        self.progress.update(updates)
        self.progress_path.write_text(json.dumps(self.progress, indent=2))

    # ---- data -------------------------------------------------------------------------------
    def tokenize(self) -> tuple[ReviewTokenizer, list[np.ndarray], np.ndarray, int]:
        """Token ids of every train and unlabelled review, labels, and the number of labelled. The ids and
        labels are cached in `tokens.npz` (compressed, so the cache alone can travel to a lent GPU)."""
        tok_json = self.work_dir / "tokenizer.json"
        if not tok_json.exists():
            smollm2.export_tokenizer(self.work_dir)
        bpe = Tokenizer.from_file(str(tok_json))
        cache = self.work_dir / "tokens.npz"
        vocab_path = self.work_dir / "vocab.json"
        made_by = np.array([self.recipe.vocab_size, self.recipe.prefix_space])
        data = np.load(cache) if cache.exists() and vocab_path.exists() else {}
        if "made_by" in data and np.array_equal(data["made_by"], made_by):
            tokenizer = ReviewTokenizer(bpe, json.loads(vocab_path.read_text()), self.recipe.prefix_space)
            ids = np.split(data["ids"].astype(np.int64), data["offsets"][1:-1])
            return tokenizer, ids, data["labels"], len(data["labels"])
        t0 = time.time()
        (self.work_dir / ROWS_CACHE).unlink(missing_ok=True)   # rows of the old vocabulary
        train, unsup = read_imdb(self.data_dir)
        tokenizer, bpe_ids = ReviewTokenizer.build(bpe, train["text"].tolist() + unsup, self.recipe.vocab_size,
                                                   self.recipe.prefix_space)
        ids = [tokenizer.from_bpe(x) for x in bpe_ids]
        offsets = np.cumsum([0] + [len(x) for x in ids])
        id_type = np.uint16 if len(tokenizer.vocab) <= 2 ** 16 else np.int32
        labels = train["label"].to_numpy()
        np.savez_compressed(cache, ids=np.concatenate(ids).astype(id_type), offsets=offsets, labels=labels,
                            made_by=made_by)
        vocab_path.write_text(json.dumps(tokenizer.vocab))
        print(f"tokenised {len(ids):,} reviews ({offsets[-1]:,} tokens) in {time.time() - t0:.0f}s", flush=True)
        return tokenizer, ids, labels, len(train)

    def split(self, n_labelled: int) -> tuple[np.ndarray, np.ndarray]:
        order = self.rng.permutation(n_labelled)
        n_valid = int(n_labelled * self.recipe.valid_fraction)
        return order[n_valid:], order[:n_valid]

    # ---- embeddings ---------------------------------------------------------------------------
    def pretrained_embeddings(self, tokenizer: ReviewTokenizer) -> torch.Tensor:
        """SmolLM2's rows for our vocabulary, PCA-projected to emb_sz and rescaled."""
        emb = self.smollm2_rows(tokenizer)
        emb = emb - emb.mean(0)
        if self.recipe.emb_sz < emb.shape[1]:
            _, _, v = torch.pca_lowrank(emb, q=self.recipe.emb_sz, center=False)
            emb = emb @ v
        elif self.recipe.emb_sz > emb.shape[1]:
            emb = torch.cat([emb, torch.randn(emb.shape[0], self.recipe.emb_sz - emb.shape[1]) * emb.std()], 1)
        return (emb / emb.std() * EMB_INIT_STD).contiguous()

    def smollm2_rows(self, tokenizer: ReviewTokenizer) -> torch.Tensor:
        """SmolLM2's embedding row of each of our tokens (the mean row for specials and unknowns), cached
        as fp16 beside the token ids: the GGUF it comes from stays on this machine."""
        cache = self.work_dir / ROWS_CACHE
        if cache.exists():
            return load_file(str(cache))["rows"].float()
        table = torch.from_numpy(smollm2.token_embeddings())
        rows = [tokenizer.bpe.token_to_id(t) for t in tokenizer.vocab]
        emb = torch.stack([table[r] if r is not None and i >= len(SPECIALS) else table.mean(0)
                           for i, r in enumerate(rows)])
        rows = emb.half()
        save_file(dict(rows=rows), str(cache))
        return rows.float()   # as a later run reads them back

    # ---- phases --------------------------------------------------------------------------------
    def train_language_model(self, tokenizer, ids, lm_docs: np.ndarray) -> dict[str, torch.Tensor]:
        """Train the AWD-LSTM LM on a token budget of review text; return its encoder weights."""
        from fastai.text.all import AWD_LSTM, LMDataLoader, Perplexity, accuracy, language_model_learner

        r = self.recipe
        checkpoint = self.work_dir / "lm_encoder.safetensors"
        done = self.progress.get("lm_train_tokens", 0) if self.progress.get("lm_done") and checkpoint.exists() else 0
        passes = self.progress.get("lm_passes", 1) if done else 0
        docs = [torch.as_tensor(np.concatenate([[BOS], ids[i]])) for i in self.rng.permutation(lm_docs)]
        n_valid = max(1, len(docs) // 100)
        valid, pool = docs[:n_valid], docs[n_valid:]
        lengths = np.cumsum([len(d) for d in pool])
        start = int(np.searchsorted(lengths, done, side="right")) if done else 0
        end = max(1, int(np.searchsorted(lengths, r.lm_tokens)))
        if done and end <= start and passes >= r.lm_epochs:
            print("language model: resuming from checkpoint", flush=True)
            return load_file(str(checkpoint))
        if done and end <= start:  # more passes over the text already seen, one new cycle each
            train, epochs, new_tokens = pool[:start], r.lm_epochs - passes, 0
            note = f", pass {passes + 1} of {r.lm_epochs} over the text seen"
        else:
            train, epochs = pool[start:end], r.lm_epochs
            new_tokens = int(sum(map(len, train)))
            note = f", continuing after {done:,} seen" if done else ""
        print(f"language model: {sum(map(len, train)):,} training tokens, {sum(map(len, valid)):,} validation"
              + note, flush=True)
        dls = loaders(LMDataLoader(train, bs=r.lm_bs, seq_len=r.bptt, shuffle=True, num_workers=LOADER_WORKERS),
                      LMDataLoader(valid, bs=r.lm_bs, seq_len=r.bptt, num_workers=LOADER_WORKERS))
        dls.vocab = tokenizer.vocab
        learn = language_model_learner(dls, AWD_LSTM, config=r.awd_lstm_config(classifier=False),
                                       drop_mult=r.lm_drop_mult, pretrained=False,
                                       metrics=[accuracy, Perplexity()], cbs=precision_callbacks(r.bf16))
        full_checkpoint = self.work_dir / "lm_model.safetensors"
        if done and full_checkpoint.exists():
            load_model(learn.model, str(full_checkpoint), device="cpu")
        elif done:  # checkpoints from before the whole LM was saved: the decoder bias starts at zero
            learn.model[0].load_state_dict(load_file(str(checkpoint)))
        else:
            with torch.no_grad():
                learn.model[0].encoder.weight.copy_(self.pretrained_embeddings(tokenizer))
        if self.lm_minutes is not None and not done:
            epochs = self._epochs_that_fit(learn, epochs)
            r = self.recipe
        t0 = time.time()
        learn.fit_one_cycle(epochs, r.lm_lr, reset_opt=True)
        encoder = {k: v.detach().cpu().clone() for k, v in learn.model[0].state_dict().items()}
        save_file(encoder, str(checkpoint))
        save_model(learn.model, str(full_checkpoint))
        val_loss, val_acc, val_ppl = (float(x) for x in learn.validate())
        self._save_progress(lm_done=True, lm_hardware=hardware(), lm_seconds=self.progress.get("lm_seconds", 0) + round(time.time() - t0),
                            lm_metrics=dict(valid_loss=val_loss, valid_accuracy=val_acc, valid_perplexity=val_ppl),
                            lm_train_tokens=done + new_tokens, lm_passes=r.lm_epochs, clas_stages_done=0,
                            clas_seconds=0)
        return encoder

    def _epochs_that_fit(self, learn, most: int) -> int:
        """Time a short slice of an epoch (at a negligible learning rate) and size the run to the budget."""
        from fastai.callback.training import ShortEpochCallback

        batches = len(learn.dls.train)
        probe = max(1, min(batches // 20, 200))
        t0 = time.time()
        print(f"language model: timing {probe} of {batches} batches on {learn.dls.device}", flush=True)
        with learn.no_logging():
            learn.fit(1, lr=1e-9, cbs=ShortEpochCallback(pct=probe / batches, short_valid=True))
        epoch_s = (time.time() - t0) / (probe + 1) * batches * 1.05  # it stops after batch `probe`; + validation
        epochs = int(max(1, min(most, self.lm_minutes * 60 // epoch_s)))
        print(f"language model: ~{epoch_s:.0f}s an epoch here, {epochs} epoch(s) fit {self.lm_minutes:g} min",
              flush=True)
        self._record_recipe(replace(self.recipe, lm_epochs=epochs))
        return epochs

    def train_classifier(self, tokenizer, ids, labels, train_idx, valid_idx, encoder):
        """Fine-tune the classifier from the LM's encoder with gradual unfreezing; return the fastai Learner."""
        from fastai.text.all import AWD_LSTM, CrossEntropyLossFlat, accuracy, text_classifier_learner

        r = self.recipe
        dls = self._classifier_loaders(tokenizer, ids, (train_idx, labels[train_idx]), (valid_idx, labels[valid_idx]))
        learn = text_classifier_learner(dls, AWD_LSTM, seq_len=r.bptt, config=r.awd_lstm_config(classifier=True),
                                        drop_mult=r.clas_drop_mult, pretrained=False, max_len=r.head + r.tail,
                                        loss_func=CrossEntropyLossFlat(), metrics=accuracy, cbs=precision_callbacks(r.bf16))
        encoder_module = learn.model[0].module
        if encoder is not None:
            encoder_module.load_state_dict(encoder)
        else:
            with torch.no_grad():
                encoder_module.encoder.weight.copy_(self.pretrained_embeddings(tokenizer))
        stages_done = self.progress.get("clas_stages_done", 0)
        if stages_done:
            load_model(learn.model, str(self.work_dir / f"clas_stage{stages_done}.safetensors"), device="cpu")
            print(f"classifier: resuming after stage {stages_done}", flush=True)
        seconds = self.progress.get("clas_seconds", 0)
        for n, (groups, epochs, lr) in enumerate(r.clas_stages, start=1):
            if n <= stages_done:
                continue
            learn.unfreeze() if groups == -1 else learn.freeze_to(-groups)
            t0 = time.time()
            learn.fit_one_cycle(epochs, slice(lr / 2.6 ** 4, lr) if groups != 1 else lr)
            seconds += time.time() - t0
            save_model(learn.model, str(self.work_dir / f"clas_stage{n}.safetensors"))
            self.progress.pop("distil", None)   # made from an older classifier
            self._save_progress(clas_stages_done=n, clas_seconds=round(seconds), clas_hardware=hardware())
        return learn

    def _classifier_loaders(self, tokenizer, ids, train: tuple, valid: tuple):
        """Length-sorted loaders of (truncated ids, target) for each (document indices, targets) pair."""
        from fastai.text.all import SortedDL

        r = self.recipe

        def items(idx, targets):
            seqs = [torch.as_tensor(classifier_ids(ids[i], r.head, r.tail)) for i in idx]
            return [(s, torch.tensor(t)) for s, t in zip(seqs, targets)], [len(s) for s in seqs]

        (train_items, train_lens), (valid_items, valid_lens) = items(*train), items(*valid)
        pad = partial(network.pad_batch, bptt=r.bptt)
        dls = loaders(SortedDL(train_items, res=train_lens, bs=r.clas_bs, before_batch=pad, shuffle=True,
                               num_workers=LOADER_WORKERS),
                      SortedDL(valid_items, res=valid_lens, bs=r.clas_bs * 2, before_batch=pad,
                               num_workers=LOADER_WORKERS))
        dls.vocab, dls.c = tokenizer.vocab, 2
        return dls

    def distil_classifier(self, learn, tokenizer, ids, labels, train_idx, valid_idx) -> None:
        """Train the whole classifier further on the labelled reviews (their labels) and the unlabelled ones
        (the mean P(pos) of the teachers fitted on the labelled train part: see distil.py)."""
        r = self.recipe
        checkpoint = self.work_dir / "distil.safetensors"
        # a teacher is checked before anything is scored or forgotten, and known by its version
        teacher = distil.load_teacher(Path(r.distil_teacher), tokenizer.vocab) if r.distil_teacher else None
        settings = [r.distil_epochs, r.distil_lr] + ([r.distil_teacher, teacher.version] if teacher else [])
        if self.progress.get("distil", {}).get("settings") == settings and checkpoint.exists():
            load_model(learn.model, str(checkpoint), device="cpu")
            print("distillation: resuming from checkpoint", flush=True)
            return
        unlabelled = np.arange(len(labels), len(ids))
        if not len(unlabelled):
            print("distillation: no unlabelled reviews, skipped", flush=True)
            return
        self.progress.pop("distil", None)   # the checkpoint is rewritten below
        self._save_progress()
        set_seed(r.seed, reproducible=True)   # a fresh run and a resumed one distil alike
        t0 = time.time()
        scored = np.concatenate([valid_idx, unlabelled])
        from_classifier = distil.classifier_probs(learn.model, tokenizer, r,
                                                  [classifier_ids(ids[i], r.head, r.tail) for i in scored])
        probs = dict(classifier=from_classifier, tfidf=distil.tfidf_probs(ids, labels, train_idx, scored))
        if teacher:
            probs["teacher"] = distil.teacher_probs(teacher, [ids[i] for i in scored])
        teachers = probs["mean"] = np.mean(list(probs.values()), axis=0)
        n_valid, valid_labels = len(valid_idx), labels[valid_idx]
        report = {name: scores(valid_labels, (p[:n_valid] >= 0.5).astype(int))["accuracy"] for name, p in probs.items()}
        print(f"distillation: teachers' validation accuracy {report}, "
              f"{len(unlabelled):,} unlabelled reviews scored in {time.time() - t0:.0f}s", flush=True)
        targets = np.concatenate([labels[train_idx], teachers[n_valid:]]).astype(np.float32)
        learn.dls = self._classifier_loaders(tokenizer, ids, (np.concatenate([train_idx, unlabelled]), targets),
                                             (valid_idx, valid_labels.astype(np.float32)))
        learn.loss_func = distil.soft_cross_entropy
        learn.unfreeze()
        learn.fit_one_cycle(r.distil_epochs, slice(r.distil_lr / 2.6 ** 4, r.distil_lr), reset_opt=True)
        save_model(learn.model, str(checkpoint))
        self._save_progress(distil=dict(settings=settings, seconds=round(time.time() - t0, 1), hardware=hardware(),
                                        teachers_valid=report, unlabelled_reviews=len(unlabelled)))

    def _machines(self, distilled: dict) -> str | dict[str, str]:
        """Where the phases ran: one machine, or each phase's (a lent GPU, then this CPU, say). A phase
        trained before machines were recorded counts as this one."""
        machines = dict(language_model=self.progress.get("lm_hardware") or hardware(),
                        classifier=self.progress.get("clas_hardware") or hardware())
        if distilled:
            machines["distillation"] = distilled.get("hardware") or hardware()
        return machines if len(set(machines.values())) > 1 else machines["classifier"]

    # ---- the whole recipe ----------------------------------------------------------------------
    def run(self) -> dict:
        tokenizer, ids, labels, n_labelled = self.tokenize()
        train_idx, valid_idx = self.split(n_labelled)
        lm_docs = np.concatenate([train_idx, np.arange(n_labelled, len(ids))])
        encoder = self.train_language_model(tokenizer, ids, lm_docs) if self.recipe.lm_tokens else None
        learn = self.train_classifier(tokenizer, ids, labels, train_idx, valid_idx, encoder)
        if self.recipe.distil_epochs:
            self.distil_classifier(learn, tokenizer, ids, labels, train_idx, valid_idx)
        valid_loss, valid_acc = (float(x) for x in learn.validate())
        valid_metrics = dict(valid_loss=valid_loss, valid_accuracy=valid_acc, n_valid=len(valid_idx))
        return self.export(learn.model, tokenizer, valid_metrics, len(train_idx))

    def export(self, model: torch.nn.Module, tokenizer: ReviewTokenizer, valid_metrics: dict, n_train: int) -> dict:
        out = self.out_dir
        out.mkdir(parents=True, exist_ok=True)
        model = model.cpu().eval()
        save_model(model, str(out / artifacts.WEIGHTS))
        tokenizer.bpe.save(str(out / artifacts.TOKENIZER))
        (out / artifacts.VOCAB).write_text(json.dumps(tokenizer.vocab))
        (out / artifacts.RECIPE).write_text(json.dumps(self.recipe.to_dict(), indent=2))
        n_params = sum(p.numel() for p in model.parameters())
        distilled = self.progress.get("distil", {}) if self.recipe.distil_epochs else {}
        card = dict(
            name=f"ReelPulse AWD-LSTM sentiment classifier ({self.recipe.name})",
            version=f"awd-lstm-{self.recipe.name}-{time.strftime('%Y%m%d-%H%M')}",
            summary=("ULMFiT recipe with fastai: AWD-LSTM language model on IMDB train + unlabelled reviews "
                     "(input embeddings initialised from SmolLM2-135M's token embeddings, PCA-projected), "
                     "then a concat-pooling classifier fine-tuned with gradual unfreezing"
                     + (", then trained further on the unlabelled reviews too, with the mean P(pos) of its own"
                        + (", a TF-IDF model's and another trained model's" if self.recipe.distil_teacher
                           else " and a TF-IDF model's") + " as their targets (distillation). " if distilled else ". ")
                     + "Tokenizer: SmolLM2's byte-level BPE (Apache-2.0) reduced to the most frequent tokens."),
            data=dict(source="aclImdb v1 (Maas et al., 2011)", classifier_train_reviews=n_train,
                      language_model_tokens=self.progress.get("lm_train_tokens"),
                      validation="5% of the labelled train split; the test split is never used in training"),
            recipe=self.recipe.to_dict(),
            # summed over every run that built this model (an extended LM counts all its runs)
            training=dict(seconds_total=sum(self.progress.get(k, 0) for k in ("lm_seconds", "clas_seconds"))
                          + distilled.get("seconds", 0),
                          lm_seconds=self.progress.get("lm_seconds"),
                          classifier_seconds=self.progress.get("clas_seconds"),
                          distillation_seconds=distilled.get("seconds"),
                          hardware=self._machines(distilled),
                          torch=torch.__version__, parameters=n_params),
            metrics=dict(validation=valid_metrics, language_model=self.progress.get("lm_metrics"),
                         distillation_teachers_valid=distilled.get("teachers_valid")),
        )
        return artifacts.write_card(out, card)
