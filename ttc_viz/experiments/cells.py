"""A sweep folder as a reader sees it: the cell record format, its checks, and what the
report is made from.

A folder holds ``sweep.json`` (the run's settings, ``check_meta``), one file per cell,
``cells/<cell id>.json`` = {"format", "cell", "summary", "tree"} (``check_cell``), and may hold
``summary.json``, a compact copy of every cell's results without its tree (``summary.py``). A
shipped sweep may keep the summary for every cell and the trees of only some.

* ``load_cells`` / ``load_tree``: the records, or one cell's SearchTree; a damaged or foreign
  file is a ValueError naming it, never a traceback, and a cell id can only name a file
  inside ``cells/`` (``safe_cell_id``).
* ``rows_from_cells``: one row per (problem, strategy configuration, budget); a pooled
  strategy's one pool becomes a row per budget and voting rule (``pools.pool_accuracy``).
* ``difficulty``: per problem, from its best-of-N pool: oracle (pass@1) and predicted (mean
  final verifier score).

The writer (``sweep.py``) writes what this module reads; both change together through
``FORMAT``.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

from ..assets import shipped_sweep
from ..scoring import VOTING_RULES
from ..search import strategies
from ..search.base import REGISTRY
from .pools import pass_at_1, pool_accuracy

FORMAT = "ttc-viz-sweep-v1"
SHIPPED_SWEEP = shipped_sweep()  # data/sweep-smollm2, wherever the install keeps it
OPTIONAL_NUMBERS = ("flops", "computed", "seconds")     # unknown (null) for some models or older sweeps
# how problems are binned by difficulty: pass@1 or the mean verifier score of an independent pool
# (``difficulty``), or the synthetic level (no answers used, no pool)
BIN_KINDS = ("oracle", "predicted", "level")
DIFFICULTY = "difficulty"  # the role of a cell that samples a problem's independent difficulty pool


GROWS = ("problems", "budgets", "search_budgets", "strategies", "ms", "ks", "seqs", "levels", "budgets_for")


CELL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}")
_RUN_SUFFIX = re.compile(r"-r\d{1,2}$")   # another run of the same cell with another seed


def safe_cell_id(cid) -> str:
    """A cell id that can only name a file inside ``cells/`` (no folders, no ``..``)."""
    if not isinstance(cid, str) or not CELL_ID.fullmatch(cid) or ".." in cid:
        raise ValueError(f"not a cell id: {str(cid)[:60]!r}")
    return cid


def label(row: dict) -> str:
    """A strategy configuration's name, e.g. ``beam M=4`` or ``best_of_n weighted``."""
    return strategies.get(row["strategy"]).config_label(row)


def load_cells(out_dir: str | Path) -> tuple[dict, list[dict]]:
    out = Path(out_dir)
    meta_path = out / "sweep.json"
    if not meta_path.exists():
        raise ValueError(f"{out} is not a sweep folder (no sweep.json); make one with `ttc-viz sweep --out {out}`")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{meta_path} is damaged ({str(e)[:100]})") from None
    check_meta(meta, meta_path)
    cells = []
    for f in sorted((out / "cells").glob("*.json")):
        try:
            rec = json.loads(f.read_text(encoding="utf-8-sig"))
            check_cell(rec)
        except (ValueError, RecursionError) as e:
            raise ValueError(f"{f} is damaged ({str(e)[:100]}); delete it and rerun the sweep to redo that cell") from None
        rec.pop("tree", None)
        cells.append(rec)
    return meta, cells


def _bad(what: str) -> ValueError:
    return ValueError(what)


def whole(v, lo=0, hi=10**15) -> bool:
    """A whole number (not a bool) within [lo, hi]."""
    return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi


def number(v, lo=0.0, hi=1e30) -> bool:
    """A finite number (not a bool) within [lo, hi]."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and lo <= v <= hi


def check_meta(meta, where="sweep.json") -> None:
    """ValueError unless a sweep's metadata has the fields the report reads, with their types."""
    cfg = meta.get("config") if isinstance(meta, dict) else None
    if not isinstance(cfg, dict):
        raise _bad(f"{where}: no 'config' object")
    for k in ("budgets", "levels"):
        if not isinstance(cfg.get(k), list) or not all(whole(b, 0, 10**6) for b in cfg[k]):
            raise _bad(f"{where}: config {k} must be a list of whole numbers")
    if not whole(cfg.get("resamples"), 1, 10_000) or not whole(cfg.get("seed"), 0, 2**63):
        raise _bad(f"{where}: config resamples and seed must be whole numbers")
    if not isinstance(cfg.get("dataset"), str):
        raise _bad(f"{where}: config dataset must be text")


def check_cell(rec) -> None:
    """ValueError unless a cell record has the fields rows and bins are made from."""
    if not isinstance(rec, dict) or rec.get("format", FORMAT) != FORMAT:
        raise _bad("not a sweep cell")
    c, s = rec.get("cell"), rec.get("summary")
    if not isinstance(c, dict) or not isinstance(s, dict):
        raise _bad("a cell needs 'cell' and 'summary' objects")
    safe_cell_id(c.get("id"))
    if not isinstance(c.get("problem_id"), str) or c.get("strategy") not in REGISTRY:
        raise _bad("cell problem_id must be text and strategy a known one")
    if not (c.get("level") is None or whole(c["level"], 0, 1000)):
        raise _bad("cell level must be a whole number or null")
    for k in ("budget", "n", "m", "k"):
        if not whole(c.get(k), 0, 10**6):
            raise _bad(f"cell {k} must be a whole number")
    if strategies.get(c["strategy"]).uses("seq") and not whole(c.get("seq"), 1, 10**6):
        raise _bad(f"a {c['strategy']} cell needs seq, a positive whole number")
    for k in ("generations", "tokens", "flops", "computed", "seconds"):
        if not (number(s.get(k)) or (k in OPTIONAL_NUMBERS and s.get(k) is None)):  # None: unknown, or older
            raise _bad(f"summary {k} must be a non-negative number")
    if not isinstance(s.get("correct"), bool):
        raise _bad("summary correct must be true or false")
    if c.get("role") not in (None, DIFFICULTY) or (c.get("role") and not strategies.get(c["strategy"]).pooled):
        raise _bad("a cell's role, if any, is 'difficulty', and only a pooled strategy's cell has one")
    chains = s.get("chains")
    if chains is not None and not (isinstance(chains, list) and len(chains) <= 10_000 and all(
            isinstance(ch, list) and len(ch) <= 10_000 and all(isinstance(x, bool) for x in ch) for ch in chains)):
        raise _bad("summary chains must be lists of true/false")
    if strategies.get(c["strategy"]).pooled:
        pool = s.get("pool")
        if not isinstance(pool, list) or not pool:
            raise _bad(f"a {c['strategy']} cell needs a non-empty pool")
        for x in pool:
            if not (isinstance(x, dict) and (x.get("answer") is None or isinstance(x["answer"], str))
                    and number(x.get("value"), 0.0, 1.0) and isinstance(x.get("correct"), bool)):
                raise _bad("each pool entry needs answer (text or null), value (0-1) and correct (true/false)")


def load_tree(out_dir: str | Path, cell_id: str):
    """The SearchTree a cell recorded. ``cell_id`` can only name a file in ``cells/``."""
    from ..tree import MAX_TREE_BYTES, SearchTree

    folder = (Path(out_dir) / "cells").resolve()
    f = folder / f"{safe_cell_id(cell_id)}.json"
    if f.resolve().parent != folder or not f.is_file():
        raise ValueError(f"no cell {cell_id} in this sweep")
    if f.stat().st_size > MAX_TREE_BYTES + 1_000_000:
        raise ValueError(f"{f.name} is too large to be a cell")
    try:
        rec = json.loads(f.read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{f.name} is damaged ({str(e)[:100]})") from None
    if not isinstance(rec, dict) or "tree" not in rec:
        raise ValueError(f"{f.name} holds no tree")
    return SearchTree.from_dict(rec["tree"])


def rows_from_cells(meta: dict, cells: list[dict]) -> list[dict]:
    """One row per (problem, configuration, budget) with its accuracy and costs. A pooled
    strategy's one pool gives a row per budget and voting rule, its costs a budget's share of the
    pool's. Difficulty pools (``role`` "difficulty") give no row: nothing is scored from them."""
    cfg = meta["config"]
    rows = []
    for rec in cells:
        c, s = rec["cell"], rec["summary"]
        if c.get("role") == DIFFICULTY:
            continue
        base = {"problem_id": c["problem_id"], "level": c["level"], "strategy": c["strategy"], "m": c["m"],
                "k": c["k"], "cell": c["id"], **({"seq": c["seq"]} if "seq" in c else {})}
        costs = {k: s.get(k) for k in ("generations", "tokens", "computed", "flops", "seconds")}
        if costs["seconds"] is None:
            costs["seconds"] = s.get("wall_s")
        if strategies.get(c["strategy"]).pooled:
            pool = s["pool"]
            size = len(pool)
            for b in sorted(set(cfg["budgets"])):
                if b > size:
                    continue
                frac = b / size
                for rule in VOTING_RULES:
                    acc, sd = pool_accuracy([x["answer"] for x in pool], [x["value"] for x in pool],
                                            [x["correct"] for x in pool], b, rule, cfg["resamples"], cfg["seed"])
                    rows.append({**base, "rule": rule, "budget": b, "acc": acc, "sd": sd,
                                 **{k: None if v is None else v * frac for k, v in costs.items()},
                                 "generations": b})
        else:
            row = {**base, "rule": "weighted", "budget": c["budget"], "acc": float(s["correct"]), "sd": 0.0, **costs}
            if "chains" in s:   # revisions: how often a right attempt was revised into a wrong one, and back
                pairs = [(a, b) for ch in s["chains"] for a, b in zip(ch, ch[1:])]
                row.update({"right_pairs": sum(a for a, _ in pairs), "right_to_wrong": sum(a and not b for a, b in pairs),
                            "wrong_pairs": sum(not a for a, _ in pairs), "wrong_to_right": sum(b and not a for a, b in pairs)})
            rows.append(row)
    for r in rows:
        r["config"] = label(r)
    return _merge_runs(rows)


def _merge_runs(rows: list[dict]) -> list[dict]:
    """Runs of one search cell with other seeds (``run`` >= 1) averaged into one row per
    (problem, configuration, budget): accuracy, costs and revision counts; ``runs`` says how many."""
    groups: dict = {}
    for r in rows:
        groups.setdefault((r["problem_id"], r["config"], r["budget"]), []).append(r)
    out = []
    for rs in groups.values():
        if len(rs) == 1:
            out.append({**rs[0], "runs": 1})
            continue
        row = {**rs[0], "runs": len(rs), "cell": _RUN_SUFFIX.sub("", rs[0]["cell"])}   # the first run's cell
        for k in ("acc", "generations", "tokens", "computed", "flops", "seconds"):
            vals = [r.get(k) for r in rs]
            row[k] = None if any(v is None for v in vals) else sum(vals) / len(vals)
        mean = row["acc"]
        row["sd"] = (sum((r["acc"] - mean) ** 2 for r in rs) / len(rs)) ** 0.5
        for k in ("right_pairs", "right_to_wrong", "wrong_pairs", "wrong_to_right"):
            if k in rs[0]:
                row[k] = sum(r[k] for r in rs)
        out.append(row)
    return out


def difficulty(cells: list[dict]) -> dict:
    """Per problem, from its independent difficulty pool (never the pool a strategy is scored
    from): oracle (pass@1) and predicted (mean final verifier score). Empty for a sweep made
    without difficulty pools."""
    out = {}
    for rec in cells:
        if rec["cell"].get("role") == DIFFICULTY:
            pool = rec["summary"]["pool"]
            out[rec["cell"]["problem_id"]] = {"oracle": pass_at_1([x["correct"] for x in pool]),
                                              "predicted": sum(x["value"] for x in pool) / len(pool),
                                              "generations": rec["summary"]["generations"],
                                              **{k: rec["summary"].get(k) for k in ("computed", "flops", "seconds")}}
    return out
