"""Lookahead search: beam search whose candidates are ranked by the PRM score at the end
of a k-step greedy (temperature 0) rollout. Costs about N x (k + 1) step generations."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig
from .spec import StrategySpec, register
from .stepwise import stepwise_search


def lookahead(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
              hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search(SPEC.name, problem, generator, verifier, config, hooks,
                           groups=1, keep=config.n // config.m, k=config.k)


SPEC = register(StrategySpec(
    name="lookahead", label="Lookahead search", run=lookahead, summary="beam ranked by k-step greedy rollouts",
    explain="""**Lookahead search.** Beam search, but before judging a candidate step the model writes k
more steps greedily and the PRM scores the end of that rollout. A better-informed choice, at about (k+1)× the cost.
The rollout steps (◆) are used only for scoring.""",
    params=("m", "k"), color="#00a67e", order=3,
    cost_per_candidate=lambda k: k + 1))  # each candidate also pays for its k-step rollout
