"""You be the verifier: rounds from a tree, picks checked, the reveal and the running score,
against trees built by hand and the recorded examples."""
import pytest

from ttc_viz.examples import load_example
from ttc_viz.search import finalize
from ttc_viz.teach.quiz import MAX_CANDIDATES, Score, check_picks, quiz_rounds, reveal, right_path
from ttc_viz.tree import SearchTree

from test_teach_why import best_of_n_tree, beam_tree, dvts_tree, revisions_tree


def test_a_beam_tree_gives_one_keep_round_per_round_with_a_choice():
    t = beam_tree()
    qs = quiz_rounds(t)
    assert [(q.round, q.kind, q.to_keep, q.candidates) for q in qs] == [(1, "keep", 2, [1, 2, 3, 4]),
                                                                       (2, "keep", 2, [5, 6, 7, 8])]


def test_right_path_is_read_from_where_each_path_ended():
    t = beam_tree()   # truth 5: p (#5) states 5, r (#7) states 6; q (#6), s (#8), c, d end without an answer
    rp = right_path(t)
    assert rp[1] is True and rp[5] is True        # a, and p below it, reached 5
    assert rp[2] is False and rp[7] is False      # b only led to 6
    assert rp[3] is None and rp[6] is None        # cut before any answer: unknown
    t.problem["answer"] = None
    assert set(right_path(t).values()) == {None}  # no truth, nothing known


def test_the_same_steps_as_a_right_path_count_as_on_it():
    t = SearchTree.new("beam", {"n": 2, "m": 1}, "Q", "5")
    a = t.add(0, "2 + 3 = 5.", iteration=1, score=0.9, status="kept")
    t.add(0, "2 +  3 = 5.", iteration=1, score=0.9, status="pruned")      # the same step, spaces aside
    t.add(a.id, "The answer is 5.", iteration=2, score=0.9, status="finished")
    finalize(t)
    assert right_path(t)[2] is True


def test_a_keep_round_reveals_the_verifier_s_choice_and_scores_both():
    t = beam_tree()
    q = quiz_rounds(t)[0]
    rv = reveal(t, q, [1, 3])
    assert rv.verifier == (1, 2) and rv.agree == 1
    assert (rv.student_right, rv.verifier_right, rv.known) == (1, 1, True)   # a is right; c unknown; b wrong
    assert [r["node"] for r in rv.rows] == [1, 2, 3, 4] and rv.rows[2]["you"] == "kept"
    assert "subtree" not in rv.rows[0]
    # round 2: the verifier keeps r (.7, leads to 6: wrong) and p (.6, states 5: right); the student
    # keeps p and q (q cut before any answer): one right pick each, one pick in common
    s = Score().add(rv).add(reveal(t, quiz_rounds(t)[1], [5, 6]))
    assert (s.rounds, s.student, s.verifier, s.agree, s.picks) == (2, 2, 2, 2, 4)
    assert "you 2, the verifier 2" in s.line() and "agreed on 2 of 4" in s.line()


@pytest.mark.parametrize("picks, says", [([1], "keep exactly 2"), ([1, 2, 3], "keep exactly 2"),
                                         ([1, 1], "each at most once"), ([1, 9], "among the candidates")])
def test_wrong_picks_are_refused_with_a_clear_message(picks, says):
    q = quiz_rounds(beam_tree())[0]
    with pytest.raises(ValueError, match=says):
        check_picks(q, picks)


def test_dvts_keeps_one_per_subtree():
    t = dvts_tree()
    q = quiz_rounds(t)[0]
    assert len(q.cuts) == 2 and q.to_keep == 2
    with pytest.raises(ValueError, match="in subtree 1"):
        check_picks(q, [1, 2])   # both from subtree 1
    rv = reveal(t, q, [2, 3])
    assert rv.verifier == (1, 3) and rv.agree == 1 and rv.rows[0]["subtree"] == 1


@pytest.mark.parametrize("make", [best_of_n_tree, revisions_tree])
def test_trees_that_cut_nothing_give_one_answer_round(make):
    t = make()
    qs = quiz_rounds(t)
    assert len(qs) == 1 and qs[0].kind == "answer" and set(qs[0].options) == {"5", "6"}
    with pytest.raises(ValueError, match="one of the answers"):
        check_picks(qs[0], "7")
    rv = reveal(t, qs[0], "6")
    assert rv.verifier == (t.selected_answer,) and rv.student_right == 0 and rv.verifier_right == 1
    picked = next(r for r in rv.rows if r["answer"] == "5")
    assert "weighted" in picked["picked by"] and picked["right?"] is True


def test_a_round_too_large_to_read_in_class_is_not_offered():
    t = SearchTree.new("beam", {"n": MAX_CANDIDATES + 1, "m": MAX_CANDIDATES + 1}, "Q", "5")
    for i in range(MAX_CANDIDATES + 1):
        t.add(0, f"s{i}", iteration=1, score=0.5, status="kept" if i == 0 else "pruned")
    assert quiz_rounds(finalize(t)) == []


def test_the_recorded_beam_example_plays_three_rounds():
    t = load_example("beam")
    qs = quiz_rounds(t)
    assert [(q.round, q.to_keep, len(q.candidates)) for q in qs] == [(1, 4, 16), (2, 4, 16), (3, 4, 12)]
    rv = reveal(t, qs[0], [1, 2, 4, 5])
    assert rv.agree == 4 and rv.student_right == rv.verifier_right == 4
