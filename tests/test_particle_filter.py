"""Particle filtering (search/particle_filter.py): proportional weights, systematic resampling
(known weights -> known survivors) and what the tree records of each resampling."""
import json

import pytest

from fakes import FakeGenerator
from ttc_viz.lm.base import Step, step_text
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run, strategies
from ttc_viz.search.particle_filter import normalise, systematic
from ttc_viz.tree import SearchTree, TreeFormatError
from ttc_viz.verifiers import SymbolicVerifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


# ---------------------------------------------------------------------------------------
# Weights and systematic resampling

def test_weights_are_proportional_and_sum_to_one():
    assert normalise([0.9, 0.1, 0.9, 0.1]) == pytest.approx([0.45, 0.05, 0.45, 0.05])
    assert normalise([0.0, 0.0]) == [0.5, 0.5]             # nothing to go by: all equal
    assert normalise([2.0, -1.0]) == [1.0, 0.0]


@pytest.mark.parametrize("u", [0.0, 0.1, 0.37, 0.5, 0.99])
def test_known_weights_give_known_survivors(u):
    assert systematic([0.5, 0.25, 0.25, 0.0], u) == [0, 0, 1, 2]     # for every offset
    assert systematic([0.1] * 10, u) == list(range(10))              # equal weights: each once
    assert systematic([0.0, 1.0, 0.0], u) == [1, 1, 1]               # all on one
    drawn = systematic([0.7, 0.3], u, 10)
    assert drawn.count(0) == 7 and drawn.count(1) == 3


def test_copies_are_the_floor_or_ceiling_of_n_times_the_weight():
    import random

    rng = random.Random(5)
    for _ in range(200):
        raw = [rng.random() for _ in range(6)]
        w = normalise(raw)
        drawn = systematic(w, rng.random())
        for i, wi in enumerate(w):
            assert int(6 * wi) <= drawn.count(i) <= int(6 * wi) + 1
        assert drawn == sorted(drawn) and len(drawn) == 6


# ---------------------------------------------------------------------------------------
# The search

class Scripted:
    """Particle j of each call writes "good" when j is even, "bad" when odd; the third step finishes."""
    name = "scripted"
    num_params = None

    def next_steps(self, problem, prefixes, n, *, temperature, seed):
        out = []
        for j, p in enumerate(prefixes):
            depth = len(p) + 1
            word = "good" if j % 2 == 0 else "bad"
            text = f"The answer is 5 ({word})." if depth >= 3 else f"{word} step {depth}.{j}"
            out.append([Step(text, 3, 3, depth >= 3)])
        return out


class WordVerifier:
    """Scores a prefix 1.0 if its last step says good, else 0.0."""
    name = "words"

    def score_batch(self, problem, solutions):
        return [[1.0 if "good" in step_text(s) else 0.0 for s in sol] for sol in solutions]


def test_known_scores_give_known_survivors_in_the_tree():
    tree = run("particle_filter", P, Scripted(), WordVerifier(), SearchConfig(n=4, seed=0))
    r1 = [n for n in tree.nodes if n.iteration == 1]
    assert [n.text.split()[0] for n in r1] == ["good", "bad", "good", "bad"]
    # weights 1/2, 0, 1/2, 0: the good ones are copied twice, the bad ones die
    assert [n.resampled for n in r1] == [[[1, 0.5, 2]], [[1, 0.0, 0]], [[1, 0.5, 2]], [[1, 0.0, 0]]]
    assert [n.status for n in r1] == ["kept", "pruned", "kept", "pruned"]
    r2 = [n for n in tree.nodes if n.iteration == 2]
    assert [n.parent for n in r2] == [r1[0].id, r1[0].id, r1[2].id, r1[2].id]  # each copy grew its own step
    assert all(not tree.children(n.id) for n in r1 if n.status == "pruned")
    assert tree.cost.generations == 12 and len(tree.leaves("finished")) == 4


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_resampling_is_recorded_and_adds_up(seed):
    tree = run("particle_filter", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
               SearchConfig(n=6, seed=seed))
    rounds = {e[0] for n in tree.nodes for e in (n.resampled or [])}
    assert rounds == set(range(1, tree.iterations))           # one resampling closing every round but the last
    for r in rounds:
        recs = [(n, e) for n in tree.nodes for e in (n.resampled or []) if e[0] == r]
        assert sum(e[2] for _, e in recs) == 6                # N copies in all
        assert sum(e[1] for _, e in recs) == pytest.approx(1.0, abs=1e-5)
        for n, (_, w, copies) in recs:
            assert int(6 * w + 1e-6) <= copies <= int(6 * w - 1e-6) + 1
            if n.status != "finished":
                # an open particle's copies are its children in the next round
                assert len([c for c in tree.children(n.id) if c.iteration == r + 1]) == copies
                assert n.status == ("kept" if copies else "pruned")
    for n in tree.nodes[1:]:
        assert n.status in ("kept", "pruned", "finished")
    # the population stays N: every round but the first extends the open particles among N
    assert len([n for n in tree.nodes if n.iteration == 1]) == 6
    assert all(len([n for n in tree.nodes if n.iteration == r]) <= 6 for r in range(1, tree.iterations + 1))


def test_finished_particles_are_kept_in_the_vote_even_when_not_copied():
    tree = run("particle_filter", P, FakeGenerator(steps_to_finish=2), SymbolicVerifier(),
               SearchConfig(n=4, seed=0, max_rounds=5))
    fin = tree.leaves("finished")
    assert fin and all(n.answer is not None for n in fin)
    assert tree.selected_answer in {n.answer for n in fin}


def test_the_tree_round_trips_and_damage_is_refused():
    tree = run("particle_filter", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, seed=1))
    back = SearchTree.from_json(tree.to_json())
    assert back.to_json() == tree.to_json()
    d = json.loads(tree.to_json())
    d["nodes"][1]["resampled"] = [[1, 0.5]]
    with pytest.raises(TreeFormatError, match="resampled"):
        SearchTree.from_dict(d)


def test_the_spec():
    spec = strategies.get("particle_filter")
    assert spec.params == () and "resampl" in spec.explain and not spec.pooled
    assert spec.capped_by_max_rounds
