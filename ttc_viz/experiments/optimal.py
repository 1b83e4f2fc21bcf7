"""The compute-optimal selector and what it buys (Snell et al. 2024, sec. 3.2).

* ``compute_optimal(rows, bins)``: for each difficulty bin and budget, the configuration with
  the best accuracy chosen by 2-fold cross-validation inside the bin (choose on one half of
  the bin's problems, score on the other, then swap), so the selector is never scored on the
  problems it chose on. The "all problems" curve combines the per-bin choices. Ties go to the
  cheaper family (the specs' order), then to the reference configuration (best-of-N weighted).
* ``efficiency(curve_all, co_all)``: the budget at which compute-optimal first matches
  best-of-N's (weighted) accuracy at the largest budget, as a ratio of budgets.
* ``gaps(rows, co_all)``: compute-optimal at each budget minus that reference, paired per
  problem, with a bootstrap interval: how sure the multiple is.

Rows are ``cells.rows_from_cells``' (one per problem, configuration and budget).
"""
from __future__ import annotations

from ..metrics import bootstrap_mean
from ..search import strategies


def _add(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a + b


def _table(rows: list[dict]) -> dict:
    """(problem, config, budget) -> row."""
    return {(r["problem_id"], r["config"], r["budget"]): r for r in rows}


def compute_optimal(rows: list[dict], bin_of: dict) -> dict:
    """{bin: {budget: {"acc", "choices": [config per fold], "n", cost...}}} plus bin "all"."""
    tab = _table(rows)
    reference = strategies.reference_config()  # a tie within the cheapest family goes to the paper's default
    budgets = sorted({r["budget"] for r in rows})
    configs = sorted({r["config"] for r in rows})
    by_bin: dict[int, list[str]] = {}
    for pid, b in bin_of.items():
        by_bin.setdefault(b, []).append(pid)
    out: dict = {}
    total: dict = {}
    by_problem: dict = {}  # budget -> {problem: the held-out accuracy of the choice made for it}
    for b_id, pids in sorted(by_bin.items()):
        pids = sorted(pids)
        folds = [pids[0::2], pids[1::2]]
        out[b_id] = {}
        for budget in budgets:
            cands = [c for c in configs if all((p, c, budget) in tab for p in pids)]
            if not cands:
                continue
            hits, choices, cost = [], [], {"generations": 0.0, "tokens": 0.0, "flops": 0.0}
            for f in (0, 1):
                train, test = folds[1 - f], folds[f]
                if not test:
                    continue
                ref = train or test  # a bin with one problem: nothing to hold out
                best = max(cands, key=lambda c: (sum(tab[(p, c, budget)]["acc"] for p in ref), -_cost_rank(c),
                                                 c == reference))
                choices.append(best)
                for p in test:
                    row = tab[(p, best, budget)]
                    hits.append(row["acc"])
                    by_problem.setdefault(budget, {})[p] = row["acc"]
                    for k in cost:
                        cost[k] = _add(cost[k], row[k])
            n = len(hits)
            lo, hi = bootstrap_mean(hits)
            out[b_id][budget] = {"acc": sum(hits) / n, "choices": choices, "n": n, "lo": lo, "hi": hi,
                                 **{k: None if v is None else v / n for k, v in cost.items()}}
            t = total.setdefault(budget, {"hits": [], "n": 0, "bins": 0, **{k: 0.0 for k in cost}})
            t["hits"] += hits
            t["n"] += n
            t["bins"] += 1
            for k in cost:
                t[k] = _add(t[k], cost[k])
    n_bins = len(by_bin)
    out["all"] = {b: {"acc": sum(t["hits"]) / t["n"], "n": t["n"],
                      **dict(zip(("lo", "hi"), bootstrap_mean(t["hits"]))), "generations": t["generations"] / t["n"],
                      "tokens": t["tokens"] / t["n"], "flops": None if t["flops"] is None else t["flops"] / t["n"],
                      "by_problem": by_problem[b]}
                  for b, t in sorted(total.items()) if t["bins"] == n_bins}
    return out


def gaps(rows: list[dict], co_all: dict) -> dict:
    """{budget: {diff, lo, hi, n}}: compute-optimal at each budget minus best-of-N weighted at
    its largest budget, paired per problem (one difference per problem, problems resampled for
    the 95% interval). The efficiency multiple says where the mean difference reaches 0; this
    says how sure that is."""
    ref = strategies.reference_config()
    largest = max((r["budget"] for r in rows if r["config"] == ref), default=None)
    if largest is None:
        return {}
    base = {r["problem_id"]: r["acc"] for r in rows if r["config"] == ref and r["budget"] == largest}
    out = {}
    for b, pt in sorted(co_all.items()):
        diffs = [acc - base[p] for p, acc in sorted(pt.get("by_problem", {}).items()) if p in base]
        if diffs:
            lo, hi = bootstrap_mean(diffs)
            out[b] = {"diff": sum(diffs) / len(diffs), "lo": lo, "hi": hi, "n": len(diffs)}
    return out


def _cost_rank(config: str) -> int:
    """Tie-break towards the cheaper family (the specs' order: best-of-N, beam, DVTS, lookahead)."""
    spec = strategies.of_config(config)
    return spec.order if spec else 999


def efficiency(curve_all: dict, co_all: dict) -> dict:
    """Budget at which compute-optimal first matches best-of-N weighted at its largest budget."""
    ref = curve_all.get(strategies.reference_config())
    if not ref or not co_all:
        return {"target": None, "budget": None, "largest": None, "multiple": None}
    largest = max(ref)
    target = ref[largest]["acc"]
    if target <= 0:  # matching 0% says nothing
        return {"target": target, "budget": None, "largest": largest, "multiple": None}
    hit = next((b for b in sorted(co_all) if co_all[b]["acc"] >= target - 1e-9), None)
    return {"target": target, "largest": largest, "budget": hit,
            "multiple": (largest / hit) if hit else None}
