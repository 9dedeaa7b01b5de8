"""Sampling made visible: what each setting does to the next token's distribution, and how a finished run chose
its tokens. Both read the logits the generator decodes from, through the same logits processors
(decoder.logits_processors), so what is shown is what sampling does."""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd
import torch

from . import prompts
from .config import Sampling
from .decoder import logits_processors

ALTERNATIVES = 5
STAGES = {"RepetitionPenaltyLogitsProcessor": "repetition penalty", "NoRepeatNGramLogitsProcessor": "no-repeat n-gram",
          "MinNewTokensLengthLogitsProcessor": "min new tokens", "TemperatureLogitsWarper": "temperature",
          "TopKLogitsWarper": "top-k", "NucleusWarper": "top-p", "MinPLogitsWarper": "min-p",
          "TypicalLogitsWarper": "typical-p"}


class TokenTrace:
    """A stopping criterion that never stops: for each chosen token, its probability in the distribution it was
    drawn from (the processed scores), whether greedy decoding with these settings would have chosen it, and the
    likeliest alternatives. About a softmax and a top-5 a token."""

    def __init__(self) -> None:
        self.tokens: list[tuple[int, float, bool, list[tuple[int, float]]]] = []

    def __call__(self, input_ids, scores, **kwargs):
        if scores is None:   # a caller that has no scores to give
            return torch.zeros((input_ids.shape[0],), dtype=torch.bool)
        probabilities = torch.softmax(scores[0].float(), dim=-1)
        chosen = int(input_ids[0, -1])
        top = torch.topk(probabilities, ALTERNATIVES)
        self.tokens.append((chosen, float(probabilities[chosen]), chosen == int(top.indices[0]),
                            list(zip(top.indices.tolist(), top.values.tolist()))))
        return torch.zeros((input_ids.shape[0],), dtype=torch.bool)


@dataclass(frozen=True)
class RunFigures:
    mean_surprisal_bits: float     # -log2 p of each chosen token, averaged
    off_greedy_share: float        # chosen tokens that greedy decoding would not have chosen
    tokens: list[dict]             # text, p, greedy, alternatives [(text, p)] per generated token


def run_figures(trace: TokenTrace, tokenizer, text: str) -> RunFigures:
    """The trace's figures for the `text` the run kept (a stop sequence may have cut some tokens off)."""
    tokens, length = [], 0
    for token_id, p, greedy, alternatives in trace.tokens:
        if length >= len(text):
            break
        piece = tokenizer.decode([token_id])
        length += len(piece)
        tokens.append(dict(text=piece, p=round(p, 4), greedy=greedy,
                           alternatives=[(tokenizer.decode([i]), round(q, 4)) for i, q in alternatives]))
    if not tokens:
        return RunFigures(0.0, 0.0, [])
    surprisal = sum(-math.log2(max(t["p"], 1e-9)) for t in tokens) / len(tokens)
    return RunFigures(round(surprisal, 2), round(sum(not t["greedy"] for t in tokens) / len(tokens), 3), tokens)


def next_token_logits(generator, prompt: str, mode: str, screenplay_style: bool,
                      continuation: str = "") -> tuple[torch.Tensor, torch.Tensor]:
    """One forward pass: the model input (the prompt as the generator renders it, then `continuation`, text the
    answer already has) and the logits for the token after it."""
    text_in, _ = prompts.fit(generator.tokenizer, prompt, mode, generator.context // 2)
    ids = generator.tokenizer(text_in + continuation, return_tensors="pt", add_special_tokens=False).input_ids
    model = generator.model_for(screenplay_style)
    with torch.inference_mode():
        if hasattr(model, "new_cache"):   # the lean decoder
            logits = model(ids, cache=model.new_cache(ids.shape[1]), pos=0, last_only=True).logits[:, -1]
        else:
            logits = model(ids).logits[:, -1]
    return ids, logits.float()


def pipeline_table(ids: torch.Tensor, logits: torch.Tensor, sampling: Sampling, tokenizer,
                   top: int = 12) -> pd.DataFrame:
    """The next token's probabilities after each stage of the sampling pipeline for these settings: one row per
    (candidate, stage), candidates being the `top` likeliest before any stage plus those likeliest after the last;
    `kept` says whether the token is still in play after that stage."""
    do_sample = sampling.temperature > 0
    chain = logits_processors(None, set(), ids.shape[1], do_sample, sampling.temperature or 1.0,
                              sampling.top_k or None, sampling.top_p, sampling.min_p or None, sampling.typical_p,
                              sampling.repetition_penalty, sampling.no_repeat_ngram_size)
    stages, scores = [("model", logits)], logits
    for processor in chain:
        scores = processor(ids, scores.clone())
        stages.append((STAGES.get(type(processor).__name__, type(processor).__name__), scores))
    if not do_sample:
        stages.append(("greedy", torch.where(scores == scores.max(), scores, torch.finfo(scores.dtype).min)))
    candidates = list(dict.fromkeys(torch.topk(logits[0], top).indices.tolist()
                                    + torch.topk(stages[-1][1][0], min(top, 5)).indices.tolist()))
    rows = []
    for order, (stage, stage_scores) in enumerate(stages):
        probabilities = torch.softmax(stage_scores[0], dim=-1)
        finite = torch.isfinite(stage_scores[0]) & (stage_scores[0] > torch.finfo(stage_scores.dtype).min)
        for token_id in candidates:
            rows.append(dict(token=repr(tokenizer.decode([token_id]))[1:-1], token_id=token_id, stage=stage,
                             order=order, probability=float(probabilities[token_id]),
                             kept=bool(finite[token_id])))
    return pd.DataFrame(rows)
