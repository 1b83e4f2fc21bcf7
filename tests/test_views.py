import shutil

import pytest

from fakes import FakeGenerator
from ttc_viz.plots import tree_figure
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier
from ttc_viz.experiments.figures import figure_html, figure_png
from ttc_viz.search.whatif import repick, rescore
from ttc_viz.views import answer_rows, path_rows, round_rows, selected_path

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


class Contrarian:
    """A verifier that says the opposite of the symbolic one (to provoke disagreement)."""
    name = "contrarian"

    def score_batch(self, problem, sols):
        return [[1 - s for s in row] for row in SymbolicVerifier().score_batch(problem, sols)]


def tree():
    return run("best_of_n", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=12, seed=4))


def test_answer_rows_cover_every_finished_leaf():
    t = tree()
    rows = answer_rows(t)
    assert sum(r["count"] for r in rows) == len(t.leaves("finished"))
    assert all(r["correct"] in (True, False) for r in rows)
    picked = {r["answer"] for r in rows if r["picked by"]}
    assert t.selected_answer in picked


def test_path_and_round_rows():
    t = tree()
    leaf = t.leaves("finished")[0]
    assert [r["text"] for r in path_rows(t, leaf.id)] == t.steps(leaf.id)
    rr = round_rows(t)
    assert rr[0]["candidates"] == len(t.nodes) - 1


def test_rescore_finds_disagreements_and_leaves_the_original_alone():
    t = tree()
    before = t.to_dict()
    other, diffs = rescore(t, Contrarian())
    assert t.to_dict() == before
    assert diffs and all(d["node"] < len(t.nodes) for d in diffs)
    assert other.verifier == "contrarian"
    same, none = rescore(t, SymbolicVerifier())
    assert none == [] and same.selected_answer == t.selected_answer


def test_repick_returns_a_new_tree_and_leaves_the_original_alone():
    t = run("lookahead", P, FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
            SearchConfig(n=4, m=2, k=2, seed=0))
    before = t.to_json()
    for agg in ("last", "min", "prod"):
        for rule in ("naive", "weighted", "majority"):
            alt = repick(t, aggregation=agg, voting=rule)
            assert alt is not t and t.to_json() == before
            assert alt.config["aggregation"] == agg and alt.selected_answer == alt.picks[rule]
            assert [n.score for n in alt.nodes] == [n.score for n in t.nodes]
    assert repick(t).to_json() == before  # the tree's own rules give the tree back


def test_selected_path_ends_at_the_best_leaf_with_the_picked_answer():
    t = tree()
    path = selected_path(t)
    leaf = t.nodes[path[-1]]
    assert path[0] == 0 and leaf.status == "finished" and leaf.answer == t.selected_answer
    same = [n for n in t.leaves("finished") if n.answer == t.selected_answer]
    assert leaf.value == max(n.value for n in same)
    t.selected_answer = None
    assert selected_path(t) == []


def test_html_export_is_standalone():
    html = figure_html(tree_figure(tree()))
    assert "<html>" in html[:200] and "plotly" in html and len(html) > 1_000_000  # plotly.js inlined


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="needs Chromium for kaleido")
def test_png_export():
    png = figure_png(tree_figure(tree()), width=600, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_fingerprint_ignores_timing_but_not_content():
    from ttc_viz.views import tree_fingerprint

    a = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seed=1))
    b = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seed=1))
    b.cost.wall_s += 5
    assert tree_fingerprint(a) == tree_fingerprint(b) and len(tree_fingerprint(a)) == 12
    c = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seed=2))
    assert tree_fingerprint(c) != tree_fingerprint(a)


def test_png_export_in_the_app_reuses_one_browser(monkeypatch):
    import kaleido

    import ttc_viz.experiments.figures as views

    starts = []
    monkeypatch.setattr(kaleido, "start_sync_server", lambda **kw: starts.append(kw))
    monkeypatch.setattr(views, "_png_server_started", False)

    class Fig:
        class layout:
            height = 100

        def to_image(self, **kw):
            return b"png"

    assert views.figure_png(Fig(), persistent=True) == b"png"
    assert views.figure_png(Fig(), persistent=True) == b"png"
    assert len(starts) == 1


def test_rescore_with_a_nan_verifier_keeps_scores_finite():
    class NaN:
        name = "nan"

        def score_batch(self, problem, sols):
            return [[float("nan")] * len(s) for s in sols]

    t = run("beam", P, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seed=1))
    other, _ = rescore(t, NaN())
    assert all(n.score == 0.0 for n in other.nodes[1:])
    other.to_json()


def test_path_rows_add_visits_for_mcts_and_copies_for_particle_filtering():
    from fakes import FakeGenerator
    from ttc_viz.problems import Problem
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.tree import stats_at
    from ttc_viz.verifiers import SymbolicVerifier

    p = Problem("Ana has 2 apples and gets 3 more. How many?", "5")
    mc = run("mcts", p, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=3, children=2, seed=1))
    leaf = mc.leaves("finished")[0]
    rows = path_rows(mc, leaf.id)
    assert [r["visits"] for r in rows] == [stats_at(n)[0] for n in mc.path(leaf.id)[1:]]
    early = path_rows(mc, leaf.id, leaf.iteration)
    assert early[0]["visits"] == stats_at(mc.path(leaf.id)[1], leaf.iteration)[0] and list(early[0])[-1] == "text"
    pf = run("particle_filter", p, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, seed=1))
    rows = path_rows(pf, pf.leaves("finished")[0].id)
    assert rows[0]["copies"].endswith("(round 1)") and "visits" not in rows[0]
    beam = run("beam", p, FakeGenerator(), SymbolicVerifier(), SearchConfig(n=4, m=2, seed=1))
    assert set(path_rows(beam, beam.leaves("finished")[0].id)[0]) == {"step", "round", "status", "score",
                                                                      "ranked by", "text"}
