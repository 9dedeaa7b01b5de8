"""Sampling made visible: the explorer runs the generator's own processors stage by stage; a run's token trace
(the lean decoder's path, which hands its processed scores to the stopping criteria)."""
from __future__ import annotations

import math

import torch

from models.story.config import Sampling
from models.story.decoder import logits_processors
from models.story.explore import next_token_logits, pipeline_table
from models.story.generate import Request

SAMPLED = Sampling(temperature=0.7, top_k=5, top_p=0.9, min_p=0.02, repetition_penalty=1.2, max_new_tokens=12, seed=3)


def test_the_explorer_shows_each_stage_in_the_generators_order(tiny_lean_generator):
    ids, logits = next_token_logits(tiny_lean_generator, "a lighthouse", "story", False)
    table = pipeline_table(ids, logits, SAMPLED, tiny_lean_generator.tokenizer)
    assert list(dict.fromkeys(table["stage"])) == ["model", "repetition penalty", "temperature", "top-k", "top-p",
                                                   "min-p"]
    for stage, rows in table.groupby("stage"):
        assert rows["probability"].between(0, 1).all()
    assert table[table["stage"] == "top-k"]["kept"].sum() <= 5
    final = table[table["stage"] == "min-p"]
    chain = logits_processors(None, set(), ids.shape[1], True, 0.7, 5, 0.9, 0.02, 1.0, 1.2, 0)
    survivors = set(torch.nonzero(torch.isfinite(chain(ids, logits.clone())[0])).flatten().tolist())
    assert set(final[final["kept"]]["token_id"]) == survivors & set(final["token_id"])   # the generator's own chain


def test_greedy_settings_keep_one_candidate(tiny_lean_generator):
    ids, logits = next_token_logits(tiny_lean_generator, "a lighthouse", "story", False)
    table = pipeline_table(ids, logits, Sampling(temperature=0.0, repetition_penalty=1.0), tiny_lean_generator.tokenizer)
    greedy = table[table["stage"] == "greedy"]
    assert greedy["kept"].sum() == 1 and greedy.loc[greedy["kept"], "token_id"].item() == int(logits.argmax())


def test_a_run_traces_every_token_it_keeps(tiny_lean_generator):
    run = tiny_lean_generator.run(Request("a dog", sampling=SAMPLED.with_(temperature=1.5, top_k=0, top_p=1.0,
                                                                     min_p=0.0, max_new_tokens=20)))
    text = run.text()
    tokens = run.result.tokens
    assert "".join(t["text"] for t in tokens) == text and len(tokens) == run.result.new_tokens
    assert all(0 < t["p"] <= 1 and len(t["alternatives"]) == 5 for t in tokens)
    surprisal = sum(-math.log2(t["p"]) for t in tokens) / len(tokens)
    assert abs(run.result.mean_surprisal_bits - surprisal) < 0.05
    assert run.result.off_greedy_share == round(sum(not t["greedy"] for t in tokens) / len(tokens), 3) > 0


def test_greedy_decoding_never_leaves_the_greedy_choice(tiny_lean_generator):
    run = tiny_lean_generator.run(Request("a dog", sampling=Sampling(temperature=0.0, repetition_penalty=1.0,
                                                                max_new_tokens=8)))
    run.text()
    assert run.result.off_greedy_share == 0 and all(t["greedy"] for t in run.result.tokens)


def test_a_branch_continues_from_the_text_it_is_given(tiny_lean_generator):
    branch = tiny_lean_generator.run(Request("a dog", sampling=SAMPLED, continuation="The detective"))
    text = branch.text()
    assert text.startswith("The detective") and branch.result.text == text
    again = tiny_lean_generator.run(Request("a dog", sampling=SAMPLED, continuation="The detective"))
    assert again.text() == text   # same prompt, settings, seed and branch point: same text
