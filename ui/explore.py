"""Explore: type a problem, run one search, watch and step through its tree.

The page: sidebar settings and the problem box; Run starts a search (ui.common.job_panel
shows it growing); the finished tree, a loaded one, or one opened from Curves is shown
with the explorer (ui.tree_view), its answers, and the what-if, export and load tools
(ui.explore_panels). Which tree that is lives in ui.tree_state.
"""
import streamlit as st

from ttc_viz.examples import load_example
from ttc_viz.search import DEFAULT_STRATEGY
from ttc_viz.views import round_rows, tree_fingerprint
from ui.common import job_panel, md_code, md_escape, problem_input, start_job
from ui.explore_panels import export_panel, load_tree_box, what_if
from ui.lesson_draft import add_view_panel
from ui.sidebar import check_config, model_settings, search_settings, strategy_select
from ui.tree_state import EXPLORE, has_tree, open_tree, opened_tree
from ui.tree_view import answers_panel, reviser_note, tree_explorer

JOB = "job"  # the session key of Explore's running search


def page_explore() -> None:
    st.title("Explore a search")
    model, verifier = model_settings()
    strategy = strategy_select(DEFAULT_STRATEGY)
    cfg = search_settings([strategy], header=False)  # the parameters this strategy uses
    problem = problem_input()
    err = check_config(strategy, cfg)
    if err:
        st.warning(f"Settings: {err}")
    running = JOB in st.session_state
    if st.button("▶ Run search", type="primary", disabled=running or problem is None or err is not None,
                 key="run"):
        EXPLORE.forget_node()
        if start_job(JOB, [(strategy, problem, cfg)], model, verifier):
            st.rerun()
    job_panel(JOB, lambda trees: open_tree(trees[0]))
    with st.expander("Load a saved tree", expanded=not has_tree()):
        load_tree_box()  # before the tree is drawn, so a loaded tree shows at once
    tree = opened_tree()
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
        note = reviser_note(tree)
        if note:
            st.info(note)
        tree_explorer(tree)
        with st.expander("Rounds", expanded=False):
            st.dataframe(round_rows(tree), hide_index=True)
        st.subheader("Answers")
        answers_panel(tree)
        what_if(tree, verifier)
        export_panel(tree)
        add_view_panel(tree)


page_explore()
