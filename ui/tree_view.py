"""Views of one search tree, shared by the pages: the explorer (figure, replay, path),
trees side by side, and the answers with their costs. Everything shown is read from the tree."""
from __future__ import annotations

import streamlit as st

from ttc_viz.costs import reencoded_per_token
from ttc_viz.plots import legend_markdown, score_fig_from_rows, tree_figure
from ttc_viz.search import strategies
from ttc_viz.tree import SearchTree
from ttc_viz.views import answer_rows, path_rows, selected_path, verdict
from ui.common import STRATEGY_LABEL, md_code, md_escape
from ui.tree_state import EXPLORE, Cursor
from ui.why_card import why_card


def tree_explorer(tree: SearchTree, cursor: Cursor = EXPLORE, explain: bool = True) -> None:
    """The tree as a figure with a replay slider (round by round) and the path to a node:
    click a node, or choose it below, and (``explain``) the card of why it was kept or pruned.
    Where the viewer stands lives in ``cursor``'s keys."""
    key = cursor.view
    T = tree.iterations
    big = len(tree.nodes) > 250
    c1, c2, c3 = st.columns([3, 1, 1])
    show_pruned = c2.toggle("Show pruned", value=not big, key=f"{key}_pruned",
                            help="Hidden pruned steps are counted in their parent's hover text")
    show_roll = c3.toggle("Show rollouts", value=True, key=f"{key}_roll")
    # the replay: a round between 1 and T (a new or shorter tree starts at its last round)
    rk = cursor.round
    if rk not in st.session_state or st.session_state[rk] > T:
        st.session_state[rk] = T
    with c1:
        if T > 1:
            b1, b2, b3 = st.columns([1, 6, 1])
            b1.button("◀", key=f"{key}_prev", help="previous round",
                      on_click=lambda: st.session_state.__setitem__(rk, max(1, st.session_state[rk] - 1)))
            b3.button("▶", key=f"{key}_next", help="next round",
                      on_click=lambda: st.session_state.__setitem__(rk, min(T, st.session_state[rk] + 1)))
            b2.slider("Replay: round", 1, T, key=rk, label_visibility="collapsed")
        else:
            st.caption("One round: every sample was drawn at once.")
    t = st.session_state[rk]
    # the figure; a click on a node selects it (and the path table follows)
    selected = st.session_state.get(cursor.node)
    fig = tree_figure(tree, iteration=t, show_pruned=show_pruned, show_rollouts=show_roll, selected=selected)
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"{key}_fig", width="stretch")
    st.caption(legend_markdown(tree.strategy) + " · click a node to see its path")
    clicked = _clicked_node(event, len(tree.nodes), selected)
    if clicked is not None:
        st.session_state[cursor.node] = clicked
        st.session_state[cursor.pick] = clicked
        st.rerun()
    # the path from the root to the chosen node (default: the selected answer's path)
    ids = [n.id for n in tree.nodes[1:] if n.iteration <= t]
    if ids:
        default = selected if selected in ids else (selected_path(tree) or [ids[0]])[-1]
        if st.session_state.get(cursor.pick) not in ids:  # first view, or replaying an earlier round
            st.session_state[cursor.pick] = default if default in ids else ids[0]
        nid = st.selectbox("Path to node", ids, key=cursor.pick,
                           format_func=lambda i: f"#{i} · round {tree.nodes[i].iteration} · {tree.nodes[i].status} · "
                                                 f"{' '.join(tree.nodes[i].text.split())[:60]}")
        st.dataframe(path_rows(tree, nid, t), hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn(width="large")})
        if explain:
            why_card(tree, nid, key)


def reviser_note(tree: SearchTree) -> str | None:
    """What a reader should know about who wrote a tree's revisions (None: no revisions)."""
    mode = tree.config.get("reviser")
    if mode == "prompted":
        return ("Revisions by a **prompted** reviser: the generator itself, shown its earlier attempts and asked "
                "for a new solution. It was never trained to revise, so it mostly copies or ignores what it is "
                "shown (the paper's reviser was fine-tuned to revise).")
    if mode == "trained":
        return "Revisions by the **trained** reviser: a model fine-tuned to correct its earlier attempts."
    return None


def _clicked_node(event, n_nodes: int, selected: int | None) -> int | None:
    """The id of a node newly clicked in the figure (its ``customdata``), other than
    ``selected``; None if there is none."""
    pts = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", []) or []
    for p in pts:
        cd = p.get("customdata") if isinstance(p, dict) else None
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, (int, float)) and 0 < int(cd) < n_nodes and int(cd) != selected:
            return int(cd)
    return None


def trees_side_by_side(trees: list[SearchTree], key: str, height: int = 420) -> None:
    """Two or three trees in columns, each with its pick and cost."""
    for col, t in zip(st.columns(len(trees)), trees):
        with col:
            mode = t.config.get("reviser")
            st.markdown(f"**{STRATEGY_LABEL.get(t.strategy, t.strategy)}**"
                        + (f" (*{md_escape(mode)} reviser*)" if mode else "")
                        + f" picks {md_code(t.selected_answer)} {verdict(t.correct)} · "
                        f"{t.cost.tokens_generated} tokens · {t.cost.wall_s:.1f} s")
            st.plotly_chart(tree_figure(t, show_pruned=len(t.nodes) < 200, height=height),
                            key=f"{key}_{t.strategy}", width="stretch")


def answers_panel(tree: SearchTree) -> None:
    rows = answer_rows(tree)
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(f"**Selected answer ({tree.config.get('voting')}):** {md_code(tree.selected_answer)} "
                    f"{verdict(tree.correct)}"
                    + ("  \n*stopped early: picked from the partial tree*" if tree.stopped else ""))
        if rows:
            st.dataframe([{"answer": r["answer"], "count": r["count"], "summed score": round(r["weight"], 3),
                           "best score": round(r["best"], 3),
                           "right?": verdict(r["correct"], "mark", unknown="?"),
                           "picked by": r["picked by"]} for r in rows], hide_index=True, width="stretch")
            spec = strategies.REGISTRY.get(tree.strategy)
            if spec is not None and spec.whole_attempts:
                st.caption("Counts and sums here are over every attempt; the pick is made within each chain "
                           "first, then across the chains' winners (each weighted by its best score).")
        else:
            st.caption("No finished solution stated an answer.")
    with c2:
        if rows:
            st.plotly_chart(score_fig_from_rows(rows), key=f"ans_{id(tree)}", width="stretch")
    c = tree.cost
    m = st.columns(6)
    m[0].metric("generations", c.generations)
    m[1].metric("tokens generated", c.tokens_generated)
    m[2].metric("prompt tokens", c.tokens_prompt)
    m[3].metric("steps scored", c.verifier_calls)
    m[4].metric("wall time", f"{c.wall_s:.1f} s")
    again = reencoded_per_token(c)
    m[5].metric("re-encoded / token", f"{again['generator']:.2f}",
                help=f"Prefix tokens encoded again per generated token: the generator re-encoded "
                     f"{c.tokens_reencoded}, the verifier {c.verifier_tokens_reencoded} (of "
                     f"{c.verifier_tokens_read} it read, {again['verifier']:.2f} per generated token). "
                     "A backend that keeps each prefix's KV cache across rounds keeps these near 0.")


__all__ = ["answers_panel", "reviser_note", "tree_explorer", "trees_side_by_side"]
