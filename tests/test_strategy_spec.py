"""A strategy is its file: the spec it registers is all the CLI, sweeps, reports, plots and
the app know about it. A toy strategy registered here, in one place, shows up in each."""
import re
from pathlib import Path

import pytest

from fakes import FakeGenerator
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, StrategySpec, register, run, strategies, strategy_names, unregister
from ttc_viz.search.stepwise import stepwise_search
from ttc_viz.verifiers import SymbolicVerifier

ROOT = Path(__file__).resolve().parent.parent
TOY = "toy_greedy"


def toy_greedy(problem, generator, verifier, config, hooks=None):
    """Keep the single best candidate each round (a beam of width one)."""
    return stepwise_search(TOY, problem, generator, verifier, config, hooks, groups=1, keep=1, k=0)


@pytest.fixture
def toy():
    spec = register(StrategySpec(name=TOY, label="Toy greedy", run=toy_greedy, summary="keeps one candidate a round",
                                 params=("m",), color="#123456", order=7))
    yield spec
    unregister(TOY)
    assert TOY not in strategy_names()


def test_the_toy_runs_and_its_config_is_checked_by_its_spec(toy):
    tree = run(TOY, Problem("Ana has 2 apples and gets 3 more. How many?", "5"), FakeGenerator(), SymbolicVerifier(),
               SearchConfig(n=4, m=2, seed=0, max_rounds=3))
    assert tree.strategy == TOY and tree.validate() is None
    with pytest.raises(ValueError, match="divide"):
        SearchConfig(n=4, m=3).check(TOY)  # it uses M, so M's checks apply


def test_the_toy_appears_in_the_cli(toy, capsys):
    from ttc_viz.cli import build_parser, main

    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    out = capsys.readouterr().out
    assert TOY in out and "keeps one candidate a round" in out
    assert build_parser().parse_args(["solve", "x", "--strategy", TOY]).strategy == TOY
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    assert TOY in capsys.readouterr().out


def test_the_toy_appears_in_sweeps_and_reports(toy, tmp_path):
    from ttc_viz.experiments.report import build
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    with pytest.raises(ValueError, match=TOY):  # the list of choices comes from the registry
        SweepConfig(strategies=("no_such_strategy",)).check()
    cfg = SweepConfig(levels=(1,), problems=2, strategies=("best_of_n", TOY), budgets=(1, 2, 4), ms=(2,),
                      resamples=2)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    assert sorted(f.name for f in (tmp_path / "cells").glob(f"*--{TOY}-*")) == \
        [f"synthetic-test-L1-{i}--{TOY}-b{b}-m2.json" for i in (0, 1) for b in (2, 4)]
    rep = build(tmp_path)
    assert f"{TOY} M=2" in rep["curves"]["all"]


def test_the_toy_appears_in_the_plots_colours(toy):
    from ttc_viz.experiments.figures import config_style, curves_figure

    assert config_style(f"{TOY} M=2") == ("#123456", "solid")
    pts = {4: {"acc": 0.5, "se": 0.0, "generations": 4, "tokens": 10, "flops": 1}}
    fig = curves_figure({"curves": {"all": {f"{TOY} M=2": pts}}, "compute_optimal": {}, "bin_kind": "oracle"})
    assert [t.line.color for t in fig.data if t.name == f"{TOY} M=2"] == ["#123456"]


def test_specs_carry_what_used_to_be_special_cases():
    bon, la, dvts = strategies.get("best_of_n"), strategies.get("lookahead"), strategies.get("dvts")
    assert bon.pooled and bon.baseline and not bon.uses("m")
    assert la.budget(8, k=1) == 16 and la.n_for_budget(8, k=1) == 4 and la.n_for_budget(9, k=2) == 3
    assert la.n_for_budget(7, k=1) is None and bon.budget(8, k=3) == 8
    assert dvts.redundant(4, 4, 0) and not dvts.redundant(8, 4, 0)
    assert la.config_label({"m": 4, "k": 1}) == "lookahead M=4 k=1" and bon.config_label({"rule": "naive"}) == \
        "best_of_n naive"
    assert strategies.reference_config() == "best_of_n weighted"
    with pytest.raises(ValueError, match="lower-case"):
        register(StrategySpec(name="Bad Name", label="x", run=toy_greedy, summary="x"))


def test_no_module_outside_search_compares_strategy_names():
    """The spec is the only place a strategy is described: nothing else tests its name."""
    names = "|".join(map(re.escape, strategy_names()))
    compare = re.compile(rf"""(==|!=)\s*["']({names})["']|["']({names})["']\s*(==|!=)|"""
                         rf"""startswith\(["']({names})""")
    files = [p for p in (ROOT / "ttc_viz").rglob("*.py") if "search" not in p.relative_to(ROOT / "ttc_viz").parts]
    files += list((ROOT / "ui").glob("*.py")) + [ROOT / "app.py"]
    hits = [f"{p.relative_to(ROOT)}:{i}" for p in files
            for i, line in enumerate(p.read_text().splitlines(), 1) if compare.search(line)]
    assert hits == []
