"""Compare: two or three strategies on the same problem and budget, side by side."""
import streamlit as st

from ttc_viz.plots import tree_title
from ttc_viz.search import DEFAULT_STRATEGY, strategies
from ttc_viz.views import verdict
from ui.common import STRATEGIES, STRATEGY_LABEL, job_panel, problem_input, start_job
from ui.sidebar import check_config, sidebar_settings
from ui.align_view import align_panel
from ui.tree_view import trees_side_by_side

# the baseline next to the default search
DEFAULTS = list(dict.fromkeys([s.name for s in strategies.specs() if s.baseline] + [DEFAULT_STRATEGY]))


def page_compare() -> None:
    st.title("Compare strategies on one problem")
    problem = problem_input("cmp_")
    chosen = st.multiselect("Strategies (two or three)", STRATEGIES, default=DEFAULTS,
                            max_selections=3, key="cmp_strats", format_func=lambda s: STRATEGY_LABEL.get(s, s),
                            help="All run at the same budget N: sequential revisions beside beam search spend "
                                 "the same N generations differently")
    model, verifier, cfg = sidebar_settings(chosen)  # the parameters the chosen strategies use
    errs = [f"{s}: {e}" for s in chosen if (e := check_config(s, cfg))]
    for e in errs:
        st.warning(e)
    if len(chosen) < 2:
        st.caption("Pick at least two strategies.")
    if st.button("▶ Run all", type="primary", key="cmp_run",
                 disabled="cmp_job" in st.session_state or problem is None or errs != [] or len(chosen) < 2):
        if start_job("cmp_job", [(s, problem, cfg) for s in chosen], model, verifier):
            st.rerun()
    job_panel("cmp_job", lambda trees: st.session_state.__setitem__("cmp_trees", trees))
    trees = st.session_state.get("cmp_trees") or []
    if trees:
        trees_side_by_side(trees, "cmp")
        st.dataframe([{"strategy": t.strategy, "pick": t.selected_answer,
                       "right?": verdict(t.correct, "mark", unknown="?"),
                       "naive": t.picks.get("naive"), "weighted": t.picks.get("weighted"),
                       "majority": t.picks.get("majority"), "generations": t.cost.generations,
                       "tokens": t.cost.tokens_generated, "wall s": round(t.cost.wall_s, 1),
                       "rounds": t.iterations, "configuration": tree_title(t)}
                      for t in trees], hide_index=True, width="stretch")
    st.divider()
    align_panel(trees)


page_compare()
