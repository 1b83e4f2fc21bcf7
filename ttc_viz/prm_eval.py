"""How good is a verifier? (``ttc-viz eval-prm``)

On held-out synthetic problems (the *test* split, never used for training):

* **step-level AUROC** against fresh Monte Carlo labels: for the first ``mc_samples``
  sampled solutions of each problem, every non-final step is labelled by K rollouts
  (Math-Shepherd's hard estimate: 1 if any rollout reaches the right answer), the final
  step by the solution's own correctness; and the **final-step AUROC**: every sample's last
  score against its correctness (exact labels);
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

from .grading import extract_answer, grade
from .pools import pass_at_1, pool_accuracy
from .prm_data import _write_atomic, complete, hash_id
from .prm_train import auroc
from .problems import Problem, synthetic
from .scoring import VOTING_RULES


@dataclass
class EvalConfig:
    levels: tuple = (1, 2, 3)
    problems: int = 102           # in all, spread evenly over the levels
    n: int = 16
    mc_samples: int = 2           # solutions per problem whose steps get MC labels
    rollouts: int = 4             # K per step prefix
    temperature: float = 0.8
    resamples: int = 32
    seed: int = 0

    def check(self) -> None:
        if not self.levels or any(lv not in (1, 2, 3, 4, 5) for lv in self.levels):
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


def evaluate_problem(generator, verifiers: dict, p: Problem, cfg: EvalConfig) -> dict:
    seed = (cfg.seed * 1_000_003 + hash_id(p.id)) % (2**31 - 1)
    sols = generator.solutions(p.text, cfg.n, temperature=cfg.temperature, seed=seed)
    steps = [[s.text for s in sol] for sol in sols]
    samples = []
    for st in steps:
        ans = extract_answer(st[-1]) if st else None
        if ans is None and st:
            ans = extract_answer("\n\n".join(st))
        samples.append({"steps": st, "answer": ans, "correct": bool(ans is not None and grade(ans, p.answer))})
    scores = {name: v.score_batch(p.text, steps) for name, v in verifiers.items()}
    mc = []
    for i in range(min(cfg.mc_samples, len(steps))):
        st = steps[i]
        prefixes = [sols[i][:j] for j in range(1, len(st))]  # as the model wrote them (token ids)
        labels = []
        if prefixes:
            outs = complete(generator, p.text, prefixes, cfg.rollouts, temperature=cfg.temperature,
                            seed=seed * 31 + i + 1, max_steps=10)
            for j in range(len(prefixes)):
                runs = outs[j * cfg.rollouts:(j + 1) * cfg.rollouts]
                labels.append(sum(bool(grade("\n\n".join(r), p.answer)) for r in runs) / cfg.rollouts)
        labels.append(1.0 if samples[i]["correct"] else 0.0)
        mc.append({"sample": i, "labels": labels})
    return {"id": p.id, "level": p.level, "problem": p.text, "answer": p.answer, "samples": samples,
            "scores": scores, "mc": mc}


def run_eval(generator, verifiers: dict, cfg: EvalConfig, records: str | Path | None = None,
             progress=None) -> list[dict]:
    """One record per problem (cached in ``records`` when given, so reruns resume)."""
    cfg.check()
    folder = Path(records) if records else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "config.json"
        want = asdict(cfg)
        want.pop("problems")
        if meta.exists():
            old = json.loads(meta.read_text())
            if json.loads(json.dumps(want)) != old:
                raise ValueError(f"{folder} holds records made with other settings ({old}); use another folder")
        else:
            meta.write_text(json.dumps(want, indent=1))
    out = []
    probs = cfg.problem_list()
    t0 = time.perf_counter()
    for k, p in enumerate(probs):
        f = folder / f"{p.id}.json" if folder else None
        if f is not None and f.exists():
            rec = json.loads(f.read_text())
            missing = [v for v in verifiers if v not in rec["scores"]]
            if missing:  # a verifier added later: score the recorded samples, generate nothing
                steps = [s["steps"] for s in rec["samples"]]
                for v in missing:
                    rec["scores"][v] = verifiers[v].score_batch(rec["problem"], steps)
                _write_atomic(f, [json.dumps(rec)])
        else:
            rec = evaluate_problem(generator, verifiers, p, cfg)
            if f is not None:
                _write_atomic(f, [json.dumps(rec)])
        out.append(rec)
        if progress:
            progress(k + 1, len(probs), time.perf_counter() - t0)
    return out


def summarize(recs: list[dict], cfg: EvalConfig, verifiers=None) -> dict:
    """Per level and overall: pass@1, pass@N, AUROC and best-of-n curves for each verifier."""
    vnames = sorted(verifiers or {v for r in recs for v in r["scores"]})
    groups = {f"level {lv}": [r for r in recs if r["level"] == lv] for lv in sorted({r["level"] for r in recs})}
    groups["all"] = recs
    out = {"config": asdict(cfg), "verifiers": vnames, "groups": {}}
    for gname, rs in groups.items():
        if not rs:
            continue
        g = {"problems": len(rs),
             "pass@1": sum(pass_at_1([s["correct"] for s in r["samples"]]) for r in rs) / len(rs),
             f"pass@{cfg.n}": sum(any(s["correct"] for s in r["samples"]) for r in rs) / len(rs),
             "auroc": {}, "auroc_final": {}, "bon": {}}
        for v in vnames:
            ys, ss = [], []
            for r in rs:
                for m in r["mc"]:
                    ys += [int(x > 0) for x in m["labels"]]
                    ss += r["scores"][v][m["sample"]]
            g["auroc"][v] = auroc(ys, ss)
            # exact: the last step's score against the whole solution's correctness, every sample
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


def table(summary: dict) -> str:
    n = summary["config"]["n"]
    lines = [f"{'group':<9} {'probs':>5} {'pass@1':>7} {f'pass@{n}':>8}  {'verifier':<10} {'AUROC':>6} {'final':>6} "
             f"{f'naive@{n}':>9} {f'weighted@{n}':>11} {f'majority@{n}':>11}"]
    for gname, g in summary["groups"].items():
        for j, v in enumerate(summary["verifiers"]):
            a = g["auroc"][v]
            head = (f"{gname:<9} {g['problems']:>5} {g['pass@1']:>7.1%} {g[f'pass@{n}']:>8.1%}" if j == 0
                    else " " * 32)
            b = g["bon"][v]
            fa = g.get("auroc_final", {}).get(v)
            lines.append(f"{head}  {v:<10} {'  n/a' if a is None else f'{a:.3f}':>6} "
                         f"{'  n/a' if fa is None else f'{fa:.3f}':>6} {b['naive'][-1]:>9.1%} "
                         f"{b['weighted'][-1]:>11.1%} {b['majority'][-1]:>11.1%}")
    allg = summary["groups"].get("all")
    lines.append("AUROC: every step scored against fresh Monte Carlo labels (1 if any rollout from it reaches the "
                 "answer); final: the last step's score against the solution's correctness (exact), all samples.")
    if allg:
        lines.append("")
        lines.append("best-of-n on all problems (n = " + ", ".join(str(k) for k in _ticks(n)) + "):")
        for v in summary["verifiers"]:
            for rule in VOTING_RULES:
                pts = allg["bon"][v][rule]
                lines.append(f"  {v:<10} {rule:<9} " + "  ".join(f"{pts[k - 1]:.1%}" for k in _ticks(n)))
    return "\n".join(lines)


def _ticks(n: int) -> list[int]:
    t, k = [], 1
    while k < n:
        t.append(k)
        k *= 2
    return t + [n]
