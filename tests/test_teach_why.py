"""The why-card against trees built by hand, where the right statement is known by construction:
a node cut at rank M+1, a DVTS subtree, a lookahead rollout, a revisions chain, a best-of-N vote;
and what it says of a tree it cannot explain."""
import pytest

from ttc_viz.examples import NAMES, load_example
from ttc_viz.search import finalize
from ttc_viz.teach import rules
from ttc_viz.teach.rules import Rule, cut_of, cuts_of, ranking, register_rule, survivors
from ttc_viz.teach.why import why
from ttc_viz.tree import SearchTree

PROBLEM = "Ana has 2 apples and gets 3 more. How many?"


def new(strategy, **config):
    return SearchTree.new(strategy, {"aggregation": "last", "voting": "weighted", "max_rounds": 12, **config},
                          PROBLEM, "5")


def beam_tree():
    """N=4, M=2 (keep 2). Round 1: a .9, b .5 kept; c .4 (rank 3 = M+1), d .3 cut.
    Round 2: p .6 and q .55 under a, r .7 and s .05 under b: by the last score r and p survive
    and q is cut at rank 3; by the weakest step (min) p .6 and q .55 beat r (.5)."""
    t = new("beam", n=4, m=2)
    a = t.add(0, "2 + 3 = 5.", iteration=1, score=0.9, status="kept")
    b = t.add(0, "2 + 3 = 6.", iteration=1, score=0.5, status="kept")
    t.add(0, "Ana has apples.", iteration=1, score=0.4, status="pruned")
    t.add(0, "3 - 2 = 1.", iteration=1, score=0.3, status="pruned")
    t.add(a.id, "The answer is 5.", iteration=2, score=0.6, status="finished")            # 5: p
    t.add(a.id, "So 5 apples.", iteration=2, score=0.55, status="pruned")                 # 6: q
    t.add(b.id, "The answer is 6.", iteration=2, score=0.7, status="finished")            # 7: r
    t.add(b.id, "So 6.", iteration=2, score=0.05, status="pruned")                        # 8: s
    return finalize(t)


def test_a_node_cut_at_rank_m_plus_1_says_rank_cutoff_and_what_would_save_it():
    t = beam_tree()
    card = why(t, 3)
    assert (card.round, card.round_size, card.candidates, card.keep) == (1, 4, 4, 2)
    assert (card.rank, card.survived, card.cutoff) == (3, False, 0.5)
    assert card.title == "Why #3 was pruned"
    text = " ".join(card.lines)
    assert "ranked 3 of 4" in text and "top N/M = 4/2 = 2" in text and "had to beat 0.500 (#2, the last one kept)" in text
    whatif = {w["what if"]: w["then"] for w in card.whatifs}
    assert whatif["one more kept (top 3)"] == "kept instead of cut"
    assert whatif["one fewer kept (top 1)"] == "cut, as now"


def test_another_aggregation_re_ranks_the_same_candidates():
    t = beam_tree()
    q, r = why(t, 6), why(t, 7)
    assert (q.rank, q.survived, q.cutoff) == (3, False, 0.6)   # cut by p (.6), the last one kept
    assert {w["what if"]: w["then"] for w in q.whatifs}["min aggregation"].startswith("kept instead of cut")
    assert {w["what if"]: w["then"] for w in r.whatifs}["min aggregation"].startswith("cut instead of kept")
    assert q.whatif_note  # it says the later rounds would have differed


def test_a_kept_node_names_the_best_cut_candidate_and_its_children():
    card = why(beam_tree(), 1)
    assert (card.rank, card.survived, card.cutoff) == (1, True, 0.4)
    text = " ".join(card.lines)
    assert "Kept" in text and "#3, the best candidate cut" in text and "#5, #6" in text


def test_a_finished_leaf_gets_its_part_in_the_vote():
    t = beam_tree()   # finished: p (5, .6) and r (6, .7): weighted picks 6
    card = why(t, 5)
    assert card.answer_wins is False
    assert "its answer 5 had 1 of 2 solutions" in " ".join(card.lines) and "picked 6 instead" in " ".join(card.lines)


def test_ties_are_explained_by_the_search_s_own_tie_rule():
    t = new("beam", n=4, m=2)
    for i in range(4):
        t.add(0, f"Step {i}.", iteration=1, score=0.9, status="kept" if i < 2 else "pruned")
    finalize(t)
    card = why(t, 3)
    assert card.rank == 3 and card.tied == 3
    assert "lost the tie" in " ".join(card.lines) and "could not tell them apart" in " ".join(card.lines)
    assert "won the tie" in " ".join(why(t, 2).lines)


def dvts_tree():
    """N=4, M=2: two subtrees of two; each keeps its top 1. Subtree 1 keeps c (.3) although b (.8),
    cut in subtree 0, scored far higher."""
    t = new("dvts", n=4, m=2)
    t.add(0, "a", iteration=1, score=0.9, status="kept", group=0)
    t.add(0, "b", iteration=1, score=0.8, status="pruned", group=0)
    t.add(0, "c", iteration=1, score=0.3, status="kept", group=1)
    t.add(0, "d", iteration=1, score=0.2, status="pruned", group=1)
    return finalize(t)


def test_a_dvts_subtree_is_its_own_competition():
    t = dvts_tree()
    b, c = why(t, 2), why(t, 3)
    assert (b.candidates, b.round_size, b.keep, b.rank, b.survived, b.cutoff) == (2, 4, 1, 2, False, 0.9)
    assert (c.candidates, c.keep, c.rank, c.survived, c.cutoff) == (2, 1, 1, True, 0.2)
    assert "in its subtree (2)" in " ".join(c.lines) and "top 1 candidate per round" in " ".join(c.lines)
    assert cut_of(t, 2).group == 0 and cut_of(t, 3).group == 1


def lookahead_tree():
    """N=2, M=2, k=1 (keep 1): a scores .9 but its rollout ends at .2; b scores .5 and its rollout
    ends at .8, so b is kept."""
    t = new("lookahead", n=2, m=2, k=1)
    a = t.add(0, "2 + 3 = 5.", iteration=1, score=0.9, status="pruned")
    b = t.add(0, "Ana has 2.", iteration=1, score=0.5, status="kept")
    t.add(a.id, "5 - 1 = 3.", iteration=1, score=0.2, status="rollout")
    t.add(b.id, "2 + 3 = 5.", iteration=1, score=0.8, status="rollout")
    return finalize(t)


def test_a_lookahead_candidate_is_ranked_by_the_end_of_its_rollout():
    t = lookahead_tree()
    a = why(t, 1)
    assert (a.score, a.ranked_by, a.rank, a.survived, a.cutoff) == (0.9, 0.2, 2, False, 0.8)
    text = " ".join(a.lines)
    assert "1-step rollout (#3) ended at 0.200" in text and "end of its 1-step greedy rollout" in text
    roll = why(t, 3)
    assert roll.title == "#3 is a lookahead rollout step" and "candidate #1" in " ".join(roll.lines)
    assert roll.rank is None and cut_of(t, 3) is None  # a rollout is never kept or cut itself


def revisions_tree():
    """Two chains of two attempts. Chain 1: 5 (.9) then 6 (.4); chain 2: 6 (.3) then 6 (.35).
    Each chain picks by weighted vote: 5 and 6; across chains 5 (.9) beats 6 (.35)."""
    t = new("revisions", n=4, seq=2)
    c1 = t.add(0, "2 + 3 = 5.\n\nThe answer is 5.", iteration=1, score=0.9, status="finished", group=0)
    c2 = t.add(0, "2 + 3 = 6.\n\nThe answer is 6.", iteration=1, score=0.3, status="finished", group=1)
    t.add(c1.id, "The answer is 6.", iteration=2, score=0.4, status="finished", group=0)
    t.add(c2.id, "So 6.\n\nThe answer is 6.", iteration=2, score=0.35, status="finished", group=1)
    return finalize(t)


def test_a_revision_is_judged_by_its_chain_s_own_pick():
    t = revisions_tree()
    assert t.selected_answer == "5"
    card = why(t, 3)   # chain 1, attempt 2: answer 6, not its chain's pick
    text = " ".join(card.lines)
    assert card.title == "#3 is attempt 2 of chain 1"
    assert "Its chain's own pick (weighted vote over its 2 attempts: 5 at 0.900, 6 at 0.400) is 5" in text
    assert "Nothing is cut" in text and "picked 5" in text and card.answer_wins is False
    assert card.rank is None  # nothing was cut, so no rank
    assert any("aggregation" in u for u in card.unknown)  # it cannot re-weigh attempts, and says so
    assert why(t, 1).answer_wins is True


def best_of_n_tree():
    """Three samples: 5 (.9, .9), 6 (.9, .2), 6 (.5, .6). Weighted: 5 (.9) beats 6 (.8);
    majority picks 6."""
    t = new("best_of_n", n=3)
    for g, (s1, s2, ans) in enumerate([(0.9, 0.9, "5"), (0.9, 0.2, "6"), (0.5, 0.6, "6")]):
        x = t.add(0, "2 + 3 = 5.", iteration=1, score=s1, status="kept", group=g)
        t.add(x.id, f"The answer is {ans}.", iteration=1, score=s2, status="finished", group=g)
    return finalize(t)


def test_a_best_of_n_leaf_is_explained_by_the_vote():
    t = best_of_n_tree()
    card = why(t, 6)
    text = " ".join(card.lines)
    assert "its answer 6 had 2 of 3 solutions (summed weight 0.800)" in text
    assert "the weighted vote picked 5 instead" in text and card.answer_wins is False
    whatif = {w["what if"]: w["then"] for w in card.whatifs}
    assert whatif["majority vote"] == "its answer would win" and whatif["naive vote"] == "5 would win"
    assert whatif["min aggregation (the vote)"] == "5 would win"
    step = why(t, 1)
    assert "cuts nothing" in " ".join(step.lines) and step.rank is None and "one of 3 samples" in " ".join(step.lines)


def test_a_re_score_by_another_verifier_is_a_what_if():
    t = beam_tree()
    other = t.copy()
    other.nodes[3].score, other.verifier = 0.95, "generous"
    finalize(other)
    card = why(t, 3, rescored=other)
    assert {w["what if"]: w["then"] for w in card.whatifs}["re-scored by generous"].startswith("kept instead of cut")


def test_what_the_tree_cannot_tell_is_said_not_guessed():
    t = beam_tree()
    t.strategy = "no_such_strategy"
    card = why(t, 3)
    assert card.rank is None and any("no rule" in u for u in card.unknown)
    t = beam_tree()
    del t.config["m"]
    assert any("N and M" in u for u in why(t, 3).unknown)
    t = beam_tree()
    t.nodes[3].status, t.nodes[2].status = "kept", "pruned"   # a choice its values do not explain
    assert any("does not follow" in u for u in why(t, 3).unknown)
    with pytest.raises(ValueError, match="not in this tree"):
        why(t, 99)


def test_a_new_strategy_registers_its_own_rule():
    t = beam_tree()
    t.strategy = "toy_visits"
    register_rule("toy_visits", Rule(describe=lambda tree: "keep the most visited child", cuts=rules.RULES["beam"].cuts,
                               ranked_by="its visit count"))
    try:
        card = why(t, 3)
        assert "keep the most visited child" in " ".join(card.lines) and card.rank == 3
    finally:
        rules.RULES.pop("toy_visits")


@pytest.mark.parametrize("name", NAMES)
def test_on_every_recorded_tree_the_derived_choice_is_the_recorded_one(name):
    """The real searches: every cut's top-keep by the search's own ranking is exactly what it kept."""
    t = load_example(name)
    for c in cuts_of(t):
        assert set(ranking(t, c)[:c.keep]) == set(survivors(t, c)), (name, c.round)
    for n in t.nodes:
        assert why(t, n.id).unknown == [] or t.strategy == "revisions"


# ---------------------------------------------------------------------------------------
# MCTS and particle filtering: their rules explain UCT choices and resamplings

def test_mcts_cards_say_the_visits_and_the_uct_choice():
    from fakes import FakeGenerator
    from ttc_viz.problems import Problem
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.search.mcts import uct
    from ttc_viz.tree import stats_at
    from ttc_viz.verifiers import SymbolicVerifier

    t = run("mcts", Problem(PROBLEM, "5"), FakeGenerator(steps_to_finish=4), SymbolicVerifier(),
            SearchConfig(n=4, children=2, explore=1.0, seed=1))
    assert "UCT" in rules.RULES["mcts"].describe(t)
    seen = set()
    for n in t.nodes[1:]:
        text = " ".join(why(t, n.id).lines)
        visits, mean = stats_at(n)
        assert f"{visits} visit" in text and f"mean value of {mean:.3f}" in text
        kids = [c for c in t.children(n.id) if c.status != "rollout"]
        if kids:
            e = min(c.iteration for c in kids)
            mine = uct(stats_at(n, e - 1)[1], stats_at(n, e - 1)[0], stats_at(t.nodes[n.parent], e - 1)[0], 1.0)
            assert f"Expanded in round {e}" in text and f"{mine:.3f}" in text
            seen.add("expanded")
        elif n.status == "finished":
            assert "cannot be expanded" in text
            seen.add("finished")
        else:
            assert "Never expanded" in text
            seen.add("never")
    assert seen == {"expanded", "finished", "never"}


def test_particle_filter_cards_say_who_was_copied_and_who_died():
    from test_particle_filter import P, Scripted, WordVerifier
    from ttc_viz.search import SearchConfig, run

    t = run("particle_filter", P, Scripted(), WordVerifier(), SearchConfig(n=4, seed=0))
    assert "systematic" in rules.RULES["particle_filter"].describe(t)
    assert "weight was 0.500 (N × weight = 2.00): copied 2 times" in " ".join(why(t, 1).lines)
    assert "no draw landed on it, so it died there" in " ".join(why(t, 2).lines)
    fin = t.leaves("finished")[0]
    assert "stays in the final vote" in " ".join(why(t, fin.id).lines)
