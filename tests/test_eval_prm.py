import json

import pytest

from fakes import FakeGenerator
from ttc_viz.experiments.eval_prm import EvalConfig, run_eval, summarize, table
from ttc_viz.verifiers import SymbolicVerifier


def cfg(**kw):
    base = dict(levels=(1, 2), problems=4, n=4, mc_samples=2, rollouts=2, resamples=8)
    base.update(kw)
    return EvalConfig(**base)


def test_problems_are_held_out_and_spread_over_levels():
    ps = cfg(problems=5).problem_list()
    assert [p.level for p in ps] == [1, 1, 1, 2, 2]
    assert all(p.source == "synthetic-test" for p in ps)


def test_records_summary_and_table():
    gen = FakeGenerator(answers=("2", "5", "9"))
    recs = run_eval(gen, {"symbolic": SymbolicVerifier()}, cfg())
    assert len(recs) == 4
    for r in recs:
        assert len(r["samples"]) == 4 and len(r["scores"]["symbolic"]) == 4
        for m in r["mc"]:
            assert len(m["labels"]) == len(r["samples"][m["sample"]]["steps"])
    s = summarize(recs, cfg())
    g = s["groups"]["all"]
    assert g["problems"] == 4 and set(g["bon"]["symbolic"]) == {"naive", "weighted", "majority"}
    assert all(len(v) == 4 for v in g["bon"]["symbolic"].values())
    assert g["bon"]["symbolic"]["majority"][0] == pytest.approx(g["pass@1"])  # n = 1: any rule = one sample
    fy = [int(x["correct"]) for r in recs for x in r["samples"]]
    if 0 < sum(fy) < len(fy):
        assert 0.0 <= g["auroc_final"]["symbolic"] <= 1.0
    out = table(s)
    assert "within-problem AUROC" in out and "step AUROC" in out and "level 1" in out and "weighted" in out
    json.dumps(s)


def test_within_problem_auroc_and_exact_step_labels():
    """A verifier that ranks within problems perfectly but is miscalibrated across them
    scores 1.0 within problems while its pooled AUROC is lower; the answer key's own
    scores agree with its labels (step AUROC 1)."""
    from ttc_viz.problems import synthetic
    from ttc_viz.verifiers.oracle import chain_of

    recs = []
    for i, (lv, offset) in enumerate([(1, 0.0), (1, 0.6), (2, 0.3)]):
        p = synthetic(lv, i)
        c = chain_of(p)
        first = c.steps[0]
        op = {"*": "×"}.get(first.op, first.op)
        good = [f"{first.a} {op} {first.b} = {first.c}.", f"The answer is {c.answer}."]
        bad = [f"{first.a} {op} {first.b} = {first.c + 1}.", f"The answer is {c.answer + 1}."]
        samples = [{"steps": good, "answer": str(c.answer), "correct": True},
                   {"steps": bad, "answer": str(c.answer + 1), "correct": False}]
        recs.append({"id": p.id, "level": lv, "problem": p.text, "answer": p.answer, "samples": samples, "mc": [],
                     "scores": {"shifted": [[0.3 + offset, 0.3 + offset], [0.1 + offset, 0.1 + offset]],
                                "answer-key": [[1.0, 1.0], [0.0, 0.0]]}})
    s = summarize(recs, cfg(n=2))
    g = s["groups"]["all"]
    assert g["problems_with_both"] == 3
    assert g["auroc_within"]["shifted"]["value"] == 1.0
    assert g["auroc_final"]["shifted"] < 1.0  # pooled mixes calibration with ranking
    assert g["auroc_steps"]["answer-key"]["value"] == 1.0 and g["auroc_step1"]["answer-key"]["value"] == 1.0
    lo, hi = g["auroc_within"]["shifted"]["lo"], g["auroc_within"]["shifted"]["hi"]
    assert lo <= 1.0 <= hi + 1e-9


def test_records_folder_resumes(tmp_path):
    class Dies(FakeGenerator):
        left = 2

        def solutions(self, *a, **kw):
            Dies.left -= 1
            if Dies.left < 0:
                raise KeyboardInterrupt
            return super().solutions(*a, **kw)

    with pytest.raises(KeyboardInterrupt):
        run_eval(Dies(), {"symbolic": SymbolicVerifier()}, cfg(), records=tmp_path)
    assert len(list(tmp_path.glob("synthetic-*.json"))) == 2
    gen = FakeGenerator()
    recs = run_eval(gen, {"symbolic": SymbolicVerifier()}, cfg(), records=tmp_path)
    assert len(recs) == 4 and sum(c[0] == "solutions" for c in gen.calls) == 2
    with pytest.raises(ValueError, match="other settings"):
        run_eval(gen, {"symbolic": SymbolicVerifier()}, cfg(n=8), records=tmp_path)

    class Constant(SymbolicVerifier):
        name = "constant"

        def score_batch(self, problem, solutions):
            return [[0.5] * len(s) for s in solutions]

    gen2 = FakeGenerator()
    recs = run_eval(gen2, {"symbolic": SymbolicVerifier(), "constant": Constant()}, cfg(), records=tmp_path)
    assert gen2.calls == []  # a verifier added later scores the recorded samples
    assert all(set(r["scores"]) == {"symbolic", "constant"} for r in recs)
    s = summarize(recs, cfg(), ["constant"])
    assert s["verifiers"] == ["constant"] and s["groups"]["all"]["auroc_steps"]["constant"]["value"] in (0.5, None)

    # a retrained verifier keeps its name but not its weights: its recorded scores are not reused
    class Retrained(Constant):
        weights = {"adapter_sha256": "new"}

        def score_batch(self, problem, solutions):
            return [[0.25] * len(s) for s in solutions]

    gen3 = FakeGenerator()
    recs = run_eval(gen3, {"constant": Retrained()}, cfg(), records=tmp_path)
    assert gen3.calls == [] and all(x == 0.25 for r in recs for sol in r["scores"]["constant"] for x in sol)
    assert all(r["weights"]["constant"] == {"adapter_sha256": "new"} for r in recs)
    again = run_eval(FakeGenerator(), {"constant": Retrained()}, cfg(), records=tmp_path)
    assert again == recs


@pytest.mark.parametrize("kw,msg", [({"n": 0}, "N must"), ({"rollouts": 0}, "rollouts"), ({"mc_samples": -1}, "mc"),
                                    ({"mc_samples": 9}, "mc samples"), ({"levels": (6,)}, "levels")])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        cfg(**kw).check()


@pytest.mark.real
def test_real_model_eval(embedded):
    from ttc_viz.experiments.eval_prm import EvalConfig

    c = EvalConfig(levels=(1,), problems=1, n=2, mc_samples=1, rollouts=1)
    recs = run_eval(embedded, {"symbolic": SymbolicVerifier()}, c)
    s = summarize(recs, c)
    assert s["groups"]["level 1"]["problems"] == 1
    assert len(recs[0]["mc"][0]["labels"]) == len(recs[0]["samples"][0]["steps"])
