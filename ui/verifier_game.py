"""Be the verifier: play a recorded (or freshly searched) tree's decisions yourself, round by
round, then see what the verifier chose and keep score (``ttc_viz.teach.quiz``)."""
import streamlit as st

from ttc_viz.examples import NAMES as EXAMPLES, load_example
from ttc_viz.teach.figures import slide_figure
from ttc_viz.teach.quiz import MAX_CANDIDATES, quiz_rounds
from ttc_viz.views import tree_fingerprint
from ui.common import STRATEGY_LABEL, md_escape
from ui.quiz_view import forget, picks_of, quiz_round, score_of
from ui.tree_state import opened_tree

EXPLORE_TREE = "the tree open in Explore"


def page_verifier() -> None:
    st.title("You be the verifier")
    st.markdown("A search keeps some candidates and drops the rest, on the verifier's word. Here **you** choose: "
                "read each round's candidates (no scores shown), keep as many as the search kept, then see what "
                "the verifier kept, every score, and which candidates were on a path to the right answer.")
    sources = ([EXPLORE_TREE] if opened_tree() is not None else []) + [f"example:{e}" for e in EXAMPLES]
    src = st.selectbox("Tree", sources, key="vq_source",
                       format_func=lambda s: s if s == EXPLORE_TREE else
                       f"recorded example: {STRATEGY_LABEL.get(s.split(':', 1)[1], s)}")
    tree = opened_tree() if src == EXPLORE_TREE else load_example(src.split(":", 1)[1])
    key = f"vq_{tree_fingerprint(tree)}"
    st.markdown(f"**{md_escape(tree.problem['text'])}**")
    rounds = quiz_rounds(tree)
    if not rounds:
        st.info(f"This tree has no round to play: nothing was cut, its solutions all agree, or every round had "
                f"more than {MAX_CANDIDATES} candidates (too many to read in one go).")
        return
    score = score_of(tree, rounds, key)
    c1, c2 = st.columns([4, 1])
    c1.markdown(f"**Score** · {score.line()}" if score.rounds else f"{len(rounds)} round"
                f"{'s' if len(rounds) > 1 else ''} to play.")
    if c2.button("Start again", key="vq_restart", disabled=not score.rounds):
        forget(key)
        for k in [k for k in st.session_state if str(k).startswith(f"{key}_q")]:
            del st.session_state[k]
        st.rerun()
    for q in rounds:
        st.divider()
        quiz_round(tree, q, key)
        picks = picks_of(key, q.number)
        if picks is None:
            break  # the next round shows once this one is revealed
        if q.kind == "keep":
            st.plotly_chart(slide_figure(tree, q.round, highlight=picks, height=360),
                            key=f"{key}_fig{q.number}", width="stretch")
            st.caption("The tree after this round, as the verifier grew it; your picks are ringed in orange.")
        st.info(score_of(tree, rounds[:q.number], key).line())


page_verifier()
