import pytest

from ttc_viz.costs import exchange, inference_flops, pretraining_flops


def test_flops_rules():
    assert inference_flops(135e6, 100) == 2 * 135e6 * 100
    assert pretraining_flops(1e9, 1e12) == 6e21


def test_exchange_matches_hand_arithmetic():
    # big = 14x small; R = 1: multiplier = (6*14 + 2*14 - 6) / 2 = 53
    x = exchange(1.0, 14.0, 1.0, 1.0)
    assert x["R"] == 1 and x["multiplier"] == pytest.approx(53.0)
    few = exchange(1.0, 14.0, 1.0, 0.01)["multiplier"]
    assert few > x["multiplier"]  # fewer queries leave more test-time budget


@pytest.mark.parametrize("args,msg", [((0, 2, 1, 1), "small model"), ((2, 1, 1, 1), "bigger"),
                                      ((1, 2, 1, -1), "inference tokens")])
def test_exchange_rejects_nonsense(args, msg):
    with pytest.raises(ValueError, match=msg):
        exchange(*args)


def test_reencoded_per_token_reads_the_tree_cost():
    from ttc_viz.costs import reencoded_per_token
    from ttc_viz.tree import Cost

    c = Cost(tokens_generated=200, tokens_reencoded=50, verifier_tokens_read=400, verifier_tokens_reencoded=20)
    assert reencoded_per_token(c) == {"generator": 0.25, "verifier": 0.1}
    assert reencoded_per_token(Cost()) == {"generator": 0.0, "verifier": 0.0}
