"""Step labels on the generator's own samples, for training a PRM without human labels.

For each synthetic *training* problem: sample a few solutions with the generator and label
every step, one of two ways (``MCConfig.labels``):

* ``"oracle"``: the answer key's exact label (``verifiers/oracle.py``: is the prefix on
  track?), about 40 µs a step — labels cost only the sampling;
* ``"mc"`` (Math-Shepherd): from every step prefix roll out K completions and label the
  step with the fraction that reach the right answer (a soft label: P(still on track));
  the final step's label is the solution's own correctness (no rollout needed). Rollouts
  continue the model's own token ids (``complete``).

Written to disk as it goes, one shard per problem (``shards/<problem id>.jsonl``, written
to a temporary name and renamed, so a shard is either complete or absent). Rerunning with
the same arguments skips finished shards: an interrupted run loses at most the problem in
progress, and the data set ends with no duplicates and no gaps (``check``).
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..grading import extract_answer, grade
from ..io import write_atomic
from ..lm.base import Generator, join_steps, step_by_step, step_text
from ..problems import LEVELS, Problem, synthetic
from ..seeds import ROUND_PRIME, SAMPLE_PRIME, derive, hash_id
from ..verifiers.oracle import chain_of, step_labels

FORMAT = "ttc-viz-prm-data-v1"


@dataclass
class MCConfig:
    levels: tuple = (1, 2, 3)
    problems_per_level: int = 20
    samples: int = 4          # solutions sampled per problem
    rollouts: int = 8         # K completions per step prefix (the paper's spirit: 8-16)
    temperature: float = 0.8
    max_steps: int = 10       # a rollout that runs longer counts as wrong
    seed: int = 0
    start_index: int = 0      # first problem index per level (to extend a data set later)
    labels: str = "mc"        # "mc" (rollouts) or "oracle" (exact, synthetic problems only)

    def check(self) -> None:
        if self.labels not in ("mc", "oracle"):
            raise ValueError(f"labels must be 'mc' or 'oracle', got {self.labels!r}")
        if not self.levels or any(lv not in LEVELS for lv in self.levels):
            raise ValueError(f"levels must be within 1-5, got {self.levels}")
        for name in ("problems_per_level", "samples", "rollouts", "max_steps"):
            v = getattr(self, name)
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name} must be a positive integer, got {v!r}")
        if self.rollouts > 64 or self.samples > 64:
            raise ValueError("samples and rollouts are capped at 64 each")

    def problems(self) -> list[Problem]:
        # the "train" split: seeds disjoint from every evaluation set
        return [synthetic(lv, i, split="train") for lv in self.levels
                for i in range(self.start_index, self.start_index + self.problems_per_level)]


def complete(generator: Generator, problem: str, prefixes: list[list], k: int, *, temperature: float,
             seed: int, max_steps: int) -> list[list[str]]:
    """For each prefix, k sampled completions to the end; returns the full step texts,
    prefix-major (k per prefix). All rollouts advance together, one step per round.

    Pass prefixes as the generator's own ``Step`` objects: each rollout then continues the
    exact tokens the model wrote (re-encoded text can differ and derail the rollouts)."""
    runs = [list(p) for p in prefixes for _ in range(k)]
    first = generator.next_steps(problem, prefixes, k, temperature=temperature, seed=seed)
    for run, step in zip(runs, (s for row in first for s in row)):
        run.append(step)
    active = [i for i, run in enumerate(runs) if not run[-1].finished]

    def sampled_step(r, cur):  # rounds 2, 3, ... of the rollouts, each with its own seed
        rows = generator.next_steps(problem, cur, 1, temperature=temperature,
                                    seed=derive(seed, r + 2, modulus=None, prime=ROUND_PRIME))
        return [row[0] for row in rows]

    for i, more in zip(active, step_by_step(sampled_step, [runs[i] for i in active], max_steps - 1)):
        runs[i].extend(more)
    return [[step_text(s) for s in run] for run in runs]


def mc_labels(generator: Generator, problem: Problem, solution: list, sample: int, *, rollouts: int,
              temperature: float, seed: int, max_steps: int) -> list[float]:
    """Math-Shepherd's soft label of every step prefix of ``solution`` but the whole: the
    fraction of ``rollouts`` completions from it that reach the right answer. ``sample``
    (the solution's index among the problem's samples) gives its rollouts their own seed."""
    prefixes = [solution[:j] for j in range(1, len(solution))]  # as the model wrote them (token ids)
    if not prefixes:
        return []
    outs = complete(generator, problem.text, prefixes, rollouts, temperature=temperature,
                    seed=derive(seed, sample + 1, modulus=None, prime=SAMPLE_PRIME), max_steps=max_steps)
    return [sum(bool(grade(join_steps(r), problem.answer)) for r in outs[j * rollouts:(j + 1) * rollouts]) / rollouts
            for j in range(len(prefixes))]


def label_problem(generator: Generator, problem: Problem, cfg: MCConfig, seed: int) -> list[dict]:
    """Sampled solutions of one problem with a label per step (soft MC, or exact oracle)."""
    sols = generator.solutions(problem.text, cfg.samples, temperature=cfg.temperature, seed=seed)
    records = []
    for s_idx, sol in enumerate(sols):
        steps = [s.text for s in sol]
        correct = bool(grade(join_steps(steps), problem.answer))
        if cfg.labels == "oracle":
            labels = [1.0 if ok else 0.0 for ok in step_labels(chain_of(problem), steps)]
            # the last label is the solution's correctness when it announces an answer
            labels[-1] = 1.0 if labels[-1] and correct else 0.0
        else:
            labels = mc_labels(generator, problem, sol, s_idx, rollouts=cfg.rollouts, temperature=cfg.temperature,
                               seed=seed, max_steps=cfg.max_steps) + [1.0 if correct else 0.0]
        records.append({"format": FORMAT, "problem_id": problem.id, "problem": problem.text,
                        "answer": problem.answer, "level": problem.level, "sample": s_idx,
                        "steps": steps, "labels": labels, "final_answer": extract_answer(steps[-1]),
                        "correct": correct, "rollouts": cfg.rollouts if cfg.labels == "mc" else 0,
                        "label_kind": cfg.labels, "seed": seed})
    return records


def generate(generator: Generator, out_dir: str | Path, cfg: MCConfig, progress=None) -> dict:
    """Label every problem of ``cfg`` into ``out_dir/shards``; skips shards already there."""
    cfg.check()
    out = Path(out_dir)
    shards = out / "shards"
    shards.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "config": asdict(cfg), "generator": getattr(generator, "name", "?")}
    meta_path = out / "config.json"
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        keep = {k: v for k, v in old["config"].items() if k not in ("problems_per_level", "start_index")}
        new = {k: v for k, v in meta["config"].items() if k not in ("problems_per_level", "start_index")}
        if json.loads(json.dumps(keep)) != json.loads(json.dumps(new)):
            raise ValueError(f"{out} holds data made with other settings ({old['config']}); "
                             "use another --out folder or the same settings")
    else:
        write_atomic(meta_path, json.dumps(meta, indent=1))
    todo = [p for p in cfg.problems() if not (shards / f"{p.id}.jsonl").exists()]
    done_before = len(cfg.problems()) - len(todo)
    t0 = time.perf_counter()
    for n, p in enumerate(todo):
        seed = derive(cfg.seed, hash_id(p.id))
        recs = label_problem(generator, p, cfg, seed)
        write_atomic(shards / f"{p.id}.jsonl", "".join(json.dumps(r) + "\n" for r in recs))
        if progress:
            progress(done_before + n + 1, len(cfg.problems()), time.perf_counter() - t0)
    return {"problems": len(cfg.problems()), "skipped": done_before, "labelled": len(todo)}


def load(out_dir: str | Path) -> list[dict]:
    recs = []
    for f in sorted((Path(out_dir) / "shards").glob("*.jsonl")):
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                recs.append(json.loads(line))
    return recs


def check(out_dir: str | Path, cfg: MCConfig) -> dict:
    """No duplicates, no gaps: every expected problem has exactly ``samples`` records."""
    recs = load(out_dir)
    seen: dict[tuple, int] = {}
    for r in recs:
        key = (r["problem_id"], r["sample"])
        seen[key] = seen.get(key, 0) + 1
    dups = [k for k, v in seen.items() if v > 1]
    want = {(p.id, s) for p in cfg.problems() for s in range(cfg.samples)}
    missing = sorted(want - set(seen))
    bad = [r for r in recs if len(r["labels"]) != len(r["steps"]) or not all(0 <= x <= 1 for x in r["labels"])]
    return {"records": len(recs), "steps": sum(len(r["steps"]) for r in recs), "duplicates": dups,
            "missing": missing, "malformed": len(bad)}
