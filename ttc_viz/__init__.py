"""ttc-viz: see test-time compute at work (Snell et al. 2024) on a real language model.

The public API, importable from ``ttc_viz`` itself::

    from ttc_viz import SearchConfig, load_generator, load_verifier, run_search, synthetic

    gen = load_generator("embedded")
    tree = run_search("beam", synthetic(2, 0), gen, load_verifier("symbolic"), SearchConfig(n=16, m=4))

Names are resolved on first use (PEP 562), so ``import ttc_viz`` stays cheap and the
library stays pure Python plus the model backends: nothing here imports streamlit, and
torch/transformers are imported only when a model is loaded.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

# public name -> (module, attribute)
_API = {
    # models behind their protocols
    "load_generator": ("ttc_viz.lm", "load_generator"),
    "load_verifier": ("ttc_viz.verifiers", "load_verifier"),
    "Generator": ("ttc_viz.lm.base", "Generator"),
    "GeneratorError": ("ttc_viz.lm.base", "GeneratorError"),
    "Step": ("ttc_viz.lm.base", "Step"),
    "Verifier": ("ttc_viz.verifiers.base", "Verifier"),
    "VerifierError": ("ttc_viz.verifiers.base", "VerifierError"),
    # search strategies
    "run_search": ("ttc_viz.search", "run"),
    "SearchConfig": ("ttc_viz.search", "SearchConfig"),
    "Hooks": ("ttc_viz.search", "Hooks"),
    "finalize": ("ttc_viz.search", "finalize"),
    "strategy_names": ("ttc_viz.search", "strategy_names"),
    "StrategySpec": ("ttc_viz.search", "StrategySpec"),
    "register_strategy": ("ttc_viz.search", "register"),
    # what a search produces, and views of it
    "SearchTree": ("ttc_viz.tree", "SearchTree"),
    "selected_path": ("ttc_viz.views", "selected_path"),
    "repick": ("ttc_viz.search.whatif", "repick"),
    # what a run asked of its models
    "Metered": ("ttc_viz.metering", "Metered"),
    # problems and grading
    "Problem": ("ttc_viz.problems", "Problem"),
    "ProblemError": ("ttc_viz.problems", "ProblemError"),
    "make_problem": ("ttc_viz.problems", "make_problem"),
    "synthetic": ("ttc_viz.problems", "synthetic"),
    "load_jsonl": ("ttc_viz.problems", "load_jsonl"),
    "grade": ("ttc_viz.grading", "grade"),
    "extract_answer": ("ttc_viz.grading", "extract_answer"),
    "equivalent": ("ttc_viz.grading", "equivalent"),
}

__all__ = ["__version__", *_API]


def __getattr__(name: str):
    try:
        module, attr = _API[name]
    except KeyError:
        raise AttributeError(f"module 'ttc_viz' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attr)
    globals()[name] = value  # resolved once
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
