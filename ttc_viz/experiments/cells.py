"""A sweep folder as a reader sees it: the cell record format, its checks, and what the
report is made from.

A folder holds ``sweep.json`` (the run's settings, ``check_meta``), one file per cell,
``cells/<cell id>.json`` = {"format", "cell", "summary", "tree"} (``check_cell``), and may hold
``summary.json``, a compact copy of every cell's results without its tree
(``write_summary``). A shipped sweep may keep the summary for every cell and the trees of
only some (``results`` reads both: a cell on disk wins over the summary's copy).

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
from ..io import write_atomic
from ..scoring import VOTING_RULES
from ..search import strategies
from ..search.base import REGISTRY
from .pools import pass_at_1, pool_accuracy

FORMAT = "ttc-viz-sweep-v1"
SHIPPED_SWEEP = shipped_sweep()  # data/sweep-smollm2, wherever the install keeps it
SUMMARY = "summary.json"
BIN_KINDS = ("oracle", "predicted")  # how a problem's difficulty is measured (``difficulty``)


GROWS = ("problems", "budgets", "search_budgets", "strategies", "ms", "ks", "seqs", "levels")


CELL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+=-]{0,199}")


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
    for k in ("generations", "tokens", "flops"):
        if not (number(s.get(k)) or (k == "flops" and s.get(k) is None)):  # flops None: unknown
            raise _bad(f"summary {k} must be a non-negative number")
    if not isinstance(s.get("correct"), bool):
        raise _bad("summary correct must be true or false")
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
    cfg = meta["config"]
    rows = []
    for rec in cells:
        c, s = rec["cell"], rec["summary"]
        base = {"problem_id": c["problem_id"], "level": c["level"], "strategy": c["strategy"], "m": c["m"],
                "k": c["k"], "cell": c["id"], **({"seq": c["seq"]} if "seq" in c else {})}
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
                                 "generations": b, "tokens": s["tokens"] * frac,
                                 "flops": None if s["flops"] is None else s["flops"] * frac})
        else:
            rows.append({**base, "rule": "weighted", "budget": c["budget"], "acc": float(s["correct"]), "sd": 0.0,
                         "generations": s["generations"], "tokens": s["tokens"], "flops": s["flops"]})
    for r in rows:
        r["config"] = label(r)
    return rows


def difficulty(cells: list[dict]) -> dict:
    """Per problem, from its best-of-N pool: oracle (pass@1) and predicted (mean final PRM score)."""
    out = {}
    for rec in cells:
        if strategies.get(rec["cell"]["strategy"]).pooled:
            pool = rec["summary"]["pool"]
            out[rec["cell"]["problem_id"]] = {"oracle": pass_at_1([x["correct"] for x in pool]),
                                              "predicted": sum(x["value"] for x in pool) / len(pool)}
    return out


# ---------------------------------------------------------------------------------------
# summary.json: every cell's rows without its tree

ROW_NUMBERS = ("acc", "sd", "generations", "tokens", "flops")


def check_summary(s, where: str) -> None:
    """ValueError unless a summary.json has meta, rows, difficulty and cells of the right types."""
    if not isinstance(s, dict) or not isinstance(s.get("rows"), list) or not isinstance(s.get("difficulty"), dict):
        raise ValueError(f"{where} is damaged (expected meta, rows, difficulty and cells)")
    check_meta(s.get("meta"), where)
    if not whole(s.get("cells"), 0, 10**9):
        raise ValueError(f"{where} is damaged (cells must be a whole number)")
    for r in s["rows"]:
        if not (isinstance(r, dict) and all(isinstance(r.get(k), str) for k in ("problem_id", "strategy", "config", "cell"))
                and whole(r.get("budget"), 0, 10**6)
                and all(number(r.get(k)) or (k == "flops" and r.get(k) is None) for k in ROW_NUMBERS)
                and r["acc"] <= 1):
            raise ValueError(f"{where} is damaged (a row lacks problem_id, config, budget or a number)")
    for pid, x in s["difficulty"].items():
        if not (isinstance(x, dict) and all(number(x.get(k), 0.0, 1.0) for k in BIN_KINDS)):
            raise ValueError(f"{where} is damaged (difficulty of {str(pid)[:40]})")


def _read_summary(d: Path) -> dict | None:
    if not (d / SUMMARY).exists():
        return None
    try:
        s = json.loads((d / SUMMARY).read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{d / SUMMARY} is damaged ({str(e)[:100]})") from None
    check_summary(s, str(d / SUMMARY))
    return s


def _fixed(meta: dict) -> dict:
    """What must be equal for two records to be of one sweep (growable settings aside)."""
    return {"config": {k: v for k, v in meta["config"].items() if k not in GROWS},
            **{k: meta.get(k) for k in ("format", "generator", "verifier")}}


def results(d: Path) -> tuple[dict, list, dict, int]:
    """meta, rows, difficulty and cell count of a sweep folder: its cells, plus what
    summary.json keeps of cells whose files are not in ``cells/`` (a folder shipped with only
    some of its trees, or one whose cells were deleted to save space). A cell on disk wins
    over the summary's copy; a summary of another sweep (other fixed settings) is ignored."""
    if not ((d / "cells").is_dir() and any((d / "cells").glob("*.json"))):
        summary = _read_summary(d)
        if summary is None:
            raise ValueError(f"{d} holds no sweep results (no cells/ and no {SUMMARY}); "
                             f"run `ttc-viz sweep --out {d}`")
        return summary["meta"], summary["rows"], summary["difficulty"], summary["cells"]
    meta, cells = load_cells(d)
    rows, diff = rows_from_cells(meta, cells), difficulty(cells)
    try:
        summary = _read_summary(d)
    except ValueError:  # the cells are the results; a damaged copy of them is rewritten from them
        summary = None
    if summary is None or _fixed(summary["meta"]) != _fixed(meta):
        return meta, rows, diff, len(cells)
    on_disk = {rec["cell"]["id"] for rec in cells}
    kept = [r for r in summary["rows"] if r["cell"] not in on_disk]
    kept_cells = {r["cell"] for r in kept}
    # a problem's difficulty comes from its pool cell: the summary's only where that cell is not on disk
    diff = {**{p: x for p, x in summary["difficulty"].items() if p not in diff}, **diff}
    return meta, rows + kept, diff, len(cells) + len(kept_cells)


def write_summary(sweep_dir: str | Path) -> Path:
    """A compact copy of the results (no trees) that ``build`` can read without the cells.
    It keeps what an earlier summary of the same sweep recorded for cells no longer on disk,
    so writing it again (``report``, the end of a sweep) never loses results."""
    d = Path(sweep_dir)
    meta, rows, diff, n_cells = results(d)
    out = {"meta": meta, "rows": rows, "difficulty": diff, "cells": n_cells}
    return write_atomic(d / SUMMARY, json.dumps(out, separators=(",", ":"), allow_nan=False))
