from __future__ import annotations

import json

from models.story.__main__ import main

KEYS = {"text", "seed", "new_tokens", "tokens_per_s", "ttft_ms"}


def test_generate_json_last_line_is_one_object(tiny_model_dir, capsys):
    argv = ["generate", "--prompt", "the detective", "--model", str(tiny_model_dir), "--json", "--seed", "5",
            "--temperature", "1.2", "--top-k", "20", "--top-p", "0.9", "--repetition-penalty", "1.1",
            "--max-new-tokens", "6"]
    assert main(argv) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert KEYS <= first.keys() and first["seed"] == 5 and 1 <= first["new_tokens"] <= 6
    assert main(argv) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["text"] == first["text"]


def test_generate_without_seed_reports_the_random_one(tiny_model_dir, capsys, monkeypatch):
    monkeypatch.setenv("REELPULSE_STORY_MODEL", str(tiny_model_dir))
    assert main(["generate", "--prompt", "a dog", "--mode", "logline", "--plain", "--max-new-tokens", "3",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert isinstance(result["seed"], int) and result["mode"] == "logline" and result["screenplay_style"] is False


def test_generate_streams_plain_text_then_stats(tiny_model_dir, capsys):
    assert main(["generate", "--prompt", "a dog", "--model", str(tiny_model_dir), "--max-new-tokens", "3",
                 "--seed", "1"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("seed 1]")


def test_empty_prompt_is_an_error(tiny_model_dir, capsys):
    assert main(["generate", "--prompt", " ", "--model", str(tiny_model_dir)]) == 2
    assert "empty" in capsys.readouterr().err
