"""The evaluation ladder: every set a sentiment model is judged by, in one table, beside TF-IDF.

    python -m models.sentiment evaluate --suite [--model DIR] [--limit N] [--no-baseline] [--json FILE]

Sets: the IMDB test split and the same lowercased (../shared), kotzias_imdb's 1,000 short sentences from
IMDB test reviews (../shared; evaluation only), our 320 one-line reviews and the behavioural suite
(both written by us, in eval_data/). None of them is ever read by training or used for tuning.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .behaviour import SuiteReport, build_suite, run_suite
from .evaluate import read_labelled, scores

Scorer = Callable[[list[str]], list[float]]   # texts -> P(pos)

EVAL_DATA = Path(__file__).resolve().parent / "eval_data"
ONE_LINERS = EVAL_DATA / "one_liners.csv"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "datasets"
IMDB_TEST = SHARED / "imdb" / "imdb_test.csv.xz"
IMDB_TRAIN = SHARED / "imdb" / "imdb_train.csv.xz"
KOTZIAS_IMDB = SHARED / "short_texts" / "kotzias_imdb.csv.gz"


@dataclass
class Rung:
    name: str
    frame: pd.DataFrame          # text, y
    note: str = ""


@dataclass
class LadderResult:
    models: list[str]
    accuracy: dict[str, dict[str, float]] = field(default_factory=dict)   # set -> model -> accuracy
    sizes: dict[str, int] = field(default_factory=dict)
    suites: dict[str, SuiteReport] = field(default_factory=dict)          # model -> behavioural report
    seconds: dict[str, float] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def table(self) -> str:
        width = max(12, *(len(m) + 2 for m in self.models))
        head = f"{'set':<22}{'n':>7}" + "".join(f"{m:>{width}}" for m in self.models)
        lines = [head, "-" * len(head)]
        for name, by_model in self.accuracy.items():
            lines.append(f"{name:<22}{self.sizes[name]:>7}" + "".join(f"{by_model[m]:>{width}.2%}" for m in self.models))
        if self.suites:
            first = next(iter(self.suites.values()))
            lines.append(f"{'behaviour (overall)':<22}{sum(c['n'] for c in first.by_capability.values()):>7}"
                         + "".join(f"{self.suites[m].overall:>{width}.2%}" for m in self.models))
            for capability, row in first.by_capability.items():
                lines.append(f"  {capability:<20}{row['n']:>7}"
                             + "".join(f"{self.suites[m].by_capability[capability]['rate']:>{width}.2%}" for m in self.models))
        lines += [f"(not run: {name})" for name in self.missing]
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return dict(models=self.models, accuracy=self.accuracy, sizes=self.sizes, seconds=self.seconds,
                    behaviour={m: dict(overall=r.overall, by_capability=r.by_capability) for m, r in self.suites.items()},
                    missing=self.missing)


def rungs(limit: int | None = None) -> tuple[list[Rung], list[str]]:
    """The labelled sets that are present here, and the names of those that are not."""
    found, missing = [], []
    if IMDB_TEST.exists():
        test = read_labelled(IMDB_TEST, limit)
        found += [Rung("imdb_test", test), Rung("imdb_test_lowercased", test.assign(text=test["text"].str.lower()))]
    else:
        missing.append(f"imdb_test ({IMDB_TEST} absent)")
    if KOTZIAS_IMDB.exists():
        found.append(Rung("kotzias_imdb", read_labelled(KOTZIAS_IMDB)))
    else:
        missing.append(f"kotzias_imdb ({KOTZIAS_IMDB} absent)")
    found.append(Rung("one_liners (ours)", read_labelled(ONE_LINERS)))
    return found, missing


def accuracy(scorer: Scorer, frame: pd.DataFrame) -> float:
    p = scorer(frame["text"].tolist())
    return scores(frame["y"].tolist(), [int(x >= 0.5) for x in p])["accuracy"]


def climb(scorers: dict[str, Scorer], limit: int | None = None, sets: tuple[list[Rung], list[str]] | None = None) -> LadderResult:
    """Every model on every rung, and the behavioural suite."""
    found, missing = sets or rungs(limit)
    result = LadderResult(models=list(scorers), missing=missing)
    cases = build_suite()
    for model, scorer in scorers.items():
        t0 = time.perf_counter()
        for rung in found:
            result.sizes[rung.name] = len(rung.frame)
            result.accuracy.setdefault(rung.name, {})[model] = accuracy(scorer, rung.frame)
        result.suites[model] = run_suite(scorer, cases)
        result.seconds[model] = round(time.perf_counter() - t0, 1)
    return result


def model_scorer(model, batch: int = 512) -> Scorer:
    """P(pos) from a SentimentModel, in batches."""
    def score(texts: list[str]) -> list[float]:
        return [r.p_positive for start in range(0, len(texts), batch) for r in model.predict(texts[start:start + batch])]
    return score


def tfidf_scorer(train_csv: Path = IMDB_TRAIN) -> Scorer:
    """The TF-IDF + logistic regression floor, trained on the IMDB train split (~30 s)."""
    from .baseline import train_baseline

    pipeline = train_baseline(train_csv)
    return lambda texts: pipeline.predict_proba(texts)[:, 1].tolist()
