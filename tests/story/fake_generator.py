"""A stand-in for models.story.generate.Generator: same API, instant, text a pure function of prompt+seed."""
from __future__ import annotations

import random

from models.story.generate import Request, Result

WORDS = "the detective opens the door and rain falls on the quiet diner while a stranger smiles".split()


class FakeRun:
    def __init__(self, request: Request):
        if not request.prompt.strip():
            raise ValueError("the prompt is empty")
        self.request, self.result, self.cancelled = request, None, False

    def cancel(self) -> None:
        self.cancelled = True

    def __iter__(self):
        rng = random.Random(f"{self.request.prompt}|{self.request.sampling.seed}|{self.request.sampling.temperature}")
        pieces = [rng.choice(WORDS) + " " for _ in range(min(12, self.request.sampling.max_new_tokens))]
        yield from pieces
        self.result = Result(text="".join(pieces), seed=self.request.sampling.seed, new_tokens=len(pieces),
                             ttft_ms=1.0, tokens_per_s=99.0, seconds=0.1, prompt_tokens=len(self.request.prompt),
                             trimmed=len(self.request.prompt) > 500, finish="length")


class FakeGenerator:
    name, has_adapter, context = "fake-story", True, 2048

    def __init__(self):
        self.requests: list[Request] = []

    def run(self, request: Request, on_wait=None) -> FakeRun:
        self.requests.append(request)
        return FakeRun(request)
