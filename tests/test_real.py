"""End to end on the real embedded SmolLM2-135M (CPU), at small budgets."""
import json
import subprocess
import sys

import pytest

from ttc_viz.problems import synthetic
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier

pytestmark = pytest.mark.real


def cli(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "ttc_viz.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_cli_beam_tree_matches_the_algorithm_and_repeats(tmp_path):
    outs = []
    for i in range(2):
        out = tmp_path / f"t{i}.json"
        r = cli("solve", "--dataset", "synthetic", "--level", "2", "--index", "0", "--strategy", "beam",
                "--n", "8", "--m", "4", "--verifier", "symbolic", "--seed", "1", "--max-rounds", "4",
                "--out", str(out), "--quiet")
        assert r.returncode == 0, r.stderr[-2000:]
        assert "selected (weighted)" in r.stdout
        outs.append(json.loads(out.read_text()))
    d = outs[0]
    assert outs[0]["nodes"] == outs[1]["nodes"]  # same command twice, same tree
    nodes = d["nodes"]
    ids = {n["id"] for n in nodes}
    assert all(n["parent"] in ids for n in nodes[1:])
    assert all(n["score"] is None or 0 <= n["score"] <= 1 for n in nodes)
    r1 = [n for n in nodes if n["iteration"] == 1]
    assert len(r1) == 8
    assert sum(n["status"] in ("kept", "finished") for n in r1) == 2
    for r in range(2, max(n["iteration"] for n in nodes) + 1):
        kept_before = [n["id"] for n in nodes if n["iteration"] == r - 1 and n["status"] == "kept"]
        made = [n for n in nodes if n["iteration"] == r]
        assert len(made) == 4 * len(kept_before)
    assert any(n["status"] == "pruned" for n in nodes)
    c = d["cost"]
    assert c["generations"] > 0 and c["tokens_generated"] > 0 and c["tokens_prompt"] > 0 and c["wall_s"] > 0
    assert d["problem"]["answer"] == synthetic(2, 0).answer  # the CLI solved the problem it was asked for


def test_best_of_n_lookahead_dvts_on_the_real_model(embedded):
    p = synthetic(1, 0)
    v = SymbolicVerifier()
    bon = run("best_of_n", p, embedded, v, SearchConfig(n=4, seed=0))
    assert len(bon.leaves("finished")) == 4 and set(bon.picks) == {"naive", "weighted", "majority"}
    assert bon.correct in (True, False)
    la = run("lookahead", p, embedded, v, SearchConfig(n=4, m=2, k=1, seed=0, max_rounds=3))
    assert la.leaves("rollout"), "lookahead with k=1 records rollout nodes"
    dv = run("dvts", p, embedded, v, SearchConfig(n=4, m=2, seed=0, max_rounds=3))
    assert {n.group for n in dv.nodes[1:]} == {0, 1}
    for t in (bon, la, dv):
        t.validate()
        assert t.cost.tokens_generated > 0


def test_real_model_steps_are_real_text(embedded):
    steps = embedded.next_steps(synthetic(1, 1).text, [[]], 3, temperature=0.8, seed=2)[0]
    assert len(steps) == 3
    assert all(s.text and "\n\n" not in s.text for s in steps)
    again = embedded.next_steps(synthetic(1, 1).text, [[]], 3, temperature=0.8, seed=2)[0]
    assert [s.text for s in steps] == [s.text for s in again]


def test_solve_uses_the_shipped_prm_on_request(tmp_path):
    out = tmp_path / "t.json"
    r = cli("solve", "--dataset", "synthetic", "--level", "1", "--index", "1", "--strategy", "beam",
            "--n", "4", "--m", "2", "--seed", "1", "--max-rounds", "3", "--out", str(out), "--quiet",
            "--verifier", "prm")
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.read_text())
    assert d["verifier"] == "prm"
    scores = [n["score"] for n in d["nodes"][1:] if n["score"] is not None]
    assert scores and not set(scores) <= {0.1, 0.5, 0.9}  # learned scores, not the symbolic checker's


# -- token-faithful continuation: every step-by-step path continues what the model wrote -------

FAITHFUL_CASES = [(1, 0), (1, 2), (2, 0), (3, 0), (4, 0)]


@pytest.fixture(scope="module")
def greedy_wholes(embedded):
    """One greedy whole solution per case: the model's own uninterrupted output."""
    return {c: embedded.solutions(synthetic(*c).text, 1, temperature=0.0, seed=0)[0] for c in FAITHFUL_CASES}


def _ids(steps):
    return [t for s in steps for t in s.ids]


@pytest.mark.parametrize("case", FAITHFUL_CASES)
def test_greedy_step_by_step_equals_the_greedy_whole_solution(embedded, greedy_wholes, case):
    whole = greedy_wholes[case]
    tree = run("beam", synthetic(*case), embedded, SymbolicVerifier(),
               SearchConfig(n=1, m=1, temperature=0.0, max_rounds=12))
    leaf = tree.leaves("finished")[0]
    nodes = tree.path(leaf.id)[1:]
    if whole[-1].finished and len(whole) < 12:  # the whole solution ended by itself
        assert [n.text for n in nodes] == [s.text for s in whole]
    # token for token, every step but the last (whose tail after the answer may differ in
    # length: the whole solution runs on to EOS)
    assert [t for n in nodes[:-1] for t in n.token_ids] == _ids(whole[:-1])[:sum(len(n.token_ids) for n in nodes[:-1])]


def test_lookahead_rollouts_and_mc_rollouts_continue_the_model(embedded, greedy_wholes):
    from ttc_viz.train.prm_data import complete

    for case in FAITHFUL_CASES[:3]:
        p, whole = synthetic(*case), greedy_wholes[case]
        if len(whole) < 3:
            continue
        out = embedded.rollout(p.text, [whole[:1]], 2)[0]
        assert [s.text for s in out] == [s.text for s in whole[1:3]]
        assert _ids(out[:1]) == _ids(whole[1:2])
        runs = complete(embedded, p.text, [whole[:1]], 1, temperature=0.0, seed=0, max_steps=12)
        assert runs[0][:len(whole)] == [s.text for s in whole][:len(runs[0])]


def test_beam_search_with_the_default_models_finishes_with_answers(embedded):
    """The fine-tuned generator and the default verifier: beams end with a stated answer in
    a few steps (the looping decoder once left them restating "7 + 1 = 8." for 12 rounds)."""
    from ttc_viz.presets import find
    from ttc_viz.verifiers import load_verifier

    v = load_verifier(find("smollm2-135m-embedded")["verifier"])
    leaves = []
    for i in range(2):
        t = run("beam", synthetic(1, 10 + i), embedded, v, SearchConfig(n=8, m=4, seed=i))
        leaves += t.leaves("finished")
    stated = [leaf for leaf in leaves if leaf.answer is not None and "answer" in leaf.text.lower()]
    assert len(stated) >= 0.8 * len(leaves)
    assert sum(leaf.depth for leaf in leaves) / len(leaves) <= 5


@pytest.mark.parametrize("case", [(1, 0), (2, 0), (3, 0)])
def test_greedy_beam_search_is_the_same_with_and_without_the_kv_cache(embedded, case):
    """Continuing each kept node from its own KV (the default) writes exactly the tokens that
    re-encoding every prefix each round writes, and encodes no prefix token twice."""
    import dataclasses

    from ttc_viz.lm.hf import HFGenerator

    no_kv = HFGenerator(embedded.model, embedded.tok, name=embedded.name,
                        config=dataclasses.replace(embedded.cfg, kv_cache_bytes=0))
    cfg = dict(n=4, m=2, temperature=0.0, max_rounds=8, seed=0)
    on = run("beam", synthetic(*case), embedded, SymbolicVerifier(), SearchConfig(**cfg))
    off = run("beam", synthetic(*case), no_kv, SymbolicVerifier(), SearchConfig(**cfg))
    assert [(n.parent, n.text, n.token_ids, n.status, n.score) for n in on.nodes] == \
        [(n.parent, n.text, n.token_ids, n.status, n.score) for n in off.nodes]
    assert on.cost.tokens_generated == off.cost.tokens_generated
    if on.iterations > 1:
        assert on.cost.tokens_reencoded == 0 < off.cost.tokens_reencoded


class _PromptedOnly:
    """The embedded generator without a trained reviser (whatever the backend offers), so
    revisions run in prompted mode."""

    def __init__(self, inner):
        self.inner, self.name, self.num_params = inner, inner.name, getattr(inner, "num_params", None)

    def solutions(self, *a, **kw):
        return self.inner.solutions(*a, **kw)

    def next_steps(self, *a, **kw):
        return self.inner.next_steps(*a, **kw)

    def rollout(self, *a, **kw):
        return self.inner.rollout(*a, **kw)


def test_revisions_in_prompted_mode_on_the_real_model(embedded):
    from ttc_viz.lm.base import STEP_DELIMITER

    tree = run("revisions", synthetic(1, 0), _PromptedOnly(embedded), SymbolicVerifier(),
               SearchConfig(n=4, seq=2, seed=0))
    tree.validate()
    type(tree).from_json(tree.to_json())  # and it saves and loads
    attempts = tree.nodes[1:]
    assert len(attempts) == 4 and all(n.status == "finished" and n.text for n in attempts)
    assert {n.group for n in attempts} == {0, 1} and tree.cost.generations == 4
    for n in attempts:
        assert n.parent == 0 if n.iteration == 1 else tree.nodes[n.parent].group == n.group
        assert n.token_ids and 0 <= n.score <= 1 and n.value == n.score
        assert all(s.strip() for s in n.text.split(STEP_DELIMITER))
    assert tree.config["reviser"] == "prompted" and tree.config["seq"] == 2
    assert set(tree.picks) == {"naive", "weighted", "majority"} and tree.correct in (True, False)


def test_revisions_with_the_trained_reviser_on_the_real_model(embedded):
    """The default embedded generator offers the trained revision adapter: a chain's second
    attempt is what that reviser writes for the problem with the chain's first attempt in
    context, at that attempt's seed, and the budget is exactly N generations."""
    from ttc_viz.search.revisions import revision_problem, reviser_for
    from ttc_viz.search.revisions import attempt_seed

    p = synthetic(1, 1)
    tree = run("revisions", p, embedded, SymbolicVerifier(), SearchConfig(n=2, seq=2, seed=5, temperature=0.8))
    tree.validate()
    assert tree.config["reviser"] == "trained" and tree.cost.generations == 2
    first, second = tree.nodes[1:]
    assert second.parent == first.id and first.group == second.group == 0 and first.text and second.text
    reviser, mode = reviser_for(embedded)
    assert mode == "trained" and reviser is not embedded
    again = reviser.solutions(revision_problem(p.text, [first.text.split("\n\n")]), 1, temperature=0.8,
                              seed=attempt_seed(5, 0, 2))[0]
    assert [t for s in again for t in s.ids] == second.token_ids


def test_mcts_and_particle_filter_on_the_real_model(embedded):
    from ttc_viz.search.mcts import select_child
    from ttc_viz.tree import stats_at

    p = synthetic(1, 0)
    v = SymbolicVerifier()
    mc = run("mcts", p, embedded, v, SearchConfig(n=2, children=2, explore=1.0, seed=0, max_rounds=4))
    mc.validate()
    assert mc.leaves("finished") and mc.correct in (True, False)
    assert all(n.stats for n in mc.nodes if n.status != "rollout")
    for t in range(2, mc.iterations + 1):  # each expansion is the one UCT picks from the statistics before it
        made = [n for n in mc.nodes if n.iteration == t]
        if not made:
            continue
        node = 0
        while True:
            kids = [c.id for c in mc.children(node) if c.iteration < t]
            if not kids:
                break
            vis = {c: stats_at(mc.nodes[c], t - 1)[0] for c in kids}
            tot = {c: vis[c] * stats_at(mc.nodes[c], t - 1)[1] for c in kids}
            node = select_child(kids, vis, tot, stats_at(mc.nodes[node], t - 1)[0], 1.0)
        assert {n.parent for n in made} == {node}
    from ttc_viz.search.mcts import choice_scores

    pu = run("mcts", p, embedded, v, SearchConfig(n=1, children=2, puct=True, seed=0, max_rounds=3))
    for t in range(2, pu.iterations + 1):  # PUCT's choices, replayed from the recorded statistics
        made = [n for n in pu.nodes if n.iteration == t]
        if made:
            node = 0
            while scores := choice_scores(pu, node, t):
                node = max(scores, key=lambda i: (scores[i], -i))
            assert {n.parent for n in made} == {node}
    roll = run("mcts", p, embedded, v, SearchConfig(n=1, children=2, rollout=True, seed=0, max_rounds=4))
    assert roll.leaves("rollout") and roll.cost.generations > 2
    pf = run("particle_filter", p, embedded, v, SearchConfig(n=4, seed=0, max_rounds=4))
    pf.validate()
    assert pf.leaves("finished") and pf.selected_answer is not None or pf.picks
    for r in {e[0] for n in pf.nodes for e in (n.resampled or [])}:
        assert sum(e[2] for n in pf.nodes for e in (n.resampled or []) if e[0] == r) == 4


@pytest.mark.parametrize("strategy,extra", [("mcts", ["--children", "2", "--explore", "1.4"]),
                                            ("particle_filter", [])])
def test_cli_runs_mcts_and_particle_filter(tmp_path, strategy, extra):
    out = tmp_path / "t.json"
    r = cli("solve", "--dataset", "synthetic", "--level", "1", "--index", "0", "--strategy", strategy,
            "--n", "2", "--verifier", "symbolic", "--max-rounds", "4", "--out", str(out), "--quiet", *extra)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "selected (weighted)" in r.stdout and f"strategy {strategy}" in r.stdout
    d = json.loads(out.read_text())
    assert d["strategy"] == strategy
    if strategy == "mcts":
        assert d["config"]["children"] == 2 and d["config"]["explore"] == 1.4
        assert all("stats" in n for n in d["nodes"] if n["status"] != "rollout")
    else:
        assert any("resampled" in n for n in d["nodes"])


def test_repick_of_a_real_tree_grades_each_answer_once_and_agrees_with_the_search(embedded, monkeypatch):
    import ttc_viz.search.base as base
    from ttc_viz.search.whatif import repick
    tree = run("best_of_n", synthetic(1, 2), embedded, SymbolicVerifier(), SearchConfig(n=6, seed=3))
    graded = []
    real = base.grade_answers

    def counting(answers, truth, budget=None):
        graded.append(list(answers))
        return real(answers, truth, budget)
    monkeypatch.setattr(base, "grade_answers", counting)
    again = repick(tree)
    assert again.picks == tree.picks and again.correct == tree.correct
    assert [n.correct for n in again.nodes] == [n.correct for n in tree.nodes]
    assert [n.value for n in again.nodes] == [n.value for n in tree.nodes]
    assert len(graded) == 1  # one grading call for the whole tree


def test_the_apps_examples_are_solved_by_the_default_generator(embedded):
    """The examples "Type your own" offers are ones the small model can do: each one's greedy
    solution shows its working and states the right answer."""
    from ttc_viz.experiments.eval_gen import shows_work
    from ttc_viz.grading import grade
    from ttc_viz.problems import examples

    assert examples()
    for p in examples():
        steps = [s.text for s in embedded.solutions(p.text, 1, temperature=0.0, seed=0)[0]]
        assert shows_work(steps), (p.text, steps)
        assert grade(steps[-1], p.answer), (p.text, steps)
