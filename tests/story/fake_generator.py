"""A stand-in for models.story.generate.Generator: same API, instant, text a pure function of prompt+seed."""
from __future__ import annotations

import random
from types import SimpleNamespace

from models.story.generate import Request, Result
from models.story.turns import GENERATION_TURNS

WORDS = "the detective opens the door and rain falls on the quiet diner while a stranger smiles".split()


class FakeRun:
    """Instant text, but in line with real runs (turns.GENERATION_TURNS), so the page's queue is the real one."""

    def __init__(self, request: Request, on_wait=None, owner: str | None = None):
        if not request.prompt.strip():
            raise ValueError("the prompt is empty")
        self.request, self.result, self.cancelled = request, None, False
        self.on_wait, self.owner = on_wait, owner

    def cancel(self) -> None:
        self.cancelled = True

    def text(self) -> str:
        return "".join(self)

    def __iter__(self):
        rng = random.Random(f"{self.request.prompt}|{self.request.sampling.seed}|{self.request.sampling.temperature}")
        pieces = [rng.choice(WORDS) + " " for _ in range(min(12, self.request.sampling.max_new_tokens))]
        turn = GENERATION_TURNS.join(self.owner)
        try:
            GENERATION_TURNS.wait(turn, self.on_wait)
            yield from [self.request.continuation] * bool(self.request.continuation) + pieces
        finally:
            GENERATION_TURNS.leave(turn)
        tokens = [dict(text=piece, p=0.5, greedy=n % 2 == 0, alternatives=[(piece, 0.5), ("rain ", 0.3), ("door ", 0.2)])
                  for n, piece in enumerate(pieces)]
        self.result = Result(text=self.request.continuation + "".join(pieces), seed=self.request.sampling.seed,
                             new_tokens=len(pieces), ttft_ms=1.0, tokens_per_s=99.0, seconds=0.1,
                             prompt_tokens=len(self.request.prompt), trimmed=len(self.request.prompt) > 500,
                             finish="length", mean_surprisal_bits=1.0, off_greedy_share=0.5, tokens=tokens)


class FakeGenerator:
    name, has_adapter, context = "fake-story", True, 2048

    def __init__(self):
        self.requests: list[Request] = []

    def run(self, request: Request, on_wait=None, owner: str | None = None) -> FakeRun:
        self.requests.append(request)
        return FakeRun(request, on_wait, owner)


class ThreadCountSpy:
    """A model whose generate() records torch's intra-op thread count at the prefill and two decoding steps,
    each followed by the stopping criteria (as transformers' generate() calls them)."""
    config = SimpleNamespace(max_position_embeddings=64)

    def __init__(self):
        self.seen: list[int] = []

    def generate(self, stopping_criteria, **kwargs):
        import torch

        ids = torch.zeros((1, 3), dtype=torch.long)
        for _ in range(3):
            self.seen.append(torch.get_num_threads())
            assert not any(c(ids, None).any() for c in stopping_criteria)
