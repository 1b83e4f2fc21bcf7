import pytest

from ttc_viz.scoring import aggregate, all_picks, tally, vote


def test_aggregate():
    s = [0.9, 0.5, 0.8]
    assert aggregate(s, "last") == 0.8
    assert aggregate(s, "min") == 0.5
    assert aggregate(s, "prod") == pytest.approx(0.36)
    assert aggregate([], "last") == 0.0
    with pytest.raises(ValueError, match="aggregation"):
        aggregate(s, "mean")


def test_three_rules_can_disagree():
    answers = ["1", "2", "2", "3", "3", "3"]
    weights = [0.99, 0.6, 0.6, 0.1, 0.1, 0.1]
    picks = all_picks(answers, weights)
    assert picks == {"naive": "1", "weighted": "2", "majority": "3"}


def test_equivalent_answers_vote_together():
    rows = tally(["0.5", "1/2", "2"], [0.4, 0.4, 0.7])
    assert len(rows) == 2
    assert vote(["0.5", "1/2", "2"], [0.4, 0.4, 0.7], "weighted") == "0.5"


def test_none_answers_and_unknown_rule():
    assert vote([None, None], [1, 1]) is None
    with pytest.raises(ValueError, match="voting rule"):
        vote(["1"], [1], "best")
