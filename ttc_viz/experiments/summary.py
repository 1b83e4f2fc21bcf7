"""``summary.json``: a compact copy of a sweep's results (every cell's rows, each problem's
difficulty, the cell count) without its trees, and ``results``, which reads a sweep folder from
its cells and that summary together.

A shipped sweep keeps the summary for every cell and the trees of only some; ``results`` takes
the cells on disk and the summary's rows for the cells that are not (a cell on disk wins), and
``write_summary`` never drops what an earlier summary of the same sweep recorded.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..io import write_atomic
from .cells import (GROWS, OPTIONAL_NUMBERS, check_meta, difficulty, load_cells, number,
                    rows_from_cells, whole)

SUMMARY = "summary.json"


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
                and all(number(r.get(k)) or (k in OPTIONAL_NUMBERS and r.get(k) is None)
                        for k in ROW_NUMBERS + OPTIONAL_NUMBERS)
                and r["acc"] <= 1):
            raise ValueError(f"{where} is damaged (a row lacks problem_id, config, budget or a number)")
    for pid, x in s["difficulty"].items():
        if not (isinstance(x, dict) and all(number(x.get(k), 0.0, 1.0) for k in ("oracle", "predicted"))):
            raise ValueError(f"{where} is damaged (difficulty of {str(pid)[:40]})")


def _read_summary(d: Path) -> dict | None:
    if not (d / SUMMARY).exists():
        return None
    try:
        s = json.loads((d / SUMMARY).read_text(encoding="utf-8-sig"))
    except (ValueError, RecursionError) as e:
        raise ValueError(f"{d / SUMMARY} is damaged ({str(e)[:100]})") from None
    check_summary(s, str(d / SUMMARY))
    if not s["meta"]["config"].get("difficulty_pool"):
        # a sweep made without independent pools has no difficulty to bin by; older summaries
        # stored one taken from the best-of-N pool itself, which would leak its outcome into the bins
        s["difficulty"] = {}
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
    kept_cells = {r["cell"]: int(r.get("runs") or 1) for r in kept}   # a row counts its cell's every run
    # a problem's difficulty comes from its pool cell: the summary's only where that cell is not on disk
    kept_pools = {p: x for p, x in summary["difficulty"].items() if p not in diff}
    diff = {**kept_pools, **diff}
    return meta, rows + kept, diff, len(cells) + sum(kept_cells.values()) + len(kept_pools)


def write_summary(sweep_dir: str | Path) -> Path:
    """A compact copy of the results (no trees) that ``build`` can read without the cells.
    It keeps what an earlier summary of the same sweep recorded for cells no longer on disk,
    so writing it again (``report``, the end of a sweep) never loses results."""
    d = Path(sweep_dir)
    meta, rows, diff, n_cells = results(d)
    out = {"meta": meta, "rows": rows, "difficulty": diff, "cells": n_cells}
    return write_atomic(d / SUMMARY, json.dumps(out, separators=(",", ":"), allow_nan=False))
