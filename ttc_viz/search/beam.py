"""PRM beam search (Snell et al. 2024, sec. 5): N candidates per round, top N/M kept,
M children each. Lookahead search with k = 0."""
from __future__ import annotations

from ..lm.base import Generator
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig
from .spec import StrategySpec, register
from .stepwise import stepwise_search


def beam(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
         hooks: Hooks | None = None) -> SearchTree:
    return stepwise_search(SPEC.name, problem, generator, verifier, config, hooks,
                           groups=1, keep=config.n // config.m, k=0)


SPEC = register(StrategySpec(
    name="beam", label="Beam search", run=beam, summary="N per round, N/M kept, M children each",
    explain="""**Beam search with a process reward model (PRM).** Build the solution one step (one paragraph)
at a time. Each round the model proposes N candidate next steps; the PRM scores each; only the best N/M survive
and each survivor proposes M continuations. Bad starts are dropped early, so the budget goes to promising
lines. The risk: the search chases what the PRM *likes*, which is not always what is *right*.""",
    params=("m",), color="#ef553b", order=1))
