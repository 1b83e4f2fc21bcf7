"""PRM beam search (Snell et al. 2024, sec. 5): N candidates per round, top N/M kept,
M children each. Lookahead search with k = 0."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, register
from .stepwise import stepwise_search


@register("beam")
def beam(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
             hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search("beam", problem, generator, verifier, config, hooks,
                           groups=1, keep=config.n // config.m, k=0)
