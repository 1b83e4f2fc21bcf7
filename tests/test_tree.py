import json

import pytest

from ttc_viz.tree import ROOT, SearchTree, TreeFormatError


def small_tree():
    t = SearchTree.new("beam", {"n": 2, "m": 1}, "1+1?", "2")
    a = t.add(ROOT, "1 + 1 = 2.", iteration=1, score=0.9)
    t.add(ROOT, "1 + 1 = 3.", iteration=1, score=0.1, status="pruned")
    f = t.add(a.id, "The answer is 2.", iteration=2, score=0.9, status="finished")
    f.answer = "2"
    t.add(f.id, "rollout", iteration=2, score=0.5, status="rollout")
    return t


def test_round_trip_json(tmp_path):
    t = small_tree()
    p = tmp_path / "t.json"
    t.save(p)
    back = SearchTree.load(p)
    assert back.to_dict() == t.to_dict()
    d = json.loads(p.read_text())
    # the documented minimum format
    for key in ("strategy", "config", "problem", "selected_answer", "correct", "cost", "nodes"):
        assert key in d
    assert set(d["cost"]) >= {"generations", "tokens_generated", "tokens_prompt", "wall_s"}
    assert d["nodes"][0]["parent"] is None and d["nodes"][0]["status"] == "root"
    assert set(d["nodes"][1]) >= {"id", "parent", "depth", "iteration", "text", "score", "status", "tokens", "answer"}


def test_paths_and_views():
    t = small_tree()
    assert [n.id for n in t.path(3)] == [0, 1, 3]
    assert t.steps(3) == ["1 + 1 = 2.", "The answer is 2."]
    assert [n.id for n in t.at_iteration(1)] == [0, 1, 2]
    assert t.counts() == {"root": 1, "kept": 1, "pruned": 1, "finished": 1, "rollout": 1}
    t.selected_answer = "2"
    assert t.selected_path() == [0, 1, 3]


def test_networkx_export():
    g = small_tree().to_networkx()
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 4
    assert g.nodes[2]["status"] == "pruned"


@pytest.mark.parametrize("text,msg", [
    ("not json", "not JSON"),
    ('{"a": 1}', "not a ttc-viz tree"),
    ('[1,2]', "not a ttc-viz tree"),
    ('{"strategy": "beam", "problem": {"text": "x"}, "nodes": [{"id": 0}]}', "not a ttc-viz tree"),
])
def test_corrupt_trees(text, msg):
    with pytest.raises(TreeFormatError, match=msg):
        SearchTree.from_json(text)


def test_inconsistent_trees_are_refused():
    d = small_tree().to_dict()
    d["nodes"][2]["parent"] = 7
    with pytest.raises(TreeFormatError, match="parent"):
        SearchTree.from_dict(d)
    d = small_tree().to_dict()
    d["nodes"][1]["score"] = 3.0
    with pytest.raises(TreeFormatError, match="score"):
        SearchTree.from_dict(d)
