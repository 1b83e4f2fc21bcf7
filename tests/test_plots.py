import plotly.graph_objects as go

from fakes import FakeGenerator
from ttc_viz.plots import layout, score_fig_from_rows, tree_figure, visible_nodes
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier
from ttc_viz.views import selected_path

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


def tree(strategy="beam", **kw):
    return run(strategy, P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(), SearchConfig(seed=1, **kw))


def node_trace(fig):
    return next(t for t in fig.data if t.name == "steps")


def test_every_visible_node_is_drawn_with_its_id_and_score():
    t = tree(n=8, m=2)
    fig = tree_figure(t)
    tr = node_trace(fig)
    assert sorted(tr.customdata) == [n.id for n in t.nodes[1:]]
    assert tr.marker.colorbar.title.text == "PRM score"
    for nid, c in zip(tr.customdata, tr.marker.color):
        assert c == t.nodes[nid].score


def test_pruned_are_faded_and_rollouts_distinct():
    t = tree("lookahead", n=4, m=2, k=2)
    tr = node_trace(tree_figure(t))
    by_id = dict(zip(tr.customdata, zip(tr.marker.opacity, tr.marker.symbol)))
    for n in t.nodes[1:]:
        op, sym = by_id[n.id]
        if n.status == "pruned":
            assert op < 0.5
        if n.status == "rollout":
            assert sym == "diamond"
    assert any(d.line.dash == "dot" for d in tree_figure(t).data if d.mode == "lines")


def test_replay_shows_only_what_existed():
    t = tree(n=8, m=2)
    for r in range(1, t.iterations + 1):
        ids = visible_nodes(t, iteration=r)
        assert all(t.nodes[i].iteration <= r for i in ids)
        assert len(ids) == len(t.at_iteration(r))


def test_hiding_pruned_keeps_large_trees_readable():
    t = run("beam", P, FakeGenerator(steps_to_finish=6), SymbolicVerifier(), SearchConfig(n=64, m=8, seed=0))
    full = visible_nodes(t)
    slim = visible_nodes(t, show_pruned=False)
    assert len(slim) < len(full) / 3
    hover = " ".join(node_trace(tree_figure(t, show_pruned=False)).hovertext)
    assert "pruned children hidden" in hover
    fig = tree_figure(t)
    assert fig.layout.width is None or fig.layout.width <= 6000


def test_layout_is_tidy():
    t = tree(n=8, m=2)
    pos = layout(t, [n.id for n in t.nodes])
    for n in t.nodes[1:]:
        assert pos[n.id][1] == -n.depth
    # a parent sits between its leftmost and rightmost child
    for n in t.nodes:
        kids = [c.id for c in t.children(n.id)]
        if kids:
            xs = [pos[k][0] for k in kids]
            assert min(xs) <= pos[n.id][0] <= max(xs)
    # no two nodes share a spot
    assert len(set(pos.values())) == len(pos)


def test_selected_path_is_highlighted():
    t = tree(n=8, m=2)
    fig = tree_figure(t)
    chosen = [d for d in fig.data if d.mode == "lines" and d.line.width == 4]
    assert selected_path(t) and chosen


def test_answer_bars():
    fig = score_fig_from_rows([{"answer": "5", "count": 3, "weight": 2.1, "correct": True},
                               {"answer": "6", "count": 1, "weight": 0.4, "correct": False}])
    assert isinstance(fig, go.Figure) and list(fig.data[0].x) == ["5", "6"]


def test_curves_figure_puts_strategies_at_their_nominal_budgets():
    from ttc_viz.experiments.figures import curves_figure

    rep = {"bin_kind": "oracle",
           "curves": {"all": {"beam M=4": {4: {"acc": 0.5, "se": 0.1, "generations": 40, "computed": 900, "flops": 1e9}},
                              "best_of_n weighted": {1: {"acc": 0.2, "se": 0.0, "generations": 1, "computed": 80,
                                                         "flops": 1e8},
                                                     4: {"acc": 0.3, "se": 0.1, "generations": 4, "computed": None,
                                                         "flops": 4e8}}}},
           "compute_optimal": {"all": {4: {"acc": 0.5, "choices": ["beam M=4"], "generations": 40, "computed": 900,
                                           "flops": 1e9}}}}
    fig = curves_figure(rep, "all", "generations")
    lines = {t.name: t for t in fig.data if t.name}
    assert list(lines["beam M=4"].x) == [4]  # not the 40 samples it drew over its rounds
    assert list(lines["compute-optimal"].x) == [4]
    assert list(curves_figure(rep, "all", "computed").data[-1].x) == [900]
    on_computed = {t.name: t for t in curves_figure(rep, "all", "computed").data if t.name}
    assert list(on_computed["best_of_n weighted"].x) == [80]   # a point whose cost is unknown is not drawn
    import pytest

    with pytest.raises(ValueError, match="x axis"):
        curves_figure(rep, "all", "dollars")


def test_layout_of_a_very_deep_chain_does_not_recurse():
    """A valid chain of 1,200 steps (deeper than Python's recursion limit) lays out."""
    from ttc_viz.tree import SearchTree

    t = SearchTree.new("best_of_n", {"n": 1}, "deep?", None)
    parent = 0
    for i in range(1200):
        parent = t.add(parent, f"step {i}", iteration=1, score=0.5,
                       status="finished" if i == 1199 else "kept").id
    pos = layout(t, [n.id for n in t.nodes])
    assert len(pos) == 1201 and pos[1200] == (0.0, -1200.0)
    assert tree_figure(t).data


def test_iterative_layout_matches_the_tidy_rule():
    t = tree(n=8, m=2, strategy="lookahead")
    ids = [n.id for n in t.nodes]
    pos = layout(t, ids)
    for n in t.nodes:
        kids = [c for c in t.nodes if c.parent == n.id]
        if kids:
            kids.sort(key=lambda c: (c.status == "rollout", c.id))
            assert pos[n.id][0] == (pos[kids[0].id][0] + pos[kids[-1].id][0]) / 2
    leaves = sorted(pos[n.id][0] for n in t.nodes if not any(c.parent == n.id for c in t.nodes))
    assert leaves == [float(i) for i in range(len(leaves))]


# ---------------------------------------------------------------------------------------
# MCTS: size = visits, colour = mean value, the walked path; particle filtering: resampling lines

def _edge_points(fig, color):
    """(x, y) pairs on the edge trace drawn in ``color``."""
    tr = [t for t in fig.data if t.mode == "lines" and t.line.color == color]
    return {(x, y) for t in tr for x, y in zip(t.x, t.y) if x is not None}


def test_mcts_nodes_are_sized_by_visits_and_coloured_by_mean_at_the_round_shown():
    from ttc_viz.plots import visit_size, walked_path
    from ttc_viz.tree import stats_at

    t = tree("mcts", n=4, children=2, explore=1.0)
    assert t.iterations >= 3
    for r in (1, 2, t.iterations):
        fig = tree_figure(t, iteration=r)
        tr = node_trace(fig)
        assert tr.marker.colorbar.title.text == "mean value"
        most = stats_at(t.nodes[0], r)[0]  # the root holds every visit
        for nid, color, size in zip(tr.customdata, tr.marker.color, tr.marker.size):
            n = t.nodes[nid]
            if n.status == "rollout":
                continue
            visits, mean = stats_at(n, r)
            assert color == mean and size == visit_size(visits, most)
    # the statistics move with the replay: some node's visits or mean differ between rounds 1 and the last
    first = dict(zip(node_trace(tree_figure(t, iteration=1)).customdata,
                     node_trace(tree_figure(t, iteration=1)).marker.size))
    last = dict(zip(node_trace(tree_figure(t)).customdata, node_trace(tree_figure(t)).marker.size))
    assert any(first[i] != last[i] for i in first)
    # the round's walk: root, the selected node, its new children, drawn orange
    walked = walked_path(t, 2)
    assert walked[0] == 0 and len(walked) >= 3
    pos = layout(t, visible_nodes(t, 2))
    orange = _edge_points(tree_figure(t, iteration=2), "#ff7f0e")
    assert {pos[i] for i in walked[1:]} <= orange


def test_particle_filtering_draws_its_resamplings():
    from ttc_viz.plots import resampling_of

    t = tree("particle_filter", n=6)
    fig = tree_figure(t)
    tr = node_trace(fig)
    pos = layout(t, visible_nodes(t))
    teal = _edge_points(fig, "#17a2b8")
    copied = [n for n in t.nodes if n.resampled and resampling_of(n)[2] > 0 and n.status != "finished"]
    assert copied
    for n in copied:
        for c in t.children(n.id):
            if c.id not in set(selected_path(t)):
                assert pos[c.id] in teal                      # each copy joined to the particle it came from
    labels = dict(zip(tr.customdata, tr.text))
    for n in t.nodes[1:]:
        res = resampling_of(n)
        assert labels[n.id] == (f"×{res[2]}" if res and res[2] > 1 else "")
    died = [n for n in t.nodes if n.resampled and resampling_of(n)[2] == 0 and n.status == "pruned"]
    ops = dict(zip(tr.customdata, tr.marker.opacity))
    assert all(ops[n.id] < 0.5 for n in died)
    assert "died" in " ".join(tr.hovertext) or not died


def test_the_legend_names_the_marks_of_the_strategy_shown():
    from ttc_viz.plots import legend_markdown

    beam, la, mcts, every = (legend_markdown(s) for s in ("beam", "lookahead", "mcts", None))
    assert "finished solution" in beam and "rollout" not in beam and "MCTS" not in beam
    assert "◆ lookahead rollout" in la and "particle" not in la
    assert "size = visits" in mcts and "revisions" not in mcts
    assert all(k in every for k in ("rollout", "revisions", "MCTS", "particle filtering"))


def test_text_from_a_tree_is_shown_as_written_never_as_a_link():
    from ttc_viz.search.base import finalize
    from ttc_viz.tree import SearchTree
    from ttc_viz.views import answer_rows
    link = '<a href="https://example.com">click</a>'
    tree = SearchTree.new("beam", {"n": 2, "m": 2, "reviser": link}, f"Problem {link}", "2")
    tree.add(0, f"Step {link}", iteration=1, score=0.5)
    leaf = tree.add(1, "done", iteration=2, score=0.5, status="finished")
    leaf.answer = link
    finalize(tree)
    fig = tree_figure(tree)
    bars = score_fig_from_rows(answer_rows(tree))
    shown = [fig.layout.title.text, *bars.data[0].x, *bars.data[0].hovertext]
    for tr in fig.data:
        shown += list(tr.hovertext or [])
    assert not any("<a " in s for s in shown)
    assert any("&lt;a href" in s for s in shown if "Step" in s)
    assert "&lt;a href" in fig.layout.title.text and "&lt;a href" in bars.data[0].x[0]


def test_a_long_title_puts_its_settings_on_a_second_line_below_the_toolbar():
    short = tree_figure(tree("beam", n=4, m=2))
    assert "<br>" not in short.layout.title.text and short.layout.margin.t == 30
    t = tree("mcts", n=4, children=2, explore=1.0)
    fig = tree_figure(t)
    first, second = fig.layout.title.text.split("<br>")
    assert first == f"mcts · N=4 · round {t.iterations}/{t.iterations}"
    assert second == "<sup>c=1.0 children=2 rollout=off puct=off</sup>"
    assert len(first) <= 60 and fig.layout.margin.t > 30
