import random

import pytest

from ttc_viz.grading import grade
from ttc_viz.metrics import auroc
from ttc_viz.train.prm import TrainConfig, _lr_at, batch_for
from ttc_viz.train.synthetic import synthetic_batch, validation_set, write_solution
from ttc_viz.problems import synthetic
from ttc_viz.verifiers.symbolic import check_step


def test_clean_solutions_are_right_and_labelled_one():
    rng = random.Random(0)
    for lv in range(1, 6):
        for i in range(20):
            p = synthetic(lv, 1000 + i, split="train")
            steps, labels = write_solution(p, rng, spoil=False)
            assert labels == [1.0] * len(steps)
            assert grade(steps[-1], p.answer)
            assert all(check_step(s)[1] == 0 for s in steps)  # no wrong arithmetic


def test_spoiled_solutions_turn_to_zero_at_the_mistake_and_stay_there():
    rng = random.Random(1)
    seen_zero = 0
    for i in range(200):
        p = synthetic(1 + i % 5, 2000 + i, split="train")
        steps, labels = write_solution(p, rng, spoil=True)
        assert len(steps) == len(labels)
        if 0.0 in labels:
            first = labels.index(0.0)
            assert all(x == 0.0 for x in labels[first:])
            assert not grade(steps[-1], p.answer)  # the final answer is wrong after a mistake
            seen_zero += 1
        else:
            assert grade(steps[-1], p.answer)  # a "mistake" that happens to give the same number
    assert seen_zero > 180


def test_every_mistake_kind_is_made_and_caught_and_labels_do_not_follow_position():
    """Each kind of mistake (the model's own included) occurs, and the answer key's labels
    catch it; a clean step is labelled 1 wherever it stands (no position-dependent label)."""
    from collections import Counter

    from ttc_viz.train.synthetic import MISTAKES, _MISTAKE_WEIGHTS

    made, caught = Counter(), Counter()
    last_step_clean = []
    for i in range(1500):
        p = synthetic(1 + i % 5, 30_000 + i, split="train")
        rng = random.Random(i)
        kind = random.Random(i).choices(MISTAKES, _MISTAKE_WEIGHTS)[0]  # what write_solution draws first
        steps, labels = write_solution(p, rng, spoil=True)
        made[kind] += 1
        caught[kind] += 0.0 in labels
        clean_steps, clean_labels = write_solution(p, random.Random(i), spoil=False)
        last_step_clean.append(clean_labels[-1])
    assert set(made) == set(MISTAKES)
    for kind in MISTAKES:
        assert caught[kind] / made[kind] > 0.9, (kind, caught[kind], made[kind])
    assert all(y == 1.0 for y in last_step_clean)  # a right "The answer is N." is labelled 1 at any depth


def test_the_models_own_mistakes_look_like_its_samples():
    p = synthetic(2, 123, split="train")
    texts = []
    for i in range(300):
        steps, _ = write_solution(p, random.Random(i), spoil=True)
        texts.append(" | ".join(steps))
    # an invented operation, a wrong quantity in prose, stopping early: all present
    ops = len(p.meta["paths"][0])
    assert any(len(t.split(" | ")) > ops + 1 for t in texts)
    assert any("Now there are" in t or "So that leaves" in t for t in texts)
    assert any(len(t.split(" | ")) < ops + 1 for t in texts)


def test_batches_are_pure_functions_of_seed_and_step_and_never_use_eval_problems():
    assert synthetic_batch(0, 5, 8) == synthetic_batch(0, 5, 8)
    assert synthetic_batch(0, 5, 8) != synthetic_batch(0, 6, 8)
    train = {b["problem"] for s in range(20) for b in synthetic_batch(0, s, 16)}
    test = {synthetic(lv, i).text for lv in range(1, 6) for i in range(1000)}
    assert not train & test
    valid = {b["problem"] for b in validation_set(128)}
    assert not valid & train


def test_stage_two_mixes_in_mc_records():
    cfg = TrainConfig(synthetic_steps=2, mc_steps=2, batch_size=8, mc_fraction=0.5)
    mc = [{"problem": "q", "steps": ["a"], "labels": [0.25]}]
    assert all(b["problem"] != "q" for b in batch_for(cfg, 1, mc))
    assert sum(b["problem"] == "q" for b in batch_for(cfg, 2, mc)) == 4


def test_learning_rate_warms_up_then_decays():
    cfg = TrainConfig(synthetic_steps=100, mc_steps=0, warmup=10, lr=1e-3)
    assert _lr_at(cfg, 0) < _lr_at(cfg, 9) == pytest.approx(1e-3)
    assert _lr_at(cfg, 99) == pytest.approx(1e-4, rel=0.05)


def test_auroc_by_hand():
    assert auroc([1, 1, 0, 0], [0.9, 0.8, 0.2, 0.1]) == 1.0
    assert auroc([1, 0], [0.1, 0.9]) == 0.0
    assert auroc([1, 0], [0.5, 0.5]) == 0.5
    assert auroc([1, 1], [0.1, 0.2]) is None


@pytest.mark.parametrize("kw,msg", [({"batch_size": 0}, "batch size"), ({"lr": 2.0}, "learning rate"),
                                    ({"mc_fraction": 1.5}, "mc_fraction")])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        TrainConfig(**kw).check()


def test_bad_step_counts():
    with pytest.raises(ValueError, match="nothing to train"):
        TrainConfig(synthetic_steps=0, mc_steps=0).check()
    with pytest.raises(ValueError, match="save_every"):
        TrainConfig(save_every=0).check()


@pytest.mark.real
def test_train_prm_cli_stops_on_time_resumes_and_ships_a_loadable_adapter(tmp_path):
    import json
    import subprocess
    import sys

    from ttc_viz.verifiers import load_verifier

    out, data = tmp_path / "prm", tmp_path / "data"
    # stage 2's data: the model's own samples with the answer key's exact labels
    made = subprocess.run([sys.executable, "-m", "ttc_viz.cli", "prm-data", "--labels", "oracle", "--out", str(data),
                           "--levels", "1", "--problems", "1", "--samples", "2", "--quiet"],
                          capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    recs = [json.loads(x) for f in (data / "shards").glob("*.jsonl") for x in f.read_text().splitlines()]
    assert len(recs) == 2 and all(r["label_kind"] == "oracle" and set(r["labels"]) <= {0.0, 1.0} for r in recs)
    args = [sys.executable, "-m", "ttc_viz.cli", "train-prm", "--out", str(out), "--data", str(data),
            "--synthetic-steps", "3",
            "--mc-steps", "1", "--batch-size", "2", "--layers", "1", "--rank", "2", "--save-every", "1",
            "--eval-every", "0", "--valid-size", "8", "--quiet"]
    first = subprocess.run(args + ["--minutes", "0.0001"], capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "stopped at step 1 of 4" in first.stdout and not (out / "adapter.safetensors").exists()
    # killed while swapping checkpoints, after the old one was moved aside: nothing is lost
    import os

    os.replace(out / "checkpoint", out / "checkpoint.old")
    second = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    assert "trained 4 steps" in second.stdout
    log = json.loads((out / "training.json").read_text())
    assert [h["step"] for h in log["history"] if "loss" in h] == [1, 2, 3, 4]  # no step lost or repeated
    prm = load_verifier(f"prm:{out / 'adapter.safetensors'}", device="cpu")
    assert len(prm.score("Ana has 2 apples and gets 3 more.", ["2 + 3 = 5.", "The answer is 5."])) == 2
