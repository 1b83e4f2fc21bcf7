"""Ranking metrics for verifiers, measured the way search uses them.

* ``auroc(labels, scores)``: area under the ROC curve (ties count half); None with one class.
* ``within_problem_auroc(groups)``: the AUROC inside each problem (best-of-N and beam search
  only ever compare candidates of one problem), averaged over the problems that have both
  classes; a pooled AUROC would also reward scores that merely tell easy problems from hard.
* ``bootstrap(values_by_problem, stat)``: a percentile interval from resampling *problems*
  with replacement (samples of one problem are not independent).
* ``bootstrap_mean(values, ...)``: the same interval for a mean of one value per problem,
  vectorised (the sweep report draws one for every point of every curve).
* ``interval_text(value, lo, hi)``: how a figure and its interval read in a table.

Shared by training (the PRM's validation AUROC) and the experiments (evaluations, sweeps),
so it sits in the core rather than in either.
"""
from __future__ import annotations

import random
from typing import Callable, Sequence


def auroc(labels: Sequence[int], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (ties counted half); None if only one class is present."""
    pos = sum(1 for y in labels if y)
    neg = len(labels) - pos
    if not pos or not neg:
        return None
    order = sorted((s, i) for i, s in enumerate(scores))
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and order[j + 1][0] == order[i][0]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k][1]] = (i + j) / 2 + 1
        i = j + 1
    rpos = sum(r for r, y in zip(ranks, labels) if y)
    return (rpos - pos * (pos + 1) / 2) / (pos * neg)


def within_problem_auroc(groups: Sequence[tuple[Sequence[int], Sequence[float]]]) -> tuple[float | None, int]:
    """Mean of the per-problem AUROCs over problems with both classes, and how many there were."""
    vals = [a for a in (auroc(y, s) for y, s in groups) if a is not None]
    return (sum(vals) / len(vals) if vals else None), len(vals)


def bootstrap(items: Sequence, stat: Callable[[Sequence], float | None], *, resamples: int = 1000,
              seed: int = 0, level: float = 0.95) -> tuple[float | None, float | None]:
    """(low, high) percentile interval of ``stat`` over problem-level resamples of ``items``."""
    if not items:
        return None, None
    rng = random.Random(seed)
    vals = []
    for _ in range(resamples):
        v = stat([items[rng.randrange(len(items))] for _ in items])
        if v is not None:
            vals.append(v)
    if not vals:
        return None, None
    vals.sort()
    lo = vals[int((1 - level) / 2 * (len(vals) - 1))]
    hi = vals[int((1 + level) / 2 * (len(vals) - 1))]
    return lo, hi


def bootstrap_mean(values: Sequence[float], *, resamples: int = 1000, seed: int = 0,
                   level: float = 0.95) -> tuple[float | None, float | None]:
    """(low, high) percentile interval of the mean over resamples of ``values`` (one per problem)."""
    import numpy as np

    if not len(values):
        return None, None
    x = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)
    lo, hi = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def interval_text(value: float | None, lo: float | None, hi: float | None, *, percent: bool = False,
                  missing: str = "–") -> str:
    """A figure with its interval as tables print it: ``0.812 [0.75, 0.86]`` (AUROCs), or with
    ``percent`` ``81% [75, 86]`` (accuracies); the figure alone where there is no interval,
    ``missing`` where there is no figure."""
    if value is None:
        return missing
    if percent:
        return f"{100 * value:.0f}%" + ("" if lo is None else f" [{100 * lo:.0f}, {100 * hi:.0f}]")
    return f"{value:.3f}" + ("" if lo is None else f" [{lo:.2f}, {hi:.2f}]")
