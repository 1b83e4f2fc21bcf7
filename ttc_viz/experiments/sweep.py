"""Accuracy versus budget: run every (problem, strategy, budget, hyper-parameter) cell.

``run_sweep(generator, verifier, cfg, out_dir)`` writes one file per cell,
``cells/<cell id>.json`` = {"cell", "summary", "tree"}, atomically (temporary name, then
rename) as soon as the cell finishes; a rerun skips cells already on disk (or kept in
``summary.json`` after their files were deleted to save space), so a killed
sweep resumes and ends with exactly what an uninterrupted one would (every cell's seed
depends only on the sweep seed and the cell).

Budgets count generations the paper's way, as each strategy's spec says
(``StrategySpec.n_for_budget``): best-of-N and beam/DVTS at budget N; lookahead with depth
k at budget N·(k+1) (each candidate also pays for its k-step rollout), so a lookahead cell
at budget b runs N = b/(k+1). Sequential revisions run at every ratio in ``seqs`` (attempts
per chain) that divides the budget: at budget 8, seq = 1, 2, 4, 8 are 8, 4, 2 and 1 chains,
from all parallel to all sequential; each ratio is a configuration of its own
(``revisions seq=4``), so the compute-optimal selector chooses among ratios as among
strategies. A pooled strategy (best-of-N) draws **one pool of the
largest budget per problem**; every smaller budget is scored by subsampling that pool
(``pools.pool_accuracy``), with each voting rule as a hyper-parameter.

Cost per cell: generations, tokens (generated + prompt), PRM tokens read, and FLOPs =
2·P_gen·tokens + 2·P_prm·PRM tokens (P = ``num_params`` from the protocols; the symbolic
checker costs 0). A model that cannot say its parameter count makes FLOPs unknown (null in
``sweep.json``'s params and the cells), never 0.

Workers may share a folder, and a strategy: each takes a cell by creating ``cells/<cell id>.claim``
exclusively (its host and PID inside) and removes it when the cell's file is written; a cell
claimed by a live process is left to it, and a claim left by a process that died is taken over.

This module writes a sweep folder; ``cells.py`` reads it back (the cell format, its checks,
rows and difficulty).
"""
from __future__ import annotations

import json
import os
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..grading import grade
from ..io import write_atomic
from ..lm.base import Generator
from ..metering import Metered, flops, num_params
from ..problems import LEVELS, Problem, load_jsonl, synthetic
from ..scoring import aggregate
from ..search import strategies
from ..search.base import REGISTRY, SearchConfig, run
from ..search.whatif import rescore
from ..seeds import CELL_MODULUS, derive, hash_id
from ..verifiers.base import Verifier
from .cells import DIFFICULTY, FORMAT, GROWS, load_tree

MAX_BUDGET = 1024
UNUSED_M = 4  # the M a cell records for a strategy without one (best-of-N's cells say 4)


@dataclass
class SweepConfig:
    dataset: str = "synthetic"
    levels: tuple = LEVELS
    problems: int = 4                 # per level (synthetic), or the first P of a file
    strategies: tuple = ("best_of_n", "beam", "lookahead")
    budgets: tuple = (1, 2, 4, 8, 16, 32, 64)
    search_budgets: tuple | None = None   # budgets for beam/lookahead/DVTS (default: ``budgets``)
    budgets_for: dict = field(default_factory=dict)   # a strategy's own budgets, overriding search_budgets
    ms: tuple = (4,)                  # beam widths (beam, lookahead, DVTS)
    ks: tuple = (1,)                  # lookahead depths
    seqs: tuple = (1, 2, 4, 8)        # attempts per chain (revisions): each that divides a budget
    resamples: int = 16               # best-of-n subsets per budget below the pool size
    temperature: float = 0.8
    max_rounds: int = 12
    seed: int = 0
    start: int = 0                    # first synthetic index per level (a pre-registered sweep uses fresh ones)
    difficulty_pool: int = 0          # per problem, an independent pool of this size that difficulty bins
                                      # are read from (never the pool a strategy is scored from); 0: none
    seeds: int = 1                    # runs of each search cell at budgets up to ``repeat_budget``
    repeat_budget: int = 16           # (averaged per problem: less noise where search is cheap)
    pools_from: str | None = None     # another sweep folder (same generator, seed and temperature) whose
                                      # pools this one re-scores with its own verifier instead of sampling

    def check(self) -> None:
        bad = [s for s in self.strategies if s not in REGISTRY]
        if not self.strategies or bad:
            raise ValueError(f"unknown strategies {', '.join(bad) or '(none)'}; "
                             f"choose from {', '.join(strategies.names())}")
        for name in self.budgets_for:
            # a known strategy this run leaves out is allowed: workers sharing one folder each
            # run some strategies with the same, whole --budgets-for (a fixed setting of the folder)
            if name not in REGISTRY:
                raise ValueError(f"budgets are given for {name!r}, which is no strategy; "
                                 f"choose from {', '.join(strategies.names())}")
        for bs in (self.budgets, self.search_budgets or self.budgets, *self.budgets_for.values()):
            if not bs or any(not isinstance(b, int) or b < 1 or b > MAX_BUDGET for b in bs):
                raise ValueError(f"budgets must be whole numbers 1-{MAX_BUDGET}, got {list(bs)}")
        if any(not isinstance(m, int) or m < 1 for m in self.ms) or not self.ms:
            raise ValueError(f"beam widths M must be positive whole numbers, got {list(self.ms)}")
        if any(not isinstance(k, int) or not 1 <= k <= 8 for k in self.ks) or not self.ks:
            raise ValueError(f"lookahead depths k must be 1-8, got {list(self.ks)}")
        if not self.seqs or any(not isinstance(q, int) or not 1 <= q <= MAX_BUDGET for q in self.seqs):
            raise ValueError(f"attempts per chain (seqs) must be whole numbers 1-{MAX_BUDGET}, got {list(self.seqs)}")
        if not 1 <= self.problems <= 100_000:
            raise ValueError(f"problems must be 1-100000, got {self.problems}")
        if not 1 <= self.resamples <= 1000:
            raise ValueError(f"resamples must be 1-1000, got {self.resamples}")
        if not isinstance(self.start, int) or not 0 <= self.start <= 10**6:
            raise ValueError(f"the first problem index must be 0-1000000, got {self.start!r}")
        if not isinstance(self.difficulty_pool, int) or not 0 <= self.difficulty_pool <= MAX_BUDGET:
            raise ValueError(f"the difficulty pool must be 0-{MAX_BUDGET} samples, got {self.difficulty_pool!r}")
        if self.pools_from is not None and not (Path(self.pools_from) / "sweep.json").is_file():
            raise ValueError(f"--pools-from {self.pools_from} is not a sweep folder (no sweep.json)")
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= 16:
            raise ValueError(f"seeds (runs per search cell) must be 1-16, got {self.seeds!r}")
        if not isinstance(self.temperature, (int, float)) or not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be between 0 and 2, got {self.temperature!r}")
        if self.dataset == "synthetic" and any(lv not in LEVELS for lv in self.levels):
            raise ValueError(f"levels must be within 1-5, got {list(self.levels)}")
        if not self.cells_for(Problem("x", "1", id="x")):
            raise ValueError("no cell fits these budgets: beam-style strategies need a budget that M divides, "
                             "revisions one that seq divides")

    def problem_list(self) -> list[Problem]:
        if self.dataset == "synthetic":
            return [synthetic(lv, i, split="test") for lv in self.levels
                    for i in range(self.start, self.start + self.problems)]
        probs = load_jsonl(self.dataset, limit=self.problems)
        return [p for p in probs if p.answer is not None]

    def cells_for(self, p: Problem) -> list[dict]:
        cells = []
        if self.difficulty_pool:   # sampled with its own seed stream (its own cell id)
            cell = _cell(p, "best_of_n", self.difficulty_pool, self.difficulty_pool, UNUSED_M, 0)
            cells.append({**cell, "id": cell["id"].replace("--best_of_n-", f"--{DIFFICULTY}-"), "role": DIFFICULTY})
        for s in self.strategies:
            spec = strategies.get(s)
            if spec.pooled:  # one pool of the largest budget; smaller budgets subsample it
                cells.append(_cell(p, s, max(self.budgets), max(self.budgets), UNUSED_M, 0))
                continue
            for b in sorted(set(self.budgets_for.get(s) or self.search_budgets or self.budgets)):
                for m in (self.ms if spec.uses("m") else (UNUSED_M,)):
                    for k in (self.ks if spec.uses("k") else (0,)):
                        for q in (self.seqs if spec.uses("seq") else (None,)):
                            n = spec.n_for_budget(b, k)
                            if n is None or (spec.uses("m") and (n < m or n % m)) or spec.redundant(n, m, k):
                                continue
                            if q is not None and (n < q or n % q):
                                continue
                            cell = _cell(p, s, b, n, m, k, q)
                            cells.append(cell)
                            for r in range(1, self.seeds if b <= self.repeat_budget else 1):
                                cells.append({**cell, "id": f"{cell['id']}-r{r}", "run": r})
        return cells


def _cell(p: Problem, strategy: str, budget: int, n: int, m: int, k: int, seq: int | None = None) -> dict:
    """A cell's record; ``seq`` (attempts per chain) only for a strategy that uses it, so the
    cells of the others are what they were."""
    pid = re.sub(r"[^A-Za-z0-9._+=-]", "_", p.id).strip("._") or "problem"  # ids from a file name
    spec = strategies.get(strategy)
    cid = (f"{pid}--{strategy}-b{budget}" + (f"-m{m}" if spec.uses("m") else "") + (f"-k{k}" if spec.uses("k") else "")
           + (f"-s{seq}" if spec.uses("seq") else ""))
    cell = {"id": cid, "problem_id": p.id, "level": p.level, "strategy": strategy, "budget": budget,
            "n": n, "m": m, "k": k}
    if spec.uses("seq"):
        cell["seq"] = seq
    return cell


def cell_seed(seed: int, cell: dict) -> int:
    return derive(seed, hash_id(cell["id"]), CELL_MODULUS)


def run_cell(generator: Generator, verifier: Verifier, p: Problem, cell: dict, cfg: SweepConfig,
             p_gen: int | None, p_prm: int | None) -> dict:
    """One cell's record. FLOPs = 2·P·tokens for the generator plus the verifier; None
    (unknown) when either cannot say its parameter count or tokens (``metering``)."""
    metered = Metered(verifier)
    scfg = SearchConfig(n=cell["n"], m=min(cell["m"], cell["n"]), k=cell["k"], temperature=cfg.temperature,
                        aggregation="last", voting="weighted", max_rounds=cfg.max_rounds, seed=cell_seed(cfg.seed, cell),
                        **({"seq": cell["seq"]} if "seq" in cell else {}))
    source = Path(cfg.pools_from) / "cells" / f"{cell['id']}.json" if cfg.pools_from else None
    if source is not None and strategies.get(cell["strategy"]).pooled and source.is_file():
        # the same samples (same generator, seed and cell), scored by this sweep's verifier
        t0 = time.perf_counter()
        drawn = load_tree(cfg.pools_from, cell["id"])
        tree, _ = rescore(drawn, metered)
        tree.cost.wall_s = drawn.cost.wall_s + time.perf_counter() - t0
        tree.verifier = getattr(verifier, "name", tree.verifier)
        tree.cost.verifier_tokens_read = metered.tokens or 0
    else:
        tree = run(cell["strategy"], p, generator, metered, scfg)
    c = tree.cost
    tokens = c.tokens_generated + c.tokens_prompt
    # what the models computed: the generator's generated and prefilled tokens (KV reuse not
    # counted), the verifier's fed tokens where it reports them (a model-free checker: none)
    prm_fed = c.verifier_tokens_read or (metered.tokens if p_prm else 0)
    computed_gen = c.tokens_generated + c.tokens_prefilled
    f_gen, f_prm = flops(p_gen, computed_gen), flops(p_prm, prm_fed)
    summary = {"generations": c.generations, "tokens_generated": c.tokens_generated, "tokens": tokens,
               "prm_tokens": metered.tokens, "prefilled": c.tokens_prefilled,
               "computed": computed_gen + (prm_fed or 0),
               "flops": None if f_gen is None or f_prm is None else f_gen + f_prm,
               "seconds": round(c.wall_s, 3), "wall_s": round(c.wall_s, 2), "correct": bool(tree.correct),
               "picks_correct": {r: bool(a is not None and grade(a, p.answer)) for r, a in tree.picks.items()}}
    if strategies.get(cell["strategy"]).whole_attempts:   # each chain's attempts, right or wrong, in order
        summary["chains"] = [[bool(n.correct) for n in ch] for ch in _chains(tree)]
    if strategies.get(cell["strategy"]).pooled:
        leaves = {n.group: n for n in tree.leaves("finished")}
        groups = sorted({n.group for n in tree.nodes[1:]})
        pool = []
        for g in groups:
            leaf = leaves.get(g)
            chain = [n for n in tree.nodes[1:] if n.group == g]
            pool.append({"answer": leaf.answer if leaf else None,
                         "value": aggregate([n.score for n in chain if n.score is not None], "last"),
                         "correct": bool(leaf and leaf.correct)})
        summary["pool"] = pool
    return {"format": FORMAT, "cell": cell, "summary": summary, "tree": tree.to_dict()}


def _chains(tree) -> list[list]:
    by: dict = {}
    for n in tree.nodes[1:]:
        by.setdefault(n.group, []).append(n)
    return [sorted(by[g], key=lambda n: n.iteration) for g in sorted(by)]


CLAIM = ".claim"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:   # another user's process: alive
        return True
    return True


def claim(path: Path) -> bool:
    """Take a cell for this process by creating ``path`` exclusively (host and PID in it). False
    when a live process (this one included: another of its threads) holds it, or the claim is
    being written. A claim whose process is gone (same host, PID not running: a killed worker) is
    taken over; two workers taking over the same stale claim at once may both run that cell, which
    costs time but not correctness (a cell's result depends only on its id and is written atomically)."""
    host = socket.gethostname()
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner, pid = path.read_text(encoding="utf-8").split()
                stale = owner == host and not _alive(int(pid))
            except (OSError, ValueError):
                return False
            if not stale:
                return False
            try:
                path.unlink()
            except FileNotFoundError:
                pass
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"{host} {os.getpid()}\n")
        return True
    return False


def _check_pool_source(cfg: SweepConfig, meta: dict) -> None:
    """A folder whose pools are re-scored must have drawn them as this sweep would have."""
    src = Path(cfg.pools_from) / "sweep.json"
    try:
        other = json.loads(src.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ValueError(f"--pools-from {cfg.pools_from} is not a readable sweep folder (no sweep.json)") from None
    oc = other.get("config", {}) if isinstance(other, dict) else {}
    same = {k: (oc.get(k), meta["config"].get(k)) for k in ("dataset", "seed", "temperature", "start", "max_rounds")}
    theirs, ours = other.get("weights") or {}, meta.get("weights") or {}
    weights_differ = any(theirs[k] != ours[k] for k in theirs.keys() & ours.keys() if not k.startswith("verifier_"))
    if other.get("generator") != meta["generator"] or weights_differ or any(a != b for a, b in same.values()):
        raise ValueError(f"--pools-from {cfg.pools_from} was sampled by another generator or with other settings "
                         f"({other.get('generator')}, {same}); its pools would not be this sweep's")


def _weights(generator, verifier, cfg: SweepConfig) -> dict:
    """SHA-256 of the weight files behind the cells, where the models know them: the
    generator's (its reviser only when revisions are swept) and the verifier's (prefixed
    ``verifier_``)."""
    out = {}
    g = getattr(generator, "weights", None)
    if isinstance(g, dict):
        out.update({k: v for k, v in g.items() if k != "reviser_sha256" or "revisions" in cfg.strategies})
    v = getattr(verifier, "weights", None)
    if isinstance(v, dict):
        out.update({f"verifier_{k}": x for k, x in v.items()})
    return out


def _weights_differ(old, new) -> list[str]:
    """The weight files recorded by both that differ (one recorded later is no conflict)."""
    old, new = old or {}, new or {}
    return sorted(k for k in old.keys() & new.keys() if old[k] != new[k])


def _check_pools_present(cfg: SweepConfig, cells: list[dict]) -> None:
    """With --pools-from, every pooled cell re-scores the source's tree of the same id; one
    that is missing would be sampled afresh, and the two verifiers would no longer be compared
    on the same samples. Refused before any model time is spent."""
    missing = [c["id"] for c in cells if strategies.get(c["strategy"]).pooled
               and not (Path(cfg.pools_from) / "cells" / f"{c['id']}.json").is_file()]
    if missing:
        raise ValueError(f"--pools-from {cfg.pools_from} has no tree for {len(missing)} pooled cell(s) of this sweep "
                         f"(e.g. {missing[0]}): give the same --budgets and --difficulty-pool as that sweep (a pool is "
                         "named after its largest budget), and re-score before its trees are deleted")


def recorded_cells(out: Path, meta: dict, cfg: SweepConfig, problems: list[Problem]) -> set[str]:
    """Ids of cells whose results ``summary.json`` keeps though their files are gone (a sweep
    carried from one sitting to the next without its trees): done, not run again. Only a
    summary of this same sweep counts (same fixed settings, generator, verifier and weights)."""
    from .summary import SUMMARY, check_summary

    try:
        s = json.loads((out / SUMMARY).read_text(encoding="utf-8-sig"))
        check_summary(s, str(out / SUMMARY))
    except (OSError, ValueError, RecursionError):
        return set()
    sm = s["meta"]
    same = ({k: v for k, v in sm["config"].items() if k not in GROWS}
            == {k: v for k, v in meta["config"].items() if k not in GROWS}
            and all(sm.get(k) == meta.get(k) for k in ("format", "generator", "verifier"))
            and not _weights_differ(sm.get("weights"), meta.get("weights")))
    if not same:
        return set()
    ids = {r["cell"] for r in s["rows"]}
    # a row averages its cell's runs with other seeds (ids "<cell>-r1", ...): each is done too
    ids |= {f"{r['cell']}-r{i}" for r in s["rows"] for i in range(1, int(r.get("runs") or 1))}
    # a difficulty pool gives no row: its problem's entry in "difficulty" records it
    for p in problems:
        if p.id in s["difficulty"]:
            ids |= {c["id"] for c in cfg.cells_for(p) if c.get("role") == DIFFICULTY}
    return ids


def grown(old: dict, new: dict) -> dict:
    """The config of a sweep folder run again with more (or other) problems, budgets,
    strategies (and their own budgets), widths, depths or chain lengths: each is the union of both
    runs', so ``sweep.json`` describes every cell the folder holds, not only the last run's."""
    out = dict(new)
    out["problems"] = max(old.get("problems", 0), new["problems"])
    for k in GROWS[1:]:
        a = old.get(k) if old.get(k) is not None else (old.get("budgets") if k == "search_budgets" else None)
        b = new.get(k) if new.get(k) is not None else (new.get("budgets") if k == "search_budgets" else None)
        if a is None or b is None:
            out[k] = b if a is None else a
        elif k == "strategies":
            out[k] = list(a) + [x for x in b if x not in a]
        elif k == "budgets_for":   # a strategy's own budgets: per strategy, the union of both runs'
            out[k] = {s: sorted(set(a.get(s, ())) | set(b.get(s, ()))) for s in [*a, *(x for x in b if x not in a)]}
        else:
            out[k] = sorted(set(a) | set(b))
    return out


def run_sweep(generator: Generator, verifier: Verifier, cfg: SweepConfig, out_dir: str | Path, *,
              verifier_spec: str = "", progress=None, should_stop=None, concurrency: int = 1) -> dict:
    """Run every missing cell into ``out_dir/cells``; returns counts. Resumable.
    ``concurrency``: cells run at once (threads), for a generator behind a serving engine."""
    cfg.check()
    out = Path(out_dir)
    (out / "cells").mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "config": asdict(cfg), "generator": getattr(generator, "name", "?"),
            "verifier": verifier_spec or getattr(verifier, "name", "?")}
    weights = _weights(generator, verifier, cfg)
    if weights:
        meta["weights"] = weights
    meta = json.loads(json.dumps(meta))
    meta_path = out / "sweep.json"
    p_gen, p_prm = num_params(generator), num_params(verifier)  # None: unknown
    if meta_path.exists():
        old = json.loads(meta_path.read_text())
        a = {k: v for k, v in old["config"].items() if k not in GROWS}
        b = {k: v for k, v in meta["config"].items() if k not in GROWS}
        if a != b or old.get("verifier") != meta["verifier"] or old.get("generator") != meta["generator"]:
            raise ValueError(f"{out} holds a sweep with other settings ({old['config']}, verifier "
                             f"{old.get('verifier')}); use another --out folder or the same settings")
        changed = _weights_differ(old.get("weights"), meta.get("weights"))
        if changed:
            raise ValueError(f"{out} was made with other weights ({', '.join(changed)} differ); "
                             "its cells and new ones would not be one sweep: use another --out folder")
        meta["weights"] = {**(old.get("weights") or {}), **(meta.get("weights") or {})}  # a reviser added later
        meta["config"] = grown(old["config"], meta["config"])
    meta["params"] = {"generator": p_gen, "verifier": p_prm}
    if cfg.pools_from:
        _check_pool_source(cfg, meta)
    write_atomic(meta_path, json.dumps(meta, indent=1))
    probs = cfg.problem_list()
    recorded = recorded_cells(out, meta, cfg, probs)
    todo = [(p, c) for p in probs for c in cfg.cells_for(p)
            if c["id"] not in recorded and not (out / "cells" / f"{c['id']}.json").exists()]
    total = sum(len(cfg.cells_for(p)) for p in probs)
    if cfg.pools_from:
        _check_pools_present(cfg, [c for _, c in todo])
    done0 = total - len(todo)
    t0 = time.perf_counter()
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency}")
    lock = threading.Lock()
    finished = [0]

    def one(item) -> None:
        p, c = item
        if should_stop and should_stop():
            return
        target = out / "cells" / f"{c['id']}.json"
        if target.exists():  # another sweep on this folder got there first
            return
        lock_path = out / "cells" / f"{c['id']}{CLAIM}"
        if not claim(lock_path):   # another worker is running it
            return
        try:
            if target.exists():     # finished by another worker between the two checks
                return
            rec = run_cell(generator, verifier, p, c, cfg, p_gen, p_prm)
            write_atomic(target, json.dumps(rec, allow_nan=False))
        finally:
            try:
                lock_path.unlink()
            except FileNotFoundError:
                pass
        with lock:
            finished[0] += 1
            if progress:
                progress(done0 + finished[0], total, time.perf_counter() - t0)

    if concurrency == 1:
        for item in todo:
            if should_stop and should_stop():
                break
            one(item)
    else:
        # K cells at once: a remote engine batches their requests (an in-process model takes
        # them one at a time behind its lock). Each cell still lands in its own file as it
        # ends; on the first failure no new cell starts, running ones finish, the error is raised.
        with ThreadPoolExecutor(concurrency, thread_name_prefix="ttc-viz-sweep") as pool:
            futs = [pool.submit(one, item) for item in todo]
            try:
                for f in as_completed(futs):
                    f.result()
            except BaseException:
                for f in futs:
                    f.cancel()
                raise
    return {"cells": total, "skipped": done0, "ran": finished[0]}
