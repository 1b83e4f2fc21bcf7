"""Which tree Explore shows, and where its viewer stands: the one owner of that session state.

Any page that opens a tree in Explore (Explore itself after a search or an upload, Curves'
"Open in Explore") calls ``open_tree``; Explore reads it back with ``opened_tree``. The
session keys are named here and nowhere else:

  TREE               the SearchTree Explore shows
  Cursor("main")     the Explore viewer's place in it: ``round`` (the replay slider),
                     ``node`` (the node clicked in the figure), ``pick`` (the node chosen in
                     "Path to node"); a viewer's widget keys all start with its ``view``
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ttc_viz.tree import SearchTree

TREE = "tree"


@dataclass(frozen=True)
class Cursor:
    """The session keys of one tree viewer's cursor."""
    view: str = "main"

    @property
    def round(self) -> str:
        return f"{self.view}_round"

    @property
    def node(self) -> str:
        return f"{self.view}_node"

    @property
    def pick(self) -> str:
        return f"{self.view}_nodepick"

    def forget_node(self) -> None:
        """Forget the clicked node (a new search is on its way)."""
        st.session_state.pop(self.node, None)

    def reset(self) -> None:
        """Start over: no node selected, the replay at the last round (the viewer's default)."""
        for k in (self.node, self.pick, self.round):
            st.session_state.pop(k, None)


EXPLORE = Cursor("main")


def open_tree(tree: SearchTree) -> None:
    """Show ``tree`` on Explore from its start (call before Explore's viewer is drawn in this
    run, or switch to the Explore page after it)."""
    st.session_state[TREE] = tree
    EXPLORE.reset()


def opened_tree() -> SearchTree | None:
    return st.session_state.get(TREE)


def has_tree() -> bool:
    return TREE in st.session_state


__all__ = ["TREE", "Cursor", "EXPLORE", "open_tree", "opened_tree", "has_tree"]
