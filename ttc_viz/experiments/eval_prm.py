"""How good is a verifier? (``ttc-viz eval-prm``)

On held-out synthetic problems (the *test* split, never used for training), measured the
way search uses a verifier (it only ever compares candidates of one problem):

* **within-problem final AUROC** (the headline): in each problem with both right and wrong
  samples, the last step's score against the sample's correctness; averaged over those
  problems, with a 95% bootstrap interval over problems;
* **step AUROC against exact labels**: every step prefix against the answer key's label
  (``verifiers/oracle.py``: on track or not), and the same for first steps alone (79% of the
  embedded model's wrong solutions go wrong in step 1); pooled within the group;
* secondary: the pooled final-step AUROC, and a step AUROC against Monte Carlo labels for
  the first ``mc_samples`` samples of each problem (K rollouts from each step prefix,
  Math-Shepherd's hard estimate: 1 if any rollout reaches the answer; off by default: noisy
  with a weak generator and slow);
* **best-of-n accuracy** for n = 1..N from one pool of N samples per problem, with the
  naive, PRM-weighted and majority rules (``pools.pool_accuracy``), per level.

Every verifier named is scored on the same samples, so the learned PRM's numbers sit beside
the exact symbolic checker's. With ``records`` set, each problem's samples, scores and labels
are written to one file as soon as they exist, and a rerun skips finished problems; a
verifier named later is scored on the recorded samples without generating anything.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

from ..grading import extract_answer, grade
from ..io import write_atomic
from ..lm.base import Generator, join_steps
from ..metrics import auroc, bootstrap, interval_text, within_problem_auroc
from ..problems import LEVELS, Problem, synthetic
from ..scoring import VOTING_RULES
from ..seeds import derive, hash_id
from ..train.prm_data import mc_labels
from ..verifiers.base import Verifier
from ..verifiers.oracle import chain_of, step_labels
from .pools import pass_at_1, pool_accuracy


@dataclass
class EvalConfig:
    levels: tuple = (1, 2, 3)
    problems: int = 102           # in all, spread evenly over the levels
    n: int = 16
    mc_samples: int = 0           # solutions per problem whose steps get MC labels (secondary)
    rollouts: int = 4             # K per step prefix
    temperature: float = 0.8
    resamples: int = 32           # subsamples per best-of-n point
    bootstrap: int = 500          # problem resamples per interval
    seed: int = 0

    def check(self) -> None:
        if not self.levels or any(lv not in LEVELS for lv in self.levels):
            raise ValueError(f"levels must be within 1-5, got {self.levels}")
        if not 1 <= self.problems <= 10_000:
            raise ValueError(f"problems must be 1-10000, got {self.problems}")
        if not 1 <= self.n <= 256:
            raise ValueError(f"N must be 1-256, got {self.n}")
        if not 0 <= self.mc_samples <= self.n:
            raise ValueError(f"mc samples must be 0-N, got {self.mc_samples}")
        if not 1 <= self.rollouts <= 64:
            raise ValueError(f"rollouts must be 1-64, got {self.rollouts}")

    def problem_list(self) -> list[Problem]:
        per, extra = divmod(self.problems, len(self.levels))
        out = []
        for j, lv in enumerate(self.levels):
            out += [synthetic(lv, i, split="test") for i in range(per + (j < extra))]
        return out


def evaluate_problem(generator: Generator, verifiers: dict[str, Verifier], p: Problem, cfg: EvalConfig) -> dict:
    seed = derive(cfg.seed, hash_id(p.id))
    sols = generator.solutions(p.text, cfg.n, temperature=cfg.temperature, seed=seed)
    steps = [[s.text for s in sol] for sol in sols]
    samples = []
    for st in steps:
        ans = extract_answer(st[-1]) if st else None
        if ans is None and st:
            ans = extract_answer(join_steps(st))
        samples.append({"steps": st, "answer": ans, "correct": bool(ans is not None and grade(ans, p.answer))})
    scores = {name: v.score_batch(p.text, steps) for name, v in verifiers.items()}
    mc = []
    for i in range(min(cfg.mc_samples, len(steps))):
        labels = mc_labels(generator, p, sols[i], i, rollouts=cfg.rollouts, temperature=cfg.temperature, seed=seed,
                           max_steps=10)
        labels.append(1.0 if samples[i]["correct"] else 0.0)
        mc.append({"sample": i, "labels": labels})
    return {"id": p.id, "level": p.level, "problem": p.text, "answer": p.answer, "samples": samples,
            "scores": scores, "mc": mc}


def _weights(model) -> dict | None:
    """What identifies a model's weights (SHA-256 of its files, where it records them)."""
    w = getattr(model, "weights", None)
    return dict(w) if isinstance(w, dict) else None


def run_eval(generator: Generator, verifiers: dict[str, Verifier], cfg: EvalConfig, records: str | Path | None = None,
             progress=None) -> list[dict]:
    """One record per problem (cached in ``records`` when given, so reruns resume)."""
    cfg.check()
    folder = Path(records) if records else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "config.json"
        # what the samples depend on (not the problem count, nor summary-only settings)
        summary_only = ("problems", "resamples", "bootstrap")
        want = {k: v for k, v in asdict(cfg).items() if k not in summary_only}
        if meta.exists():
            old = {k: v for k, v in json.loads(meta.read_text()).items() if k not in summary_only}
            if json.loads(json.dumps(want)) != old:
                raise ValueError(f"{folder} holds records made with other settings ({old}); use another folder")
        else:
            write_atomic(meta, json.dumps(want, indent=1))
    out = []
    probs = cfg.problem_list()
    t0 = time.perf_counter()
    for k, p in enumerate(probs):
        f = folder / f"{p.id}.json" if folder else None
        if f is not None and f.exists():
            rec = json.loads(f.read_text())
            made_by = rec.setdefault("weights", {})
            # a verifier added later, or one whose weights changed since (a retrained PRM keeps its
            # name): score the recorded samples again, generate nothing
            missing = [v for v in verifiers if v not in rec["scores"] or made_by.get(v) != _weights(verifiers[v])]
            if missing:
                steps = [s["steps"] for s in rec["samples"]]
                for v in missing:
                    rec["scores"][v] = verifiers[v].score_batch(rec["problem"], steps)
                    made_by[v] = _weights(verifiers[v])
                write_atomic(f, json.dumps(rec) + "\n")
        else:
            rec = evaluate_problem(generator, verifiers, p, cfg)
            rec["weights"] = {v: _weights(verifiers[v]) for v in verifiers}
            if f is not None:
                write_atomic(f, json.dumps(rec) + "\n")
        out.append(rec)
        if progress:
            progress(k + 1, len(probs), time.perf_counter() - t0)
    return out


def _oracle_labels(rec: dict) -> list[list[int]]:
    """Exact per-step labels of a record's samples (computed, not stored: ~40 µs a step)."""
    chain = chain_of(rec["problem"])
    if chain is None:
        return [[] for _ in rec["samples"]]
    return [[int(x) for x in step_labels(chain, smp["steps"])] for smp in rec["samples"]]


def _within(rs: list[dict], v: str) -> float | None:
    return within_problem_auroc([([int(s["correct"]) for s, sc in zip(r["samples"], r["scores"][v]) if sc],
                                  [sc[-1] for sc in r["scores"][v] if sc]) for r in rs])[0]


def _pooled_steps(rs: list[dict], v: str, first_only: bool = False) -> float | None:
    ys, ss = [], []
    for r in rs:
        for labels, sc in zip(r["_oracle"], r["scores"][v]):
            k = min(len(labels), len(sc), 1 if first_only else len(sc))
            ys += labels[:k]
            ss += sc[:k]
    return auroc(ys, ss)


def _with_interval(rs: list[dict], stat, cfg: "EvalConfig") -> dict:
    lo, hi = bootstrap(rs, stat, resamples=cfg.bootstrap, seed=cfg.seed)
    return {"value": stat(rs), "lo": lo, "hi": hi}


def summarize(recs: list[dict], cfg: EvalConfig, verifiers: Iterable[str] | None = None) -> dict:
    """Per level and overall: pass@1, pass@N, AUROCs (with intervals) and best-of-n curves."""
    vnames = sorted(verifiers or {v for r in recs for v in r["scores"]})
    recs = [dict(r, _oracle=_oracle_labels(r)) for r in recs]
    groups = {f"level {lv}": [r for r in recs if r["level"] == lv] for lv in sorted({r["level"] for r in recs})}
    groups["all"] = recs
    out = {"config": asdict(cfg), "verifiers": vnames, "groups": {}}
    for gname, rs in groups.items():
        if not rs:
            continue
        both = sum(1 for r in rs if len({s["correct"] for s in r["samples"]}) == 2)
        g = {"problems": len(rs), "problems_with_both": both,
             "pass@1": sum(pass_at_1([s["correct"] for s in r["samples"]]) for r in rs) / len(rs),
             f"pass@{cfg.n}": sum(any(s["correct"] for s in r["samples"]) for r in rs) / len(rs),
             "auroc_within": {}, "auroc_steps": {}, "auroc_step1": {},
             "auroc": {}, "auroc_final": {}, "bon": {}}
        for v in vnames:
            g["auroc_within"][v] = _with_interval(rs, lambda x, v=v: _within(x, v), cfg)
            g["auroc_steps"][v] = _with_interval(rs, lambda x, v=v: _pooled_steps(x, v), cfg)
            g["auroc_step1"][v] = _with_interval(rs, lambda x, v=v: _pooled_steps(x, v, True), cfg)
            ys, ss = [], []
            for r in rs:
                for m in r["mc"]:
                    ys += [int(x > 0) for x in m["labels"]]
                    ss += r["scores"][v][m["sample"]]
            g["auroc"][v] = auroc(ys, ss)  # against MC labels (secondary)
            # pooled: the last step's score against the whole solution's correctness, every sample
            fy = [int(smp["correct"]) for r in rs for smp, sc in zip(r["samples"], r["scores"][v]) if sc]
            fs = [sc[-1] for r in rs for sc in r["scores"][v] if sc]
            g["auroc_final"][v] = auroc(fy, fs)
            curves = {}
            for rule in VOTING_RULES:
                pts = []
                for n in range(1, cfg.n + 1):
                    acc = [pool_accuracy([s["answer"] for s in r["samples"]],
                                         [sc[-1] if sc else 0.0 for sc in r["scores"][v]],
                                         [s["correct"] for s in r["samples"]], n, rule, cfg.resamples, cfg.seed)[0]
                           for r in rs]
                    pts.append(sum(acc) / len(acc))
                curves[rule] = pts
            g["bon"][v] = curves
        out["groups"][gname] = g
    return out


def _ci(d: dict | None) -> str:
    d = d or {}
    return interval_text(d.get("value"), d.get("lo"), d.get("hi"), missing="n/a")


def table(summary: dict) -> str:
    n = summary["config"]["n"]
    lines = [f"{'group':<9} {'probs':>5} {'both':>4} {'pass@1':>7} {f'pass@{n}':>8}  {'verifier':<11} "
             f"{'within-problem AUROC':>22} {'step AUROC':>22} {'step-1 AUROC':>22} {'MC':>5} "
             f"{f'naive@{n}':>9} {f'weighted@{n}':>11} {f'majority@{n}':>11}"]
    for gname, g in summary["groups"].items():
        for j, v in enumerate(summary["verifiers"]):
            a = g["auroc"][v]
            head = (f"{gname:<9} {g['problems']:>5} {g.get('problems_with_both', 0):>4} {g['pass@1']:>7.1%} "
                    f"{g[f'pass@{n}']:>8.1%}" if j == 0 else " " * 37)
            b = g["bon"][v]
            lines.append(f"{head}  {v:<11} {_ci(g.get('auroc_within', {}).get(v)):>22} "
                         f"{_ci(g.get('auroc_steps', {}).get(v)):>22} {_ci(g.get('auroc_step1', {}).get(v)):>22} "
                         f"{'n/a' if a is None else f'{a:.2f}':>5} {b['naive'][-1]:>9.1%} "
                         f"{b['weighted'][-1]:>11.1%} {b['majority'][-1]:>11.1%}")
    allg = summary["groups"].get("all")
    lines.append("within-problem AUROC: last-step score vs the sample's correctness inside each problem that has "
                 "right and wrong samples ('both'), averaged; step AUROC: every step prefix vs the answer key's exact "
                 "label (step-1: first steps only); [95% bootstrap interval over problems]; MC: steps vs Monte Carlo "
                 "labels (secondary, --mc-samples).")
    if allg:
        lines.append("")
        lines.append("best-of-n on all problems (n = " + ", ".join(str(k) for k in _ticks(n)) + "):")
        for v in summary["verifiers"]:
            for rule in VOTING_RULES:
                pts = allg["bon"][v][rule]
                lines.append(f"  {v:<11} {rule:<9} " + "  ".join(f"{pts[k - 1]:.1%}" for k in _ticks(n)))
    return "\n".join(lines)


def _ticks(n: int) -> list[int]:
    t, k = [], 1
    while k < n:
        t.append(k)
        k *= 2
    return t + [n]
