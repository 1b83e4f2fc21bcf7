"""Golden trees: one small beam, lookahead, DVTS, revisions, MCTS and particle-filtering search on the fakes, checked in as JSON.

A change to a strategy, the search loop, ``finalize`` or the tree format that alters what a
search records shows up here as a diff against tests/golden/*.json, exactly (every node,
score, value, status, pick). The fakes seed themselves from a stable hash, so the trees are
the same in every process (``test_golden_trees_do_not_depend_on_the_process`` runs them under
two other ``PYTHONHASHSEED`` values).

When a change is meant to alter the trees, regenerate them on purpose and review the diff:

    TTC_VIZ_REGOLD=1 python -m pytest -q tests/test_golden.py
    git diff tests/golden/
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fakes import FakeGenerator
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.tree import SearchTree
from ttc_viz.verifiers import SymbolicVerifier

GOLDEN = Path(__file__).parent / "golden"
PROBLEM = Problem("Ana has 2 apples and gets 3 more. How many?", "5")
# name: (strategy, fake generator settings, search settings); small enough to read in a diff
CASES = {
    "beam": ("beam", {"steps_to_finish": 3}, {"n": 4, "m": 2, "seed": 1}),
    "lookahead": ("lookahead", {"steps_to_finish": 4}, {"n": 4, "m": 2, "k": 2, "seed": 0}),
    "dvts": ("dvts", {"steps_to_finish": 4}, {"n": 4, "m": 2, "seed": 2}),
    "revisions": ("revisions", {"steps_to_finish": 3}, {"n": 4, "seq": 2, "seed": 1}),
    "mcts": ("mcts", {"steps_to_finish": 3}, {"n": 3, "children": 2, "explore": 1.0, "rollout": True, "seed": 1}),
    "particle_filter": ("particle_filter", {"steps_to_finish": 3}, {"n": 4, "seed": 1}),
}


def make(name: str) -> SearchTree:
    """The golden tree ``name``, made afresh; wall time (the one field that is not a function
    of the inputs) is zeroed."""
    strategy, gen_kw, cfg_kw = CASES[name]
    tree = run(strategy, PROBLEM, FakeGenerator(**gen_kw), SymbolicVerifier(), SearchConfig(**cfg_kw))
    tree.cost.wall_s = 0.0
    return tree


def golden_text(name: str) -> str:
    return make(name).to_json() + "\n"


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden_tree(name):
    path = GOLDEN / f"{name}.json"
    text = golden_text(name)
    if os.environ.get("TTC_VIZ_REGOLD") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.skip(f"rewrote {path.name}; review it with git diff")
    assert path.is_file(), f"{path} is missing; make it with TTC_VIZ_REGOLD=1 (see this file's docstring)"
    assert text == path.read_text(encoding="utf-8"), (
        f"the {name} search no longer records the golden tree; if that is intended, regenerate "
        "with TTC_VIZ_REGOLD=1 and review the diff")
    SearchTree.from_json(text).validate()  # and it is a loadable tree


def test_golden_trees_do_not_depend_on_the_process():
    here = Path(__file__).parent
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import test_golden as g; "
              "sys.stdout.write(''.join(g.golden_text(n) for n in sorted(g.CASES)))")
    outs = []
    for hash_seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        outs.append(subprocess.run([sys.executable, "-c", script, str(here)], env=env, cwd=here.parent,
                                   capture_output=True, text=True, timeout=120, check=True).stdout)
    assert outs[0] == outs[1] == "".join(golden_text(n) for n in sorted(CASES))
