"""Bad input: one line on stderr, exit code 2, no traceback, before any model loads."""
import json
import subprocess
import sys

import pytest


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ttc_viz.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,msg", [
    (["solve", ""], "empty"),
    (["solve", "x", "--n", "0"], "positive"),
    (["solve", "x", "--n", "8", "--m", "3"], "divide"),
    (["solve", "x", "--n", "4", "--m", "8"], "larger"),
    (["solve", "x", "--strategy", "mcts"], "unknown strategy"),
    (["solve", "--dataset", "/no/such.jsonl"], "not found"),
    (["solve", "--dataset", "synthetic", "--level", "7"], "level"),
    (["solve", "x", "--n", "many"], "whole number"),
    (["solve", "x", "--agg", "mean"], "invalid choice"),
    (["solve", "x", "--verifier", "oracle"], "unknown verifier"),
    (["solve", "x", "--out", "/no/such/dir/t.json"], "does not exist"),
])
def test_bad_input(args, msg):
    r = cli(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr


def test_corrupt_dataset_and_index(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops")
    r = cli("solve", "--dataset", str(bad))
    assert r.returncode == 2 and "not valid JSON" in r.stderr and "Traceback" not in r.stderr
    good = tmp_path / "g.jsonl"
    good.write_text(json.dumps({"problem": "1+1?", "answer": "2"}))
    r = cli("solve", "--dataset", str(good), "--index", "5")
    assert r.returncode == 2 and "out of range" in r.stderr


def test_help_explains_strategies():
    r = cli("solve", "--help")
    assert r.returncode == 0
    for word in ("best_of_n", "beam", "lookahead", "dvts", "--n", "--m", "--k", "examples"):
        assert word in r.stdout


def test_models_lists_the_embedded_model():
    r = cli("models")
    assert r.returncode == 0 and "embedded" in r.stdout and "available" in r.stdout
