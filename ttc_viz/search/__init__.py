"""Search strategies, one file each; each registers a ``StrategySpec`` (spec.py) next to its code.

The strategies are listed here, in ``STRATEGY_MODULES``: importing a module registers its
spec, so a new strategy is one new file in this folder plus one line in that list (and its
tests). The rest of the folder is the machinery they share: ``spec`` (what a strategy is
besides its function), ``base`` (config, hooks, ``run``, ``finalize``), ``stepwise`` (the
step-by-step loop of beam, DVTS and lookahead; MCTS and particle filtering run their own) and ``whatif`` (re-picking and re-scoring a
recorded tree).
"""
from . import spec as strategies
from . import best_of_n, beam, dvts, lookahead, mcts, particle_filter, revisions
from .base import REGISTRY, Hooks, SearchConfig, finalize, run
from .spec import StrategySpec, register, unregister

# every strategy module, in the order the lists show them (the specs' ``order`` decides)
STRATEGY_MODULES = (best_of_n, beam, dvts, lookahead, revisions, mcts, particle_filter)

DEFAULT_STRATEGY = "beam"  # what the CLI and the app start with


def strategy_names() -> tuple:
    """The registered strategies, cheaper families first (read at call time: a strategy
    registered later shows up)."""
    return strategies.names()


__all__ = ["REGISTRY", "DEFAULT_STRATEGY", "STRATEGY_MODULES", "Hooks", "SearchConfig", "StrategySpec", "finalize",
           "register", "run", "strategies", "strategy_names", "unregister"]
