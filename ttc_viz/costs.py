"""FLOPs arithmetic, the paper's way (Snell et al. 2024, after Kaplan et al.).

* pretraining a model of P parameters on D tokens costs about 6·P·D FLOPs;
* inference (generating or reading) costs about 2·P FLOPs per token.

``exchange(...)`` is the paper's exchange-rate view: spend FLOPs on pretraining a bigger
model, or on test-time compute with a smaller one? With R = inference tokens / pretraining
tokens, a small model can afford ``multiplier`` times its plain inference budget before it
has used as many FLOPs as a big model that was pretrained on the same data and answers once.
"""
from __future__ import annotations


def inference_flops(params: float, tokens: float) -> float:
    return 2.0 * params * tokens


def pretraining_flops(params: float, tokens: float) -> float:
    return 6.0 * params * tokens


def exchange(p_small: float, p_big: float, d_pretrain: float, d_inference: float) -> dict:
    """FLOPs of both options and the test-time multiplier that makes them equal."""
    for name, v in (("small model size", p_small), ("big model size", p_big), ("pretraining tokens", d_pretrain),
                    ("inference tokens", d_inference)):
        if not v or v <= 0:
            raise ValueError(f"{name} must be positive, got {v!r}")
    if p_big <= p_small:
        raise ValueError("the big model must be bigger than the small one")
    big = pretraining_flops(p_big, d_pretrain) + inference_flops(p_big, d_inference)
    small_pre = pretraining_flops(p_small, d_pretrain)
    small_inf = inference_flops(p_small, d_inference)
    return {"R": d_inference / d_pretrain, "big_total": big, "small_pretrain": small_pre,
            "small_inference": small_inf, "multiplier": (big - small_pre) / small_inf}


def reencoded_per_token(cost) -> dict:
    """Prefix tokens encoded again per generated token, by the generator and by the verifier
    (a tree's ``Cost``): the cost that reusing each prefix's KV across rounds removes. 0 when
    nothing was generated."""
    gen = cost.tokens_generated
    return {"generator": cost.tokens_reencoded / gen if gen else 0.0,
            "verifier": cost.verifier_tokens_reencoded / gen if gen else 0.0}
