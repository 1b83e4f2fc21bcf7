"""Search strategies, one file each, picked by name from ``REGISTRY``."""
from . import best_of_n, beam, dvts, lookahead  # noqa: F401  (register the strategies)
from .base import REGISTRY, Hooks, SearchConfig, finalize, run

STRATEGIES = tuple(sorted(REGISTRY))

__all__ = ["REGISTRY", "STRATEGIES", "Hooks", "SearchConfig", "finalize", "run"]
