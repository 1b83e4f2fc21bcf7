"""What a sweep can claim: paired comparisons with corrected p-values, and the paper's findings
each with a verdict.

* ``comparisons(rows, bins)``: in every difficulty bin and at every budget, each configuration
  against best-of-N weighted at the same budget, paired per problem: the mean difference, its
  95% bootstrap interval, and a two-sided p-value from a paired sign-flip permutation test;
  p-values adjusted by Holm's method over the whole family of per-bin comparisons (a claim about
  one bin is one of many looks).
* ``findings(rep)``: the paper's findings (Snell et al. 2024) as this sweep measures them, each a
  paired difference with its interval and one word: **reproduced** (the interval lies on the
  paper's side of no difference; for per-bin findings, Holm-adjusted p < 0.05), **not
  reproduced** (it lies on the other side), or **inconclusive** (it includes no difference).
  A claim that a rate is *about* a value (38% of right answers revised into wrong ones) is an
  equivalence test: reproduced only if the whole interval lies within ``NEAR_MARGIN`` of it.
"""
from __future__ import annotations

import numpy as np

from ..metrics import bootstrap, bootstrap_mean
from ..search import strategies

ALPHA = 0.05
PERMUTATIONS = 10_000
MULTIPLE_TOL = 1e-9          # how far from 1x a multiple must be to count as above or below it
PAPER_RIGHT_TO_WRONG = 0.38   # the paper's share of right answers its reviser turned wrong
NEAR_MARGIN = 0.10            # "about 38%": an interval inside 28-48% says the same thing


def sign_flip_p(diffs: list[float], permutations: int = PERMUTATIONS, seed: int = 0) -> float:
    """Two-sided p-value of a mean paired difference: the share of random sign flips of the
    per-problem differences whose mean is at least as far from 0 (plus one, so never 0)."""
    d = np.asarray(diffs, dtype=float)
    if not len(d) or not np.any(d):
        return 1.0
    obs = abs(d.mean())
    signs = np.random.default_rng(seed).choice([-1.0, 1.0], size=(permutations, len(d)))
    flipped = np.abs((signs * d).mean(axis=1))
    return float((np.sum(flipped >= obs - 1e-12) + 1) / (permutations + 1))


def holm(ps: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given."""
    m = len(ps)
    order = sorted(range(m), key=lambda i: ps[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * ps[i]))
        out[i] = running
    return out


def paired(rows: list[dict], a: str, b: str, budget_a: int, budget_b: int | None = None,
           problems=None) -> list[float]:
    """Per problem, configuration ``a`` at ``budget_a`` minus ``b`` at ``budget_b`` (default the
    same budget), over the problems that have both."""
    budget_b = budget_a if budget_b is None else budget_b
    va = {r["problem_id"]: r["acc"] for r in rows if r["config"] == a and r["budget"] == budget_a}
    vb = {r["problem_id"]: r["acc"] for r in rows if r["config"] == b and r["budget"] == budget_b}
    return [va[p] - vb[p] for p in sorted(va) if p in vb and (problems is None or p in problems)]


def _summary(diffs: list[float]) -> dict:
    lo, hi = bootstrap_mean(diffs)
    return {"diff": sum(diffs) / len(diffs), "lo": lo, "hi": hi, "n": len(diffs), "p": sign_flip_p(diffs)}


def comparisons(rows: list[dict], bin_of: dict) -> list[dict]:
    """Every configuration against the reference at the same budget, in every bin, Holm-adjusted."""
    ref = strategies.reference_config()
    bins: dict = {}
    for p, b in bin_of.items():
        bins.setdefault(b, set()).add(p)
    out = []
    budgets = sorted({r["budget"] for r in rows if r["config"] == ref})
    for b_id, members in sorted(bins.items(), key=lambda x: str(x[0])):
        for budget in budgets:
            for cfg in sorted({r["config"] for r in rows if r["budget"] == budget and r["config"] != ref}):
                diffs = paired(rows, cfg, ref, budget, problems=members)
                if len(diffs) >= 2:
                    out.append({"bin": b_id, "budget": budget, "config": cfg, "reference": ref, **_summary(diffs)})
    for c, p in zip(out, holm([c["p"] for c in out])):
        c["p_holm"] = p
    return out


def verdict(lo: float | None, hi: float | None, direction: int, p_holm: float | None = None) -> str:
    """reproduced / not reproduced / inconclusive for a difference the paper says is positive
    (``direction`` 1) or negative (-1); with ``p_holm``, "reproduced" also needs p_holm < ALPHA."""
    if lo is None or hi is None:
        return "inconclusive"
    lo, hi = (lo, hi) if direction > 0 else (-hi, -lo)
    if lo > 0 and (p_holm is None or p_holm < ALPHA):
        return "reproduced"
    if hi < 0 and (p_holm is None or p_holm < ALPHA):
        return "not reproduced"
    return "inconclusive"


def _config_of(rows: list[dict], strategy: str) -> str | None:
    """The first configuration of a strategy the paper names (its spec, looked up by name)."""
    spec = strategies.REGISTRY.get(strategy)
    return next((c for c in sorted({r["config"] for r in rows}) if spec and strategies.of_config(c) is spec), None)


def _near_verdict(lo: float | None, hi: float | None, value: float, margin: float) -> str:
    """A claim that a rate is *about* ``value``: reproduced only if the whole interval lies within
    ``margin`` of it (an equivalence test: a wide interval that merely holds the value carries no
    claim), not reproduced if the interval leaves the value out, else inconclusive."""
    if lo is None or hi is None:
        return "inconclusive"
    if hi < value or lo > value:
        return "not reproduced"
    return "reproduced" if value - margin <= lo and hi <= value + margin else "inconclusive"


def findings(rep: dict) -> list[dict]:
    """The paper's findings as this sweep measures them (see the module docstring)."""
    rows, out = rep["rows"], []
    ref = strategies.reference_config()
    pool_budgets = sorted({r["budget"] for r in rows if r["config"] == ref})
    if not pool_budgets:
        return out
    top = pool_budgets[-1]

    def add(name: str, paper: str, diffs: list[float], direction: int, p_holm=None, note: str = ""):
        if len(diffs) < 2:
            return
        s = _summary(diffs)
        out.append({"finding": name, "paper": paper, **s, "p_holm": p_holm, "note": note,
                    "verdict": verdict(s["lo"], s["hi"], direction, p_holm)})

    base = ref.rsplit(" ", 1)[0]
    add(f"weighted voting beats majority (best-of-N at {top})", "weighted > majority",
        paired(rows, ref, f"{base} majority", top), +1)
    add(f"weighted voting beats naive best-of-N (at {top})", "weighted > naive",
        paired(rows, ref, f"{base} naive", top), +1)
    comps = rep.get("comparisons", [])
    beam = _config_of(rows, "beam")
    bins = sorted({b for b in rep["bin_of"].values()}, key=str)
    if beam and bins:
        small = min((c["budget"] for c in comps if c["config"] == beam), default=None)
        large = max((c["budget"] for c in comps if c["config"] == beam), default=None)
        easy, medium = bins[0], bins[len(bins) // 2]
        for b_id, budget, direction, paper in ((medium, small, +1, "beam > best-of-N on medium questions at small "
                                                                     "budgets"),
                                               (easy, large, -1, "best-of-N >= beam on easy questions at large "
                                                                  "budgets")):
            c = next((c for c in comps if c["config"] == beam and c["bin"] == b_id and c["budget"] == budget), None)
            if c:
                add(f"{beam} minus best-of-N weighted, bin {b_id}, budget {budget}", paper,
                    paired(rows, beam, ref, budget, problems={p for p, x in rep["bin_of"].items() if x == b_id}),
                    direction, c["p_holm"], note=f"Holm over {len(comps)} per-bin comparisons")
    look = _config_of(rows, "lookahead")
    if beam and look:
        common = sorted({r["budget"] for r in rows if r["config"] == look} & {r["budget"] for r in rows
                                                                             if r["config"] == beam})
        if common:
            add(f"{look} minus {beam} at budget {common[-1]}", "lookahead < beam at equal budget",
                paired(rows, look, beam, common[-1]), -1)
    e = rep.get("efficiency", {})
    mult, iv = (e.get("multiple") or {}).get("generations"), (e.get("interval") or {}).get("generations") or {}
    if e.get("target"):
        lo, hi = iv.get("lo"), iv.get("hi")
        word = "inconclusive"
        # a multiple of 1 computed through means of costs can read 1 + 2e-16: that is 1, not a gain
        if lo is not None and lo > 1 + MULTIPLE_TOL:
            word = "reproduced"
        elif hi is not None and hi <= 1 + MULTIPLE_TOL:
            word = "not reproduced"
        out.append({"finding": "compute-optimal's efficiency multiple over best-of-N (generations)",
                    "paper": "up to 4x", "diff": mult, "lo": lo, "hi": hi, "reached": iv.get("reached"),
                    "n": len(rep["problems"]), "p": None,
                    "p_holm": None, "verdict": word, "note": "a multiple, not a difference: reproduced if its 95% "
                                                           "interval (selection included) lies above 1x, not "
                                                           "reproduced if it does not exceed 1x"})
    rev = [r for r in rows if "right_pairs" in r]
    if rev:
        rp, rw = sum(r["right_pairs"] for r in rev), sum(r["right_to_wrong"] for r in rev)
        if rp:
            per = {}
            for r in rev:
                per.setdefault(r["problem_id"], [0, 0])
                per[r["problem_id"]][0] += r["right_to_wrong"]
                per[r["problem_id"]][1] += r["right_pairs"]
            # the share pooled over every revised right attempt (as the paper counts it), its interval
            # from problems resampled with the same pooled statistic: a figure and its interval of
            # one estimator (a mean of per-problem rates once put 23% beside [30, 65])
            counts = [(k, n) for k, n in per.values() if n]

            def pooled(sample):
                total = sum(n for _, n in sample)
                return sum(k for k, _ in sample) / total if total else None

            lo, hi = bootstrap(counts, pooled)
            out.append({"finding": "share of right attempts revised into wrong ones", "paper": "about 38%",
                        "diff": rw / rp, "lo": lo, "hi": hi, "n": len(counts), "p": None, "p_holm": None,
                        "verdict": _near_verdict(lo, hi, PAPER_RIGHT_TO_WRONG, NEAR_MARGIN),
                        "note": f"reproduced if the interval lies within {NEAR_MARGIN:.0%} of 38%, not reproduced "
                                "if it leaves out 38%"})
    ratio = rep.get("ratios", {})
    if ratio and bins:
        # the paper: easier questions do best with revisions all sequential, harder ones with a mix.
        # The testable part, fixed before looking: in the easiest bin, all sequential (the longest
        # chain) minus all parallel (one attempt per chain) at the largest budget with both, paired.
        budget = max(ratio)
        seqs = {pts["config"]: q for b, per in ratio[budget].items() for q, pts in per.items()}
        by_seq = {q: c for c, q in seqs.items()}
        per_bin = {b: pts for b, pts in ratio[budget].items() if b != "all"}
        best = {b: max(pts, key=lambda q: (pts[q]["acc"], -q)) for b, pts in per_bin.items()}
        easy = bins[0]
        if len(by_seq) >= 2:
            lo_q, hi_q = min(by_seq), max(by_seq)
            add(f"revisions all sequential ({hi_q} attempts a chain) minus all parallel ({budget} chains), bin {easy}, "
                f"budget {budget}", "sequential > parallel on easy questions",
                paired(rows, by_seq[hi_q], by_seq[lo_q], budget,
                       problems={p for p, x in rep["bin_of"].items() if x == easy}), +1,
                note="best attempts per chain by bin (descriptive, not a test): " + ", ".join(
                    f"{b}: {q}" for b, q in sorted(best.items(), key=lambda x: str(x[0]))))
    return out


def findings_table(rows: list[dict]) -> str:
    """Markdown: finding, the paper's claim, here (difference and 95% interval), verdict."""
    def fmt(r):
        if "multiple" in r["finding"]:
            here = "not reached" if r["diff"] is None else f"{r['diff']:.1f}x"
            if r["lo"] is None:
                return here
            reached = f"; reached in {100 * r['reached']:.0f}% of resamples" if r.get("reached") is not None else ""
            return f"{here} [{r['lo']:.1f}, {r['hi']:.1f}{reached}]"
        if r["diff"] is None:
            return r.get("note", "")
        if "share of right" in r["finding"]:
            return f"{100 * r['diff']:.0f}% [{100 * r['lo']:.0f}, {100 * r['hi']:.0f}]"
        p = f", Holm p = {r['p_holm']:.2f}" if r.get("p_holm") is not None else ""
        return f"{100 * r['diff']:+.1f} points [{100 * r['lo']:+.1f}, {100 * r['hi']:+.1f}]{p}"

    lines = ["| finding | the paper | here (95% interval) | verdict |", "|---|---|---|---|"]
    lines += [f"| {r['finding']} | {r['paper']} | {fmt(r)} | {r['verdict']} |" for r in rows]
    return "\n".join(lines)


__all__ = ["comparisons", "findings", "findings_table", "holm", "sign_flip_p", "verdict", "paired"]
