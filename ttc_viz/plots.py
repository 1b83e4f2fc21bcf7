"""Pure functions from search data to plotly figures (no UI code here).

``tree_figure(tree, ...)`` draws a SearchTree top-down: depth downwards, solutions side by
side. Positions come from a tidy layered layout (leaves on
consecutive columns, a parent centred over its children), which stays readable where a
force layout turns into a hairball. Colour = verifier score (with a colour bar); pruned
branches faded; lookahead rollouts as small diamonds on dotted edges; the selected
answer's path drawn thick; finished leaves ringed green (right) or red (wrong) when the
truth is known. Every marker carries its node id in ``customdata`` so a click can find it.

For large trees (beam N = 64 runs to hundreds of nodes) ``show_pruned=False`` hides pruned
leaves (each kept node then shows how many of its children were pruned in its hover), and
the figure widens with the number of leaf columns so it scrolls rather than crams.

A tree of whole attempts (sequential revisions, ``StrategySpec.whole_attempts``) is drawn
the way the paper draws it: each chain of revisions is a row read left to right (attempt 1,
2, ...), the chains stacked; every attempt is a large disc (fill: score; ring: right or
wrong) labelled with its score and ✓ / ✗.

A tree that records Monte Carlo statistics (MCTS, ``Node.stats``) is drawn by them: each
step's disc grows with its visits and its colour is its mean value, both as they stood after
the round shown, and the path the search walked in that round is drawn in orange, so the
replay shows the statistics change and where each iteration went. A tree that records
resamplings (particle filtering, ``Node.resampled``) is drawn as generations of particles,
one row per round: a particle that resampling copied is joined to each of its copies by a
dashed teal line and labelled ×copies; one that died is faded.

Curves of a sweep, and exporting any figure to HTML or PNG, are ``experiments/figures.py``.
"""
from __future__ import annotations

import html
import textwrap

import plotly.graph_objects as go

from .search import strategies
from .tree import SearchTree, stats_at
from .views import selected_path, verdict

COLORSCALE = "RdYlGn"
_STATUS_SYMBOL = {"root": "square", "kept": "circle", "pruned": "circle", "finished": "star",
                  "rollout": "diamond"}


def visible_nodes(tree: SearchTree, iteration: int | None = None, show_pruned: bool = True,
                  show_rollouts: bool = True) -> list[int]:
    """Ids to draw: what existed by ``iteration``, minus hidden kinds (and their subtrees)."""
    keep = set()
    for n in tree.nodes:
        if iteration is not None and n.iteration > iteration:
            continue
        if n.status == "pruned" and not show_pruned:
            continue
        if n.status == "rollout" and not show_rollouts:
            continue
        if n.parent is not None and n.parent not in keep:
            continue
        keep.add(n.id)
    return sorted(keep)


def layout(tree: SearchTree, ids: list[int]) -> dict[int, tuple[float, float]]:
    """Tidy layered positions: x = leaf column (parents centred), y = -depth.

    Iterative (an explicit stack, post-order), so a chain thousands of steps deep lays
    out like any other tree instead of exhausting Python's recursion limit."""
    idset = set(ids)
    kids: dict[int, list[int]] = {}
    for i in sorted(idset):
        p = tree.nodes[i].parent
        if p is not None and p in idset:
            kids.setdefault(p, []).append(i)
    for k in kids.values():
        # rollouts after the real children, so the main tree reads first
        k.sort(key=lambda c: (tree.nodes[c].status == "rollout", c))
    pos: dict[int, tuple[float, float]] = {}
    if 0 not in idset:
        return pos
    col = 0.0
    stack: list[tuple[int, bool]] = [(0, False)]
    while stack:
        u, expanded = stack.pop()
        ch = kids.get(u, [])
        if not ch:
            x = col
            col += 1.0
        elif not expanded:
            stack.append((u, True))
            stack.extend((c, False) for c in reversed(ch))  # first child is placed first
            continue
        else:
            x = (pos[ch[0]][0] + pos[ch[-1]][0]) / 2
        pos[u] = (x, -float(tree.nodes[u].depth))
    return pos


def chain_layout(tree: SearchTree, ids: list[int]) -> dict[int, tuple[float, float]]:
    """Positions for a tree of whole attempts: x = attempt number in its chain, y = -row, one
    row per chain (in order of group); the root on the left, centred on the rows."""
    idset = set(ids)
    rows = {g: i for i, g in enumerate(sorted({tree.nodes[i].group for i in idset if i != 0}))}
    pos = {i: (float(tree.nodes[i].depth), -float(rows[tree.nodes[i].group])) for i in idset if i != 0}
    if 0 in idset:
        pos[0] = (0.0, -(len(rows) - 1) / 2 if rows else 0.0)
    return pos


def _figure_title(tree: SearchTree, last_round: int) -> dict:
    """The tree's title on one line when it is short; a long one (MCTS and particle filtering
    name several settings) puts its settings on a second, smaller line, so that it does not run
    under plotly's toolbar at the top right of a narrow figure (side by side)."""
    text = f"{tree_title(tree)} · round {last_round}/{tree.iterations}"
    if len(text) <= 60:
        return dict(text=plain(text), font=dict(size=14))
    lead = f"{tree.strategy} · N={tree.config.get('n')}"
    first = f"{lead} · round {last_round}/{tree.iterations}"
    rest = tree_title(tree).removeprefix(lead).strip(" ·")
    return dict(text=f"{plain(first)}<br><sup>{plain(rest)}</sup>", font=dict(size=14))


def _attempts(tree: SearchTree) -> bool:
    spec = strategies.REGISTRY.get(tree.strategy)
    return bool(spec and spec.whole_attempts)


def tree_title(tree: SearchTree) -> str:
    """The strategy, its budget and settings, and (revisions) which reviser wrote them."""
    spec = strategies.REGISTRY.get(tree.strategy)
    settings = ""
    if spec is not None and all(p in tree.config for p in spec.params):
        settings = spec.settings(tree.config)
    title = f"{tree.strategy} · N={tree.config.get('n')}" + (f" {settings}" if settings else "")
    if tree.config.get("reviser"):
        title += f" · {tree.config['reviser']} reviser"
    return title


def visit_size(visits: int, most: int) -> float:
    """A marker size for an MCTS node with ``visits`` of the tree's ``most``: 9 to 34 by the
    square root (area grows with the visits)."""
    return 9.0 + 25.0 * (max(visits, 0) / max(most, 1)) ** 0.5


def walked_path(tree: SearchTree, t: int) -> list[int]:
    """The nodes MCTS walked in round ``t`` (selection, then the new children): those whose
    statistics changed in that round, root first; [] for a tree without statistics."""
    return [n.id for n in tree.nodes if n.stats and any(e[0] == t for e in n.stats)]


def resampling_of(node, r: int | None = None):
    """(round, weight, copies) of a particle's last resampling by round ``r`` (None: its last), or None."""
    last = None
    for e in node.resampled or ():
        if r is not None and e[0] > r:
            break
        last = (int(e[0]), float(e[1]), int(e[2]))
    return last


def plain(s) -> str:
    """Text from a tree or a file as plotly shows it: as written. Plotly reads a subset of HTML
    in titles, labels and hovers (``<a href>`` becomes a link, ``<b>`` bold); escaped, a
    ``<`` is shown as the character, not read as a tag."""
    return html.escape(str(s), quote=False)


def _wrap(s: str, width: int = 60, max_lines: int = 8) -> str:
    lines = textwrap.wrap(s.replace("\n", " "), width) or [""]
    if len(lines) > max_lines:
        lines = lines[:max_lines] + ["…"]
    return "<br>".join(plain(line) for line in lines)


def tree_figure(tree: SearchTree, iteration: int | None = None, show_pruned: bool = True,
                show_rollouts: bool = True, selected: int | None = None,
                height: int | None = None) -> go.Figure:
    ids = visible_nodes(tree, iteration, show_pruned, show_rollouts)
    attempts = _attempts(tree)
    pos = chain_layout(tree, ids) if attempts else layout(tree, ids)
    idset = set(ids)
    on_path = set(selected_path(tree)) if iteration is None or iteration >= tree.iterations else set()
    sel_path = {n.id for n in tree.path(selected)} if selected is not None and selected < len(tree.nodes) else set()
    last_round = tree.iterations if iteration is None else iteration
    # Monte Carlo statistics as of the round shown (MCTS); the path walked in that round
    stats = {i: stats_at(tree.nodes[i], last_round) for i in ids if tree.nodes[i].stats}
    stats = {i: s for i, s in stats.items() if s is not None}
    most = max((v for v, _ in stats.values()), default=1)
    walked = set(walked_path(tree, last_round)) if stats else set()
    copied = {i for i in ids if (resampling_of(tree.nodes[i], last_round) or (0, 0, 0))[2] > 0}

    fig = go.Figure()
    # edges, one trace per style (plotly draws a None-separated polyline fast)
    styles = {
        "normal": dict(color="#9aa5b1", width=1.2, dash="solid"),
        "pruned": dict(color="rgba(170,170,170,0.35)", width=1, dash="solid"),
        "rollout": dict(color="#7b61ff", width=1, dash="dot"),
        "chosen": dict(color="#1f4fd1", width=4, dash="solid"),
        "clicked": dict(color="#ff8c00", width=3, dash="solid"),
        "walked": dict(color="#ff7f0e", width=3.5, dash="solid"),
        "resample": dict(color="#17a2b8", width=1.6, dash="dash"),
    }
    segs: dict[str, tuple[list, list]] = {k: ([], []) for k in styles}
    for i in ids:
        n = tree.nodes[i]
        if n.parent is None or n.parent not in idset:
            continue
        kind = ("rollout" if n.status == "rollout" else "chosen" if i in on_path
                else "clicked" if i in sel_path else "walked" if i in walked and n.parent in walked
                else "resample" if n.parent in copied else "pruned" if n.status == "pruned" else "normal")
        (x0, y0), (x1, y1) = pos[n.parent], pos[i]
        xs, ys = segs[kind]
        xs += [x0, x1, None]
        ys += [y0, y1, None]
    for kind, (xs, ys) in segs.items():
        if xs:
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=styles[kind], hoverinfo="skip",
                                     showlegend=False))

    # nodes: one trace for everything scored (one colour bar), one for the root
    pruned_kids: dict[int, int] = {}
    if not show_pruned:
        for n in tree.nodes:
            if n.status == "pruned" and n.parent is not None and (iteration is None or n.iteration <= iteration):
                pruned_kids[n.parent] = pruned_kids.get(n.parent, 0) + 1
    xs, ys, colors, symbols, sizes, opac, lines_c, lines_w, hover, custom, labels = ([] for _ in range(11))
    for i in ids:
        n = tree.nodes[i]
        if n.status == "root":
            continue
        x, y = pos[i]
        status = n.status
        xs.append(x)
        ys.append(y)
        st_i = stats.get(i)
        res = resampling_of(n, last_round)
        colors.append(st_i[1] if st_i else n.score if n.score is not None else 0.5)
        # an attempt is a large disc: its fill (the score) shows inside the right/wrong ring
        symbols.append("circle" if attempts else _STATUS_SYMBOL[status])
        sizes.append(22 if attempts else visit_size(st_i[0], most) if st_i
                     else {"finished": 17, "rollout": 8, "pruned": 9}.get(status, 12))
        opac.append(0.35 if status == "pruned" and not st_i else 0.8 if status == "rollout" else 1.0)
        ring_c, ring_w = "#333", 0.5
        if n.correct is True and status in ("finished", "pruned"):
            ring_c, ring_w = "#0a8f2e", 3
        elif n.correct is False and status == "finished":
            ring_c, ring_w = "#d1242f", 3
        if i == selected:
            ring_c, ring_w = "#ff8c00", 4
        lines_c.append(ring_c)
        lines_w.append(ring_w)
        sc = "–" if n.score is None else f"{n.score:.3f}"
        extra = ""
        if n.value is not None and n.value != n.score:
            extra += f"<br>ranked by: {n.value:.3f}"
        if n.answer is not None:
            mark = verdict(n.correct, "mark")
            extra += f"<br>answer: {plain(n.answer)}" + (f" {mark}" if mark else "")
        if pruned_kids.get(i):
            extra += f"<br>(+{pruned_kids[i]} pruned children hidden)"
        if st_i:
            extra += f"<br>visits {st_i[0]} · mean value {st_i[1]:.3f} (after round {last_round})"
        if res:
            extra += (f"<br>resampled after round {res[0]}: weight {res[1]:.3f}, "
                      + (f"copied ×{res[2]}" if res[2] else "died"))
        if attempts:
            hover.append(f"<b>#{i}</b> · chain {n.group + 1} · attempt {n.depth} · score {sc}{extra}"
                         f"<br>{_wrap(n.text, max_lines=14)}")
            mark = verdict(n.correct, "mark")
            labels.append(f"{sc}" + (f" {mark}" if mark else ""))
        else:
            labels.append(f"×{res[2]}" if res and res[2] > 1 else "")
            hover.append(f"<b>#{i}</b> · round {n.iteration} · {status} · score {sc}{extra}<br>{_wrap(n.text)}")
        custom.append(i)
    texts = attempts or any(labels)
    fig.add_trace(go.Scatter(
        x=xs, y=ys, mode="markers+text" if texts else "markers", customdata=custom, hovertext=hover,
        hoverinfo="text", **({"text": labels, "textposition": "top center" if attempts else "middle right",
                              "textfont": {"size": 11}} if texts else {}),
        marker=dict(color=colors, colorscale=COLORSCALE, cmin=0, cmax=1, symbol=symbols, size=sizes,
                    opacity=opac, line=dict(color=lines_c, width=lines_w),
                    colorbar=dict(title="mean value" if stats else "PRM score", thickness=12, len=0.8)),
        showlegend=False, name="steps"))
    if 0 in pos:
        fig.add_trace(go.Scatter(x=[pos[0][0]], y=[pos[0][1]], mode="markers+text", text=["problem"],
                                 textposition="top center", customdata=[0],
                                 hovertext=[f"<b>problem</b><br>{_wrap(tree.problem['text'])}"],
                                 hoverinfo="text", marker=dict(symbol="square", size=16, color="#444"),
                                 showlegend=False, name="root"))
    title = _figure_title(tree, last_round)
    top = 52 if "<br>" in title["text"] else 30
    if attempts:  # chains as rows, attempts left to right
        n_rows = len({tree.nodes[i].group for i in ids if i != 0}) or 1
        seq = max((tree.nodes[i].depth for i in ids), default=1)
        fig.update_layout(
            height=height or int(min(1400, 140 + 62 * max(n_rows, 2))),
            width=int(min(6000, 160 + 150 * seq)) if seq > 10 else None,
            margin=dict(l=10, r=10, t=top, b=10), plot_bgcolor="white", dragmode="pan",
            hoverlabel=dict(align="left"), clickmode="event+select",
            xaxis=dict(visible=False, range=[-0.4, max(seq, 1) + 0.5]),
            yaxis=dict(visible=False, range=[-n_rows + 0.5, 0.6]), title=title)
        return fig
    cols = max(1.0, max((p[0] for p in pos.values()), default=0) + 1)
    depth = max((tree.nodes[i].depth for i in ids), default=1)
    fig.update_layout(
        height=height or int(min(1400, 160 + 70 * max(depth, 2))),
        width=int(max(700, min(6000, 26 * cols))) if cols > 40 else None,
        margin=dict(l=10, r=10, t=top, b=10), plot_bgcolor="white", dragmode="pan",
        hoverlabel=dict(align="left"), clickmode="event+select",
        xaxis=dict(visible=False), yaxis=dict(visible=False, range=[-depth - 0.6, 0.8]),
        title=title,
    )
    return fig


# what each strategy adds to the common legend (None: every entry, as on the Learn page)
_LEGEND_EXTRA = {
    "lookahead": "◆ lookahead rollout",
    "revisions": "revisions: a large ● is one whole attempt, each row a chain read left to right",
    "mcts": "MCTS: size = visits, colour = mean value, orange = the path walked in the round shown · "
            "◆ rollout (with rollouts on)",
    "particle_filter": "particle filtering: one row per round, dashed teal = a copy made by resampling, ×k = copies",
}


def legend_markdown(strategy: str | None = None) -> str:
    """The tree figure's legend: the common marks, and those of ``strategy`` (all if None)."""
    extra = list(_LEGEND_EXTRA.values()) if strategy is None else \
        [_LEGEND_EXTRA[strategy]] if strategy in _LEGEND_EXTRA else []
    return " · ".join(["● kept / expanded · ★ finished solution · faded ● pruned", *extra,
                       "thick blue = path to the selected answer · green / red ring = right / wrong answer · "
                       "colour = verifier score (red 0 → green 1)"])


def score_fig_from_rows(rows: list[dict]) -> go.Figure:
    """Bar chart of answers: summed weight per distinct answer, coloured right/wrong."""
    fig = go.Figure(go.Bar(
        x=[plain(r["answer"]) for r in rows], y=[r["weight"] for r in rows],
        marker_color=["#0a8f2e" if r.get("correct") else "#d1242f" if r.get("correct") is False else "#6c7a89"
                      for r in rows],
        text=[f"×{r['count']}" for r in rows], textposition="outside",
        hovertext=[f"{plain(r['answer'])}: {r['count']} solutions, weight {r['weight']:.2f}" for r in rows],
        hoverinfo="text"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), title="summed score per answer",
                      yaxis_title="weight", xaxis_title="answer", xaxis_type="category")
    return fig


__all__ = ["tree_figure", "layout", "chain_layout", "tree_title", "visible_nodes", "legend_markdown",
           "resampling_of", "score_fig_from_rows", "visit_size", "walked_path"]
