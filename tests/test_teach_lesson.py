"""Lessons: the file format checked field by field (a lesson file is untrusted), a teacher's slides
round-tripping through JSON, and the shipped lessons, whose captions are held to the trees and
the sweep they describe."""
import json

import pytest

from fakes import FakeGenerator
from ttc_viz.examples import load_example
from ttc_viz.problems import Problem
from ttc_viz.scoring import tally
from ttc_viz.search import SearchConfig, finalize, run
from ttc_viz.teach.lesson import (MAX_CAPTION, MAX_LESSON_BYTES, MAX_SLIDES, SHIPPED, X_AXES, Lesson,
                                  LessonFormatError, add_slide, load_lesson, parse_lesson, shipped_lesson)
from ttc_viz.teach.quiz import quiz_rounds
from ttc_viz.tree import SearchTree
from ttc_viz.verifiers import SymbolicVerifier
from ttc_viz.views import tree_fingerprint


def fresh_tree():
    return run("beam", Problem("Ana has 2 apples and gets 3 more. How many?", "5"), FakeGenerator(),
               SymbolicVerifier(), SearchConfig(n=4, m=2, seed=1))


def lesson(**slide) -> dict:
    return {"format": "ttc-viz-lesson", "version": 1, "title": "T",
            "slides": [{"title": "s", "caption": "c", "tree": "example:beam", **slide}]}


# ---------------------------------------------------------------------------------------
# An untrusted file

@pytest.mark.parametrize("data, says", [
    ("{broken", "not JSON"),
    (b"\xff\xfe\x00", "not UTF-8"),
    ("[" * 100_000, "not"),
    (json.dumps({"format": "ttc-viz-tree"}), "not a lesson"),
    (json.dumps({**lesson(), "version": 2}), "version"),
    (json.dumps({**lesson(), "script": "x"}), "unknown fields"),
    (json.dumps(lesson(onclick="x")), "unknown fields"),
    (json.dumps({**lesson(), "slides": []}), "1-60 slides"),
    (json.dumps({**lesson(), "slides": lesson()["slides"] * (MAX_SLIDES + 1)}), "1-60 slides"),
    (json.dumps(lesson(caption="x" * (MAX_CAPTION + 1))), "at most 1500"),
    (json.dumps(lesson(title=7)), "must be text"),
    (json.dumps(lesson(tree="example:no_such_strategy")), "the shipped trees are"),
    (json.dumps(lesson(tree="mine")), "does not carry"),
    (json.dumps(lesson(tree="../../etc/passwd")), "does not carry"),
    (json.dumps(lesson(round=99)), "round must be"),
    (json.dumps(lesson(round=True)), "round must be"),
    (json.dumps(lesson(highlight=[10_000])), "not a node"),
    (json.dumps(lesson(highlight=list(range(41)))), "at most 40"),
    (json.dumps(lesson(quiz="yes")), "true or false"),
    (json.dumps(lesson(tree="example:beam", round=99, quiz=True)), "round must be"),
    (json.dumps(lesson(view="html")), "view must be"),
    (json.dumps(lesson(view="curves", bin="../x")), "bin must be"),
    (json.dumps(lesson(view="curves", x="furlongs")), "x must be"),
    (json.dumps({**lesson(), "trees": {"Bad Name": {}}}), "tree name"),
    (json.dumps({**lesson(tree="t1"), "trees": {"t1": {"strategy": "beam", "nodes": [{"id": 0}]}}}), "tree 't1'"),
    (json.dumps({**lesson(), "trees": {f"t{i}": {} for i in range(9)}}), "at most 8"),
])
def test_a_bad_lesson_file_fails_with_one_clear_line(data, says):
    with pytest.raises(LessonFormatError, match=says) as e:
        parse_lesson(data)
    assert "\n" not in str(e.value)


def test_a_file_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path):
    with pytest.raises(LessonFormatError, match="at most 8 MB"):
        parse_lesson(" " * (MAX_LESSON_BYTES + 1))
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (MAX_LESSON_BYTES + 1))
    with pytest.raises(LessonFormatError, match="at most 8 MB"):
        load_lesson(big)


def test_a_quiz_only_where_the_round_had_a_choice():
    t = SearchTree.new("beam", {"n": 4, "m": 2}, "Q", "5")   # keep 2 a round; round 2 has only 2
    for i in range(4):
        t.add(0, f"s{i}", iteration=1, score=0.9 - i / 10, status="kept" if i < 2 else "pruned")
    for parent in (1, 2):
        t.add(parent, "The answer is 5.", iteration=2, score=0.9, status="finished")
    t = finalize(t)
    assert [q.round for q in quiz_rounds(t)] == [1]
    d = {**lesson(tree="t1", round=2, quiz=True), "trees": {"t1": t.to_dict()}}
    with pytest.raises(LessonFormatError, match="nothing was cut"):
        parse_lesson(json.dumps(d))


def test_text_stays_text_and_control_characters_go():
    got = parse_lesson(json.dumps(lesson(caption="<script>alert(1)</script> [x](http://e) \x1b[31m\u202eok\nnext")))
    assert got.slides[0].caption == "<script>alert(1)</script> [x](http://e) [31mok\nnext"  # shown escaped by the app


def test_the_curves_axes_are_the_curves_page_s():
    from ttc_viz.experiments.figures import X_AXES as PAGE

    assert set(X_AXES) == set(PAGE)


# ---------------------------------------------------------------------------------------
# A teacher's lesson

def test_slides_added_from_views_round_trip_through_json():
    lesson_ = Lesson(title="Mine")
    fresh = fresh_tree()
    add_slide(lesson_, load_example("beam"), title="a", caption="one", round=1, highlight=[3], quiz=True)
    add_slide(lesson_, fresh, title="b", caption="two", highlight=[1, 2])
    add_slide(lesson_, fresh, title="c")
    assert [s.tree for s in lesson_.slides] == ["example:beam", f"t{tree_fingerprint(fresh)}"] * 1 + \
        [f"t{tree_fingerprint(fresh)}"]
    assert len(lesson_.trees) == 1   # a shipped tree is named, a fresh one carried once
    back = parse_lesson(lesson_.to_json())
    assert back.title == "Mine" and [s.to_dict() for s in back.slides] == [s.to_dict() for s in lesson_.slides]
    assert tree_fingerprint(back.tree(back.slides[1].tree)) == tree_fingerprint(fresh)


def test_a_refused_slide_leaves_the_lesson_as_it_was():
    lesson_ = Lesson(title="Mine")
    with pytest.raises(LessonFormatError, match="round must be"):
        add_slide(lesson_, fresh_tree(), round=99)
    assert lesson_.slides == [] and lesson_.trees == {}
    lesson_.slides = [object()] * MAX_SLIDES
    with pytest.raises(LessonFormatError, match="at most 60 slides"):
        add_slide(lesson_, load_example("beam"))


# ---------------------------------------------------------------------------------------
# The shipped lessons, held to what they describe

def test_three_lessons_ship_and_every_slide_is_sound():
    assert len(SHIPPED) == 3
    titles = {shipped_lesson(n).title for n in SHIPPED}
    assert titles == {"One sample or many: how voting works", "A verifier steers beam search, and where it misleads",
                      "The best strategy depends on how hard the question is"}
    for n in SHIPPED:
        les = shipped_lesson(n)
        assert les.trees == {}   # they name the recorded trees shipped with the package
        for s in les.slides:
            assert s.title and s.caption


def _vote(t):
    leaves = t.leaves("finished")
    return {r["answer"]: (r["count"], round(r["weight"], 3)) for r in tally([x.answer for x in leaves],
                                                                          [x.value for x in leaves])}


def test_the_voting_lesson_says_what_the_best_of_n_tree_holds():
    t = load_example("best_of_n")
    v = _vote(t)
    assert t.nodes[5].answer == "24" and t.nodes[5].score == 0.9 and t.nodes[5].correct is False
    assert len(v) == 10 and v["11"] == (3, 1.9) and v["15"][0] == 3 and v["24"] == (1, 0.9)
    assert abs(v["15"][1] - 0.3) < 1e-9
    assert {x.id for x in t.leaves() if x.value == 0.9} == {5, 27, 38}
    assert t.picks == {"naive": "24", "weighted": "11", "majority": "11"}
    assert t.nodes[8].correct and t.nodes[8].value == 0.1 and "13 + 11 = 22" in " ".join(t.steps(8))
    les = shipped_lesson("1-voting")
    assert [s.highlight for s in les.slides[2:6]] == [[8, 27, 38, 17, 23, 51], [5, 27, 38], [8, 27, 38], [8]]
    assert {x.answer for x in t.nodes if x.id in (17, 23, 51)} == {"15"}


def test_the_beam_lesson_says_what_the_beam_and_dvts_trees_hold():
    beam, dvts = load_example("beam"), load_example("dvts")
    first = [x for x in beam.nodes if x.iteration == 1]
    assert sum(x.score == 0.9 for x in first) == 10
    assert [x.id for x in first if x.status == "kept"] == [1, 2, 4, 5]
    assert beam.nodes[18].answer == "24" and beam.nodes[18].status == "finished" and beam.nodes[18].score == 0.9
    assert beam.nodes[17].score == 0.9
    assert _vote(beam) == {"11": (4, 3.6), "24": (1, 0.9)}
    assert beam.picks == {"naive": "24", "weighted": "11", "majority": "11"}
    assert [x.id for x in dvts.nodes if x.iteration == 1 and x.status == "kept"] == [1, 5, 10, 13]
    assert dvts.nodes[18].answer == "24" and dvts.nodes[18].group == 0 and dvts.nodes[18].status == "finished"
    assert {dvts.nodes[i].answer for i in (33, 37, 41)} == {"11"} and dvts.selected_answer == "11"
    quiz = [s for s in shipped_lesson("2-beam").slides if s.quiz]
    assert [(s.tree, s.round) for s in quiz] == [("example:beam", 1), ("example:dvts", 2)]


def test_the_difficulty_lesson_quotes_the_shipped_sweep():
    """The lesson's numbers are the shipped sweep's, read with the bins the app uses for it
    (levels: it has no independent difficulty pools, and bins from the scored pool would leak)."""
    from ttc_viz.experiments.cells import SHIPPED_SWEEP
    from ttc_viz.experiments.report import build

    rep = build(SHIPPED_SWEEP)
    assert rep["bin_kind"] == "level"
    acc = lambda b, c, n: f"{rep['curves'][b][c][n]['acc']:.0%}"  # noqa: E731
    cap = {s.bin: s.caption for s in shipped_lesson("3-difficulty").slides[:-1]}
    last = shipped_lesson("3-difficulty").slides[-1].caption
    bon, beam, dvts = "best_of_n weighted", "beam M=4", "dvts M=4"
    assert f"({acc('all', beam, 16)})" in cap["all"] and f"({acc('all', bon, 16)})" in cap["all"]
    assert f"{acc(1, bon, 4)} against {acc(1, beam, 4)}" in cap["1"]
    # "as good as beam search or nearly": never more than a point behind on level 1
    assert all(rep["curves"][1][bon][n]["acc"] >= rep["curves"][1][beam][n]["acc"] - 0.01 for n in (4, 8, 16))
    assert f"reaches {acc(2, bon, 16)} and beam search {acc(2, beam, 16)}" in cap["2"]
    assert f"beam search {acc(3, beam, 16)} and DVTS {acc(3, dvts, 16)}" in cap["3"] and \
        f"at {acc(3, bon, 16)}" in cap["3"]
    assert f"reaches {acc(4, beam, 16)} at 16, best-of-N weighted {acc(4, bon, 16)}" in cap["4"]
    assert max(rep["curves"][5][bon][n]["acc"] for n in rep["curves"][5][bon]) < 0.01
    assert f"reaches {acc(5, beam, 16)} at 16" in cap["5"]
    c16 = rep["compute_optimal"]["all"][16]
    assert f"At budget 16 it reaches {c16['acc']:.0%} ({c16['lo'] * 100:.0f}-{c16['hi']:.0%})" in last
    assert f"at {acc('all', bon, 64)}" in last
    eff = rep["efficiency"]
    assert eff["multiple"]["generations"] is None and "'not reached'" in last
    iv = eff["interval"]["generations"]
    assert f"(interval {iv['lo']:.1f}-{iv['hi']:.1f})" in last
