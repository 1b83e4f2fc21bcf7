"""Sequential revisions on the scripted fakes: chains recorded as paths of attempt nodes, the
hierarchical pick, the budget, the ratio checks, and the views, sweeps and CLI that show it."""
import pytest

from fakes import FakeGenerator
from ttc_viz.lm.base import STEP_DELIMITER, join_steps
from ttc_viz.problems import Problem
from ttc_viz.search.revisions import hierarchical_pick, revision_problem
from ttc_viz.scoring import vote
from ttc_viz.search import Hooks, SearchConfig, finalize, run, strategies, strategy_names
from ttc_viz.search.revisions import chains_of
from ttc_viz.tree import SearchTree
from ttc_viz.verifiers import SymbolicVerifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


class Recorder(FakeGenerator):
    """A fake that remembers the problem text of every ``solutions`` call."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.texts = []

    def solutions(self, problem, n, *, temperature, seed):
        self.texts.append((problem, n))
        return super().solutions(problem, n, temperature=temperature, seed=seed)


class RecordingVerifier(SymbolicVerifier):
    def __init__(self):
        super().__init__()
        self.problems = []

    def score_batch(self, problem, solutions):
        self.problems.append(problem)
        return super().score_batch(problem, solutions)


def revise(n=8, seq=4, gen=None, ver=None, hooks=None, **kw):
    return run("revisions", P, gen or FakeGenerator(), ver or SymbolicVerifier(), SearchConfig(n=n, seq=seq, **kw),
               hooks)


def test_every_attempt_is_a_node_and_every_chain_a_path():
    gen = Recorder()
    tree = revise(8, 4, gen=gen, seed=1)
    tree.validate()
    attempts = tree.nodes[1:]
    assert len(attempts) == 8 and all(n.status == "finished" for n in attempts)
    chains = chains_of(tree)
    assert len(chains) == 2 and [len(c) for c in chains] == [4, 4]
    for g, chain in enumerate(chains):
        assert [n.iteration for n in chain] == [1, 2, 3, 4] == [n.depth for n in chain]
        assert chain[0].parent == 0
        for prev, cur in zip(chain, chain[1:]):
            assert cur.parent == prev.id and cur.group == prev.group == g
        assert [n.id for n in tree.path(chain[-1].id)[1:]] == [n.id for n in chain]  # a chain is a path
    for n in attempts:
        assert n.answer is not None and n.value == n.score and 0 <= n.score <= 1
        assert n.tokens > 0 and n.text.count(STEP_DELIMITER) >= 1  # whole solutions, steps joined
    assert tree.config["reviser"] == "prompted" and tree.config["seq"] == 4
    assert tree.iterations == 4


def test_revisions_read_their_chain_and_are_scored_against_the_problem():
    gen, ver = Recorder(), RecordingVerifier()
    tree = revise(6, 3, gen=gen, ver=ver, seed=2)
    # round 1: every chain's first attempt solves the problem itself, in one call
    assert gen.texts[0] == (P.text, 2)
    later = gen.texts[1:]
    assert len(later) == 2 * 2 and all(n == 1 for _, n in later)  # then one call per chain per round
    chains = chains_of(tree)
    want = [revision_problem(P.text, [a.text.split(STEP_DELIMITER) for a in chains[c][:r]])
            for r in (1, 2) for c in (0, 1)]
    assert [t for t, _ in later] == want
    assert "Attempt 1:" in want[0] and P.text in want[0]
    assert ver.problems == [P.text] * 3  # scored against the original problem, once per round


def test_budget_is_exactly_n_generations():
    for n, seq in ((8, 1), (8, 2), (8, 4), (8, 8), (6, 3), (1, 1)):
        gen = FakeGenerator()
        tree = revise(n, seq, gen=gen, seed=0)
        assert tree.cost.generations == n == len(tree.nodes) - 1
        assert sum(c[1] for c in gen.calls if c[0] == "solutions") == n
        assert len({x.group for x in tree.nodes[1:]}) == n // seq
        assert strategies.get("revisions").budget(n) == n


@pytest.mark.parametrize("n,seq,msg", [(8, 3, "does not divide"), (4, 8, "larger than N"), (8, 0, "positive"),
                                       (8, -2, "positive")])
def test_seq_must_divide_n(n, seq, msg):
    with pytest.raises(ValueError, match=msg):
        revise(n, seq)


def test_seq_is_checked_only_for_strategies_that_use_it_and_recorded_only_by_them():
    SearchConfig(n=8, m=2, seq=3).check("beam")
    beam = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seq=3, seed=1))
    assert "seq" not in beam.config and "reviser" not in beam.config
    assert strategies.get("revisions").config_label({"seq": 4}) == "revisions seq=4"
    assert strategies.get("revisions").max_rounds(SearchConfig(n=8, seq=2)) == 2


def test_round_hooks_and_stop_between_rounds():
    seen = []
    tree = revise(8, 4, hooks=Hooks(on_round=lambda t, r: seen.append((r, len(t.nodes) - 1))), seed=3)
    assert seen == [(1, 2), (2, 4), (3, 6), (4, 8)] and not tree.stopped
    seen.clear()
    tree = revise(8, 4, hooks=Hooks(on_round=lambda t, r: seen.append(r), should_stop=lambda: len(seen) >= 2),
                  seed=3)
    assert seen == [1, 2] and tree.stopped and tree.iterations == 2
    assert len(tree.nodes) - 1 == 4 and tree.cost.generations == 4  # the attempts made are kept
    assert tree.selected_answer is not None and tree.validate() is None


def test_a_backend_with_a_trained_reviser_gets_every_attempt_and_the_tree_says_so():
    rev = Recorder()

    class WithReviser(FakeGenerator):
        def reviser(self):
            return rev

    gen = WithReviser()
    tree = revise(4, 2, gen=gen, seed=1)
    assert tree.config["reviser"] == "trained"
    assert gen.calls == [] and len(rev.texts) == 1 + 2


def test_the_job_guards_a_trained_reviser():
    from ttc_viz.jobs import SearchJob

    rev = FakeGenerator()

    class WithReviser(FakeGenerator):
        def reviser(self):
            return rev

    job = SearchJob([("revisions", P, SearchConfig(n=4, seq=2, seed=1))], WithReviser(), SymbolicVerifier())
    guarded = job.generator.reviser()
    assert guarded is not rev and guarded.inner is rev  # Stop and the token budget see its calls
    assert SearchJob([], FakeGenerator(), SymbolicVerifier()).generator.reviser() is None
    job.start()
    assert job.wait(30) and job.error is None
    assert job.trees[0].config["reviser"] == "trained" and job.trees[0].cost.generations == 4


# ---------------------------------------------------------------------------------------
# The hierarchical pick: within each chain by the rule, then across the chains' winners

# three chains of (answer, score); a flat weighted vote picks 2, the hierarchical one 1
CHAINS = [[("1", 0.9), ("2", 0.3), ("2", 0.3)],   # within: 1 (0.9) beats 2 (0.6); carries 0.9
          [("2", 0.4), ("2", 0.4), ("3", 0.5)],   # within: 2 (0.8) beats 3 (0.5); carries its best, 0.4
          [("2", 0.45), ("4", 0.1), ("4", 0.1)]]  # within: 2 (0.45) beats 4 (0.2); carries 0.45


def hand_tree(chains=CHAINS, voting="weighted") -> SearchTree:
    t = SearchTree.new("revisions", {"n": 9, "seq": 3, "aggregation": "last", "voting": voting,
                                     "reviser": "prompted"}, "A question?", "1")
    for g, chain in enumerate(chains):
        parent = 0
        for r, (ans, sc) in enumerate(chain, 1):
            parent = t.add(parent, join_steps([f"{r} + {g} = {r + g}.", f"The answer is {ans}."]), iteration=r,
                           score=sc, status="finished", group=g).id
    return finalize(t)


def test_hierarchical_pick_is_not_the_flat_vote():
    flat = [a for c in CHAINS for a, _ in c], [s for c in CHAINS for _, s in c]
    assert vote(*flat, "weighted") == "2"
    assert [vote([a for a, _ in c], [s for _, s in c], "weighted") for c in CHAINS] == ["1", "2", "2"]
    # across chains: 1 with 0.9 against 2 with 0.4 + 0.45 (with summed chain weights, 0.8 + 0.45, 2 would win)
    assert hierarchical_pick(CHAINS, "weighted") == "1"
    assert hierarchical_pick(CHAINS, "majority") == "2"  # chain winners by count: 2, 2, 4
    assert hierarchical_pick(CHAINS, "naive") == "1"
    tree = hand_tree()
    assert tree.picks == {"naive": "1", "weighted": "1", "majority": "2"}
    assert tree.selected_answer == "1" and tree.correct is True
    assert [n.value for n in tree.nodes[1:]] == [s for c in CHAINS for _, s in c]  # value = own score


def test_majority_within_then_across():
    chains = [[("3", 0.9), ("5", 0.1), ("5", 0.1)],  # majority within: 5
              [("3", 0.9), ("5", 0.1), ("5", 0.1)],  # 5
              [("3", 0.9), ("3", 0.9), ("4", 0.1)]]  # 3
    # flat: 3 four times, 5 four times (a tie goes to the first seen, 3); hierarchical: 5, 5, 3 -> 5
    assert vote([a for c in chains for a, _ in c], [1] * 9, "majority") == "3"
    assert hand_tree(chains).picks["majority"] == "5"


def test_a_chain_without_an_answer_does_not_vote():
    t = hand_tree([[("7", 0.1)]])
    t.nodes[1].text = "no answer here"
    t.nodes[1].answer = None
    assert finalize(t).selected_answer is None and t.correct is False
    assert hand_tree([[("2", 0.9)], [("7", 0.1)]]).picks["weighted"] == "2"


def test_repick_and_reload_keep_the_chains():
    from ttc_viz.search.whatif import repick

    tree = hand_tree()
    back = SearchTree.from_json(tree.to_json())
    assert finalize(back.copy()).to_dict() == tree.to_dict()
    alt = repick(tree, aggregation="min", voting="majority")
    assert alt.selected_answer == "2" and alt.config["aggregation"] == "last"  # attempts keep their aggregation
    assert [n.value for n in alt.nodes] == [n.value for n in tree.nodes]


def test_a_search_values_attempts_as_finalize_does():
    snaps = []
    tree = revise(6, 3, hooks=Hooks(on_round=lambda t, r: snaps.append(t.copy())), seed=4, aggregation="min")
    for snap in snaps:
        for n in snap.nodes[1:]:
            assert n.value == tree.nodes[n.id].value == n.score
    assert finalize(tree.copy()).to_dict() == tree.to_dict()


def test_rescore_scores_each_attempt_on_its_own_steps():
    from ttc_viz.search.whatif import rescore

    seen = []

    class Spy(SymbolicVerifier):
        def score_batch(self, problem, solutions):
            seen.extend(solutions)
            return [[0.25] * len(s) for s in solutions]

    tree = revise(4, 2, seed=1)
    other, _ = rescore(tree, Spy())
    assert seen == [n.text.split(STEP_DELIMITER) for n in tree.nodes[1:]]
    assert all(n.score == 0.25 == n.value for n in other.nodes[1:])


# ---------------------------------------------------------------------------------------
# Everywhere a strategy shows up

def test_revisions_is_registered_and_found_everywhere(capsys):
    from ttc_viz.cli import main
    from ttc_viz.search.spec import PARAM_SYMBOL
    from ttc_viz.experiments.sweep import SweepConfig
    from ui.common import STRATEGIES, STRATEGY_LABEL
    from ui.sidebar import PARAM_INPUTS

    assert "revisions" in strategy_names()
    spec = strategies.get("revisions")
    assert spec.whole_attempts and spec.pick is not None and spec.uses("seq") and not spec.pooled
    assert "revis" in spec.explain.lower() and "prompted" in spec.explain
    with pytest.raises(SystemExit):
        main(["solve", "--help"])
    out = capsys.readouterr().out
    assert "revisions" in out and "--seq" in out and "attempts per chain" in out
    with pytest.raises(SystemExit):
        main(["sweep", "--help"])
    out = capsys.readouterr().out
    assert "revisions" in out and "--seqs" in out
    SweepConfig(strategies=("revisions",)).check()
    assert "revisions" in STRATEGIES and STRATEGY_LABEL["revisions"] == "Sequential revisions"
    assert set(PARAM_INPUTS) == set(PARAM_SYMBOL)  # every strategy parameter has a sidebar input


def test_solve_prints_the_reviser():
    from ttc_viz.cli.solve import summary

    text = summary(revise(4, 2, seed=1))
    assert "strategy revisions  N=4 seq=2" in text and "reviser: prompted" in text


def test_cli_refuses_a_ratio_that_does_not_divide_before_loading_a_model(tmp_path):
    import subprocess
    import sys

    def cli(*args):
        return subprocess.run([sys.executable, "-m", "ttc_viz.cli", *args], capture_output=True, text=True,
                              timeout=120)

    r = cli("solve", "x", "--strategy", "revisions", "--n", "8", "--seq", "3")
    assert r.returncode == 2 and "does not divide" in r.stderr and "Traceback" not in r.stderr
    r = cli("sweep", "--out", str(tmp_path / "s"), "--seqs", "1,x")
    assert r.returncode == 2 and "--seqs" in r.stderr and "Traceback" not in r.stderr


def test_the_tree_is_drawn_as_chains_left_to_right():
    from ttc_viz.plots import chain_layout, tree_figure

    tree = revise(6, 3, seed=1)
    pos = chain_layout(tree, [n.id for n in tree.nodes])
    for n in tree.nodes[1:]:
        assert pos[n.id] == (float(n.depth), -float(n.group))  # attempt number across, chain down
    assert pos[0] == (0.0, -0.5)
    fig = tree_figure(tree)
    steps = next(t for t in fig.data if t.name == "steps")
    assert len(steps.x) == 6 and all(("✓" in s) or ("✗" in s) for s in steps.text)
    assert "seq=3" in fig.layout.title.text and "prompted reviser" in fig.layout.title.text
    early = tree_figure(tree, iteration=1)
    assert len(next(t for t in early.data if t.name == "steps").x) == 2  # the replay shows round 1's attempts


# ---------------------------------------------------------------------------------------
# Sweeps: revisions at several ratios per budget

def test_sweep_cells_only_where_seq_divides_the_budget():
    from ttc_viz.experiments.sweep import SweepConfig

    cfg = SweepConfig(strategies=("best_of_n", "beam", "revisions"), budgets=(1, 2, 4, 8), ms=(2,), seqs=(1, 2, 4, 3))
    cells = cfg.cells_for(Problem("q", "1", id="p"))
    rev = [c for c in cells if c["strategy"] == "revisions"]
    assert sorted((c["budget"], c["seq"]) for c in rev) == [(1, 1), (2, 1), (2, 2), (4, 1), (4, 2), (4, 4),
                                                             (8, 1), (8, 2), (8, 4)]
    assert all(c["n"] == c["budget"] and c["id"].endswith(f"-b{c['budget']}-s{c['seq']}") for c in rev)
    assert all("seq" not in c for c in cells if c["strategy"] != "revisions")  # the others' cells as they were
    assert len({c["id"] for c in cells}) == len(cells)
    with pytest.raises(ValueError, match="seqs"):
        SweepConfig(strategies=("revisions",), seqs=(0,)).check()


def test_sweep_report_and_ratio_plot(tmp_path):
    import json
    import shutil

    from ttc_viz.experiments.cells import load_tree
    from ttc_viz.experiments.summary import write_summary
    from ttc_viz.experiments.figures import curves_figure, ratio_figure
    from ttc_viz.experiments.report import build, json_report, text_report
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    cfg = SweepConfig(levels=(1, 2), problems=2, strategies=("best_of_n", "revisions"), budgets=(1, 2, 4),
                      seqs=(1, 2, 4), resamples=2)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    rep = build(tmp_path)
    assert {"revisions seq=1", "revisions seq=2", "revisions seq=4"} <= set(rep["curves"]["all"])
    rows = [r for r in rep["rows"] if r["strategy"] == "revisions"]
    assert rows and all(r["generations"] == r["budget"] for r in rows)
    # compute-optimal chooses among strategies and ratios alike (each ratio is a configuration)
    choices = {c for b, per in rep["compute_optimal"].items() if b != "all" for pt in per.values()
               for c in pt["choices"]}
    assert choices and choices <= set(rep["curves"]["all"])
    assert sorted(rep["ratios"]) == [2, 4]  # the budgets with two ratios or more
    assert sorted(rep["ratios"][4]["all"]) == [1, 2, 4] and rep["ratios"][4]["all"][4]["chains"] == 1
    assert set(rep["ratios"][4]) == {"all", *set(rep["bin_of"].values())}
    text = text_report(rep)
    assert "sequential : parallel at budget 4" in text and "4:1" in text
    json.dumps(json_report(rep))
    fig = ratio_figure(rep, 4)
    assert fig.data[0].name == "all problems" and len(fig.data) == 1 + len(set(rep["bin_of"].values()))
    assert list(fig.layout.xaxis.ticktext) == ["1:4", "2:2", "4:1"]
    curves_figure(rep)
    tree = load_tree(tmp_path, next(r["cell"] for r in rows if r["seq"] == 2 and r["budget"] == 4))
    assert tree.config["seq"] == 2 and len(tree.nodes) - 1 == 4 and tree.cost.generations == 4
    write_summary(tmp_path)
    shutil.rmtree(tmp_path / "cells")
    assert sorted(build(tmp_path)["ratios"]) == [2, 4]  # the compact summary keeps seq


def test_compute_optimal_can_choose_a_ratio():
    from ttc_viz.experiments.optimal import compute_optimal

    rows = []
    for pid in "abcd":
        for cfg, acc in (("best_of_n weighted", 0.0), ("revisions seq=2", 1.0), ("revisions seq=4", 0.0)):
            rows.append({"problem_id": pid, "config": cfg, "budget": 4, "acc": acc, "generations": 4,
                         "tokens": 10, "flops": 1})
    co = compute_optimal(rows, {p: 1 for p in "abcd"})
    assert co[1][4]["choices"] == ["revisions seq=2"] and co[1][4]["share"] == {"revisions seq=2": 1.0}
    assert co[1][4]["acc"] == 1.0
