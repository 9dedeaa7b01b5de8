"""Scoring across processes and machines on Dask, for bulk imports:

    python -m core.reviews import FILE --workers 4                    a local cluster of 4 processes
    python -m core.reviews import FILE --scheduler tcp://HOST:8786    an existing Dask cluster (docs/deploy.md)

Each worker process loads the model once and scores whole chunks with its share of the cores (torch threads =
the worker machine's cores / its worker processes, so N workers never oversubscribe a machine). The parent keeps
what the importer always did: checks and drops duplicates, then stores every scored review in one step through
the store (all or nothing; a rerun adds nothing twice), so a cancelled import stores nothing.
"""
from __future__ import annotations

import contextlib
import importlib
import os
from collections.abc import Iterator
from dataclasses import dataclass

from dask.distributed import Client, LocalCluster

from core.submission import LOADER, Scorer

CHUNK = 256    # texts per task: large enough to amortise a task's overhead, small enough to spread and report


WORKERS_HERE = "REELPULSE_WORKERS_PER_MACHINE"   # set on each worker machine: how many worker processes it runs
_models: dict[str, Scorer] = {}                  # this worker process's models, loaded on first use


def _model(loader: str) -> Scorer:
    if loader not in _models:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, int(os.environ.get(WORKERS_HERE, "1")))))
        module, name = loader.split(":")
        _models[loader] = getattr(importlib.import_module(module), name)()
    return _models[loader]


def _score(texts: list[str], loader: str) -> list:
    return _model(loader).predict(texts)


def _version(loader: str) -> str:
    return _model(loader).version


@dataclass
class ClusterScorer:
    """The Scorer protocol over a Dask cluster: predict() spreads its texts over the workers in chunks."""

    client: Client
    loader: str = LOADER
    version: str = ""

    def __post_init__(self):
        self.version = self.client.submit(_version, self.loader, pure=False).result()

    @property
    def workers(self) -> int:
        return max(1, len(self.client.scheduler_info(n_workers=-1)["workers"]))

    @property
    def batch(self) -> int:
        """Texts to hand predict() at a time so that every worker gets two chunks."""
        return CHUNK * 2 * self.workers

    def predict(self, texts: list[str]) -> list:
        chunks = [texts[start:start + CHUNK] for start in range(0, len(texts), CHUNK)]
        futures = self.client.map(_score, chunks, loader=self.loader, pure=False)
        return [result for part in self.client.gather(futures) for result in part]


@contextlib.contextmanager
def cluster_scorer(workers: int = 2, scheduler: str | None = None,
                   loader: str = LOADER) -> Iterator[ClusterScorer]:
    """A scorer on `scheduler` (an existing cluster), or on a local cluster of `workers` processes."""
    if scheduler:
        with Client(scheduler) as client:
            yield ClusterScorer(client, loader)
        return
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      env={WORKERS_HERE: str(workers)}) as cluster, Client(cluster) as client:
        yield ClusterScorer(client, loader)
