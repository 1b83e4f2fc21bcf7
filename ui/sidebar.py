"""The sidebar's search settings (Explore and Compare): model, verifier, budget and rules."""
from __future__ import annotations

import streamlit as st

from ttc_viz.scoring import AGGREGATIONS, VOTING_RULES
from ttc_viz.search import SearchConfig
from ui.common import served_label, settings

MAX_UI_N = 256  # the engine allows more; the page stays responsive up to here on a laptop
MODEL_LABEL = {"embedded": "embedded: SmolLM2-135M-Instruct, fine-tuned (CPU, offline)",
               "embedded-base": "embedded base: SmolLM2-135M-Instruct without the adapter"}
VERIFIER_LABEL = {"symbolic": "symbolic (exact arithmetic checker)", "prm": "prm (learned PRM)",
                  "answer-key": "answer key — knows the answer (synthetic problems only)"}


def sidebar_settings(key: str = "") -> tuple[str, str, SearchConfig]:
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
    sb.header("Search")
    sb.number_input("Seed", min_value=0, max_value=2**31 - 2, value=0, key="seed")
    cfg = SearchConfig(
        n=int(sb.number_input("Budget N", min_value=1, max_value=MAX_UI_N * 4, value=16, key="n",
                              help="best-of-N: N whole samples; beam/DVTS/lookahead: N candidates per round")),
        m=int(sb.number_input("Beam width M", min_value=1, max_value=MAX_UI_N, value=4, key="m",
                              help="beam keeps N/M per round and expands each M ways; DVTS runs N/M subtrees")),
        k=int(sb.number_input("Lookahead k", min_value=0, max_value=8, value=1, key="k",
                              help="lookahead only: greedy steps rolled out to score a candidate")),
        temperature=float(sb.slider("Temperature", 0.0, 1.5, 0.8, 0.05, key="temperature")),
        aggregation=sb.selectbox("Aggregation", AGGREGATIONS, key="aggregation",
                                 help="how step scores become a solution score; 'last' is the paper's"),
        voting=sb.selectbox("Voting rule", VOTING_RULES, index=1, key="voting"),
        max_rounds=int(sb.number_input("Max rounds", min_value=1, max_value=40, value=12, key="max_rounds")),
        seed=int(st.session_state.get("seed", 0)),
    )
    return model, verifier, cfg


def check_config(strategy: str, cfg: SearchConfig) -> str | None:
    if cfg.n > MAX_UI_N:
        return f"N = {cfg.n} is more than this page runs ({MAX_UI_N}); use the CLI for larger budgets."
    try:
        cfg.check(strategy)
    except ValueError as e:
        return str(e)
    return None


__all__ = ["MAX_UI_N", "MODEL_LABEL", "VERIFIER_LABEL", "check_config", "sidebar_settings"]
