"""Turning step scores into a pick.

``aggregate(step_scores, how)`` reduces a solution's per-step PRM scores to one number:
``last`` (the paper's choice: the PRM's prediction at the final step), ``min``, ``prod``.
``vote(answers, weights, rule)`` picks one final answer from many solutions:
  * ``naive``    - the answer of the single highest-weighted solution;
  * ``weighted`` - the answer whose solutions' weights sum highest (the paper's pick);
  * ``majority`` - the most frequent answer (weights ignored).
Equivalent answers ("0.5", "1/2") vote together. Ties go to the answer seen first, so
picks are deterministic.
"""
from __future__ import annotations

import math
from typing import Sequence

from .grading import answer_key

AGGREGATIONS = ("last", "min", "prod")
VOTING_RULES = ("naive", "weighted", "majority")


def aggregate(step_scores: Sequence[float], how: str = "last") -> float:
    if how not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {how!r}")
    if not step_scores:
        return 0.0
    if how == "last":
        return float(step_scores[-1])
    if how == "min":
        return float(min(step_scores))
    return float(math.prod(step_scores))


def tally(answers: Sequence[str | None], weights: Sequence[float]) -> list[dict]:
    """One row per distinct answer: representative text, count, summed weight, best weight."""
    rows: dict[str, dict] = {}
    for ans, w in zip(answers, weights):
        key = answer_key(ans)
        if key is None:
            continue
        r = rows.setdefault(key, {"answer": ans, "key": key, "count": 0, "weight": 0.0, "best": -1.0})
        r["count"] += 1
        r["weight"] += float(w)
        r["best"] = max(r["best"], float(w))
    return list(rows.values())


def vote(answers: Sequence[str | None], weights: Sequence[float], rule: str = "weighted") -> str | None:
    if rule not in VOTING_RULES:
        raise ValueError(f"voting rule must be one of {', '.join(VOTING_RULES)}, got {rule!r}")
    rows = tally(answers, weights)
    if not rows:
        return None
    field = {"naive": "best", "weighted": "weight", "majority": "count"}[rule]
    best = rows[0]
    for r in rows[1:]:
        if r[field] > best[field] + 1e-12:
            best = r
    return best["answer"]


def all_picks(answers, weights) -> dict:
    return {rule: vote(answers, weights, rule) for rule in VOTING_RULES}
