"""Explore: type a problem, run one search, watch and step through its tree."""
import streamlit as st

from ttc_viz.examples import load_example
from ttc_viz.search import DEFAULT_STRATEGY
from ui.common import (STRATEGIES, STRATEGY_LABEL, SearchTree, answers_panel, check_config,
                       export_panel, job_panel, load_tree_box, md_code, md_escape, problem_input,
                       round_rows, sidebar_settings, start_job, tree_explorer, tree_fingerprint, what_if)


def page_explore() -> None:
    st.title("Explore a search")
    model, verifier, cfg = sidebar_settings()
    strategy = st.sidebar.selectbox("Strategy", STRATEGIES, index=STRATEGIES.index(DEFAULT_STRATEGY), key="strategy",
                                    format_func=lambda s: STRATEGY_LABEL.get(s, s))
    problem = problem_input()
    err = check_config(strategy, cfg)
    if err:
        st.warning(f"Settings: {err}")
    running = "job" in st.session_state
    if st.button("▶ Run search", type="primary", disabled=running or problem is None or err is not None,
                 key="run"):
        st.session_state.pop("main_node", None)
        if start_job("job", [(strategy, problem, cfg)], model, verifier):
            st.rerun()

    def done(trees):
        st.session_state["tree"] = trees[0]
        st.session_state.pop("main_node", None)
        st.session_state.pop("main_nodepick", None)
        st.session_state["main_round"] = trees[0].iterations

    job_panel("job", done)
    with st.expander("Load a saved tree", expanded="tree" not in st.session_state):
        load_tree_box()  # before the tree is drawn, so a loaded tree shows at once
    tree: SearchTree | None = st.session_state.get("tree")
    if tree is None:
        # a recorded search on the embedded model, so there is something to explore at once
        tree = load_example("beam")
        st.caption("A recorded example (beam search on the embedded model): press Run to search your own "
                   "problem, or load a saved tree.")
    if tree is not None:
        st.markdown(f"**{md_escape(tree.problem['text'])}**" + (f"  \ntruth: {md_code(tree.problem['answer'])}"
                                                                if tree.problem.get("answer") else ""))
        st.caption(f"tree id {tree_fingerprint(tree)} (the same problem, settings, models and seed give the "
                   "same id on any machine)")
        tree_explorer(tree)
        with st.expander("Rounds", expanded=False):
            st.dataframe(round_rows(tree), hide_index=True)
        st.subheader("Answers")
        answers_panel(tree)
        what_if(tree, verifier)
        export_panel(tree)


page_explore()
