"""What a sweep shows (``ttc-viz report``): curves, difficulty bins, the compute-optimal selector.

* ``curves(rows, problems)``: per strategy configuration and budget, mean accuracy over the
  problems, with its standard error across problems and a 95% bootstrap interval from
  resampling problems, and mean cost on every axis (generations, tokens, computed tokens,
  FLOPs, seconds).
* ``bins(rows, difficulty, kind)``: 5 quantile bins of problem difficulty, bin 1 the easiest:
  ``oracle`` (pass@1) or ``predicted`` (mean verifier score of the final answers) of each
  problem's **independent difficulty pool**, a sample no strategy is scored from; or ``level``
  (the synthetic level: no answers used).
* the compute-optimal selector (repeated random 2-fold cross-validation inside each bin), its
  efficiency multiple on every cost axis, paired gaps and bootstrap intervals that redo the
  selection (``optimal.py``); per-bin comparisons with Holm-adjusted p-values and the paper's
  findings with verdicts (``claims.py``).
* ``ratios(rows, bin_of)``: for configurations with a sequential:parallel ratio (sequential
  revisions: ``seq`` attempts per chain, budget/seq chains), accuracy by ratio at each budget
  that has two ratios or more, per bin. Each ratio is a configuration of its own
  (``revisions seq=4``), so the compute-optimal selector already chooses among ratios per bin.

``build(sweep_dir)`` reads a sweep (its cells, and the compact ``summary.json`` written by
``cells.write_summary`` for cells that are not there) and returns everything above as one dict.
Charging the difficulty estimate's cost to compute-optimal (``charge_difficulty``) is off by
default, as in the paper.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from ..metrics import bootstrap_mean
from .cells import BIN_KINDS
from .claims import comparisons, findings
from .optimal import AXES, RESAMPLES, SPLITS, bin_size_note, bootstrap, compute_optimal, gaps, multiples, reference_point
from .summary import results

N_BINS = 5
COSTS = ("generations", "tokens") + AXES[1:]


def bins(rows: list[dict], diff: dict, kind: str = "oracle", n_bins: int = N_BINS) -> dict:
    """problem id -> bin (1 = easiest). Quantile bins of an independent pool's difficulty (equal
    counts, ties kept in order of id), or the synthetic level."""
    if kind not in BIN_KINDS:
        raise ValueError(f"bin kind must be one of {', '.join(BIN_KINDS)}, got {kind!r}")
    problems = sorted({r["problem_id"] for r in rows})
    if kind == "level":
        level = {r["problem_id"]: r.get("level") for r in rows}
        return {p: level[p] if isinstance(level[p], int) else 0 for p in problems}
    if not diff:
        raise ValueError("this sweep has no independent difficulty pool (it was made without "
                         "--difficulty-pool), and bins must not come from the pool a strategy is scored from; "
                         "use bins by level")
    missing = [p for p in problems if p not in diff]
    if missing:
        raise ValueError(f"{len(missing)} problems have no difficulty pool yet (e.g. {missing[0]}); "
                         "finish the sweep or use bins by level")
    ids = sorted(problems, key=lambda p: (-diff[p][kind], p))
    return {pid: min(n_bins, 1 + j * n_bins // max(1, len(ids))) for j, pid in enumerate(ids)}


def curves(rows: list[dict], problems: set | None = None) -> dict:
    """{config: {budget: {acc, se, n, lo, hi, costs...}}} over ``problems``
    (lo, hi: 95% bootstrap interval of the accuracy, problems resampled)."""
    acc: dict = {}
    for r in rows:
        if problems is not None and r["problem_id"] not in problems:
            continue
        acc.setdefault(r["config"], {}).setdefault(r["budget"], []).append(r)
    out = {}
    for cfg, per_b in acc.items():
        out[cfg] = {}
        for b, rs in sorted(per_b.items()):
            rs = sorted(rs, key=lambda r: r["problem_id"])   # sums in one order: the same floats every time
            xs = [r["acc"] for r in rs]
            mean = sum(xs) / len(xs)
            var = sum((x - mean) ** 2 for x in xs) / max(1, len(xs) - 1)
            lo, hi = bootstrap_mean(xs)
            out[cfg][b] = {"acc": mean, "se": math.sqrt(var / len(xs)) if len(xs) > 1 else 0.0, "n": len(xs),
                           "lo": lo, "hi": hi, **{k: _mean_or_none([r.get(k) for r in rs]) for k in COSTS}}
    return out


def _mean_or_none(xs: list) -> float | None:
    """The mean, or None when any value is unknown (FLOPs of a model with no parameter count)."""
    return None if any(x is None for x in xs) else sum(xs) / len(xs)


def ratios(rows: list[dict], bin_of: dict) -> dict:
    """{budget: {bin: {seq: {acc, se, n, config, chains}}}} for the rows with a ``seq``, at the
    budgets where two ratios or more ran; bins 1.. and "all"."""
    seq_rows = [r for r in rows if r.get("seq") is not None]
    groups: dict = {"all": None}
    for pid, b in sorted(bin_of.items(), key=lambda x: x[1]):
        groups.setdefault(b, set()).add(pid)
    out: dict = {}
    for budget in sorted({r["budget"] for r in seq_rows}):
        here = [r for r in seq_rows if r["budget"] == budget]
        seq_of = {r["config"]: r["seq"] for r in here}
        if len(set(seq_of.values())) < 2:
            continue
        out[budget] = {}
        for b, pids in groups.items():
            c = curves(here, pids)
            if c:
                out[budget][b] = {seq_of[cfg]: {**pts[budget], "config": cfg, "chains": budget // seq_of[cfg]}
                                  for cfg, pts in sorted(c.items(), key=lambda x: seq_of[x[0]])}
    return out


def build(sweep_dir: str | Path, bin_kind: str | None = None, *, charge_difficulty: bool = False,
          splits: int = SPLITS, resamples: int = RESAMPLES) -> dict:
    """Everything the report and the app's curves page show, from one sweep folder. ``bin_kind``
    None: oracle bins where the sweep has independent difficulty pools, else bins by level.
    A damaged or foreign folder is a ValueError saying which file, never a traceback."""
    if bin_kind is not None and bin_kind not in BIN_KINDS:
        raise ValueError(f"bin kind must be one of {', '.join(BIN_KINDS)}, got {bin_kind!r}")
    d = Path(sweep_dir)
    try:
        return _build(d, bin_kind, charge_difficulty, splits, resamples)
    except (KeyError, TypeError, AttributeError, IndexError, ZeroDivisionError, RecursionError) as e:
        # every field is checked on reading; this is the net under those checks
        raise ValueError(f"{d} holds malformed sweep results ({type(e).__name__}: {str(e)[:80]})") from None


def _build(d: Path, bin_kind: str, charge: bool, splits: int, resamples: int) -> dict:
    meta, rows, diff, n_cells = results(d)
    if not rows:
        raise ValueError(f"{d} has no finished cells yet")
    bin_kind = bin_kind or ("oracle" if diff else "level")
    problems = sorted({r["problem_id"] for r in rows})
    bin_of = bins(rows, diff, bin_kind)
    per_bin = {b: {p for p, x in bin_of.items() if x == b} for b in sorted(set(bin_of.values()))}
    co = compute_optimal(rows, bin_of, splits=splits)
    charged = charge and bin_kind != "level" and bool(diff)
    if charged:   # each problem's difficulty pool paid for too (the paper does not)
        extra = {k: _mean_or_none([diff[p].get(k) for p in problems]) for k in AXES}
        for per in co.values():
            for pt in per.values():
                for k, v in extra.items():
                    pt[k] = None if pt.get(k) is None or v is None else pt[k] + v
    curve_all = curves(rows)
    ref = reference_point(rows)
    boot = bootstrap(rows, bin_of, resamples=resamples) if resamples else {}
    trees = {f.stem for f in (d / "cells").glob("*.json")} if (d / "cells").is_dir() else set()
    rep = {"meta": meta, "rows": rows, "difficulty": diff, "cells": n_cells, "trees": trees, "problems": problems,
           "bin_kind": bin_kind, "bin_of": bin_of, "charged_difficulty": charged,
           "curves": {"all": curve_all, **{b: curves(rows, ps) for b, ps in per_bin.items()}},
           "compute_optimal": co,
           "efficiency": {"target": ref["acc"] if ref else None, "largest": ref["budget"] if ref else None,
                          "multiple": multiples(co.get("all", {}), ref),
                          "interval": boot.get("multiple", {}), "gaps": gaps(rows, co.get("all", {})),
                          "gap_intervals": boot.get("gap", {}), "acc_intervals": boot.get("acc", {})},
           "ratios": ratios(rows, bin_of), "comparisons": comparisons(rows, bin_of)}
    rep["findings"] = findings(rep)
    return rep


def _natural(name: str) -> list:
    """Sort key that reads numbers as numbers: "revisions seq=2" before "revisions seq=16"."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]


def text_report(rep: dict) -> str:
    meta, cfg = rep["meta"], rep["meta"]["config"]
    budgets = sorted({r["budget"] for r in rep["rows"]})
    # the label column fits the longest configuration name (MCTS names its parameters)
    w = max([24] + [len(str(r["config"])) + 1 for r in rep["rows"]])
    lines = [f"sweep: {len(rep['problems'])} problems, {rep['cells']} cells; generator {meta.get('generator')}, "
             f"verifier {meta.get('verifier')}; dataset {cfg['dataset']}"]

    def block(title: str, curve: dict, co: dict | None):
        lines.append("")
        lines.append(title)
        lines.append(f"  {'strategy':<{w}}" + "".join(f"{b:>7}" for b in budgets))
        for name in sorted(curve, key=_natural):
            lines.append(f"  {name:<{w}}" + "".join(
                f"{curve[name][b]['acc']:>7.1%}" if b in curve[name] else f"{'':>7}" for b in budgets))
        if co is not None:
            lines.append(f"  {'compute-optimal':<{w}}" + "".join(
                f"{co[b]['acc']:>7.1%}" if b in co else f"{'':>7}" for b in budgets))

    block("accuracy by strategy and budget, all problems (budget = generations):",
          rep["curves"]["all"], rep["compute_optimal"].get("all"))
    lines.append("")
    lines.append("95% intervals of those (bootstrap, problems resampled):")
    lines.append(f"  {'strategy':<{w}}" + "".join(f"{b:>10}" for b in budgets))
    co_all = rep["compute_optimal"].get("all") or {}
    for name, curve in [*sorted(rep["curves"]["all"].items(), key=lambda kv: _natural(kv[0])),
                        ("compute-optimal", co_all)]:
        if curve:
            lines.append(f"  {name:<{w}}" + "".join(f"{_span(curve.get(b)):>10}" for b in budgets))
    for b in sorted(k for k in rep["curves"] if k != "all"):
        members = [p for p, x in rep["bin_of"].items() if x == b]
        # oracle and predicted bins name their statistic's range; bins by level have none
        stat = [rep["difficulty"][p][rep["bin_kind"]] for p in members
                if rep["bin_kind"] in rep["difficulty"].get(p, {})]
        rng = f", {rep['bin_kind']} {min(stat):.2f}-{max(stat):.2f}" if stat else ""
        block(f"bin {b} ({len(members)} problems{rng}; 1 = easiest):", rep["curves"][b],
              rep["compute_optimal"].get(b))
    for budget, per_bin in rep.get("ratios", {}).items():
        seqs = sorted({q for pts in per_bin.values() for q in pts})
        lines.append("")
        lines.append(f"sequential : parallel at budget {budget} (attempts per chain : chains), accuracy:")
        lines.append(f"  {'bin':<{w}}" + "".join(f"{f'{q}:{budget // q}':>7}" for q in seqs))
        for b, pts in per_bin.items():
            name = "all problems" if b == "all" else f"bin {b}"
            lines.append(f"  {name:<{w}}" + "".join(f"{pts[q]['acc']:>7.1%}" if q in pts else f"{'':>7}" for q in seqs))
    e = rep["efficiency"]
    lines.append("")
    note = bin_size_note(rep["bin_of"])
    if note:
        lines.append(f"note: {note}")
    how = (f"{rep['bin_kind']} bins, repeated 2-fold cross-validation inside each bin"
           + (", the difficulty pool's cost charged" if rep.get("charged_difficulty") else
              ", the difficulty estimate's cost not charged (as in the paper)"))
    if e["target"] is None:
        lines.append("efficiency multiple: n/a (the sweep has no best-of-N cells)")
    elif e["target"] <= 0:
        lines.append("efficiency multiple: n/a (best-of-N weighted gets nothing right at its largest budget)")
    else:
        lines.append(f"efficiency multiple of compute-optimal ({how}) against best-of-N weighted at budget "
                     f"{e['largest']} ({e['target']:.1%}), interpolated on the log cost axis "
                     "[95% interval, selection redone in every bootstrap resample]:")
        for axis, m in e["multiple"].items():
            iv = e.get("interval", {}).get(axis) or {}
            span = (f" [{iv['lo']:.1f}x, {iv['hi']:.1f}x; reached in {100 * iv['reached']:.0f}% of resamples]"
                    if iv.get("lo") is not None else "")
            lines.append(f"  {axis:<12} " + ("not reached" if m is None else f"{m:.1f}x") + span)
    if e.get("gaps"):
        lines.append(f"compute-optimal minus best-of-N weighted at budget {e['largest']}, paired per problem "
                     "(95% interval with the selection redone):")
        lines.append("  " + "   ".join(
            f"{b}: {100 * g['diff']:+.1f} [{_pts(e.get('gap_intervals', {}).get(b))}]" for b, g in e["gaps"].items()))
    comps = [c for c in rep.get("comparisons", []) if c["p_holm"] < 0.05]
    lines.append("")
    lines.append(f"per-bin comparisons with best-of-N weighted at the same budget: {len(rep.get('comparisons', []))}; "
                 f"{len(comps)} hold after Holm's correction (p < 0.05)"
                 + (":" if comps else ""))
    for c in comps:
        lines.append(f"  bin {c['bin']}, budget {c['budget']}, {c['config']}: {100 * c['diff']:+.1f} points "
                     f"[{100 * c['lo']:+.1f}, {100 * c['hi']:+.1f}], Holm p = {c['p_holm']:.3f}")
    if rep.get("findings"):
        from .claims import findings_table

        lines += ["", "the paper's findings, as this sweep measures them:", findings_table(rep["findings"])]
    return "\n".join(lines)


def _pts(iv) -> str:
    if not iv or iv[0] is None:
        return "n/a"
    return f"{100 * iv[0]:+.1f}, {100 * iv[1]:+.1f}"


def _span(pt: dict | None) -> str:
    return "" if not pt or pt.get("lo") is None else f"{100 * pt['lo']:.0f}-{100 * pt['hi']:.0f}%"


def json_report(rep: dict) -> dict:
    """The report without per-problem rows, with string keys (JSON)."""
    def keys(d):
        return {str(k): (keys(v) if isinstance(v, dict) else v) for k, v in d.items()}

    return {"meta": rep["meta"], "problems": len(rep["problems"]), "cells": rep["cells"], "bin_kind": rep["bin_kind"],
            "charged_difficulty": rep.get("charged_difficulty", False),
            "bins": rep["bin_of"], "curves": keys(rep["curves"]), "compute_optimal": keys(rep["compute_optimal"]),
            "efficiency": keys(rep["efficiency"]), "ratios": keys(rep.get("ratios", {})),
            "comparisons": rep.get("comparisons", []), "findings": rep.get("findings", [])}
