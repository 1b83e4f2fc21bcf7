import json

import pytest

from fakes import FakeGenerator
from ttc_viz.experiments.cells import write_summary
from ttc_viz.experiments.optimal import compute_optimal, efficiency, gaps
from ttc_viz.experiments.report import bins, build, curves, json_report, text_report
from ttc_viz.experiments.sweep import SweepConfig, run_sweep
from ttc_viz.verifiers import SymbolicVerifier


def row(pid, config, budget, acc, tokens=10.0):
    return {"problem_id": pid, "config": config, "budget": budget, "acc": acc, "generations": budget,
            "tokens": tokens, "flops": 2 * tokens, "strategy": config.split()[0], "level": 1}


def test_quantile_bins_put_the_easiest_first():
    diff = {f"p{i}": {"oracle": i / 10, "predicted": 1 - i / 10} for i in range(10)}
    b = bins(diff, "oracle")
    assert b["p9"] == b["p8"] == 1 and b["p0"] == b["p1"] == 5
    assert [list(b.values()).count(k) for k in range(1, 6)] == [2] * 5
    assert bins(diff, "predicted")["p0"] == 1
    with pytest.raises(ValueError, match="bin kind"):
        bins(diff, "vibes")


def test_compute_optimal_chooses_on_the_other_fold():
    # in one bin, "beam" is better on p0/p2 (fold A) and "bon" on p1/p3 (fold B):
    # fold A's choice comes from fold B and vice versa, so the selector scores 0 here.
    rows = []
    for pid, beam, bon in (("p0", 1, 0), ("p1", 0, 1), ("p2", 1, 0), ("p3", 0, 1)):
        rows += [row(pid, "beam M=4", 4, beam), row(pid, "best_of_n weighted", 4, bon)]
    co = compute_optimal(rows, {p: 1 for p in ("p0", "p1", "p2", "p3")})
    assert co[1][4]["acc"] == 0.0 and sorted(co[1][4]["choices"]) == ["beam M=4", "best_of_n weighted"]
    # when one strategy is better everywhere, it is chosen on both folds
    rows = [row(p, "beam M=4", 4, 1) for p in ("p0", "p1")] + [row(p, "best_of_n weighted", 4, 0) for p in ("p0", "p1")]
    co = compute_optimal(rows, {"p0": 1, "p1": 1})
    assert co[1][4]["acc"] == 1.0 and co["all"][4]["acc"] == 1.0


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


def test_a_tie_on_the_choosing_fold_goes_to_the_cheaper_family_then_the_weighted_vote():
    # every rule is right on the choosing fold; only the weighted vote stays right on the other
    rows = []
    for pid, held in (("p0", False), ("p1", True), ("p2", False), ("p3", True)):
        for cfg in ("best_of_n majority", "best_of_n naive", "best_of_n weighted", "beam M=4"):
            rows.append(row(pid, cfg, 4, 1.0 if not held or cfg == "best_of_n weighted" else 0.0))
    co = compute_optimal(rows, {p: 1 for p in ("p0", "p1", "p2", "p3")})
    assert co[1][4]["choices"][0] == "best_of_n weighted" and co[1][4]["acc"] == 1.0


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


def test_efficiency_multiple():
    curve = {"best_of_n weighted": {1: {"acc": 0.2}, 16: {"acc": 0.5}}}
    co = {1: {"acc": 0.3}, 4: {"acc": 0.55}, 16: {"acc": 0.6}}
    assert efficiency(curve, co) == {"target": 0.5, "largest": 16, "budget": 4, "multiple": 4.0}
    assert efficiency(curve, {1: {"acc": 0.1}})["multiple"] is None
    assert efficiency({}, co)["target"] is None


def test_curves_average_with_standard_error():
    rows = [row("p0", "beam M=4", 4, 1.0), row("p1", "beam M=4", 4, 0.0)]
    c = curves(rows)["beam M=4"][4]
    assert c["acc"] == 0.5 and c["n"] == 2 and c["se"] == pytest.approx(0.5)


def test_build_report_and_compact_summary(tmp_path):
    cfg = SweepConfig(levels=(1, 2, 3, 4, 5), problems=2, strategies=("best_of_n", "beam"), budgets=(1, 2, 4, 8),
                      ms=(2,), resamples=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    rep = build(tmp_path)
    assert len(rep["problems"]) == 10 and set(rep["bin_of"].values()) == {1, 2, 3, 4, 5}
    text = text_report(rep)
    assert "compute-optimal" in text and "efficiency multiple" in text and "bin 5" in text
    json.dumps(json_report(rep))  # serialisable
    write_summary(tmp_path)
    import shutil

    shutil.rmtree(tmp_path / "cells")
    rep2 = build(tmp_path)  # from summary.json alone
    assert rep2["curves"]["all"] == json.loads(json.dumps(rep["curves"]["all"]), object_hook=_int_keys)
    assert build(tmp_path, "predicted")["bin_kind"] == "predicted"


def test_a_folder_shipped_with_some_trees_reads_and_rewrites_its_summary_losing_nothing(tmp_path):
    """A sweep folder may keep summary.json for every cell and the trees of only some: the
    report is the whole sweep's, and writing the summary again (report, a resumed sweep)
    keeps the rows of the cells that are not on disk."""
    cfg = SweepConfig(levels=(1, 2, 3), problems=2, strategies=("best_of_n", "beam"), budgets=(1, 2, 4),
                      ms=(2,), resamples=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    full = build(tmp_path)
    write_summary(tmp_path)
    cells = sorted((tmp_path / "cells").glob("*.json"))
    for f in cells[: len(cells) // 2]:  # leave out half the trees, pool cells among them
        f.unlink()
    assert any("best_of_n" in f.name for f in cells[: len(cells) // 2])
    for _ in range(2):
        rep = build(tmp_path)
        assert rep["cells"] == full["cells"] == len(cells) and rep["problems"] == full["problems"]
        assert rep["curves"] == full["curves"] and rep["bin_of"] == full["bin_of"]
        write_summary(tmp_path)  # must not shrink to the cells on disk
    s = json.loads((tmp_path / "summary.json").read_text())
    assert s["cells"] == len(cells) and len(s["difficulty"]) == 6
    # a cell run again wins over the summary's copy of it, and is counted once
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    assert build(tmp_path)["cells"] == len(cells)
    # a summary of another sweep (other seed) is not mixed in
    s["meta"]["config"]["seed"] = 99
    (tmp_path / "summary.json").write_text(json.dumps(s))
    for f in cells[:2]:
        f.unlink()
    assert build(tmp_path)["cells"] == len(cells) - 2
    # a damaged summary beside the cells is rewritten from them, not a reason to refuse the cells
    (tmp_path / "summary.json").write_text("{not json")
    assert build(tmp_path)["cells"] == len(cells) - 2
    write_summary(tmp_path)
    assert json.loads((tmp_path / "summary.json").read_text())["cells"] == len(cells) - 2


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
    lambda s: s["difficulty"].__setitem__("x", {"oracle": "hard"}),
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
        build(tmp_path)


def test_malformed_summary_in_the_cli_is_one_line(tmp_path):
    import subprocess
    import sys

    s = _summary_sweep(tmp_path)
    s["rows"][0]["acc"] = None
    (tmp_path / "summary.json").write_text(json.dumps(s))
    r = subprocess.run([sys.executable, "-m", "ttc_viz.cli", "report", str(tmp_path), "--no-figures"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr and "damaged" in r.stderr


def test_the_shipped_sweep_can_carry_per_bin_claims():
    """The sweep the Curves page opens first: >= 150 problems, 5 bins of >= 30, best-of-N
    from a pool of 64, beam search at 4/8/16, DVTS and lookahead at 8/16 on every problem;
    it keeps the trees of only some cells (summary.json has all)."""
    from collections import Counter

    from ttc_viz.experiments.cells import SHIPPED_SWEEP

    rep = build(SHIPPED_SWEEP)
    n = len(rep["problems"])
    assert n >= 150
    sizes = Counter(rep["bin_of"].values())
    assert sorted(sizes) == [1, 2, 3, 4, 5] and min(sizes.values()) >= 30
    curve = rep["curves"]["all"]
    assert max(curve["best_of_n weighted"]) == 64 and curve["best_of_n weighted"][64]["n"] == n
    # DVTS at budget 4 with M = 4 is one subtree, beam search itself: the sweep runs it from 8
    for cfg, budgets in (("beam M=4", [4, 8, 16]), ("dvts M=4", [8, 16]), ("lookahead M=4 k=1", [8, 16])):
        assert sorted(curve[cfg]) == budgets and all(pt["n"] == n for pt in curve[cfg].values())
    assert 0 < len(rep["trees"]) < rep["cells"]
    assert all(pt["lo"] <= pt["acc"] <= pt["hi"] for c in curve.values() for pt in c.values())
    assert rep["efficiency"]["target"] is not None


def test_the_readme_tables_are_the_shipped_sweeps():
    """Every number in the README's "What the shipped sweep shows" tables is what report computes."""
    import re
    from pathlib import Path

    from ttc_viz.experiments.cells import SHIPPED_SWEEP

    text = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    sec = text[text.index("### What the shipped sweep shows"):text.index("## How the search works here")]
    rep = build(SHIPPED_SWEEP)
    curve, co = rep["curves"]["all"], rep["compute_optimal"]
    cols = ["best_of_n weighted", "best_of_n majority", "best_of_n naive", "beam M=4", "dvts M=4",
            "lookahead M=4 k=1", None]
    rows = [ln for ln in sec.splitlines() if re.match(r"\| \d+ \| \d", ln)]
    overall = [ln for ln in rows if "%" in ln.split("|")[2] and "(" in ln]
    assert len(overall) == 5
    for ln in overall:
        parts = [p.strip() for p in ln.strip("|").split("|")]
        budget = int(parts[0])
        for cfg, cell in zip(cols, parts[1:]):
            pt = co["all"].get(budget) if cfg is None else curve.get(cfg, {}).get(budget)
            if not cell:
                assert pt is None, (cfg, budget)
                continue
            acc, lo, hi = map(float, re.fullmatch(r"([\d.]+)% \((\d+)–(\d+)\)", cell).groups())
            assert (acc, lo, hi) == (round(100 * pt["acc"], 1), round(100 * pt["lo"]), round(100 * pt["hi"])), cell
    per_bin = [ln for ln in rows if ln not in overall]
    assert len(per_bin) == 5
    for ln in per_bin:
        parts = [p.strip() for p in ln.strip("|").split("|")]
        b, c = int(parts[0]), rep["curves"][int(parts[0])]
        want = [c["best_of_n weighted"][4], c["beam M=4"][4], c["best_of_n weighted"][16], c["beam M=4"][16],
                c["dvts M=4"][16], c["lookahead M=4 k=1"][16]]
        assert parts[2:8] == [f"{100 * pt['acc']:.0f}%" for pt in want], ln
    eff = rep["efficiency"]
    assert f"efficiency multiple of {eff['multiple']:.1f}×" in sec
    for kind, budget in (("oracle", 16), ("oracle", 8), ("predicted", 16)):
        g = build(SHIPPED_SWEEP, kind)["efficiency"]["gaps"][budget]
        lo, hi = (f"{100 * x:+.1f}".replace("-", "−") for x in (g["lo"], g["hi"]))
        assert f"{100 * g['diff']:+.1f}".replace("-", "−") in sec and f"{lo} to {hi}" in sec, (kind, budget, g)
