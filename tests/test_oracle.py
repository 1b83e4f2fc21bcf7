"""The answer key: exact step labels for synthetic problems."""
import time

import pytest

from ttc_viz.problems import Problem, classroom, synthetic
from ttc_viz.verifiers import ANSWER_KEY, VerifierError, load_verifier
from ttc_viz.verifiers.oracle import chain_of, check_step, make_chain, solution_correct, step_labels


def test_the_calculation_is_found_from_the_text_alone():
    """A verifier is given text only: the calculation of a synthetic problem made in this
    process, of an evaluation problem, or of a classroom problem is found from its text."""
    for lv in range(1, 6):
        for i in range(200):
            for split in ("test", "train"):
                p = synthetic(lv, i, split)
                assert chain_of(p.text) == chain_of(p), p.text
                assert str(chain_of(p).answer) == p.answer
    p = classroom()[0]
    assert chain_of(p.text) == chain_of(p) and str(chain_of(p.text).answer) == p.answer


def test_texts_of_the_earlier_generator_are_still_read():
    """Trees recorded before the curriculum (shipped examples, old sweeps) keep their answer key."""
    assert chain_of("Ana has 5 apples and gets 3 more. How many apples does Ana have now?") == make_chain(5, [("+", 3)])
    old = ("Ines has 13 pencils. Ines gets 11 more pencils. Ines gives away 13 pencils. "
           "How many pencils does Ines have now?")
    assert chain_of(old).answer == 11 and check_step(chain_of(old), "13 + 11 = 24.").on_track


def test_not_a_synthetic_problem():
    assert chain_of("What is the derivative of x^2?") is None
    assert chain_of(Problem("Ana has 3 apples. How many?")) is None
    with pytest.raises(VerifierError, match="synthetic"):
        load_verifier(ANSWER_KEY).score_batch("What is 2 + 2?", [["2 + 2 = 4."]])


# start 17, +6 -> 23, -2 -> 21
CHAIN = make_chain(17, [("+", 6), ("-", 2)])


@pytest.mark.parametrize("step", [
    "Kemal gets 6 more pencils: 17 + 6 = 23.",
    "6 + 17 = 23.",                                  # + in either order
    "Then 23 - 2 = 21.",
    "17 + 6 - 2 = 21.",                              # two true transitions at once
    "(17 + 6) - 2 = 21.",
    "Kemal has 17 pencils + 6 = 23 pencils.",        # the first operand a few words earlier
    "17 + 6 = 23, 23 - 2 = 21.",                     # comma-joined equations
    "17 + 6 = 23; then 23 - 2 = 21",
    "Kemal has 17 pencils.",                         # prose with a real quantity
    "The answer is 21.",
    "The answer is $\\boxed{21}$.",
    "He starts with some pencils.",                  # no numbers: nothing wrong yet
    "17 - 2 = 15.",                                  # taking away first is as right (another path)
    "15 + 6 = 21.",
])
def test_on_track(step):
    assert check_step(CHAIN, step).on_track, check_step(CHAIN, step)


@pytest.mark.parametrize("step, why", [
    ("17 + 6 = 24.", "false"),                       # arithmetic slip
    ("2 - 23 = 21.", "false"),                       # - is not commutative
    ("17 * 6 = 102.", "not a step"),                 # true arithmetic, wrong operation
    ("17 + 2 = 19.", "not a step"),                  # right operation, wrong number
    ("23 + 2 = 25.", "not a step"),                  # numbers of the problem, a result of none of its paths
    ("6 + 1 = 7.", "not a step"),                    # an invented operation
    ("17 + 6 + 2 = 25.", "not a step"),              # the second operation is wrong
    ("Kemal has 99 pencils.", "not a quantity"),     # a wrong quantity in prose
    ("The answer is 23.", "wrong final answer"),                    # an intermediate value announced as the answer
    ("The answer is 20.", "not a quantity"),
    ("17 + 3 x 2 = 40.", "false"),                   # precedence: 17 + 6 = 23, not 40
])
def test_off_track(step, why):
    v = check_step(CHAIN, step)
    assert not v.on_track and why in v.reason


def test_prefix_labels_stay_off_once_off_and_a_right_solution_is_correct():
    steps = ["17 + 6 = 23.", "23 - 3 = 20.", "The answer is 21."]
    assert step_labels(CHAIN, steps) == [True, False, False]
    good = ["Kemal gets 6 more: 17 + 6 = 23.", "He gives away 2: 23 - 2 = 21.", "The answer is 21."]
    assert step_labels(CHAIN, good) == [True, True, True] and solution_correct(CHAIN, good)
    assert not solution_correct(CHAIN, good[:2])  # no answer announced


def test_other_operations_and_thousands():
    c = make_chain(250, [("*", 5), ("/", 2), ("+", 40)])  # 1250, 625, 665
    assert check_step(c, "5 x 250 = 1,250.").on_track
    assert check_step(c, "250 × 5 = 1250 and 1250 / 2 = 625.").on_track
    assert check_step(c, "1250 ÷ 2 = 625.").on_track
    assert not check_step(c, "2 / 1250 = 625.").on_track
    assert check_step(c, "The answer is 665.").on_track


def test_a_path_with_two_operations_in_one_equation_and_constants():
    c = chain_of(Problem("x", meta={"paths": [[[60, "*", 25, 1500, ""], [1500, "/", 100, 15, ""],
                                               [60, "-", 15, 45, ""]]], "known": [60, 25, 100], "answer": 45}))
    assert check_step(c, "60 × 25 / 100 = 15.").on_track          # two operations, 100 known as a constant
    assert check_step(c, "60 - 60 * 25 / 100 = 45.").on_track
    assert not check_step(c, "60 - 25 = 35.").on_track
    assert not check_step(c, "15 + 30 = 45.").on_track             # 30 is nowhere in the calculation


def test_the_answer_key_verifier_scores_prefixes():
    p = synthetic(2, 0)
    c = chain_of(p)
    first = c.steps[0]
    sym = {"+": "+", "-": "-", "*": "×", "/": "/"}[first.op]
    wrong = [f"{first.a} {sym} {first.b} = {first.c + 1}.", f"The answer is {c.answer}."]
    v = load_verifier(ANSWER_KEY)
    assert v.score_batch(p.text, [wrong])[0] == [0.0, 0.0]
    assert v.score(p.text, [f"The answer is {c.answer}."]) == [1.0]


def test_hostile_steps_are_fast_and_never_raise():
    hostile = ["9" * 5000, "(" * 3000 + "1" + ")" * 3000 + "= 1", "1 + " * 1500 + "1 = 1501",
               "=" * 4000, "1,000,000,000,000,000 = " * 200, "\x00\u202e" * 1000, "__import__('os')",
               "1/0 = 5", "((((1 + 2 = 3", "(" * 900 + "1" + ")" * 900 + " = 1", "-" * 1900 + "1 = 1",
               "1" + " * 9" * 400 + " = 1"]
    for s in hostile:
        t = time.perf_counter()
        check_step(CHAIN, s)
        assert time.perf_counter() - t < 0.5
