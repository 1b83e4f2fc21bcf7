"""Explore's tools for the tree it shows: what-if (re-pick, re-score), export, and loading a
saved tree. None of them changes the tree shown: a what-if is a new tree (``search.whatif.repick``,
``search.whatif.rescore``), and a loaded tree replaces it only once every view of it has been drawn."""
from __future__ import annotations

import threading

import streamlit as st

from ttc_viz import settings as server_settings
from ttc_viz.grading import equivalent
from ttc_viz.plots import tree_figure
from ttc_viz.scoring import AGGREGATIONS, VOTING_RULES
from ttc_viz.search import strategies
from ttc_viz.tree import SearchTree, TreeFormatError
from ttc_viz.experiments.figures import figure_html, figure_png
from ttc_viz.search.whatif import repick, rescore
from ttc_viz.views import answer_rows, path_rows, round_rows, selected_path, tree_fingerprint, verdict
from ui.common import MAX_UPLOAD_BYTES, allowed_verifier, md_code, md_escape, settings
from ui.tree_state import open_tree
from ui.why_card import RESCORED


def what_if(tree: SearchTree, sidebar_verifier: str = "symbolic") -> None:
    """Re-pick the tree under another aggregation or voting rule, or re-score its steps with
    another verifier: nothing is generated, and the tree shown stays as it is."""
    st.subheader("What if…? (no new generation)")
    spec = strategies.REGISTRY.get(tree.strategy)
    attempts = bool(spec and spec.whole_attempts)
    c1, c2 = st.columns(2)
    agg = c1.radio("Aggregation", AGGREGATIONS, index=AGGREGATIONS.index(tree.config.get("aggregation", "last")),
                   horizontal=True, key="wi_agg", disabled=attempts,
                   help="Each attempt's step scores were aggregated into its score when it was scored, so a "
                        "tree of attempts keeps the aggregation it was searched with" if attempts else None)
    if attempts:  # the attempts' scores hold the aggregation they were searched with
        agg = tree.config.get("aggregation", "last")
    rule = c2.radio("Voting rule", VOTING_RULES, index=VOTING_RULES.index(tree.config.get("voting", "weighted")),
                    horizontal=True, key="wi_vote")
    alt = repick(tree, aggregation=agg, voting=rule)
    changed = "" if equivalent(alt.selected_answer, tree.selected_answer) else " ← **the pick changes**"
    st.markdown(f"With **{agg}** aggregation and **{rule}** voting the pick is {md_code(alt.selected_answer)} "
                f"{verdict(alt.correct)}{changed}.  All three rules: naive {md_code(alt.picks.get('naive'))}, "
                f"weighted {md_code(alt.picks.get('weighted'))}, majority {md_code(alt.picks.get('majority'))}.")
    if attempts:
        st.caption("The re-pick votes within each chain of attempts, then across the chains' winners, over the "
                   "same attempts.")
    elif spec is None or not spec.pooled:
        st.caption("Beam-style trees keep the branches that were chosen under the original rule; "
                   "the re-pick votes over the same finished leaves.")
    allowed = settings().verifiers
    choices = list(dict.fromkeys([v for v in (sidebar_verifier, *allowed) if v in allowed]))
    other = st.selectbox("Re-score the recorded steps with", choices, key="wi_verifier",
                         help="Compare the verifiers this server offers on the same recorded steps")
    steps = len(tree.nodes) - 1
    too_big = steps > server_settings.MAX_RESCORE_STEPS
    if too_big:
        st.caption(f"Re-scoring reads every recorded step ({steps}); this page re-scores trees of up to "
                   f"{server_settings.MAX_RESCORE_STEPS} steps.")
    if st.button("Re-score", key="wi_rescore", disabled=too_big):
        try:
            re_tree, diffs = rescore(tree, allowed_verifier(other))
        except Exception as e:  # noqa: BLE001
            st.error(f"Re-scoring failed: {e}")
            return
        # kept for this tree, so the why-card above can say what this verifier would have kept
        st.session_state[RESCORED] = (tree_fingerprint(tree), re_tree, diffs, other)
        st.rerun()
    done = st.session_state.get(RESCORED)
    if done and done[0] == tree_fingerprint(tree):
        _, re_tree, diffs, other = done
        st.markdown(f"Re-scored by **{other}**: pick {md_code(re_tree.selected_answer)}; "
                    f"{len(diffs)} steps where the verifiers disagree (one above 0.5, the other below). "
                    "The why-card under the path now says what this verifier would have kept.")
        if diffs:
            st.dataframe(diffs, hide_index=True, width="stretch")


_PNG_LOCK = threading.Lock()  # one PNG at a time per server: each drives a headless browser


@st.cache_data(max_entries=32, show_spinner="Drawing the PNG…")
def _png(fingerprint: str, _fig) -> bytes:
    """The PNG of a tree, made once per tree (by fingerprint) for all sessions."""
    return figure_png(_fig, persistent=True)


def export_panel(tree: SearchTree, key: str = "x") -> None:
    st.subheader("Save and share")
    c1, c2, c3 = st.columns(3)
    name = f"ttc-{tree.strategy}-N{tree.config.get('n')}"
    c1.download_button("Tree as JSON", tree.to_json(), file_name=f"{name}.json", mime="application/json",
                       key=f"{key}_json", help="Load it back below: it replays without any model")
    if len(tree.nodes) > server_settings.MAX_EXPORT_NODES:
        c2.caption(f"HTML and PNG export are for trees of up to {server_settings.MAX_EXPORT_NODES} nodes; "
                   f"this one has {len(tree.nodes)}. The JSON replays here, or draw it with the library.")
        return
    fig = tree_figure(tree)
    c2.download_button("Interactive HTML", figure_html(fig), file_name=f"{name}.html", mime="text/html",
                       key=f"{key}_html", help="A standalone page for slides; works offline")
    fp = tree_fingerprint(tree)
    if c3.button("Make PNG", key=f"{key}_png_make"):
        if not _PNG_LOCK.acquire(blocking=False):
            st.info("Another PNG is being drawn on this server; press again in a few seconds.")
        else:
            try:
                st.session_state[f"{key}_png"] = (fp, _png(fp, fig))
            except RuntimeError as e:
                st.warning(str(e))
            finally:
                _PNG_LOCK.release()
    made = st.session_state.get(f"{key}_png")
    if made and made[0] == fp:
        c3.download_button("Download PNG", made[1], file_name=f"{name}.png",
                           mime="image/png", key=f"{key}_png_dl")


def check_renders(tree: SearchTree) -> None:
    """Draw every view of a tree once, off screen: a tree that would break a page (on this
    or any later rerun) raises here instead, so it is never kept."""
    tree_figure(tree)
    tree_figure(tree, iteration=1, show_pruned=False)
    answer_rows(tree)
    round_rows(tree)
    for n in (selected_path(tree) or [len(tree.nodes) - 1])[-1:]:
        path_rows(tree, n)
    repick(tree)
    if len(tree.nodes) <= server_settings.MAX_EXPORT_NODES:
        tree.to_json()


def load_tree_box() -> None:
    """Upload a saved tree; a file that is not a tree, or a tree that breaks a view, is refused
    with a message and the page keeps the tree it had."""
    up = st.file_uploader("Load a saved tree (.json)", type=["json"], key="tree_upload",
                          help=f"Up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    if up is not None and st.session_state.get("tree_upload_seen") != (up.name, up.size):
        st.session_state["tree_upload_seen"] = (up.name, up.size)
        if up.size > MAX_UPLOAD_BYTES:
            st.error(f"That file is {up.size / 1e6:.1f} MB; this page loads trees up to "
                     f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
            return
        try:
            scratch = SearchTree.from_json(up.getvalue())
        except TreeFormatError as e:
            st.error(f"That file is not a ttc-viz tree: {e}")
            return
        try:
            check_renders(scratch)
        except Exception as e:  # noqa: BLE001 - whatever breaks the views, the page keeps its tree
            st.error(f"That tree cannot be shown ({type(e).__name__}); the page keeps the tree it had.")
            return
        open_tree(scratch)
        st.success(f"Loaded {md_escape(up.name)}.")


__all__ = ["check_renders", "export_panel", "load_tree_box", "what_if"]
