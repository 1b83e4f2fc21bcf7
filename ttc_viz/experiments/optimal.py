"""The compute-optimal selector and what it buys (Snell et al. 2024, sec. 3.2), with the
selection inside the error bars.

* ``compute_optimal(rows, bins)``: for each difficulty bin and budget, the configuration with the
  best accuracy, chosen by **repeated random 2-fold cross-validation inside the bin**: ``splits``
  random halvings; in each, the choice made on one half is scored on the other, and the other
  way round. A problem's compute-optimal accuracy is the mean, over the splits, of the accuracy
  of the configuration chosen without it; its cost likewise. The "all problems" curve averages
  every problem's. Ties go to the cheaper family (the specs' order), then to the reference
  configuration (best-of-N weighted).
* ``efficiency(points, target)``: where the compute-optimal curve first reaches the reference's
  accuracy at its largest budget, interpolated on the log of the cost axis (generations,
  computed tokens, FLOPs or seconds), as a ratio of costs.
* ``bootstrap(...)``: problems redrawn within their bins and the whole selection run again in
  every resample, so the intervals of the compute-optimal accuracy, of its paired gap to the
  reference and of the efficiency multiple include the choosing.

Rows are ``cells.rows_from_cells``' (one per problem, configuration and budget, with its costs).
"""
from __future__ import annotations

import math

import numpy as np

from ..search import strategies

SPLITS = 200        # random 2-fold splits per bin and budget
RESAMPLES = 200     # bootstrap resamples (each re-runs the selection, with BOOT_SPLITS splits)
BOOT_SPLITS = 40
AXES = ("generations", "computed", "flops", "seconds")   # cost axes a multiple is given on
FEW_PER_BIN = 5     # below this many problems in a bin, its cross-validated choice is warned about


def bin_size_note(bin_of: dict) -> str | None:
    """What a reader should know when some difficulty bin is too small for the selection to be
    trusted (``bin_of``: problem -> bin), or None. A bin of one problem cannot be cross-validated
    (chosen and scored on itself: optimistic); in a bin of a few, each half is one to a few
    problems, so the choice is made on noise and scored on other noise, and compute-optimal can
    land below every configuration it chooses from."""
    sizes = [list(bin_of.values()).count(b) for b in set(bin_of.values())]
    if not sizes or min(sizes) >= FEW_PER_BIN:
        return None
    if min(sizes) < 2:
        return ("some difficulty bins hold a single problem: there compute-optimal cannot be cross-validated and "
                "is scored on the problem it was chosen on, so its curve and the efficiency multiple are optimistic")
    return (f"some difficulty bins hold fewer than {FEW_PER_BIN} problems (the smallest {min(sizes)}): compute-optimal "
            "is chosen on half a bin and scored on the other half, so its curve is noisy there and can fall below "
            "every configuration it chooses from; more problems per bin fix this")


def _cost_rank(config: str) -> int:
    """Tie-break towards the cheaper family (the specs' order: best-of-N, beam, DVTS, lookahead)."""
    spec = strategies.of_config(config)
    return spec.order if spec else 999


def _tie_order(configs: list[str]) -> np.ndarray:
    """A small bonus per configuration that breaks exact ties: cheaper family first, then the
    reference configuration, then by name."""
    reference = strategies.reference_config()
    keys = sorted(range(len(configs)), key=lambda i: (-_cost_rank(configs[i]), configs[i] == reference,
                                                       configs[i]))
    bonus = np.zeros(len(configs))
    for rank, i in enumerate(keys):
        bonus[i] = rank
    return bonus / (len(configs) + 1)


def _masks(n: int, splits: int, rng: np.random.Generator) -> np.ndarray:
    """[n, splits] booleans: which problems are in the first half of each random split."""
    if n == 1:
        return np.ones((1, splits), dtype=bool)
    order = np.argsort(rng.random((splits, n)), axis=1)
    m = np.zeros((splits, n), dtype=bool)
    np.put_along_axis(m, order[:, : n // 2], True, axis=1)
    return m.T


def select(acc: np.ndarray, bonus: np.ndarray, splits: int, rng: np.random.Generator) -> np.ndarray:
    """[problems, configs] weights: for each problem, the share of splits in which each
    configuration was chosen on the half it was not in (a bin of one problem: chosen on itself).
    ``acc`` is [configs, problems]."""
    c, n = acc.shape
    m = _masks(n, splits, rng)                          # [n, s]
    first, second = m.astype(float), (~m).astype(float)
    if n == 1:
        second = first
    eps = 1e-9
    pick_a = np.argmax(acc @ first / np.maximum(first.sum(0), 1) + eps * bonus[:, None], axis=0)   # chosen on half A
    pick_b = np.argmax(acc @ second / np.maximum(second.sum(0), 1) + eps * bonus[:, None], axis=0)
    onehot_a, onehot_b = np.eye(c)[pick_a], np.eye(c)[pick_b]  # [s, c]
    w = second @ onehot_a + first @ onehot_b if n > 1 else first @ onehot_a
    return w / w.sum(axis=1, keepdims=True)


def _tables(rows: list[dict]) -> dict:
    """budget -> (configs, {problem: {config: row}})."""
    out: dict = {}
    for r in rows:
        out.setdefault(r["budget"], {}).setdefault(r["problem_id"], {})[r["config"]] = r
    return out


def _bin_matrices(per_problem: dict, pids: list[str]) -> tuple[list[str], dict] | None:
    """The configurations every problem of the bin has at this budget, and [configs, problems]
    matrices of accuracy and of each cost."""
    if not all(p in per_problem for p in pids):
        return None
    configs = sorted(set.intersection(*(set(per_problem[p]) for p in pids)))
    if not configs:
        return None
    mats = {"acc": np.array([[per_problem[p][c]["acc"] for p in pids] for c in configs])}
    for k in AXES + ("tokens",):
        vals = [[per_problem[p][c].get(k) for p in pids] for c in configs]
        mats[k] = None if any(v is None for row in vals for v in row) else np.array(vals, dtype=float)
    return configs, mats


def compute_optimal(rows: list[dict], bin_of: dict, splits: int = SPLITS, seed: int = 0) -> dict:
    """{bin: {budget: {"acc", "lo", "hi", "n", "choices", "share", costs...}}} plus "all" with
    "by_problem" (each problem's expected held-out accuracy) at the budgets every bin has."""
    from ..metrics import bootstrap_mean

    tabs = _tables(rows)
    by_bin: dict = {}
    for pid, b in bin_of.items():
        by_bin.setdefault(b, []).append(pid)
    out: dict = {}
    every: dict = {}   # budget -> {problem: {acc, costs}}
    for b_id, pids in sorted(by_bin.items(), key=lambda x: str(x[0])):
        pids = sorted(pids)
        out[b_id] = {}
        for budget in sorted(tabs):
            got = _bin_matrices(tabs[budget], pids)
            if got is None:
                continue
            configs, mats = got
            rng = np.random.default_rng([seed, budget, len(pids), _stable(str(b_id))])
            w = select(mats["acc"], _tie_order(configs), splits, rng)        # [n, c]
            per = {k: (w * m.T).sum(1) if m is not None else None for k, m in mats.items()}
            share = w.mean(0)
            lo, hi = bootstrap_mean(per["acc"])
            out[b_id][budget] = {"acc": float(per["acc"].mean()), "lo": lo, "hi": hi, "n": len(pids),
                                 "choices": [configs[i] for i in np.argsort(-share) if share[i] > 0],
                                 "share": {configs[i]: round(float(share[i]), 3) for i in np.argsort(-share)
                                           if share[i] > 0},
                                 **{k: None if per[k] is None else float(per[k].mean()) for k in AXES + ("tokens",)}}
            for j, p in enumerate(pids):
                every.setdefault(budget, {})[p] = {k: None if per[k] is None else float(per[k][j]) for k in per}
    out["all"] = {}
    for budget, per in sorted(every.items()):
        if len(per) != len(bin_of):   # some bin has no configuration at this budget
            continue
        accs = [per[p]["acc"] for p in sorted(per)]
        lo, hi = bootstrap_mean(accs)
        out["all"][budget] = {"acc": sum(accs) / len(accs), "lo": lo, "hi": hi, "n": len(accs),
                              "by_problem": {p: per[p]["acc"] for p in sorted(per)},
                              **{k: _mean([per[p][k] for p in per]) for k in AXES + ("tokens",)}}
    return out


def _mean(xs: list) -> float | None:
    return None if any(x is None for x in xs) else sum(xs) / len(xs)


def _stable(s: str) -> int:
    h = 0
    for ch in s.encode():
        h = (h * 131 + ch) % 2_147_483_629
    return h


def efficiency(points: dict, target: float | None, target_cost: float | None) -> float | None:
    """The multiple ``target_cost / cost`` at which the compute-optimal curve (``points``: budget
    -> (cost, accuracy), budgets in order) first reaches ``target`` accuracy, the cost found by
    linear interpolation on log(cost) between the two budgets around the crossing. None if it
    never does, or if costs are unknown."""
    if target is None or not target_cost or target <= 0:
        return None
    prev = None
    for b in sorted(points):
        cost, acc = points[b]
        if cost is None or cost <= 0:
            return None
        if acc >= target - 1e-12:
            if prev is None or prev[1] >= acc or acc <= target + 1e-12:  # reached at this budget itself
                return target_cost / cost
            (c0, a0) = prev
            t = (target - a0) / (acc - a0)
            return target_cost / math.exp(math.log(c0) + t * (math.log(cost) - math.log(c0)))
        prev = (cost, acc)
    return None


def reference_point(rows: list[dict], problems=None) -> dict | None:
    """The reference (best-of-N weighted) at its largest budget: {budget, acc, costs, by_problem}."""
    ref = strategies.reference_config()
    mine = [r for r in rows if r["config"] == ref and (problems is None or r["problem_id"] in problems)]
    if not mine:
        return None
    largest = max(r["budget"] for r in mine)
    at = [r for r in mine if r["budget"] == largest]
    return {"budget": largest, "acc": sum(r["acc"] for r in at) / len(at), "by_problem": {r["problem_id"]: r["acc"]
                                                                                          for r in at},
            **{k: _mean([r.get(k) for r in at]) for k in AXES}}


def multiples(co_all: dict, ref: dict | None) -> dict:
    """{axis: multiple or None} of the compute-optimal curve against the reference point."""
    if ref is None:
        return {k: None for k in AXES}
    return {k: efficiency({b: (pt.get(k) if k != "generations" else b, pt["acc"]) for b, pt in co_all.items()},
                          ref["acc"], ref.get(k) if k != "generations" else ref["budget"]) for k in AXES}


def gaps(rows: list[dict], co_all: dict) -> dict:
    """{budget: {diff, lo, hi, n}}: compute-optimal at each budget minus best-of-N weighted at
    its largest budget, paired per problem (the interval here holds the choices fixed; the
    bootstrap's ``gap`` intervals redo the selection)."""
    from ..metrics import bootstrap_mean

    ref = reference_point(rows)
    if ref is None:
        return {}
    out = {}
    for b, pt in sorted(co_all.items()):
        diffs = [acc - ref["by_problem"][p] for p, acc in sorted(pt.get("by_problem", {}).items())
                 if p in ref["by_problem"]]
        if diffs:
            lo, hi = bootstrap_mean(diffs)
            out[b] = {"diff": sum(diffs) / len(diffs), "lo": lo, "hi": hi, "n": len(diffs)}
    return out


def bootstrap(rows: list[dict], bin_of: dict, resamples: int = RESAMPLES, splits: int = BOOT_SPLITS,
              seed: int = 0) -> dict:
    """Intervals that include the selection: problems redrawn with replacement inside their bins,
    the compute-optimal selection re-run on each resample. {"acc": {budget: (lo, hi)}, "gap":
    {budget: (lo, hi)}, "multiple": {axis: {"lo", "hi", "reached"}}} (95%)."""
    tabs = _tables(rows)
    ref_all = reference_point(rows)
    by_bin: dict = {}
    for pid, b in bin_of.items():
        by_bin.setdefault(b, []).append(pid)
    bins = {b: sorted(p) for b, p in by_bin.items()}
    prepared = {}   # (bin, budget) -> (configs, mats)
    for b_id, pids in bins.items():
        for budget in tabs:
            got = _bin_matrices(tabs[budget], pids)
            if got is not None:
                prepared[(b_id, budget)] = got
    budgets = sorted(bud for bud in tabs if all((b, bud) in prepared for b in bins))
    rng = np.random.default_rng(seed)
    accs: dict = {b: [] for b in budgets}
    gap: dict = {b: [] for b in budgets}
    mult: dict = {k: [] for k in AXES}
    for _ in range(resamples):
        draw = {b: rng.integers(0, len(p), size=len(p)) for b, p in bins.items()}
        co: dict = {}
        for budget in budgets:
            tot = {k: 0.0 for k in ("acc",) + AXES}
            ref_sum, count = 0.0, 0
            for b_id, pids in bins.items():
                configs, mats = prepared[(b_id, budget)]
                idx = draw[b_id]
                w = select(mats["acc"][:, idx], _tie_order(configs), splits, rng)
                for k in tot:
                    m = mats.get(k)
                    tot[k] = None if m is None or tot[k] is None else tot[k] + float((w * m[:, idx].T).sum())
                if ref_all is not None:
                    ref_sum += sum(ref_all["by_problem"].get(pids[i], 0.0) for i in idx)
                count += len(idx)
            co[budget] = {k: None if v is None else v / count for k, v in tot.items()}
            accs[budget].append(co[budget]["acc"])
            if ref_all is not None:
                gap[budget].append(co[budget]["acc"] - ref_sum / count)
        if ref_all is not None:
            ids = [bins[b][i] for b in bins for i in draw[b]]
            ref_rows = [r for r in rows if r["config"] == strategies.reference_config()
                        and r["budget"] == ref_all["budget"]]
            by_p = {r["problem_id"]: r for r in ref_rows}
            ref = {"budget": ref_all["budget"], "acc": sum(by_p[p]["acc"] for p in ids if p in by_p) / len(ids),
                   **{k: _mean([by_p[p].get(k) for p in ids if p in by_p]) for k in AXES}}
            for k, v in multiples(co, ref).items():
                mult[k].append(v)
    # a resample in which compute-optimal never reaches the reference has no efficiency at all:
    # it counts as a multiple of 0, so the lower end of the interval is never flattered
    return {"acc": {b: _interval(v) for b, v in accs.items()},
            "gap": {b: _interval(v) for b, v in gap.items() if v},
            "multiple": {k: {**dict(zip(("lo", "hi"), _interval([0.0 if x is None else x for x in v]))),
                             "reached": (sum(x is not None for x in v) / len(v)) if v else None}
                         for k, v in mult.items() if any(x is not None for x in v)}}


def _interval(values: list) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    lo, hi = np.quantile(np.asarray(values, dtype=float), [0.025, 0.975])
    return float(lo), float(hi)


__all__ = ["SPLITS", "RESAMPLES", "AXES", "compute_optimal", "efficiency", "multiples", "reference_point", "gaps",
           "bootstrap", "select"]
