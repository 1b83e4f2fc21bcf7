"""Learn: each strategy explained for a classroom, next to a live example."""
import streamlit as st

from ttc_viz.costs import exchange
from ttc_viz.examples import NAMES as EXAMPLES, load_example
from ttc_viz.plots import legend_markdown
from ttc_viz.problems import synthetic
from ttc_viz.search import SearchConfig, strategies
from ui.common import job_panel, start_job
from ui.tree_view import trees_side_by_side


# the live example: the baseline, a step-wise search and revisions, at one budget
LIVE = ("best_of_n", "beam", "revisions")
# recorded only: the searches the other tools ship, drawn by their own statistics
RECORDED = ("mcts", "particle_filter")

# each strategy explains itself (its spec's ``explain``); then the verifier
PRM = """**Process reward model.** A verifier that scores every *prefix* of a solution: "is this still on
track?". A solution's score comes from its step scores by *aggregation*: **last** (the score at the final step,
which the paper found best), **min** (the weakest step), or **prod** (all steps must be good). This app ships
two: its own **learned PRM** (`prm`, a small adapter trained on the embedded model with Monte Carlo labels and
synthetic step checks; see models/smollm2-prm/README.md), and an exact **symbolic** checker (it recomputes every
`a op b = c` it finds), which catches slips but not wrong plans."""


def page_learn() -> None:
    st.title("Learn: how test-time compute is spent")
    st.markdown("""A small model can think longer instead of being bigger. Snell et al. (2024) compared ways to
spend a budget of *generations* at test time — sampling many answers and voting, or searching step by step
with a verifier — and found that the best way depends on how hard the question is. Here you can see it happen
on a real 135M-parameter model running on your CPU.""")
    c1, c2 = st.columns(2)
    c1.page_link("ui/lessons.py", label="Lessons: step a class through prepared slides", icon="🧑‍🏫")
    c2.page_link("ui/verifier_game.py", label="Be the verifier: keep the steps you trust, then compare", icon="🗳")
    for spec in strategies.specs():
        if spec.explain:
            st.markdown(spec.explain)
    st.markdown(PRM)
    st.divider()
    st.subheader("A live example")
    st.caption("Runs best-of-N, beam search and sequential revisions (2 chains of 2 attempts) with N = 4 on a "
               "level-1 problem (about 20-60 s on 2 CPU cores): the same budget spent in parallel, step by step, "
               "and by revising.")
    p = synthetic(1, 2)
    st.info(f"**{p.text}**  \nanswer: {p.answer}")
    if st.button("▶ Run the example", key="learn_run", disabled="learn_job" in st.session_state):
        cfg = SearchConfig(n=4, m=2, seq=2, seed=0, max_rounds=6)
        runs = [(s, p, cfg) for s in LIVE if s in strategies.REGISTRY]
        if start_job("learn_job", runs, "embedded", "symbolic"):
            st.rerun()
    job_panel("learn_job", lambda trees: st.session_state.__setitem__("learn_trees", trees))
    trees = st.session_state.get("learn_trees") or []
    if not trees:
        st.caption("Recorded on the embedded model (a level-2 problem, N = 16): best-of-N samples whole "
                   "solutions at once; beam search grows one step per round and prunes"
                   + ("; sequential revisions write chains of attempts, each revising the last (left to right)."
                      if "revisions" in EXAMPLES else "."))
        trees = [load_example(s) for s in LIVE if s in EXAMPLES]
    if trees:
        trees_side_by_side(trees, "learn", height=380)
        st.caption(legend_markdown())
    recorded = [load_example(s) for s in RECORDED if s in EXAMPLES]
    if recorded:
        st.subheader("Monte Carlo tree search and particle filtering, recorded")
        st.caption("Recorded on the embedded model (the same level-2 problem as the examples above). MCTS: each "
                   "step's disc grows with its visits and is coloured by its mean value; replay it in Explore to "
                   "watch the statistics change and the walk of each round (orange). Particle filtering: one row "
                   "per round; dashed teal lines join a particle to the copies resampling made of it, ×k marks "
                   "a particle copied k times, faded ones died.")
        trees_side_by_side(recorded, "learn_rec", height=420)
    st.divider()
    exchange_calculator()


def exchange_calculator() -> None:
    st.subheader("Bigger model or more thinking? The FLOPs exchange rate")
    st.markdown("""Pretraining a model of P parameters on D tokens costs about **6·P·D** FLOPs; answering costs
about **2·P** FLOPs per token. Let R = (tokens generated at inference) / (pretraining tokens). The paper found that
when R is small (few queries) extra test-time compute on a small model can beat a model about 14× bigger on easy
and medium questions, while on hard questions, or when R is large, pretraining wins.""")
    c1, c2 = st.columns(2)
    p_small = c1.number_input("Small model, parameters (millions)", 1.0, 1e7, 135.0, key="x_ps") * 1e6
    ratio = c2.number_input("Big model is this many times bigger", 1.5, 1000.0, 14.0, key="x_ratio")
    d_pre = c1.number_input("Pretraining tokens (billions)", 0.001, 1e5, 2000.0, key="x_dpre") * 1e9
    d_inf = c2.number_input("Tokens generated at inference, all queries (billions)", 0.0001, 1e6, 20.0,
                            key="x_dinf") * 1e9
    try:
        x = exchange(p_small, p_small * ratio, d_pre, d_inf)
    except ValueError as e:
        st.error(str(e))
        return
    m = st.columns(3)
    m[0].metric("R = inference / pretraining tokens", f"{x['R']:.3g}")
    m[1].metric("big model: pretraining + inference", f"{x['big_total']:.3g} FLOPs")
    m[2].metric("test-time multiplier for the small model", f"{x['multiplier']:.3g}×")
    st.caption(f"With the same total FLOPs, the small model could spend about {x['multiplier']:.3g} times its "
               "plain inference compute on each answer (e.g. best-of-N with that N, or a search of that budget). "
               "Small R leaves a large test-time budget; large R (many queries) shrinks it towards the size ratio.")


page_learn()
