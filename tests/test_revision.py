import random

from ttc_viz.search.revisions import HEADER, KEEP, hierarchical_pick, reviser_for, revision_problem
from ttc_viz.train.reviser import closeness, training_chain


def test_no_attempts_is_the_problem_itself():
    assert revision_problem("Ana has 2 apples.", []) == "Ana has 2 apples."


def test_the_last_four_attempts_are_shown_numbered_from_one():
    attempts = [[f"{i} + 1 = {i + 1}.", f"The answer is {i + 1}."] for i in range(6)]
    text = revision_problem("P?", attempts)
    assert text.startswith("P?\n\n" + HEADER)
    assert "Attempt 1:\n2 + 1 = 3.\nThe answer is 3." in text  # attempts 3-6 shown as 1-4
    assert "0 + 1" not in text and "1 + 1" not in text
    assert text.count("Attempt ") == KEEP and "Attempt 5" not in text
    assert text.rstrip().endswith('"The answer is N."')


def test_a_step_with_a_newline_stays_on_one_line():
    text = revision_problem("P?", [["a\nb", "c"]])
    assert "a b\nc" in text


def test_training_chain_puts_the_closest_wrong_attempt_last():
    right = ["5 + 3 = 8.", "The answer is 8."]
    wrong = [["7 x 2 = 14.", "The answer is 14."], ["5 + 3 = 9.", "The answer is 9."],
             ["Ana is happy.", "The answer is 1."]]
    for seed in range(5):
        chain = training_chain(wrong, right, 3, random.Random(seed))
        assert chain[-1] == right and chain[-2] == wrong[1] and len(chain) == 4
    assert training_chain(wrong, right, 0, random.Random(0)) == [right]
    assert len(training_chain(wrong, right, 9, random.Random(0))) == 4  # at most the wrong ones there are
    assert closeness(right, right) == 1.0 and closeness(right, wrong[1]) > closeness(right, wrong[0])


def test_hierarchical_pick_votes_within_then_across_chains():
    chains = [[("3", 0.9), ("4", 0.4), ("4", 0.4)],
              [("4", 0.8)],
              [("5", 0.95)]]
    # weighted within: chain0 -> 3 (0.9 vs 0.8), chain1 -> 4, chain2 -> 5; across, each
    # weighted by its chain's best score for that answer: 5 (0.95) wins
    assert hierarchical_pick(chains, "weighted") == "5"
    # majority within: chain0 -> 4; across: 4 (two chains) beats 5
    assert hierarchical_pick(chains, "majority") == "4"
    assert hierarchical_pick(chains, "naive") == "5"
    assert hierarchical_pick([[(None, 0.5)], []], "weighted") is None


def test_reviser_for_prefers_a_trained_reviser():
    class Plain:
        name = "plain"

    class WithReviser(Plain):
        def __init__(self, rev):
            self.rev = rev

        def reviser(self):
            return self.rev

    p = Plain()
    assert reviser_for(p) == (p, "prompted")
    r = Plain()
    assert reviser_for(WithReviser(r)) == (r, "trained")
    w = WithReviser(None)
    assert reviser_for(w) == (w, "prompted")
