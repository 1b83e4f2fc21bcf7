"""How well a generator solves problems alone: pass@1, pass@N, 'shows its work'."""
import json

import pytest

from fakes import FakeGenerator
from ttc_viz.experiments.eval_gen import GenEvalConfig, run_eval, shows_work, summarize, table
from ttc_viz.problems import Problem, classroom


def test_shows_work_needs_an_equation_before_the_answer():
    assert shows_work(["3 + 4 = 7.", "The answer is 7."])
    assert shows_work(["3 + 4 = 8.", "The answer is 8."])          # wrong, but it showed working
    assert not shows_work(["The answer is 7."])                     # a bare guess
    assert not shows_work(["Ana has 7 apples.", "The answer is 7. 3 + 4 = 7"])  # only in the answer's step


def _rec(group, correct, work=None):
    work = work if work is not None else [True] * len(correct)
    return {"group": group, "samples": [{"steps": ["1 + 1 = 2.", "The answer is 2."], "correct": c, "shows_work": w}
                                        for c, w in zip(correct, work)]}


def test_summary_means_over_problems_and_counts_any_right_sample():
    recs = [_rec("a", [True, False, False, False]), _rec("a", [False] * 4, [False] * 4), _rec("b", [True] * 4)]
    s = summarize(recs, 4)["groups"]
    assert s["a"]["pass@1"]["value"] == pytest.approx(0.125) and s["a"]["pass@4"]["value"] == 0.5
    assert s["all"]["pass@1"]["value"] == pytest.approx((0.25 + 0 + 1) / 3)
    assert s["all"]["pass@4"]["value"] == pytest.approx(2 / 3)
    assert s["a"]["shows_work"]["value"] == 0.5 and s["all"]["mean_steps"] == 2
    lo, hi = s["all"]["pass@1"]["lo"], s["all"]["pass@1"]["hi"]
    assert lo <= s["all"]["pass@1"]["value"] <= hi
    assert "| all | 3 |" in table(summarize(recs, 4))


def test_records_resume_and_other_settings_are_refused(tmp_path):
    probs = [Problem("Ana has 2 apples and gets 3 more?", "5", id="p1"), Problem("Q2?", "6", id="p2")]
    gen = FakeGenerator()
    first = run_eval(gen, GenEvalConfig(n=3), records=tmp_path, problems=probs)
    calls = len(gen.calls)
    again = run_eval(gen, GenEvalConfig(n=3), records=tmp_path, problems=probs)
    assert again == first and len(gen.calls) == calls             # read back, nothing sampled
    assert all(len(r["samples"]) == 3 for r in first)
    with pytest.raises(ValueError, match="other settings"):
        run_eval(gen, GenEvalConfig(n=4), records=tmp_path, problems=probs)


def test_cli_refuses_bad_input_before_loading_a_model(tmp_path):
    from ttc_viz.cli import main

    assert main(["eval-gen", "--dataset", str(tmp_path / "none.jsonl")]) == 2
    for bad in (["--temperature", "nan"], ["--n", "0"]):
        with pytest.raises(SystemExit) as e:   # argparse's own refusal: one line, exit 2
            main(["eval-gen", *bad])
        assert e.value.code == 2


@pytest.mark.real
def test_real_model_on_two_classroom_problems(embedded, tmp_path):
    probs = list(classroom()[:2])
    recs = run_eval(embedded, GenEvalConfig(n=2), problems=probs)
    s = summarize(recs, 2)
    assert s["groups"]["all"]["problems"] == 2 and {r["group"] for r in recs} <= {"groups", "sharing"}
    for r in recs:
        for smp in r["samples"]:
            assert smp["steps"] and isinstance(smp["correct"], bool)
    json.dumps(s)
