"""The drawings teaching needs, as plotly figures (pure: trees in, figures out).

``slide_figure``: a tree as Explore draws it (``plots.tree_figure``) at one round, with chosen
nodes ringed and numbered, and large type for a room (``big``).
``merged_figure``: two aligned trees (align.py) as one tree, each step coloured by who has it:
both, only A, only B; a shared step whose fate differs (kept in one, pruned in the other) gets
a black ring, and a dashed line marks the step where the trees part. Positions come from the
same tidy layout as every tree here (``plots.layout``).
"""
from __future__ import annotations

import textwrap
from typing import Sequence

import plotly.graph_objects as go

from ..plots import chain_layout, layout, tree_figure, visible_nodes
from ..search import strategies
from ..tree import Node, SearchTree
from .align import KEPT, Alignment

ORIGIN_COLOR = {"both": "#6c7a89", "a": "#e8710a", "b": "#1a73e8"}   # grey, orange, blue (told apart without red/green)
HIGHLIGHT = "#ff8c00"
BIG_FONT = 22


def _wrap(s: str, width: int = 60, lines: int = 6) -> str:
    out = textwrap.wrap(" ".join(s.split()), width) or [""]
    return "<br>".join(out[:lines] + (["…"] if len(out) > lines else []))


def slide_figure(tree: SearchTree, round: int | None = None, highlight: Sequence[int] = (), big: bool = False,
                 height: int | None = None) -> go.Figure:
    """The tree after ``round`` (None: the end), ``highlight``'s nodes ringed and labelled by id."""
    fig = tree_figure(tree, iteration=round, height=height)
    ids = visible_nodes(tree, round)
    spec = strategies.REGISTRY.get(tree.strategy)
    pos = chain_layout(tree, ids) if spec is not None and spec.whole_attempts else layout(tree, ids)
    shown = [i for i in dict.fromkeys(highlight) if i in pos]
    if shown:
        ring = 30 if big else 22
        fig.add_trace(go.Scatter(
            x=[pos[i][0] for i in shown], y=[pos[i][1] for i in shown], mode="markers",
            marker=dict(symbol="circle-open", size=ring, color=HIGHLIGHT, line=dict(width=4)),
            customdata=shown, hoverinfo="skip", showlegend=False, name="highlighted"))
        for i in shown:  # the id under its ring, on a pale box so it reads over edges and neighbours
            fig.add_annotation(x=pos[i][0], y=pos[i][1], text=f"#{i}", showarrow=False, yshift=-(ring // 2 + 12),
                               font=dict(size=BIG_FONT - 4 if big else 12, color=HIGHLIGHT),
                               bgcolor="rgba(255,255,255,0.85)")
    if big:
        fig.update_layout(font=dict(size=BIG_FONT), title_font=dict(size=BIG_FONT + 4),
                          hoverlabel=dict(font_size=BIG_FONT - 2))
        fig.update_traces(marker_colorbar=dict(title=dict(text="score", font=dict(size=BIG_FONT)),
                                               tickfont=dict(size=BIG_FONT - 4)), selector=dict(name="steps"))
    return fig


def leaf_columns(tree: SearchTree, round: int | None = None) -> int:
    """How many columns a slide's tree takes (its visible leaves): a wide one needs the full width."""
    ids = visible_nodes(tree, round)
    parents = {tree.nodes[i].parent for i in ids}
    return sum(i not in parents for i in ids)


def _as_tree(al: Alignment) -> SearchTree:
    """The merged nodes as a SearchTree skeleton, for the layout (statuses: rollouts last)."""
    t = SearchTree.new("merged", {}, al.a.problem["text"], None)
    for p in al.nodes[1:]:
        sa, sb = al.status(p)
        status = "rollout" if "rollout" in (sa, sb) else "kept"
        t.nodes.append(Node(p.id, p.parent, p.depth, 0, p.text, None, status))
    return t


def merged_figure(al: Alignment, a_name: str = "A", b_name: str = "B", big: bool = False,
                  height: int | None = None) -> go.Figure:
    skel = _as_tree(al)
    ids = [p.id for p in al.nodes]
    pos = layout(skel, ids)
    fig = go.Figure()
    xs, ys = [], []
    for p in al.nodes[1:]:
        (x0, y0), (x1, y1) = pos[p.parent], pos[p.id]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color="#b0b8c1", width=1.2), hoverinfo="skip",
                             showlegend=False))
    names = {"both": "both", "a": f"only {a_name}", "b": f"only {b_name}"}
    for origin in ("both", "a", "b"):
        pts = [p for p in al.nodes[1:] if p.origin == origin]
        if not pts:
            continue
        opac, ring, width, hover = [], [], [], []
        for p in pts:
            sa, sb = al.status(p)
            alive = (sa in KEPT) or (sb in KEPT)
            differs = origin == "both" and (sa in KEPT) != (sb in KEPT)
            opac.append(1.0 if alive else 0.35)
            ring.append("#111" if differs else "#ffffff")
            width.append(3 if differs else 0.5)
            fates = " · ".join(f"{nm}: #{i} {s}" for nm, i, s in ((a_name, p.a, sa), (b_name, p.b, sb)) if i is not None)
            how = {"tokens": " (same token ids)", "text": " (same text)"}.get(p.how, "")
            hover.append(f"<b>{names[origin]}</b>{how}<br>{fates}<br>{_wrap(p.text)}")
        fig.add_trace(go.Scatter(
            x=[pos[p.id][0] for p in pts], y=[pos[p.id][1] for p in pts], mode="markers", name=names[origin],
            customdata=[p.id for p in pts], hovertext=hover, hoverinfo="text",
            marker=dict(color=ORIGIN_COLOR[origin], size=16 if big else 11, opacity=opac,
                        line=dict(color=ring, width=width))))
    fig.add_trace(go.Scatter(x=[pos[0][0]], y=[pos[0][1]], mode="markers+text", text=["problem"],
                             textposition="top center", hovertext=[_wrap(al.a.problem["text"])], hoverinfo="text",
                             marker=dict(symbol="square", size=16, color="#444"), showlegend=False))
    depth = max((p.depth for p in al.nodes), default=1)
    if al.parting is not None:
        fig.add_hline(y=-al.parting + 0.5, line=dict(color="#111", dash="dash", width=1),
                      annotation_text=f"they part at step {al.parting}", annotation_position="top left")
    cols = max(1.0, max(x for x, _ in pos.values()) + 1)
    fig.update_layout(
        height=height or int(min(1400, 200 + 80 * max(depth, 2))),
        width=int(max(700, min(6000, 26 * cols))) if cols > 40 else None,
        margin=dict(l=10, r=10, t=40, b=10), plot_bgcolor="white", dragmode="pan", hoverlabel=dict(align="left"),
        xaxis=dict(visible=False), yaxis=dict(visible=False, range=[-depth - 0.6, 0.8]),
        legend=dict(orientation="h", yanchor="top", y=0.0, x=0.0),
        font=dict(size=BIG_FONT) if big else None,
        title=dict(text=f"{a_name} and {b_name}, merged", font=dict(size=BIG_FONT + 2 if big else 14)))
    return fig


__all__ = ["ORIGIN_COLOR", "leaf_columns", "merged_figure", "slide_figure"]
