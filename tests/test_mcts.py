"""Monte Carlo tree search (search/mcts.py): UCT selection, backpropagation, the budget, and the
per-iteration statistics the replay reads, on the fakes."""
import json
import math

import pytest

from fakes import FakeGenerator
from ttc_viz.lm.base import Step
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run, strategies
from ttc_viz.search.mcts import backpropagate, choice_scores, max_iterations, priors, puct, select_child, uct
from ttc_viz.tree import SearchTree, TreeFormatError, stats_at
from ttc_viz.verifiers import SymbolicVerifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


def search(**kw):
    gen_kw = {"steps_to_finish": kw.pop("steps", 3)}
    return run("mcts", P, FakeGenerator(**gen_kw), SymbolicVerifier(), SearchConfig(**kw))


# ---------------------------------------------------------------------------------------
# The pieces

def test_uct_is_mean_plus_the_exploration_bonus():
    assert uct(0.5, 1, 1, 2.0) == 0.5                      # ln 1 = 0: no bonus yet
    assert uct(0.8, 10, 11, 1.0) == pytest.approx(0.8 + math.sqrt(math.log(11) / 10))
    assert uct(0.3, 4, 20, 0.0) == 0.3                      # c = 0: the mean alone
    assert uct(0.0, 0, 5, 1.0) == math.inf                  # never visited: tried first


def test_uct_selection_trades_the_mean_against_the_visits():
    visits, total = {1: 10, 2: 1}, {1: 8.0, 2: 0.3}         # means 0.8 (well tried) and 0.3 (tried once)
    assert select_child([1, 2], visits, total, 11, 0.0) == 1          # greedy: the better mean
    assert select_child([1, 2], visits, total, 11, 1.0) == 2          # 0.3 + 1.55 beats 0.8 + 0.49
    assert select_child([1, 2], visits, total, 11, 0.1) == 1
    assert select_child([3, 4], {3: 2, 4: 2}, {3: 1.0, 4: 1.0}, 4, 1.0) == 3   # a tie: the earlier child
    assert select_child([3, 4], {3: 2}, {3: 2.0}, 2, 0.0) == 4                  # unvisited first


def test_puct_scales_the_bonus_by_the_verifier_prior():
    assert puct(0.5, 0, 4, 1.0, 0.25) == pytest.approx(0.5 + 0.25 * 2 / 1)
    assert puct(0.5, 3, 16, 2.0, 0.5) == pytest.approx(0.5 + 2 * 0.5 * 4 / 4)
    assert priors([0.9, 0.1]) == pytest.approx([0.9, 0.1]) and priors([0.0, 0.0, 0.0]) == [1 / 3] * 3
    assert priors([0.6, None]) == [1.0, 0.0]
    visits, total = {1: 4, 2: 4}, {1: 2.0, 2: 2.0}               # equal means and visits
    assert select_child([1, 2], visits, total, 8, 1.0, {1: 0.2, 2: 0.8}) == 2   # the prior decides
    assert select_child([1, 2], visits, total, 8, 1.0) == 1                       # UCT: a tie, the earlier


def test_backpropagation_adds_one_visit_per_evaluation_along_the_path():
    visits, total = {0: 3, 1: 2, 5: 1}, {0: 1.5, 1: 1.0, 5: 0.5}
    backpropagate([0, 1, 5], [0.2, 0.6], visits, total)
    assert visits == {0: 5, 1: 4, 5: 3}
    assert total == pytest.approx({0: 2.3, 1: 1.8, 5: 1.3})
    backpropagate([0, 7], [0.9], visits, total)            # a node seen the first time
    assert visits[7] == 1 and total[7] == pytest.approx(0.9) and visits[0] == 6


# ---------------------------------------------------------------------------------------
# The search, read back from its tree

def own_evaluations(tree, n, t=None):
    """Evaluations of ``n`` itself: 1 for a node made by expansion, plus each time the search
    backed a finished leaf up again."""
    kids = [c for c in tree.children(n.id) if c.status != "rollout" and (t is None or c.iteration <= t)]
    s = stats_at(n, t)
    if s is None:
        return None
    return s[0] - sum(stats_at(c, t)[0] for c in kids)


@pytest.mark.parametrize("kw", [dict(n=4, children=2, seed=1), dict(n=6, children=3, seed=4, explore=0.3),
                                dict(n=4, children=2, seed=0, rollout=True, steps=4)])
def test_statistics_add_up_at_every_iteration(kw):
    """A node's visits are its own evaluations plus its children's; its mean times its visits is
    its own values plus its children's totals, after every iteration (what the replay shows)."""
    tree = search(**kw)
    assert tree.strategy == "mcts" and tree.iterations >= 2
    for t in range(1, tree.iterations + 1):
        for n in tree.nodes:
            if n.status == "rollout" or stats_at(n, t) is None:
                continue
            visits, mean = stats_at(n, t)
            kids = [c for c in tree.children(n.id) if c.status != "rollout" and c.iteration <= t]
            own = own_evaluations(tree, n, t)
            if n.id == 0:
                assert own == 0
            else:
                assert own >= 1 and (own == 1 or (not kids and n.status == "finished"))
            total = own * (n.value or 0.0) + sum(stats_at(c, t)[0] * stats_at(c, t)[1] for c in kids)
            assert mean * visits == pytest.approx(total, abs=1e-4)


@pytest.mark.parametrize("explore,use_puct", [(0.0, False), (0.5, False), (1.0, False), (3.0, False),
                                              (1.0, True), (3.0, True)])
def test_each_expansion_follows_uct_on_the_statistics_before_it(explore, use_puct):
    """Replay the selection: from the root, UCT (or PUCT) on the statistics after round t-1 reaches
    the node that round t expanded (the new nodes' parent), for every round."""
    tree = search(n=5, children=2, seed=3, explore=explore, steps=4, puct=use_puct)
    assert tree.config["puct"] is use_puct
    for t in range(1, tree.iterations + 1):
        made = [n for n in tree.nodes if n.iteration == t and n.status != "rollout"]
        if not made:
            continue  # a finished leaf backed up again
        node = 0
        while True:
            kids = [c.id for c in tree.children(node) if c.status != "rollout" and c.iteration < t]
            if not kids:
                break
            visits = {c: stats_at(tree.nodes[c], t - 1)[0] for c in kids}
            total = {c: visits[c] * stats_at(tree.nodes[c], t - 1)[1] for c in kids}
            prior = dict(zip(kids, priors([tree.nodes[c].score for c in kids]))) if use_puct else None
            chosen = select_child(kids, visits, total, stats_at(tree.nodes[node], t - 1)[0], explore, prior)
            scores = choice_scores(tree, node, t)                 # what the why-card reads
            assert max(scores, key=lambda i: (scores[i], -i)) == chosen
            node = chosen
        assert {n.parent for n in made} == {node}, f"round {t}"
        assert len(made) == 2


def test_puct_and_uct_choose_differently():
    a, b = search(n=5, children=3, seed=3, steps=4), search(n=5, children=3, seed=3, steps=4, puct=True)
    assert [n.parent for n in a.nodes] != [n.parent for n in b.nodes]


def test_greedy_search_settles_on_its_best_finished_leaf_and_stops():
    greedy, curious = search(n=6, children=2, seed=3, explore=0.0, steps=4), \
        search(n=6, children=2, seed=3, explore=3.0, steps=4)
    assert [n.parent for n in greedy.nodes] != [n.parent for n in curious.nodes]
    made = lambda tr: {n.iteration for n in tr.nodes}   # noqa: E731
    idle = [t for t in range(1, greedy.iterations + 1) if t not in made(greedy)]
    # c = 0 backs the same finished leaf up again and again; after N such rounds in a row it ends
    assert idle == list(range(greedy.iterations - 5, greedy.iterations + 1))
    assert len(greedy.leaves("finished")) < 6 <= len(curious.leaves("finished"))
    # the idle rounds' visits went to finished leaves (one each), none to anything else
    assert sum(stats_at(n)[0] - 1 for n in greedy.leaves("finished")) >= 6
    assert stats_at(greedy.nodes[0])[0] == stats_at(greedy.nodes[0], greedy.iterations - 6)[0] + 6


def test_the_budget_is_n_finished_solutions_or_n_by_max_rounds_steps():
    tree = search(n=4, children=2, seed=1)
    assert len(tree.leaves("finished")) >= 4
    assert tree.cost.generations == 2 * len({n.parent for n in tree.nodes[1:]})  # 2 per expansion
    capped = search(n=2, children=3, seed=1, steps=50, max_rounds=3)  # nothing finishes on its own
    assert capped.cost.generations <= max_iterations(SearchConfig(n=2, max_rounds=3)) + 3
    assert max(n.depth for n in capped.nodes) <= 3
    assert capped.leaves("finished") and capped.selected_answer is None or capped.picks


def test_rollouts_are_recorded_and_count_in_the_value():
    tree = search(n=3, children=2, seed=0, rollout=True, steps=4)
    rolls = tree.leaves("rollout")
    assert rolls and all(r.value is None and r.stats is None for r in rolls)
    for n in tree.nodes:
        if n.status in ("kept", "pruned") and any(c.status == "rollout" for c in tree.children(n.id)):
            cur, last = n.id, None
            while True:
                nxt = [c for c in tree.children(cur) if c.status == "rollout"]
                if not nxt:
                    break
                cur, last = nxt[0].id, nxt[0]
            assert n.value == pytest.approx(last.score)  # aggregation "last": the rollout's end
            assert n.stats[0][1:] == [1, pytest.approx(n.value, abs=1e-6)]
    assert tree.cost.generations > 2 * len({n.parent for n in tree.nodes[1:] if n.status != "rollout"})


def test_a_search_that_finishes_nothing_answers_from_its_most_visited_path():
    class Endless(FakeGenerator):
        def next_steps(self, problem, prefixes, n, *, temperature, seed):
            return [[Step(f"{i} + {j} = {i + j}.", 5, 5, False) for j in range(n)] for i, _ in enumerate(prefixes)]

    tree = run("mcts", P, Endless(), SymbolicVerifier(), SearchConfig(n=2, children=2, max_rounds=3, seed=0))
    fin = tree.leaves("finished")
    assert len(fin) >= 1 and all(f.depth <= 3 for f in fin)


def test_the_tree_round_trips_with_its_statistics(tmp_path):
    tree = search(n=4, children=2, seed=1)
    back = SearchTree.from_json(tree.to_json())
    assert [n.stats for n in back.nodes] == [n.stats for n in tree.nodes]
    assert back.to_json() == tree.to_json()
    copy = tree.copy()
    copy.nodes[0].stats.append([99, 1, 0.5])
    assert tree.nodes[0].stats[-1][0] != 99                 # a copy's statistics are its own
    assert tree.config["explore"] == 1.0 and tree.config["children"] == 2 and tree.config["rollout"] is False


def test_old_files_load_and_other_strategies_write_no_statistics():
    beam = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2))
    d = json.loads(beam.to_json())
    assert all("stats" not in n and "resampled" not in n for n in d["nodes"])
    assert "explore" not in d["config"] and "children" not in d["config"]
    assert SearchTree.from_dict(d).nodes[1].stats is None
    assert stats_at(beam.nodes[1]) is None


@pytest.mark.parametrize("bad", [[[1, 2]], [[1, 2, 1.5]], [[1, -1, 0.5]], "x", [[1, 2, float("nan")]]])
def test_damaged_statistics_are_refused(bad):
    d = json.loads(search(n=2, children=2, seed=1).to_json())
    d["nodes"][1]["stats"] = bad
    with pytest.raises(TreeFormatError, match="stats"):
        SearchTree.from_dict(d)


@pytest.mark.parametrize("kw,msg", [(dict(explore=-1.0), "exploration"), (dict(explore=float("inf")), "exploration"),
                                    (dict(explore=True), "exploration"), (dict(children=0), "children"),
                                    (dict(children=65), "children"), (dict(rollout="yes"), "rollout"),
                                    (dict(puct=1), "puct")])
def test_bad_parameters_are_one_clear_error(kw, msg):
    with pytest.raises(ValueError, match=msg):
        SearchConfig(n=4, **kw).check("mcts")
    SearchConfig(n=4, **kw).check("beam")                   # parameters a strategy does not use are not its


def test_the_spec_names_its_parameters():
    spec = strategies.get("mcts")
    assert spec.params == ("explore", "children", "rollout", "puct") and "UCT" in spec.explain
    assert spec.config_label({"explore": 1.4, "children": 3, "rollout": True, "puct": False}) == \
        "mcts c=1.4 children=3 rollout=on puct=off"
    assert spec.max_rounds(SearchConfig(n=4, max_rounds=5)) == 20
    assert spec.capped_by_max_rounds  # the sidebar offers max rounds: it caps the depth and the steps


def test_mcts_and_particle_filtering_run_in_a_sweep_and_its_report(tmp_path):
    from ttc_viz.experiments.report import build
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    cfg = SweepConfig(levels=(1,), problems=2, strategies=("beam", "mcts", "particle_filter"), budgets=(2, 4),
                      ms=(2,), resamples=2)
    cfg.check()
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    curves = build(tmp_path)["curves"]["all"]
    # a sweep cell keeps M, k and seq only: MCTS runs (and is labelled) at its defaults
    assert {"mcts c=1.0 children=4 rollout=off puct=off", "particle_filter", "beam M=2"} <= set(curves)
    assert set(curves["particle_filter"]) == set(curves["beam M=2"])
