from __future__ import annotations

import json
import lzma
import random
from dataclasses import replace

import pytest

from models.story.config import RECIPES
from models.story.data import example, is_held_out, normalise, read_scripts, split
from models.story.generate import Generator, Request
from tests.conftest import shared_file
from tests.story.conftest import SENTENCES

TINY = replace(RECIPES["tiny"], holdout_percent=20, seq_len=16)


@pytest.fixture
def scripts_file(tmp_path):
    """40 made-up 'screenplays' (our own sentences; never the IMSDb text)."""
    path = tmp_path / "scripts.jsonl.xz"
    rng = random.Random(0)
    with lzma.open(path, "wt") as out:
        for i in range(40):
            lines = ["          " + rng.choice(SENTENCES) for _ in range(30)]
            out.write(json.dumps(dict(slug=f"script-{i}", genres=["Drama"], text="\n\n\n".join(lines))) + "\n")
    return path


def test_normalise_drops_layout_keeps_lines():
    assert normalise("   INT. BAR - NIGHT\n\n\n\n          JOE\n    Hi   there.  ") == "INT. BAR - NIGHT\n\nJOE\nHi there."


def test_split_is_deterministic_by_slug(scripts_file):
    train, held = split(scripts_file, 20)
    assert {s.slug for s in held} == {f"script-{i}" for i in range(40) if is_held_out(f"script-{i}", 20)}
    assert len(train) + len(held) == 40 and held


def test_example_scores_only_the_screenplay(scripts_file, tiny_generator):
    script = next(read_scripts(scripts_file))
    ids, labels = example(tiny_generator.tokenizer, script, random.Random(0), 16)
    scored = [label for label in labels if label != -100]
    assert len(ids) == len(labels) and 0 < len(scored) <= 16 and labels[0] == -100


def test_finetune_then_evaluate_then_generate_on_tiny_gpt2(scripts_file, tiny_model_dir, tmp_path):
    from models.story.evaluate import evaluate
    from models.story.finetune import finetune

    out = tmp_path / "adapter"
    card = finetune(scripts_file, TINY, tmp_path / "work", out, str(tiny_model_dir))
    assert (out / "adapter_model.safetensors").is_file() and (out / "README.md").is_file()
    assert card["training"]["steps"] == TINY.steps and (tmp_path / "work" / "checkpoint" / "state.pt").is_file()
    result = evaluate(scripts_file, TINY, out, str(tiny_model_dir))
    assert result["base_perplexity"] > 1 and result["tuned_perplexity"] > 1
    generator = Generator.load(tiny_model_dir, adapter=out)
    assert generator.has_adapter
    plain = generator.run(Request("a dog", screenplay_style=False))
    assert plain.text() == plain.result.text


def test_real_scripts_file_has_the_expected_fields():
    path = shared_file("scripts", "imsdb_scripts.jsonl.xz")
    with lzma.open(path, "rt", encoding="utf-8") as lines:
        record = json.loads(next(lines))
    assert {"slug", "genres", "text"} <= record.keys()
    assert "\n " not in normalise(record["text"])
