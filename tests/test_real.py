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
    assert d["problem"]["answer"] == "21"


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


def test_solve_uses_the_shipped_prm_by_default(tmp_path):
    out = tmp_path / "t.json"
    r = cli("solve", "--dataset", "synthetic", "--level", "1", "--index", "1", "--strategy", "beam",
            "--n", "4", "--m", "2", "--seed", "1", "--max-rounds", "3", "--out", str(out), "--quiet")
    assert r.returncode == 0, r.stderr[-2000:]
    d = json.loads(out.read_text())
    assert d["verifier"] == "prm"
    scores = [n["score"] for n in d["nodes"][1:] if n["score"] is not None]
    assert scores and not set(scores) <= {0.1, 0.5, 0.9}  # learned scores, not the symbolic checker's
