"""Two trees aligned: built by hand to share a known prefix and part at a known step; the recorded
beam and DVTS examples (same seed and budget); and, on the real model, two fresh searches."""
import pytest

from ttc_viz.examples import load_example
from ttc_viz.search import finalize
from ttc_viz.teach.align import align, answers_side_by_side
from ttc_viz.teach.figures import ORIGIN_COLOR, merged_figure
from ttc_viz.teach.quiz import quiz_rounds
from ttc_viz.teach.rules import cuts_of, ranking, survivors
from ttc_viz.teach.why import why
from ttc_viz.tree import SearchTree

PROBLEM = "Ana has 2 apples and gets 3 more. She eats 1. How many?"


def tree(last: list[tuple], ids=True, strategy="beam") -> SearchTree:
    """root -> "2 + 3 = 5." -> "5 - 1 = 4." (both kept; a pruned sibling "5 - 1 = 3." beside the
    second) -> the steps in ``last`` ((text, status)), each finished."""
    t = SearchTree.new(strategy, {"n": 2, "m": 1, "aggregation": "last", "voting": "weighted"}, PROBLEM, "4")
    s1 = t.add(0, "2 + 3 = 5.", iteration=1, score=0.9, status="kept", token_ids=[17, 18, 19] if ids else None)
    s2 = t.add(s1.id, "5 - 1 = 4.", iteration=2, score=0.9, status="kept", token_ids=[20, 21] if ids else None)
    t.add(s1.id, "5 - 1 = 3.", iteration=2, score=0.1, status="pruned", token_ids=[20, 22] if ids else None)
    for text, status in last:
        # the ids stand for the text: the same text, the same ids
        t.add(s2.id, text, iteration=3, score=0.8, status=status, token_ids=[ord(c) for c in text] if ids else None)
    return finalize(t)


def test_two_trees_that_share_a_prefix_part_where_they_differ():
    a = tree([("The answer is 4.", "finished")])
    b = tree([("So she has 4. The answer is 4.", "finished")])
    al = align(a, b)
    shared = al.shared()
    assert [(p.a, p.b, p.how) for p in shared] == [(1, 1, "tokens"), (2, 2, "tokens"), (3, 3, "tokens")]
    assert al.parting == 3
    assert [p.origin for p in al.at(3)] == ["a", "b"]
    text = " ".join(al.summary("beam", "dvts"))
    assert "They share 3 steps (3 with the same token ids" in text
    assert "They part at step 3" in text and "1 step only beam wrote, 1 only dvts wrote" in text
    assert "it picked 4 (right)" in text


def test_without_token_ids_the_same_text_is_the_same_step():
    a = tree([("The answer is 4.", "finished")])
    b = tree([("The answer is  4.", "finished")], ids=False)   # spaces aside
    al = align(a, b)
    assert {p.how for p in al.shared()} == {"text"} and len(al.shared()) == 4
    assert al.parting is None and "never part" in " ".join(al.summary())


def test_different_token_ids_with_the_same_text_still_match_by_text():
    a, b = tree([("The answer is 4.", "finished")]), tree([("The answer is 4.", "finished")])
    b.nodes[1].token_ids = [1, 2]   # another tokenizer wrote the same text
    assert [p.how for p in align(a, b).shared()][:2] == ["text", "tokens"]


def test_a_shared_step_with_another_fate_is_where_they_part():
    a, b = tree([("The answer is 4.", "finished")]), tree([("The answer is 4.", "finished")])
    b.nodes[2].status, b.nodes[3].status = "pruned", "kept"   # B kept the other second step
    al = align(a, b)
    assert al.parting == 2
    assert "A alone kept #2 and B alone kept #3" in " ".join(al.summary())


def test_identical_siblings_pair_in_order():
    a = tree([("The answer is 4.", "finished"), ("The answer is 4.", "pruned")], ids=False)
    b = tree([("The answer is 4.", "pruned"), ("The answer is 4.", "finished")], ids=False)
    al = align(a, b)
    assert [(p.a, p.b) for p in al.at(3)] == [(4, 4), (5, 5)]
    assert al.parting == 3   # same text, but A kept the first and B the second


def test_trees_of_different_problems_are_refused():
    a = tree([("The answer is 4.", "finished")])
    b = tree([("The answer is 4.", "finished")])
    b.problem["text"] = "Another problem."
    with pytest.raises(ValueError, match="different problems"):
        align(a, b)


def test_answers_side_by_side_and_the_merged_figure():
    a = tree([("The answer is 4.", "finished")])
    b = tree([("The answer is 5.", "finished")])
    rows = answers_side_by_side(align(a, b))
    assert {(r["answer"], r["A count"], r["B count"], r["right?"]) for r in rows} == {("4", 1, 0, True),
                                                                                     ("5", 0, 1, False)}
    fig = merged_figure(align(a, b), "A", "B")
    colours = {tr.name: tr.marker.color for tr in fig.data if tr.name in ("both", "only A", "only B")}
    assert colours == {"both": ORIGIN_COLOR["both"], "only A": ORIGIN_COLOR["a"], "only B": ORIGIN_COLOR["b"]}


def test_recorded_beam_and_dvts_share_their_first_round_and_part_at_the_first_choice():
    beam, dvts = load_example("beam"), load_example("dvts")
    al = align(beam, dvts)
    first = al.at(1)
    assert len(first) == 16 and all(p.origin == "both" and p.how == "tokens" for p in first)
    assert al.parting == 1
    kept = lambda t: {n.id for n in t.nodes if n.iteration == 1 and n.status != "pruned"}  # noqa: E731
    assert kept(beam) == {1, 2, 4, 5} and kept(dvts) == {1, 5, 10, 13}
    assert "beam alone kept #2, #4 and dvts alone kept #10, #13" in " ".join(al.summary("beam", "dvts"))


def test_a_large_fan_out_aligns_in_linear_time():
    """A root with 5,000 identical children (a hostile file could hold one): pairing is by queue,
    not by comparing every pair."""
    a = SearchTree.new("beam", {}, PROBLEM, None)
    for _ in range(5000):
        a.add(0, "same", iteration=1, score=0.5, status="pruned")
    al = align(a, a.copy())
    assert len(al.shared()) == 5000 and al.parting is None


@pytest.mark.real
def test_two_fresh_searches_with_one_seed_share_their_first_round_and_explain_themselves(embedded):
    """Beam search and DVTS on the embedded model at the same budget and seed: round 1 is the same
    generator call, so its N steps must come back identical, token for token. The same fresh trees
    are explained and played as the recorded ones are."""
    from ttc_viz.problems import make_problem
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.verifiers import SymbolicVerifier

    p = make_problem("Tom has 9 marbles and wins 5 more. How many marbles does Tom have now?", "14")
    cfg = SearchConfig(n=4, m=2, seed=3, max_rounds=2)
    beam = run("beam", p, embedded, SymbolicVerifier(), cfg)
    dvts = run("dvts", p, embedded, SymbolicVerifier(), cfg)
    al = align(beam, dvts)
    first = al.at(1)
    assert len(first) == 4 and all(x.origin == "both" and x.how == "tokens" for x in first)
    assert all(beam.nodes[x.a].text == dvts.nodes[x.b].text for x in first)
    # and on these fresh trees the why-card's derived choices are the ones the searches made
    for t in (beam, dvts):
        for c in cuts_of(t):
            assert set(ranking(t, c)[:c.keep]) == set(survivors(t, c))
        assert all(why(t, n.id).unknown == [] for n in t.nodes)
        assert quiz_rounds(t)[0].round == 1
