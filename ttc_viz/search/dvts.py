"""Diverse verifier tree search (DVTS): the budget N is split into N/M independent
subtrees; each keeps only its best candidate per round and expands it M ways. Less
likely than one beam to collapse onto a single line of reasoning the PRM overrates."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, register
from .stepwise import stepwise_search


@register("dvts")
def dvts(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
             hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search("dvts", problem, generator, verifier, config, hooks,
                           groups=config.n // config.m, keep=1, k=0)
