"""The sidebar's search settings (Explore and Compare): model, verifier, budget and rules.

A strategy's own parameters (M, k, seq, MCTS's c, children, rollout and PUCT: ``StrategySpec.params``)
are shown only while a strategy that uses them is chosen; a hidden one keeps its last value for
when it comes back. An input is a whole number unless its ``kind`` says "float" or "bool".
"""
from __future__ import annotations

from typing import Sequence

import streamlit as st

from ttc_viz.scoring import AGGREGATIONS, VOTING_RULES
from ttc_viz.search import SearchConfig, strategies
from ui.common import STRATEGIES, STRATEGY_LABEL, served_label, settings

MAX_UI_N = 256  # the engine allows more; the page stays responsive up to here on a laptop
MODEL_LABEL = {"embedded": "embedded: SmolLM2-135M-Instruct, fine-tuned (CPU, offline)",
               "embedded-base": "embedded base: SmolLM2-135M-Instruct without the adapter"}
VERIFIER_LABEL = {"symbolic": "symbolic (exact arithmetic checker)", "prm": "prm (learned PRM)",
                  "answer-key": "answer key — knows the answer (synthetic problems only)"}
# the input of each strategy parameter (each key of search.spec.PARAM_SYMBOL, a SearchConfig field, has
# one; a test checks); its session key is the field's name
PARAM_INPUTS = {
    "m": dict(label="Beam width M", min_value=1, max_value=MAX_UI_N, value=4,
              help="beam keeps N/M per round and expands each M ways; DVTS runs N/M subtrees"),
    "k": dict(label="Lookahead k", min_value=0, max_value=8, value=1,
              help="lookahead only: greedy steps rolled out to score a candidate"),
    "seq": dict(label="Attempts per chain (seq)", min_value=1, max_value=MAX_UI_N, value=4,
                help="sequential revisions: the budget N runs as N/seq chains of seq attempts, each attempt "
                     "revising the chain's earlier ones; seq must divide N. 1 = all parallel (best-of-N), "
                     "N = one chain. A model without a trained reviser is prompted to revise (labelled 'prompted')"),
    "explore": dict(label="Exploration c (MCTS)", min_value=0.0, max_value=10.0, value=1.0, step=0.1, kind="float",
                    help="MCTS: UCT = mean + c·sqrt(ln visits(parent) / visits(step)); 0 always follows the best "
                         "mean so far, larger values try seldom-visited steps more"),
    "children": dict(label="Children per expansion (MCTS)", min_value=1, max_value=64, value=4,
                     help="MCTS: next steps the model writes when the search expands a step"),
    "rollout": dict(label="Greedy rollout (MCTS)", value=False, kind="bool",
                    help="MCTS: value a new step by a greedy rollout to the end of its solution (recorded as ◆ "
                         "rollout steps) instead of by its own score"),
    "puct": dict(label="PUCT selection (MCTS)", value=False, kind="bool",
                 help="MCTS: choose by PUCT = mean + c·prior·sqrt(visits(parent)) / (1 + visits), the prior being "
                      "the verifier's first score of the step over its siblings', instead of UCT"),
}

# shown only while a chosen strategy is capped by it (best-of-N takes one round, revisions one per attempt)
MAX_ROUNDS_INPUT = dict(label="Max rounds", min_value=1, max_value=40, value=12,
                        help="step-by-step search (beam, DVTS, lookahead, particle filtering) stops after this many "
                             "rounds; MCTS writes no step deeper than this, and at most N × this many steps")


def model_settings() -> tuple[str, str]:
    """The 'Model and verifier' section: (generator choice, verifier spec)."""
    sb = st.sidebar
    s = settings()
    sb.header("Model and verifier")
    model = sb.selectbox("Generator", list(s.models), key="preset", format_func=lambda m: MODEL_LABEL.get(m, served_label(m)),
                         help="The models this server offers (chosen by whoever started it)")
    verifier = sb.selectbox("Verifier (PRM)", list(s.verifiers), key="verifier",
                            format_func=lambda v: VERIFIER_LABEL.get(v, served_label(v)),
                            help="symbolic: checks every 'a op b = c' in a step exactly; prm: the project's own "
                                 "learned PRM; answer key: knows the answer of a synthetic problem and checks "
                                 "each step against it (what a perfect PRM would do; not a real verifier)")
    return model, verifier


def strategy_select(default: str) -> str:
    """One strategy, chosen at the top of the sidebar's Search section (Explore)."""
    st.sidebar.header("Search")
    return st.sidebar.selectbox("Strategy", STRATEGIES, index=STRATEGIES.index(default), key="strategy",
                                format_func=lambda s: STRATEGY_LABEL.get(s, s))


def _param(name: str, shown: bool, spec: dict | None = None):
    """A strategy parameter (or another input shown only for some strategies): its input when
    shown, else the value it last had (or its default); a whole number, or a float or bool as
    its ``kind`` says."""
    spec = spec or PARAM_INPUTS[name]
    kind = spec.get("kind", "int")
    cast = {"int": int, "float": float, "bool": bool}[kind]
    keep = f"_keep_{name}"
    if not shown:
        return cast(st.session_state.get(keep, spec["value"]))
    if kind == "bool":
        v = st.sidebar.checkbox(spec["label"], value=bool(st.session_state.get(keep, spec["value"])), key=name,
                                help=spec["help"])
    else:
        v = st.sidebar.number_input(spec["label"], min_value=spec["min_value"], max_value=spec["max_value"],
                                    value=cast(st.session_state.get(keep, spec["value"])), key=name,
                                    help=spec["help"], **({"step": spec["step"]} if "step" in spec else {}))
    st.session_state[keep] = v
    return cast(v)


def search_settings(chosen: Sequence[str] | None = None, header: bool = True) -> SearchConfig:
    """The Search section: the budget, the parameters the ``chosen`` strategies use (all when
    None), temperature and rules."""
    sb = st.sidebar
    if header:
        sb.header("Search")
    uses = {p for s in (chosen if chosen is not None else STRATEGIES) if s in strategies.REGISTRY
            for p in strategies.get(s).params}
    sb.number_input("Seed", min_value=0, max_value=2**31 - 2, value=0, key="seed")
    n = int(sb.number_input("Budget N", min_value=1, max_value=MAX_UI_N * 4, value=16, key="n",
                            help="best-of-N: N whole samples; beam/DVTS/lookahead: N candidates per round; "
                                 "revisions: N attempts in all; MCTS: stop at N finished solutions; "
                                 "particle filtering: N particles"))
    params = {p: _param(p, p in uses) for p in PARAM_INPUTS}
    capped = any(strategies.get(s).capped_by_max_rounds
                 for s in (chosen if chosen is not None else STRATEGIES) if s in strategies.REGISTRY)
    return SearchConfig(
        n=n, **params,
        temperature=float(sb.slider("Temperature", 0.0, 1.5, 0.8, 0.05, key="temperature")),
        aggregation=sb.selectbox("Aggregation", AGGREGATIONS, key="aggregation",
                                 help="how step scores become a solution score; 'last' is the paper's"),
        voting=sb.selectbox("Voting rule", VOTING_RULES, index=1, key="voting"),
        max_rounds=_param("max_rounds", capped, MAX_ROUNDS_INPUT),
        seed=int(st.session_state.get("seed", 0)),
    )


def sidebar_settings(chosen: Sequence[str] | None = None) -> tuple[str, str, SearchConfig]:
    """Model, verifier and search settings for the ``chosen`` strategies (Compare)."""
    model, verifier = model_settings()
    return model, verifier, search_settings(chosen)


def check_config(strategy: str, cfg: SearchConfig) -> str | None:
    if cfg.n > MAX_UI_N:
        return f"N = {cfg.n} is more than this page runs ({MAX_UI_N}); use the CLI for larger budgets."
    try:
        cfg.check(strategy)
    except ValueError as e:
        return str(e)
    return None


__all__ = ["MAX_UI_N", "MODEL_LABEL", "PARAM_INPUTS", "VERIFIER_LABEL", "check_config", "model_settings",
           "search_settings", "sidebar_settings", "strategy_select"]
