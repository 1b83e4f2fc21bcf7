"""Diverse verifier tree search (DVTS): the budget N is split into N/M independent
subtrees; each keeps only its best candidate per round and expands it M ways. Less
likely than one beam to collapse onto a single line of reasoning the PRM overrates."""
from __future__ import annotations

from .base import Hooks, SearchConfig, register
from .stepwise import stepwise_search


@register("dvts")
def dvts(problem, generator, verifier, config: SearchConfig, hooks: Hooks | None = None):
    return stepwise_search("dvts", problem, generator, verifier, config, hooks,
                           groups=config.n // config.m, keep=1, k=0)
