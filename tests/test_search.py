"""Strategies on the scripted fake generator: structure of the trees they build."""
import pytest

from fakes import FakeGenerator
from ttc_viz.problems import Problem
from ttc_viz.search import REGISTRY, Hooks, SearchConfig, finalize, run
from ttc_viz.tree import SearchTree
from ttc_viz.verifiers import SymbolicVerifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


def check_structure(tree):
    tree.validate()
    for n in tree.nodes[1:]:
        assert tree.nodes[n.parent] is not None
        assert n.score is None or 0 <= n.score <= 1


def test_registry_has_all_strategies():
    assert set(REGISTRY) >= {"best_of_n", "beam", "lookahead", "dvts"}


def test_best_of_n_records_all_picks():
    tree = run("best_of_n", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=12, seed=3))
    check_structure(tree)
    assert len(tree.leaves("finished")) == 12
    assert set(tree.picks) == {"naive", "weighted", "majority"}
    assert tree.selected_answer == tree.picks["weighted"]
    assert all(n.answer is not None and n.correct is not None for n in tree.leaves("finished"))
    assert tree.cost.generations == 12 and tree.cost.tokens_generated > 0


def test_beam_node_counts_follow_the_algorithm():
    n, m = 8, 4
    tree = run("beam", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(), SearchConfig(n=n, m=m, seed=1))
    check_structure(tree)
    r1 = [x for x in tree.nodes if x.iteration == 1]
    assert len(r1) == n
    assert sum(x.status in ("kept", "finished") for x in r1) == n // m
    for r in range(2, tree.iterations + 1):
        parents = [x for x in tree.nodes if x.iteration == r - 1 and x.status == "kept"]
        made = [x for x in tree.nodes if x.iteration == r]
        assert len(made) == m * len(parents)
        for p in parents:
            assert len(tree.children(p.id)) == m
        assert sum(x.status in ("kept", "finished") for x in made) <= n // m
    assert tree.counts()["pruned"] > 0


def test_same_seed_same_tree_different_seed_differs():
    a = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=8, m=2, seed=5))
    b = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=8, m=2, seed=5))
    c = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=8, m=2, seed=6))
    assert a.to_dict()["nodes"] == b.to_dict()["nodes"]
    assert a.to_dict()["nodes"] != c.to_dict()["nodes"]


def test_lookahead_records_rollouts_and_ranks_by_them():
    tree = run("lookahead", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
               SearchConfig(n=4, m=2, k=2, seed=0))
    check_structure(tree)
    rollouts = tree.leaves("rollout")
    assert rollouts
    for r in rollouts:  # a rollout hangs off a candidate (or another rollout step)
        assert tree.nodes[r.parent].status in ("kept", "pruned", "finished", "rollout")
    # a candidate with a rollout is valued by the score at the rollout's end ("last")
    for cand in tree.nodes[1:]:
        if cand.status == "rollout":
            continue
        chain = [c for c in tree.children(cand.id) if c.status == "rollout"]
        if chain:
            end = chain[0]
            while tree.children(end.id):
                end = tree.children(end.id)[0]
            assert cand.value == pytest.approx(end.score)


def test_dvts_builds_independent_subtrees():
    n, m = 8, 2
    tree = run("dvts", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(), SearchConfig(n=n, m=m, seed=2))
    check_structure(tree)
    groups = {x.group for x in tree.nodes[1:]}
    assert groups == set(range(n // m))
    for x in tree.nodes[1:]:
        if x.parent != 0:
            assert x.group == tree.nodes[x.parent].group
    for r in range(1, tree.iterations + 1):
        for g in groups:
            made = [x for x in tree.nodes if x.iteration == r and x.group == g]
            assert sum(x.status in ("kept", "finished") for x in made) <= 1


def test_max_rounds_and_stop_hook():
    tree = run("beam", P, FakeGenerator(steps_to_finish=50), SymbolicVerifier(),
               SearchConfig(n=4, m=2, max_rounds=3))
    assert tree.iterations == 3 and tree.leaves("finished")
    seen = []
    tree = run("beam", P, FakeGenerator(steps_to_finish=50), SymbolicVerifier(), SearchConfig(n=4, m=2),
               Hooks(on_round=lambda t, r: seen.append(r), should_stop=lambda: len(seen) >= 2))
    assert seen == [1, 2] and tree.stopped and tree.iterations == 2


@pytest.mark.parametrize("cfg,msg", [
    (dict(n=0), "positive"), (dict(n=8, m=3), "divide"), (dict(n=4, m=8), "larger"),
    (dict(n=5000), "too large"), (dict(temperature=-1), "temperature"),
    (dict(aggregation="mean"), "aggregation"), (dict(voting="best"), "voting"),
    (dict(max_rounds=0), "max rounds"),
])
def test_bad_config(cfg, msg):
    with pytest.raises(ValueError, match=msg):
        run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(**cfg))


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown strategy"):
        run("no_such_strategy", P, FakeGenerator(), SymbolicVerifier(), SearchConfig())


def test_what_if_repick_without_generating():
    tree = run("best_of_n", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=16, seed=9))
    back = SearchTree.from_json(tree.to_json())
    for rule in ("naive", "weighted", "majority"):
        assert finalize(back, voting=rule).selected_answer == tree.picks[rule]


@pytest.mark.parametrize("strategy", ["beam", "lookahead", "dvts"])
def test_value_is_what_the_search_ranked_by_and_finalize_agrees(strategy):
    """``value`` has one meaning: the number a live round shows is the number the finished
    tree keeps (finalize recomputes it from the scores and gets the same)."""
    snaps = []
    tree = run(strategy, P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
               SearchConfig(n=4, m=2, k=2, seed=3, aggregation="min"),
               Hooks(on_round=lambda t, r: snaps.append(t.copy())))
    assert snaps
    for snap in snaps:
        for n in snap.nodes[1:]:
            if n.iteration == snap.iterations and n.status != "rollout":
                assert n.value == tree.nodes[n.id].value
    assert finalize(tree.copy()).to_dict() == tree.to_dict()


def test_lookahead_values_follow_the_aggregation_through_rollouts():
    tree = run("lookahead", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
               SearchConfig(n=4, m=2, k=2, seed=0))
    finalize(tree, aggregation="min")
    for cand in tree.nodes[1:]:
        if cand.status == "rollout":
            continue
        scores = [n.score for n in tree.path(cand.id)[1:]]
        chain = [c for c in tree.children(cand.id) if c.status == "rollout"]
        while chain:
            scores.append(chain[0].score)
            chain = [c for c in tree.children(chain[0].id) if c.status == "rollout"]
        assert cand.value == pytest.approx(min(scores))


class _SlowPool:
    """A symbolic pool where every comparison runs into its deadline (a hostile answer)."""
    size, deadline = 2, 1.5

    def __init__(self):
        self.calls = 0

    def compare(self, pred, gold, deadline=None):
        import time
        self.calls += 1
        time.sleep(self.deadline if deadline is None else deadline)
        return None

    def compare_many(self, pairs):
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(2) as ex:
            return list(ex.map(lambda pg: self.compare(*pg), pairs))

    def compare_until(self, pairs, until):
        from ttc_viz.grading.pool import Pool
        return Pool.compare_until(self, pairs, until)


def _slow_tree(leaves=60, depth=1):
    tree = SearchTree.new("beam", {"n": leaves, "m": 4, "aggregation": "min"}, "What is y?", "x^2+1")
    parent = 0
    for d in range(depth - 1):
        parent = tree.add(parent, f"step {d}", iteration=d + 1, score=0.9).id
    for i in range(leaves):
        leaf = tree.add(parent, f"So \\boxed{{x^{{{i + 3}}}+\\sin(y)}}", iteration=depth, score=0.5 + i / 200,
                        status="finished")
        leaf.answer = f"x^{{{i + 3}}}+\\sin(y)"
    return tree


def test_a_tree_of_slow_to_grade_answers_loads_and_repicks_in_seconds(monkeypatch):
    import time

    import ttc_viz.grading as grading
    from ttc_viz.search.whatif import repick
    pool = _SlowPool()
    monkeypatch.setattr(grading, "get_pool", lambda: pool)
    monkeypatch.setattr(grading, "_CACHE", type(grading._CACHE)())
    monkeypatch.setattr(grading, "_MISSED", type(grading._CACHE)(), raising=False)
    monkeypatch.setattr(grading, "_DEFERRED", type(grading._CACHE)(), raising=False)
    tree = _slow_tree()
    t0 = time.perf_counter()
    loaded = repick(tree)                       # what a page does on upload
    again = repick(tree, aggregation="last")    # and on every rerun
    elapsed = time.perf_counter() - t0
    assert elapsed < 5.0, elapsed
    assert pool.calls <= 8                      # the rest were never started
    finished = [n for n in again.nodes if n.status == "finished"]
    assert all(n.correct is None for n in finished)   # shown as ungraded, not as wrong
    assert loaded.selected_answer == again.selected_answer == "x^{62}+\\sin(y)"


def test_each_distinct_answer_is_graded_once(monkeypatch):
    import ttc_viz.grading as grading
    seen = []
    real = grading.grade_many

    def counting(sols, truths):
        seen.extend(sols)
        return real(sols, truths)
    monkeypatch.setattr("ttc_viz.search.base.grade_many", counting)
    tree = SearchTree.new("beam", {"n": 8, "m": 4}, "1+1?", "2")
    for i in range(40):
        tree.add(0, f"\\boxed{{{i % 3}}}", iteration=1, score=0.5, status="finished")
    finalize(tree)
    assert sorted(seen) == ["0", "1", "2"]
    assert [n.correct for n in tree.nodes[1:4]] == [False, False, True]


def test_values_of_a_deep_broom_take_one_pass():
    import time
    tree = SearchTree.new("beam", {"n": 8, "m": 4, "aggregation": "prod"}, "1+1?", "2")
    parent = 0
    for d in range(2000):
        parent = tree.add(parent, "step", iteration=1, score=0.999).id
    for i in range(3000):
        tree.add(parent, "\\boxed{2}", iteration=2, score=0.5, status="finished")
    t0 = time.perf_counter()
    finalize(tree)
    assert time.perf_counter() - t0 < 2.0
    leaf = tree.nodes[-1]
    assert leaf.value == pytest.approx(0.999 ** 2000 * 0.5)
    assert leaf.correct is True


def test_the_answer_table_of_a_slow_tree_is_bounded_too(monkeypatch):
    import time

    import ttc_viz.grading as grading
    from ttc_viz.views import answer_rows
    pool = _SlowPool()
    monkeypatch.setattr(grading, "get_pool", lambda: pool)
    monkeypatch.setattr(grading, "_CACHE", type(grading._CACHE)())
    monkeypatch.setattr(grading, "_MISSED", type(grading._CACHE)(), raising=False)
    monkeypatch.setattr(grading, "_DEFERRED", type(grading._CACHE)(), raising=False)
    t0 = time.perf_counter()
    rows = answer_rows(_slow_tree(40)) + answer_rows(_slow_tree(40))
    assert time.perf_counter() - t0 < 5.0
    assert len(rows) == 80 and all(r["correct"] is None for r in rows)
