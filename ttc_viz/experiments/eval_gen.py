"""How well does a generator solve problems on its own? (``ttc-viz eval-gen``)

For every problem of a set (synthetic levels, or a JSONL file: the classroom set, GSM8K's test
split), N whole solutions sampled at the search temperature, each graded against the answer.
Reported per group (a synthetic level, a classroom kind, or the file) and over all, each with a
95% bootstrap interval over problems:

* **pass@1**: the share of samples that are right (the mean over problems of each problem's
  share), and **pass@N**: the share of problems with at least one right sample;
* **shows its work**: the share of samples that write at least one equation (``a op b = c``,
  read by the symbolic checker) before the step that states the answer;
* **mean steps** per sample.

Records (one file per problem) are written as they are made; a rerun with the same settings
resumes, and a different setting is refused rather than mixed in.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..grading import extract_answer, grade
from ..io import write_atomic
from ..lm.base import Generator, join_steps
from ..metrics import bootstrap_mean
from ..problems import LEVELS, Problem, load_jsonl, synthetic
from ..seeds import derive, hash_id
from ..verifiers.symbolic import check_step

FORMAT = "ttc-viz-eval-gen-v1"


@dataclass
class GenEvalConfig:
    dataset: str = "synthetic"   # "synthetic" or a JSONL file of problems with answers
    levels: tuple = LEVELS       # synthetic only
    problems: int = 30           # per level (synthetic), or the first P of the file (0: all)
    n: int = 16
    temperature: float = 0.8
    seed: int = 0

    def check(self) -> None:
        if not 1 <= self.n <= 256:
            raise ValueError(f"N must be 1-256, got {self.n}")
        if not 0 <= self.problems <= 100_000:
            raise ValueError(f"problems must be 0-100000, got {self.problems}")
        if self.dataset == "synthetic" and (not self.levels or any(lv not in LEVELS for lv in self.levels)):
            raise ValueError(f"levels must be within 1-5, got {self.levels}")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise ValueError(f"temperature must be between 0 and 2, got {self.temperature!r}")

    def problem_list(self) -> list[Problem]:
        if self.dataset == "synthetic":
            return [synthetic(lv, i, split="test") for lv in self.levels for i in range(self.problems or 30)]
        probs = [p for p in load_jsonl(self.dataset, limit=self.problems or None) if p.answer is not None]
        return probs


def shows_work(steps: list[str]) -> bool:
    """At least one true-or-false equation (``a op b = c``) before the step that states the answer."""
    body = steps[:-1] if steps else []
    return any(sum(check_step(s)) > 0 for s in body)


def group_of(p: Problem) -> str:
    if p.level is not None and p.source.startswith("synthetic"):
        return f"level {p.level}"
    return p.meta.get("kind") or p.meta.get("subject") or "all"


def evaluate(generator: Generator, p: Problem, cfg: GenEvalConfig) -> dict:
    sols = generator.solutions(p.text, cfg.n, temperature=cfg.temperature, seed=derive(cfg.seed, hash_id(p.id)))
    samples = []
    for sol in sols:
        steps = [s.text for s in sol]
        ans = extract_answer(steps[-1]) if steps else None
        if ans is None and steps:
            ans = extract_answer(join_steps(steps))
        samples.append({"steps": steps, "answer": ans, "correct": bool(ans is not None and grade(ans, p.answer)),
                        "shows_work": shows_work(steps), "tokens": sum(s.tokens for s in sol)})
    return {"format": FORMAT, "id": p.id, "group": group_of(p), "problem": p.text, "answer": p.answer,
            "samples": samples}


def run_eval(generator: Generator, cfg: GenEvalConfig, records: str | Path | None = None, progress=None,
             problems: list[Problem] | None = None) -> list[dict]:
    """One record per problem; with ``records``, kept on disk and resumed."""
    cfg.check()
    probs = problems if problems is not None else cfg.problem_list()
    folder = Path(records) if records else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
        meta = folder / "config.json"
        want = json.loads(json.dumps({k: v for k, v in asdict(cfg).items() if k != "problems"}))
        want["generator"] = getattr(generator, "name", "?")
        if meta.exists():
            old = json.loads(meta.read_text())
            if old != want:
                raise ValueError(f"{folder} holds records made with other settings ({old}); use another folder")
        else:
            write_atomic(meta, json.dumps(want, indent=1))
    out = []
    t0 = time.perf_counter()
    for k, p in enumerate(probs):
        f = folder / f"{_safe(p.id)}.json" if folder else None
        if f is not None and f.exists():
            rec = json.loads(f.read_text())
        else:
            rec = evaluate(generator, p, cfg)
            if f is not None:
                write_atomic(f, json.dumps(rec) + "\n")
        out.append(rec)
        if progress:
            progress(k + 1, len(probs), time.perf_counter() - t0)
    return out


def _safe(pid: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in pid)[:150] or "problem"


def _stat(values: list[float]) -> dict:
    lo, hi = bootstrap_mean(values)
    return {"value": sum(values) / len(values), "lo": lo, "hi": hi}


def summarize(recs: list[dict], n: int) -> dict:
    """{group: {problems, pass@1, pass@N, shows_work, mean_steps}} plus "all"."""
    groups: dict = {}
    for r in recs:
        groups.setdefault(r["group"], []).append(r)
    groups = dict(sorted(groups.items()))
    groups["all"] = recs
    out = {}
    for name, rs in groups.items():
        out[name] = {
            "problems": len(rs),
            "pass@1": _stat([sum(s["correct"] for s in r["samples"]) / len(r["samples"]) for r in rs]),
            f"pass@{n}": _stat([float(any(s["correct"] for s in r["samples"])) for r in rs]),
            "shows_work": _stat([sum(s["shows_work"] for s in r["samples"]) / len(r["samples"]) for r in rs]),
            "mean_steps": sum(len(s["steps"]) for r in rs for s in r["samples"]) / sum(len(r["samples"]) for r in rs),
        }
    return {"format": FORMAT, "n": n, "groups": out}


def table(summary: dict) -> str:
    n = summary["n"]

    def pct(d):
        return f"{100 * d['value']:.1f}% [{100 * d['lo']:.0f}, {100 * d['hi']:.0f}]"

    lines = [f"| group | problems | pass@1 | pass@{n} | shows its work | mean steps |", "|---|---|---|---|---|---|"]
    for name, g in summary["groups"].items():
        lines.append(f"| {name} | {g['problems']} | {pct(g['pass@1'])} | {pct(g[f'pass@{n}'])} | "
                     f"{pct(g['shows_work'])} | {g['mean_steps']:.1f} |")
    return "\n".join(lines)


__all__ = ["GenEvalConfig", "run_eval", "summarize", "table", "shows_work"]
