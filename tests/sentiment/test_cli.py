import json
import subprocess
import sys

import pandas as pd

from tests.conftest import ROOT


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "models.sentiment", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_predict_prints_one_json_line_per_text(tiny_model_dir):
    done = run_cli("predict", "loved it, superb", "a dull waste", "--model", tiny_model_dir)
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0 and len(lines) == 2
    assert {"label", "p_positive"} <= lines[0].keys()


def test_evaluate_prints_metrics_as_last_json_line(tiny_model_dir, tmp_path):
    data = tmp_path / "eval.csv.xz"
    pd.DataFrame({"text": ["great superb loved", "awful dull hated"] * 10, "label": ["pos", "neg"] * 10}
                 ).to_csv(data, index=False)
    done = run_cli("evaluate", "--data", data, "--limit", 12, "--model", tiny_model_dir)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0
    assert result["n"] == 12 and {"accuracy", "f1", "reviews_per_s"} <= result.keys()


def test_predict_refuses_blank_text_with_exit_code(tiny_model_dir):
    done = run_cli("predict", "   ", "--model", tiny_model_dir)
    assert done.returncode == 2 and "empty" in done.stderr


def test_train_refuses_a_bad_recipe_override_before_training(tmp_path):
    done = run_cli("train", "--data", tmp_path, "--set", "no_such_field=1", "--work", tmp_path / "work")
    assert done.returncode == 2 and "--set expects FIELD=VALUE" in done.stderr
    assert not (tmp_path / "work").exists()
