"""Diverse verifier tree search (DVTS): the budget N is split into N/M independent
subtrees; each keeps only its best candidate per round and expands it M ways. Less
likely than one beam to collapse onto a single line of reasoning the PRM overrates."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig
from .spec import StrategySpec, register
from .stepwise import stepwise_search


def dvts(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
         hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search(SPEC.name, problem, generator, verifier, config, hooks,
                           groups=config.n // config.m, keep=1, k=0)


SPEC = register(StrategySpec(
    name="dvts", label="DVTS (diverse subtrees)", run=dvts, summary="N/M independent subtrees",
    explain="""**DVTS (diverse verifier tree search).** Split the budget into N/M independent small searches,
each keeping only its best step per round. A single beam can collapse onto one idea; separate subtrees keep
the search diverse.""",
    params=("m",), color="#ab63fa", order=2,
    redundant=lambda n, m, k: n // m < 2))  # a single subtree is beam search
