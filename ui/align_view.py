"""Compare's "Two trees aligned" (``ttc_viz.teach.align``): pick any two trees of one problem
(the ones run on Compare, the recorded examples, Explore's tree, or an uploaded file), and see
the steps they share, where they part, what each kept afterwards, drawn as one merged tree,
with each tree's answers side by side."""
from __future__ import annotations

import streamlit as st

from ttc_viz import settings as server_settings
from ttc_viz.examples import NAMES as EXAMPLES, load_example
from ttc_viz.plots import tree_title
from ttc_viz.teach.align import align, answers_side_by_side, same_problem
from ttc_viz.teach.figures import merged_figure
from ttc_viz.tree import SearchTree, TreeFormatError
from ttc_viz.views import verdict
from ui.common import MAX_UPLOAD_BYTES, md_escape
from ui.tree_state import opened_tree

UPLOAD = "an uploaded tree"


def _sources(run: list[SearchTree]) -> dict[str, SearchTree | None]:
    out: dict[str, SearchTree | None] = {f"run here: {tree_title(t)}": t for t in run}
    if opened_tree() is not None:
        out[f"open in Explore: {tree_title(opened_tree())}"] = opened_tree()
    for e in EXAMPLES:
        out[f"recorded example: {e}"] = None  # loaded when chosen
    out[UPLOAD] = None
    return out


def _pick(label: str, side: str, sources: dict, default: int) -> SearchTree | None:
    names = list(sources)
    choice = st.selectbox(label, names, index=min(default, len(names) - 1), key=f"al_{side}")
    if choice.startswith("recorded example: "):
        return load_example(choice.split(": ", 1)[1])
    if choice != UPLOAD:
        return sources[choice]
    up = st.file_uploader(f"Tree {side.upper()} (.json)", type=["json"], key=f"al_up_{side}")
    if up is None:
        return None
    if up.size > MAX_UPLOAD_BYTES:
        st.error(f"That file is {up.size / 1e6:.1f} MB; this page loads trees up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
        return None
    try:
        return SearchTree.from_json(up.getvalue())
    except TreeFormatError as e:
        st.error(f"That file is not a ttc-viz tree: {e}")
        return None


def align_panel(run: list[SearchTree]) -> None:
    st.subheader("Two trees aligned")
    st.caption("The steps two trees of one problem share (the same token ids, else the same text), the first step "
               "where they part, and what each kept afterwards. Try beam search against DVTS at the same budget "
               "(the recorded examples), one strategy under two verifiers, or two seeds.")
    sources = _sources(run)
    names = list(sources)
    seen = tuple(id(t) for t in run)
    if st.session_state.get("al_run") != seen:  # a new run on this page: line up its trees first
        st.session_state["al_run"] = seen
        for k in ("al_a", "al_b"):
            st.session_state.pop(k, None)
    beam = names.index("recorded example: beam") if "recorded example: beam" in names else 0
    dvts = names.index("recorded example: dvts") if "recorded example: dvts" in names else 1
    c1, c2 = st.columns(2)
    with c1:
        a = _pick("Tree A", "a", sources, 0 if run else beam)
    with c2:
        b = _pick("Tree B", "b", sources, 1 if len(run) > 1 else dvts)
    if a is None or b is None:
        return
    big = max(len(a.nodes), len(b.nodes))
    if big > server_settings.MAX_EXPORT_NODES:
        st.warning(f"This page aligns trees of up to {server_settings.MAX_EXPORT_NODES} nodes; one of these has {big}. "
                   "The library's ttc_viz.teach.align takes any size.")
        return
    if not same_problem(a, b):
        st.warning("These two trees are of different problems; only trees of one problem can be aligned.")
        return
    al = align(a, b)
    na, nb = f"A ({a.strategy})", f"B ({b.strategy})"
    st.markdown("\n".join(f"- {md_escape(line)}" for line in al.summary(na, nb)))
    st.plotly_chart(merged_figure(al, na, nb), key="al_fig", width="stretch")
    st.caption("Grey: a step both trees have · orange: only A · blue: only B · faded: pruned in every tree that has "
               "it · black ring: kept in one tree, pruned in the other · hover for both trees' node ids and fates.")
    rows = answers_side_by_side(al)
    if rows:
        st.dataframe([{**r, "right?": verdict(r["right?"], "mark", unknown="?")} for r in rows], hide_index=True,
                     width="stretch", key="al_answers")


__all__ = ["align_panel"]
