"""Best-of-n accuracy for every n from one pool of N samples (no re-generation).

``pool_accuracy(answers, values, correct, n, rule, resamples, seed)`` draws ``resamples``
random subsets of size n (without replacement) from the pool, picks an answer in each with
the voting rule, and returns the mean and standard deviation of "the pick is right". For
n = N there is only one subset. Used by ``ttc-viz eval-prm`` and by the sweep, so both
report best-of-n curves the same way.
"""
from __future__ import annotations

import math
import random
from typing import Sequence

from ..grading import answer_key
from ..scoring import vote
from ..seeds import derive


def _right_keys(answers: Sequence[str | None], correct: Sequence[bool | None]) -> set:
    return {answer_key(a) for a, c in zip(answers, correct) if c and a is not None}


def pool_accuracy(answers: Sequence[str | None], values: Sequence[float], correct: Sequence[bool | None],
                  n: int, rule: str, resamples: int = 32, seed: int = 0) -> tuple[float, float]:
    size = len(answers)
    if not 1 <= n <= size:
        raise ValueError(f"n must be within 1-{size} (the pool size), got {n}")
    right = _right_keys(answers, correct)
    if n == size:
        draws = [list(range(size))]
    elif math.comb(size, n) <= resamples:  # few subsets: use them all, exactly
        from itertools import combinations

        draws = [list(c) for c in combinations(range(size), n)]
    else:
        rng = random.Random(derive(seed, n, modulus=None))
        draws = [rng.sample(range(size), n) for _ in range(resamples)]
    hits = []
    for idx in draws:
        pick = vote([answers[i] for i in idx], [values[i] for i in idx], rule)
        hits.append(1.0 if pick is not None and answer_key(pick) in right else 0.0)
    mean = sum(hits) / len(hits)
    sd = math.sqrt(sum((h - mean) ** 2 for h in hits) / len(hits))
    return mean, sd


def pass_at_1(correct: Sequence[bool | None]) -> float:
    return sum(bool(c) for c in correct) / len(correct) if correct else 0.0
