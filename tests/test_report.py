import json

import pytest

from fakes import FakeGenerator
from ttc_viz.experiments.summary import write_summary
from ttc_viz.experiments.optimal import compute_optimal, efficiency, gaps
from ttc_viz.experiments.report import bins, build, curves, json_report, text_report
from ttc_viz.experiments.sweep import SweepConfig, run_sweep
from ttc_viz.verifiers import SymbolicVerifier


def row(pid, config, budget, acc, tokens=10.0):
    return {"problem_id": pid, "config": config, "budget": budget, "acc": acc, "generations": budget,
            "tokens": tokens, "flops": 2 * tokens, "strategy": config.split()[0], "level": 1}


def test_quantile_bins_put_the_easiest_first_and_level_bins_need_no_pool():
    diff = {f"p{i}": {"oracle": i / 10, "predicted": 1 - i / 10} for i in range(10)}
    rows = [{**row(f"p{i}", "beam M=4", 4, 0.0), "level": 1 + i // 2} for i in range(10)]
    b = bins(rows, diff, "oracle")
    assert b["p9"] == b["p8"] == 1 and b["p0"] == b["p1"] == 5
    assert [list(b.values()).count(k) for k in range(1, 6)] == [2] * 5
    assert bins(rows, diff, "predicted")["p0"] == 1
    assert bins(rows, {}, "level") == {f"p{i}": 1 + i // 2 for i in range(10)}
    with pytest.raises(ValueError, match="bin kind"):
        bins(rows, diff, "vibes")
    with pytest.raises(ValueError, match="no independent difficulty pool"):
        bins(rows, {}, "oracle")


class Moody(FakeGenerator):
    """Right on some samples and wrong on others, by the sample's seed: two pools of one problem
    drawn with different seeds say different things about how hard it is."""

    def solutions(self, problem, n, *, temperature, seed):
        import random

        rng = random.Random(seed)
        right = rng.random()
        return [[self._step_of(f"The answer is {5 if rng.random() < right else 6}.")] for _ in range(n)]

    def _step_of(self, text):
        from ttc_viz.lm.base import Step

        return Step(text, 5, 10, True)


def test_bins_come_from_the_independent_pool_never_from_the_scored_one(tmp_path):
    from ttc_viz.experiments.cells import difficulty, load_cells
    from ttc_viz.experiments.pools import pass_at_1
    cfg = SweepConfig(dataset=str(_data(tmp_path, 20)), problems=20, strategies=("best_of_n",), budgets=(1, 4, 16),
                      resamples=4, difficulty_pool=16)
    run_sweep(Moody(), SymbolicVerifier(), cfg, tmp_path / "sweep")
    meta, cells = load_cells(tmp_path / "sweep")
    scored = {c["cell"]["problem_id"]: pass_at_1([x["correct"] for x in c["summary"]["pool"]])
              for c in cells if c["cell"].get("role") is None}
    indep = difficulty(cells)
    assert set(indep) == set(scored) and any(abs(indep[p]["oracle"] - scored[p]) > 0.2 for p in scored)
    rep = build(tmp_path / "sweep", "oracle", resamples=0)
    assert rep["bin_of"] == bins(rep["rows"], indep, "oracle")
    by_scored = bins(rep["rows"], {p: {"oracle": v, "predicted": v} for p, v in scored.items()}, "oracle")
    assert rep["bin_of"] != by_scored      # the scored pool would have binned them otherwise
    assert not any(r["cell"].endswith(f"difficulty-b16") for r in rep["rows"])   # never scored


def test_a_sweep_with_difficulty_pools_still_bins_by_level_when_asked(tmp_path):
    """`report --bins level` on a sweep with pools once failed looking up a 'level' statistic."""
    cfg = SweepConfig(levels=(1, 2, 3, 4, 5), problems=2, strategies=("best_of_n",), budgets=(1, 2),
                      resamples=4, difficulty_pool=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    rep = build(tmp_path, "level", resamples=0)
    assert rep["difficulty"] and set(rep["bin_of"].values()) == {1, 2, 3, 4, 5}
    text = text_report(rep)
    assert "bin 1 (2 problems; 1 = easiest)" in text
    from ttc_viz.experiments.report import _natural
    assert sorted(["revisions seq=16", "revisions seq=2", "beam M=4"], key=_natural) == [
        "beam M=4", "revisions seq=2", "revisions seq=16"]
    assert "oracle 0." in text_report(build(tmp_path, "oracle", resamples=0))   # those bins name their range


def test_a_summary_without_independent_pools_offers_level_bins_only(tmp_path):
    """Summaries written before independent pools stored a difficulty taken from the best-of-N
    pool itself: read back, it is dropped, so those bins (which leak best-of-N's own outcome) are
    never offered; the sweep bins by level and counts only its cells."""
    import shutil

    cfg = SweepConfig(dataset=str(_data(tmp_path, 4)), problems=4, strategies=("best_of_n",), budgets=(1, 4),
                      resamples=4)
    d = tmp_path / "sweep"
    run_sweep(Moody(), SymbolicVerifier(), cfg, d)
    write_summary(d)
    s = json.loads((d / "summary.json").read_text())
    leaky = {r["problem_id"]: {"oracle": r["acc"], "predicted": r["acc"]} for r in s["rows"] if r["budget"] == 1}
    (d / "summary.json").write_text(json.dumps({**s, "difficulty": leaky}))
    shutil.rmtree(d / "cells")
    rep = build(d, resamples=0)
    assert rep["bin_kind"] == "level" and rep["difficulty"] == {} and rep["cells"] == s["cells"]
    with pytest.raises(ValueError, match="no independent difficulty pool"):
        build(d, "oracle", resamples=0)


def _data(tmp_path, n):
    f = tmp_path / "problems.jsonl"
    f.write_text("".join(json.dumps({"problem": f"Ana has {i} apples and gets 5 more. How many?", "answer": "5"}) + "\n"
                         for i in range(n)))
    return f


def test_repeated_cross_validation_matches_every_split_enumerated():
    """The held-out choice of ``select`` over many random halvings equals, within sampling
    error, the average over every possible halving worked out by hand."""
    from itertools import combinations

    import numpy as np

    from ttc_viz.experiments.optimal import select

    acc = np.array([[1, 1, 0, 0, 0, 0], [0.3] * 6])      # A is right on p0, p1 only; B is 0.3 everywhere
    bonus = np.array([0.0, 0.5])                          # ties go to B
    w = select(acc, bonus, 20_000, np.random.default_rng(0))
    expect = np.zeros((6, 2))
    halves = list(combinations(range(6), 3))
    for half in halves:
        other = [p for p in range(6) if p not in half]
        for choose_on, score_on in ((half, other), (other, half)):
            means = acc[:, list(choose_on)].mean(1) + 1e-9 * bonus
            for p in score_on:
                expect[p, int(np.argmax(means))] += 1
    expect /= expect.sum(1, keepdims=True)
    assert np.allclose(w, expect, atol=0.02)
    held_out = (w * acc.T).sum(1)
    assert held_out[0] < 1.0 and held_out.mean() < acc.max(0).mean()   # no problem scores its own choice


def test_compute_optimal_chooses_a_config_better_everywhere_and_breaks_ties_cheaply():
    rows = [row(p, "beam M=4", 4, 1) for p in ("p0", "p1")] + [row(p, "best_of_n weighted", 4, 0) for p in ("p0", "p1")]
    co = compute_optimal(rows, {"p0": 1, "p1": 1})
    assert co[1][4]["acc"] == 1.0 and co["all"][4]["acc"] == 1.0 and co[1][4]["share"] == {"beam M=4": 1.0}
    rows = []   # every rule is right everywhere: the tie goes to the cheaper family, then the weighted vote
    for pid in ("p0", "p1", "p2", "p3"):
        for cfg in ("best_of_n majority", "best_of_n naive", "best_of_n weighted", "beam M=4"):
            rows.append(row(pid, cfg, 4, 1.0))
    co = compute_optimal(rows, {p: 1 for p in ("p0", "p1", "p2", "p3")})
    assert co[1][4]["choices"] == ["best_of_n weighted"]


def test_curves_and_compute_optimal_carry_a_bootstrap_interval_over_problems():
    rows = [row(f"p{i}", "beam M=4", 4, float(i % 3 == 0)) for i in range(90)]
    rows += [row(f"p{i}", "best_of_n weighted", 4, 0.5) for i in range(90)]
    c = curves(rows)
    beam, bon = c["beam M=4"][4], c["best_of_n weighted"][4]
    assert beam["lo"] < beam["acc"] < beam["hi"]
    # for a mean of 90 values the percentile interval is close to +-1.96 standard errors
    assert beam["hi"] - beam["lo"] == pytest.approx(2 * 1.96 * beam["se"], rel=0.2)
    assert bon["lo"] == bon["hi"] == 0.5  # no spread across problems, no width
    co = compute_optimal(rows, {f"p{i}": 1 + i % 2 for i in range(90)})
    assert co["all"][4]["lo"] <= co["all"][4]["acc"] <= co["all"][4]["hi"]
    assert co[1][4]["lo"] <= co[1][4]["acc"] <= co[1][4]["hi"]


def test_the_bootstrap_redoes_the_selection_and_its_intervals_hold_the_estimates():
    from ttc_viz.experiments.optimal import bootstrap

    rows = []
    for i in range(60):
        rows += [row(f"p{i}", "best_of_n weighted", 4, float(i % 2)), row(f"p{i}", "best_of_n weighted", 16,
                                                                           float(i % 3 > 0)),
                 row(f"p{i}", "beam M=4", 4, float(i % 4 > 0), tokens=30.0)]
    bin_of = {f"p{i}": 1 + i % 3 for i in range(60)}
    co = compute_optimal(rows, bin_of)
    boot = bootstrap(rows, bin_of, resamples=100)
    lo, hi = boot["acc"][4]
    assert lo <= co["all"][4]["acc"] <= hi and hi - lo > 0.05
    glo, ghi = boot["gap"][4]
    g = gaps(rows, co["all"])[4]["diff"]
    assert glo <= g <= ghi
    m = boot["multiple"]["generations"]
    assert 0 <= m["reached"] <= 1 and m["lo"] <= m["hi"]


def test_gaps_pair_compute_optimal_with_best_of_n_at_its_largest_budget_per_problem():
    rows = []
    for i in range(40):
        pid = f"p{i}"
        rows += [row(pid, "best_of_n weighted", 4, 0.0), row(pid, "best_of_n weighted", 16, float(i % 2)),
                 row(pid, "beam M=4", 4, float(i % 2 or i % 4 == 0))]
    co = compute_optimal(rows, {f"p{i}": 1 for i in range(40)})
    g = gaps(rows, co["all"])
    # beam at 4 is right wherever best-of-N at 16 is, and on a quarter more problems
    assert g[4]["diff"] == pytest.approx(0.25) and 0 < g[4]["lo"] <= 0.25 <= g[4]["hi"] and g[4]["n"] == 40
    assert g[16]["diff"] == 0.0 and g[16]["lo"] == g[16]["hi"] == 0.0
    assert gaps([r for r in rows if r["strategy"] == "beam"], co["all"]) == {}


def test_efficiency_multiple_is_interpolated_on_the_log_cost_axis():
    import math

    pts = {1: (1.0, 0.3), 4: (4.0, 0.45), 16: (16.0, 0.6)}
    # reaches 0.5 a third of the way from 4 to 16 on the log axis: cost 4^(4/3)
    assert efficiency(pts, 0.5, 16.0) == pytest.approx(16 / 4 ** (4 / 3))
    assert efficiency(pts, 0.3, 16.0) == 16.0                 # already there at the first point
    assert efficiency(pts, 0.7, 16.0) is None                 # never reached
    assert efficiency({1: (None, 0.9)}, 0.5, 16.0) is None    # cost unknown on this axis
    assert math.isclose(efficiency({4: (100.0, 0.2), 8: (400.0, 0.6)}, 0.4, 800.0), 800 / 200)


def test_holm_and_the_sign_flip_test():
    from ttc_viz.experiments.claims import holm, sign_flip_p, verdict

    assert holm([0.01, 0.04, 0.03, 0.2]) == pytest.approx([0.04, 0.09, 0.09, 0.2])
    assert sign_flip_p([1.0] * 12) < 0.002 and sign_flip_p([1.0, -1.0] * 6) > 0.9 and sign_flip_p([0.0] * 5) == 1.0
    assert verdict(0.02, 0.1, +1) == "reproduced" and verdict(-0.1, -0.02, +1) == "not reproduced"
    assert verdict(-0.02, 0.1, +1) == "inconclusive" and verdict(-0.1, -0.02, -1) == "reproduced"
    assert verdict(0.02, 0.1, +1, p_holm=0.2) == "inconclusive"


def test_repeated_runs_of_a_cell_are_averaged_and_costs_carry_computed_tokens(tmp_path):
    cfg = SweepConfig(levels=(1,), problems=2, strategies=("beam",), budgets=(4, 8), ms=(2,), seeds=3,
                      repeat_budget=4, resamples=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    names = sorted(f.name for f in (tmp_path / "cells").glob("*.json"))
    assert sum("-b4-m2" in n for n in names) == 6 and sum("-b8-m2" in n for n in names) == 2   # 3 runs at 4 only
    rep = build(tmp_path, "level", resamples=0)
    at4 = [r for r in rep["rows"] if r["budget"] == 4]
    assert len(at4) == 2 and all(r["runs"] == 3 and r["cell"].endswith("-b4-m2") for r in at4)
    assert all(r["computed"] is not None and r["computed"] >= r["generations"] for r in rep["rows"])
    assert set(rep["efficiency"]["multiple"]) == {"generations", "computed", "flops", "seconds"}


def test_curves_average_with_standard_error():
    rows = [row("p0", "beam M=4", 4, 1.0), row("p1", "beam M=4", 4, 0.0)]
    c = curves(rows)["beam M=4"][4]
    assert c["acc"] == 0.5 and c["n"] == 2 and c["se"] == pytest.approx(0.5)


def test_small_bins_are_named_by_what_they_do_to_the_selection():
    from ttc_viz.experiments.optimal import FEW_PER_BIN, bin_size_note

    assert "single problem" in bin_size_note({"a": 1, "b": 2, "c": 2})
    few = bin_size_note({f"p{i}": i % 2 for i in range(6)})   # two bins of 3
    assert "fewer than 5" in few and "smallest 3" in few and "below every configuration" in few
    assert bin_size_note({f"p{i}": i % 2 for i in range(2 * FEW_PER_BIN)}) is None
    assert bin_size_note({}) is None


def test_build_report_and_compact_summary(tmp_path):
    cfg = SweepConfig(levels=(1, 2, 3, 4, 5), problems=2, strategies=("best_of_n", "beam"), budgets=(1, 2, 4, 8),
                      ms=(2,), resamples=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    rep = build(tmp_path, "level", resamples=20)
    assert len(rep["problems"]) == 10 and set(rep["bin_of"].values()) == {1, 2, 3, 4, 5}
    text = text_report(rep)
    assert "compute-optimal" in text and "efficiency multiple" in text and "bin 5" in text
    # a long configuration name (MCTS names its parameters) widens the label column: columns stay aligned
    long = "mcts c=1.0 children=4 rollout=off puct=off"
    wide = text_report({**rep, "rows": rep["rows"] + [{**rep["rows"][0], "config": long}],
                        "curves": {**rep["curves"], "all": {**rep["curves"]["all"], long: rep["curves"]["all"][
                            next(iter(rep["curves"]["all"]))]}}})
    table = wide.split("all problems (budget = generations):\n")[1].split("\n\n")[0].splitlines()
    assert len({len(ln.rstrip()) for ln in table if ln.strip()}) <= 2 and any(long in ln for ln in table)
    assert all(ln.index("%") > len(long) for ln in table if "%" in ln)
    assert "per-bin comparisons" in text and "Holm" in text
    # two problems a level: each half of a bin is one problem, and the report says what that means
    assert "note: some difficulty bins hold fewer than 5 problems (the smallest 2)" in text
    json.dumps(json_report(rep))  # serialisable
    write_summary(tmp_path)
    import shutil

    shutil.rmtree(tmp_path / "cells")
    rep2 = build(tmp_path, "level", resamples=20)  # from summary.json alone
    assert rep2["curves"]["all"] == json.loads(json.dumps(rep["curves"]["all"]), object_hook=_int_keys)
    with pytest.raises(ValueError, match="no independent difficulty pool"):
        build(tmp_path, "predicted")


def test_a_folder_shipped_with_some_trees_reads_and_rewrites_its_summary_losing_nothing(tmp_path):
    """A sweep folder may keep summary.json for every cell and the trees of only some: the
    report is the whole sweep's, and writing the summary again (report, a resumed sweep)
    keeps the rows of the cells that are not on disk."""
    cfg = SweepConfig(levels=(1, 2, 3), problems=2, strategies=("best_of_n", "beam"), budgets=(1, 2, 4),
                      ms=(2,), resamples=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    full = build(tmp_path, "level", resamples=0)
    write_summary(tmp_path)
    cells = sorted((tmp_path / "cells").glob("*.json"))
    for f in cells[: len(cells) // 2]:  # leave out half the trees, pool cells among them
        f.unlink()
    assert any("best_of_n" in f.name for f in cells[: len(cells) // 2])
    for _ in range(2):
        rep = build(tmp_path, "level", resamples=0)
        assert rep["cells"] == full["cells"] == len(cells) and rep["problems"] == full["problems"]
        assert rep["curves"] == full["curves"] and rep["bin_of"] == full["bin_of"]
        write_summary(tmp_path)  # must not shrink to the cells on disk
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["cells"] == len(cells) and s["difficulty"] == {}   # no independent pool in this sweep
    # a resumed sweep takes the summary's cells for done: none runs again, none counts twice
    res = run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    assert res["ran"] == 0 and res["skipped"] == len(cells)
    assert build(tmp_path, "level", resamples=0)["cells"] == len(cells)
    # a summary of another sweep (other seed) is not mixed in
    s["meta"]["config"]["seed"] = 99
    (tmp_path / "summary.json").write_text(json.dumps(s))
    on_disk = sorted((tmp_path / "cells").glob("*.json"))
    for f in on_disk[:2]:
        f.unlink()
    assert build(tmp_path, "level", resamples=0)["cells"] == len(on_disk) - 2
    # a damaged summary beside the cells is rewritten from them, not a reason to refuse the cells
    (tmp_path / "summary.json").write_text("{not json")
    assert build(tmp_path, "level", resamples=0)["cells"] == len(on_disk) - 2
    write_summary(tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["cells"] == len(on_disk) - 2


def _int_keys(d):
    return {int(k) if k.isdigit() else k: v for k, v in d.items()}


def test_missing_sweep_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="no sweep results"):
        build(tmp_path)


def _summary_sweep(tmp_path):
    cfg = SweepConfig(levels=(1, 2), problems=1, strategies=("best_of_n", "beam"), budgets=(1, 2, 4), ms=(2,),
                      resamples=2)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    write_summary(tmp_path)
    import shutil

    shutil.rmtree(tmp_path / "cells")
    return json.loads((tmp_path / "summary.json").read_text())


@pytest.mark.parametrize("mutate", [
    lambda s: s.__setitem__("rows", "all"),
    lambda s: s["rows"][0].__setitem__("acc", "1"),
    lambda s: s["rows"][0].__setitem__("budget", None),
    lambda s: s["rows"][0].pop("config"),
    lambda s: s["rows"].append(7),
    lambda s: s.__setitem__("difficulty", []),
    lambda s: s["difficulty"].__setitem__("x", {"oracle": "hard", "predicted": 0.5}),
    lambda s: s.pop("meta"),
    lambda s: s["meta"]["config"].__setitem__("budgets", "1,2"),
    lambda s: s.__setitem__("cells", "3"),
    lambda s: s.clear(),
])
def test_malformed_summary_is_a_clear_error(tmp_path, mutate):
    s = _summary_sweep(tmp_path)
    mutate(s)
    (tmp_path / "summary.json").write_text(json.dumps(s))
    with pytest.raises(ValueError, match="damaged|malformed"):
        build(tmp_path, "level", resamples=0)


def test_malformed_summary_in_the_cli_is_one_line(tmp_path):
    import subprocess
    import sys

    s = _summary_sweep(tmp_path)
    s["rows"][0]["acc"] = None
    (tmp_path / "summary.json").write_text(json.dumps(s))
    r = subprocess.run([sys.executable, "-m", "ttc_viz.cli", "report", str(tmp_path), "--no-figures", "--bins", "level"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "damaged" in r.stderr
