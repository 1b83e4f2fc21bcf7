import pytest

from ttc_viz.experiments.pools import pass_at_1, pool_accuracy


def test_full_pool_is_one_exact_draw():
    answers, values, correct = ["5", "6", "6"], [0.9, 0.2, 0.3], [True, False, False]
    assert pool_accuracy(answers, values, correct, 3, "naive") == (1.0, 0.0)
    assert pool_accuracy(answers, values, correct, 3, "majority") == (0.0, 0.0)
    assert pool_accuracy(answers, values, correct, 3, "weighted") == (1.0, 0.0)  # 0.9 > 0.5


def test_small_n_enumerates_every_subset_when_few():
    answers, values, correct = ["5", "6", "7"], [0.1, 0.2, 0.3], [True, False, False]
    acc, sd = pool_accuracy(answers, values, correct, 1, "naive", resamples=32)
    assert acc == pytest.approx(1 / 3)  # exactly one of the three single draws is right
    assert sd > 0


def test_resampling_is_seeded_and_bounded():
    answers = [str(i % 4) for i in range(40)]
    correct = [a == "0" for a in answers]
    vals = [i / 40 for i in range(40)]
    a1 = pool_accuracy(answers, vals, correct, 8, "majority", resamples=16, seed=3)
    assert a1 == pool_accuracy(answers, vals, correct, 8, "majority", resamples=16, seed=3)
    assert 0.0 <= a1[0] <= 1.0


def test_unfinished_samples_count_but_never_win():
    assert pool_accuracy([None, None], [0.9, 0.8], [False, False], 2, "weighted") == (0.0, 0.0)
    with pytest.raises(ValueError, match="pool size"):
        pool_accuracy(["1"], [0.5], [True], 2, "naive")
    assert pass_at_1([True, False, None, True]) == 0.5
