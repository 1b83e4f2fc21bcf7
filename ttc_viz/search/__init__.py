"""Search strategies, one file each; each registers a ``StrategySpec`` (spec.py).

Every module in this folder is imported here, so a strategy file registers itself by being
there: adding a strategy is one new file (plus its tests).
"""
import importlib
import pkgutil

from . import spec as strategies
from .base import REGISTRY, Hooks, SearchConfig, finalize, run
from .spec import StrategySpec, register, unregister

_SHARED = {"base", "spec", "stepwise"}  # the machinery, not strategies
for _m in pkgutil.iter_modules(__path__):
    if _m.name not in _SHARED:
        importlib.import_module(f"{__name__}.{_m.name}")

DEFAULT_STRATEGY = "beam"  # what the CLI and the app start with


def strategy_names() -> tuple:
    """The registered strategies, cheaper families first (read at call time: a strategy
    registered later shows up)."""
    return strategies.names()


__all__ = ["REGISTRY", "DEFAULT_STRATEGY", "Hooks", "SearchConfig", "StrategySpec", "finalize", "register", "run",
           "strategies", "strategy_names", "unregister"]
