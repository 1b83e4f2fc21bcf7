"""Lookahead search: beam search whose candidates are ranked by the PRM score at the end
of a k-step greedy (temperature 0) rollout. Costs about N x (k + 1) step generations."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, register
from .stepwise import stepwise_search


@register("lookahead")
def lookahead(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
                  hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search("lookahead", problem, generator, verifier, config, hooks,
                           groups=1, keep=config.n // config.m, k=config.k)
