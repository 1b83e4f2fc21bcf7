import json
import subprocess
import sys

import pytest

from fakes import FakeGenerator
from ttc_viz.train.prm_data import MCConfig, check, complete, generate, label_problem, load
from ttc_viz.problems import synthetic


def cfg(**kw):
    base = dict(levels=(1,), problems_per_level=3, samples=2, rollouts=4, seed=1)
    base.update(kw)
    return MCConfig(**base)


def test_labels_are_soft_and_one_per_step():
    recs = label_problem(FakeGenerator(steps_to_finish=3, answers=("2", "3")), synthetic(1, 0, "train"), cfg(), 5)
    assert len(recs) == 2
    for r in recs:
        assert len(r["labels"]) == len(r["steps"])
        assert all(x in (0, 0.25, 0.5, 0.75, 1.0) for x in r["labels"])
        assert r["labels"][-1] == (1.0 if r["correct"] else 0.0)


def test_oracle_labels_are_exact_and_need_no_rollouts():
    from ttc_viz.verifiers.oracle import chain_of, step_labels

    gen = FakeGenerator(steps_to_finish=3, answers=("2", "3"))
    p = synthetic(1, 0, "train")
    recs = label_problem(gen, p, cfg(labels="oracle"), 5)
    assert [c[0] for c in gen.calls] == ["solutions"]  # sampling only
    for r in recs:
        assert r["label_kind"] == "oracle" and len(r["labels"]) == len(r["steps"])
        exact = [float(x) for x in step_labels(chain_of(p), r["steps"])]
        assert r["labels"][:-1] == exact[:-1]
        assert r["labels"][-1] == (1.0 if exact[-1] and r["correct"] else 0.0)
    with pytest.raises(ValueError, match="labels"):
        cfg(labels="coin").check()


def test_complete_runs_every_rollout_to_the_end():
    gen = FakeGenerator(steps_to_finish=4)
    runs = complete(gen, "q", [["a"], ["a", "b"]], 3, temperature=0.8, seed=1, max_steps=10)
    assert len(runs) == 6
    assert all(r[-1].startswith("The answer is") for r in runs)
    assert all(r[:1] == ["a"] for r in runs) and all(r[:2] == ["a", "b"] for r in runs[3:])


def test_problems_come_from_the_train_split():
    assert all(p.source == "synthetic-train" for p in cfg().problems())


def test_interrupted_run_resumes_without_duplicates_or_gaps(tmp_path):
    c = cfg()

    class Dies(FakeGenerator):
        calls_left = 3

        def solutions(self, *a, **kw):
            Dies.calls_left -= 1
            if Dies.calls_left < 0:
                raise KeyboardInterrupt
            return super().solutions(*a, **kw)

    with pytest.raises(KeyboardInterrupt):
        generate(Dies(), tmp_path, cfg(problems_per_level=5))
    assert len(list((tmp_path / "shards").glob("*.jsonl"))) == 3
    assert not list((tmp_path / "shards").glob("*.tmp"))
    res = generate(FakeGenerator(), tmp_path, cfg(problems_per_level=5))
    assert res == {"problems": 5, "skipped": 3, "labelled": 2}
    rep = check(tmp_path, cfg(problems_per_level=5))
    assert rep["duplicates"] == [] and rep["missing"] == [] and rep["malformed"] == 0
    assert rep["records"] == 10
    del c


def test_same_folder_other_settings_is_refused(tmp_path):
    generate(FakeGenerator(), tmp_path, cfg(problems_per_level=1))
    with pytest.raises(ValueError, match="other settings"):
        generate(FakeGenerator(), tmp_path, cfg(problems_per_level=1, rollouts=8))
    generate(FakeGenerator(), tmp_path, cfg(problems_per_level=2))  # growing the set is fine
    assert len(load(tmp_path)) == 4


def test_bad_config():
    with pytest.raises(ValueError, match="levels"):
        cfg(levels=(0,)).check()
    with pytest.raises(ValueError, match="rollouts"):
        cfg(rollouts=0).check()


def test_cli_bad_levels():
    r = subprocess.run([sys.executable, "-m", "ttc_viz.cli", "prm-data", "--out", "/tmp/x", "--levels", "a-b"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "levels must look like" in r.stderr


@pytest.mark.real
def test_real_model_labels(embedded, tmp_path):
    c = MCConfig(levels=(1,), problems_per_level=1, samples=2, rollouts=2, max_steps=4, seed=0)
    generate(embedded, tmp_path, c)
    rep = check(tmp_path, c)
    assert rep["records"] == 2 and rep["missing"] == [] and rep["malformed"] == 0
    rec = json.loads((next((tmp_path / "shards").glob("*.jsonl"))).read_text().splitlines()[0])
    assert rec["steps"] and len(rec["labels"]) == len(rec["steps"])
