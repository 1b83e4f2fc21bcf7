import json

import pytest

from ttc_viz.tree import ROOT, SearchTree, TreeFormatError
from ttc_viz.views import selected_path


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
    assert selected_path(t) == [0, 1, 3]


def test_copy_is_independent():
    t = small_tree()
    t.nodes[1].token_ids = [1, 2]
    t.picks = {"weighted": "2"}
    c = t.copy()
    assert c.to_dict() == t.to_dict() and c is not t
    c.nodes[1].score = 0.0
    c.nodes[1].token_ids.append(3)
    c.add(0, "more", iteration=1)
    c.config["n"] = 99
    c.problem["text"] = "changed"
    c.picks["weighted"] = "3"
    c.cost.generations = 7
    assert t.to_dict() == small_tree_with(token_ids=[1, 2], picks={"weighted": "2"}).to_dict()


def small_tree_with(token_ids, picks):
    t = small_tree()
    t.nodes[1].token_ids = token_ids
    t.picks = picks
    return t


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


# ---------------------------------------------------------------------------------------
# Hostile or damaged files fail at load time with TreeFormatError, never later

def _with(path, value):
    d = small_tree().to_dict()
    cur = d
    for k in path[:-1]:
        cur = cur[k]
    cur[path[-1]] = value
    return d


@pytest.mark.parametrize("path,value", [
    (("nodes", 1, "score"), "0.9"),                 # a string score
    (("nodes", 1, "score"), float("nan")),
    (("nodes", 1, "score"), True),
    (("nodes", 1, "value"), "high"),
    (("nodes", 1, "text"), 5),
    (("nodes", 1, "text"), "x" * 30_000),
    (("nodes", 1, "answer"), ["2"]),
    (("nodes", 1, "answer"), "9" * 5_000),
    (("nodes", 1, "iteration"), 10**12),
    (("nodes", 1, "iteration"), 1.5),
    (("nodes", 1, "tokens"), -3),
    (("nodes", 1, "correct"), "yes"),
    (("nodes", 1, "group"), None),
    (("nodes", 1, "token_ids"), [1, "a"]),
    (("nodes", 1, "token_ids"), list(range(5_000))),
    (("nodes", 1, "depth"), 10**6),
    (("nodes", 1), "node"),
    (("problem",), None),
    (("problem", "text"), None),
    (("problem", "answer"), 21),
    (("config", "aggregation"), "mean"),
    (("config", "voting"), ["weighted"]),
    (("config", "n"), "8"),
    (("config", "x"), {"deep": 1}),
    (("picks", "naive"), 3),
    (("picks",), {"best": "2"}),
    (("cost", "tokens_generated"), "many"),
    (("cost", "wall_s"), float("inf")),
    (("selected_answer",), 2),
    (("stopped",), "no"),
    (("strategy",), 7),
    (("generator",), None),
    (("format",), "something-else"),
    (("version",), 99),
])
def test_wrong_field_types_and_ranges_are_refused(path, value):
    with pytest.raises(TreeFormatError):
        SearchTree.from_dict(_with(path, value))


def test_token_ids_of_whole_numbers_are_accepted():
    d = small_tree().to_dict()
    d["nodes"][1]["token_ids"] = [1, 2, 3]
    assert SearchTree.from_dict(d).nodes[1].token_ids == [1, 2, 3]


@pytest.mark.parametrize("text", [
    '{"strategy": "beam", "nodes": [], "problem": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"strategy": "beam", "nodes": [{"id": ' + "9" * 5_000 + '}], "problem": {"text": "x"}}',
    '{"strategy": "beam", "problem": {"text": "x"}, "nodes": [{"id": 0, "parent": null, "depth": 0, '
    '"iteration": 0, "text": "", "score": NaN, "status": "root"}]}',
])
def test_parser_level_attacks_are_format_errors(text):
    with pytest.raises(TreeFormatError):
        SearchTree.from_json(text)


def test_a_huge_file_is_refused_before_parsing():
    from ttc_viz.tree import MAX_TREE_BYTES

    with pytest.raises(TreeFormatError, match="MB"):
        SearchTree.from_json(" " * (MAX_TREE_BYTES + 1))


def test_null_problem_is_not_the_text_none():
    d = small_tree().to_dict()
    d["problem"] = None
    with pytest.raises(TreeFormatError, match="problem"):
        SearchTree.from_dict(d)


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    t = small_tree()
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + t.to_json().encode("utf-8"))
    assert SearchTree.load(p).to_dict() == t.to_dict()
    assert SearchTree.from_json(p.read_bytes()).to_dict() == t.to_dict()
    assert SearchTree.from_json("\ufeff" + t.to_json()).to_dict() == t.to_dict()


def test_a_deep_valid_chain_loads():
    t = SearchTree.new("best_of_n", {"n": 1}, "deep?", None)
    parent = 0
    for i in range(1200):
        parent = t.add(parent, f"s{i}", iteration=1, score=0.5).id
    assert len(SearchTree.from_json(t.to_json()).nodes) == 1201


def test_save_is_atomic_and_leaves_no_temporary_file(tmp_path, monkeypatch):
    t = small_tree()
    p = tmp_path / "t.json"
    t.save(p)
    before = p.read_text()
    # a failure half-way through writing leaves the old file whole
    import ttc_viz.io as tio

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(tio.os, "fsync", boom)
    t.problem["text"] = "changed"
    with pytest.raises(OSError):
        t.save(p)
    assert p.read_text() == before
    assert sorted(x.name for x in tmp_path.iterdir()) == ["t.json"]


def test_nan_never_reaches_a_file():
    t = small_tree()
    t.nodes[1].score = float("nan")
    with pytest.raises(ValueError):
        t.to_json()
