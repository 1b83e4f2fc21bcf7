"""The why-card under Explore's path table: why the chosen node was kept or pruned
(``ttc_viz.teach.why``), its round's ranking, and the what-ifs. Everything is read from the
tree (and from a re-score, once one has been run on this tree)."""
from __future__ import annotations

import streamlit as st

from ttc_viz.teach.rules import cut_of, ranking
from ttc_viz.teach.why import repicks, why
from ttc_viz.tree import SearchTree
from ttc_viz.views import tree_fingerprint
from ui.common import md_escape

RESCORED = "wi_rescored"  # session key: (tree id, the re-scored tree, the steps the verifiers disagree on)


def rescored_for(tree: SearchTree) -> SearchTree | None:
    """The last re-score run on this tree in this session (What if…?), or None."""
    got = st.session_state.get(RESCORED)
    return got[1] if got and got[0] == tree_fingerprint(tree) else None


@st.cache_resource(max_entries=8, show_spinner=False)
def _repicks(fingerprint: str, _tree: SearchTree) -> dict:
    """The tree re-picked under each aggregation, once per tree (by id) for every node's card."""
    return repicks(_tree)


def why_card(tree: SearchTree, node_id: int, key: str = "main") -> None:
    card = why(tree, node_id, rescored_for(tree), _repicks(tree_fingerprint(tree), tree))
    with st.container(border=True, key=f"{key}_why"):
        st.markdown(f"**{md_escape(card.title)}**")
        st.markdown("\n".join(f"- {md_escape(line)}" for line in card.lines))
        if card.whatifs:
            st.markdown("**What if…** (computed from the tree; nothing generated)")
            st.dataframe(card.whatifs, hide_index=True, width="stretch", key=f"{key}_why_whatifs")
            if card.whatif_note:
                st.caption(card.whatif_note)
        for u in card.unknown:
            st.caption(f"Cannot be told from this tree: {u}")
        cut = cut_of(tree, node_id)
        order = ranking(tree, cut) if cut is not None else None
        if order is not None and len(order) > 1:
            with st.expander(f"Its round's ranking ({len(order)} candidates, top {cut.keep} kept)"):
                st.dataframe([{"rank": r, "node": i, "ranked by": _r(tree.nodes[i].value),
                               "score": _r(tree.nodes[i].score), "status": tree.nodes[i].status,
                               "this": "◀" if i == node_id else "", "text": tree.nodes[i].text}
                              for r, i in enumerate(order, 1)], hide_index=True, width="stretch",
                             key=f"{key}_why_rank")


def _r(x):
    return None if x is None else round(x, 3)


__all__ = ["RESCORED", "rescored_for", "why_card"]
