"""Best-of-N: sample N whole solutions, score every step, pick by vote.

All three picks (naive, weighted, majority) are recorded from the one pool, so they can
be compared without sampling again; ``config.voting`` says which one is "selected".
Each solution is a chain of nodes under the root (group = its sample index).
Stop (``hooks.should_stop``) is checked after sampling: a stopped search keeps its samples
unscored (score None) instead of spending the verifier on them.
"""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, charge, charge_scoring, new_tree, round_seed
from .spec import StrategySpec, register


def best_of_n(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
              hooks: Hooks | None = None) -> SearchTree:
    hooks = hooks or Hooks()
    tree = new_tree(SPEC.name, problem, config)
    sols = generator.solutions(problem.text, config.n, temperature=config.temperature,
                               seed=round_seed(config.seed, 1))
    charge(tree, [s for sol in sols for s in sol], samples=len(sols))
    if hooks.stop():
        tree.stopped = True
        scores = [[None] * len(sol) for sol in sols]
    else:
        scores = verifier.score_batch(problem.text, [[s.text for s in sol] for sol in sols])
        charge_scoring(tree, verifier, sum(len(sol) for sol in sols))
    for g, (sol, sc) in enumerate(zip(sols, scores)):
        parent = 0
        for j, (step, score) in enumerate(zip(sol, sc)):
            last = j == len(sol) - 1
            node = tree.add(parent, step.text, iteration=1, score=None if score is None else float(score),
                            status="finished" if last else "kept", tokens=step.tokens, group=g,
                            token_ids=step.ids)
            parent = node.id
    hooks.round_done(tree, 1)
    return tree


SPEC = register(StrategySpec(
    name="best_of_n", label="Best-of-N", run=best_of_n, summary="N whole samples, vote",
    explain="""**Best-of-N.** Ask the model for N complete solutions, independently. A verifier scores
every one; the answer is chosen by a vote. *Naive*: the single best-scored solution wins. *Weighted*: add up
the scores of all solutions that reach the same answer and take the biggest pile (the paper's choice).
*Majority*: the most common answer, no verifier at all. Cost: N solutions.""",
    color="#636efa", order=0, pooled=True, baseline=True))
