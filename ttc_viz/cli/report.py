"""``ttc-viz report``: tables, the compute-optimal curve and figures from a sweep folder."""
from __future__ import annotations

import sys
from pathlib import Path

from .common import count

NAME = "report"


def add_parser(sub):
    from ..experiments.cells import BIN_KINDS

    r = sub.add_parser(NAME, help="tables, the compute-optimal curve and figures from a sweep folder",
                       description="Read a sweep folder (its cells, or summary.json without them) and print accuracy "
                                   "by strategy and budget, per difficulty bin, with the compute-optimal selector "
                                   "(repeated random 2-fold cross-validation inside each bin), its efficiency multiple "
                                   "on generations, computed tokens, FLOPs and seconds with intervals that redo the "
                                   "selection, per-bin comparisons with Holm-adjusted p-values and the paper's "
                                   "findings with verdicts; write "
                                   "figures/ (interactive HTML, PNG where a Chrome/Chromium is installed).",
                       epilog="example: ttc-viz report data/sweep-smollm2 --bins predicted")
    r.add_argument("dir", help="a sweep folder")
    r.add_argument("--bins", default=None, choices=BIN_KINDS,
                   help="difficulty bins: oracle (pass@1 of each problem's independent difficulty pool, needs "
                        "answers), predicted (the verifier's mean score of that pool) or level (the synthetic "
                        "level) (default: oracle where the sweep has difficulty pools, else level)")
    r.add_argument("--charge-difficulty", action="store_true",
                   help="add each problem's difficulty pool to compute-optimal's cost (off, as in the paper)")
    r.add_argument("--resamples", type=count, default=200,
                   help="bootstrap resamples, each redoing the compute-optimal selection (default 200; 0: none)")
    r.add_argument("--json", action="store_true", help="print JSON instead of tables")
    r.add_argument("--no-figures", action="store_true", help="do not write figures/ (PNG + HTML)")
    return r


def run(a) -> int:
    import json

    from ..experiments.summary import write_summary
    from ..experiments.report import build, json_report, text_report

    rep = build(a.dir, a.bins, charge_difficulty=a.charge_difficulty, resamples=a.resamples)
    if a.json:
        print(json.dumps(json_report(rep), indent=1))
    else:
        print(text_report(rep))
    if not a.no_figures:
        write_figures(rep, Path(a.dir) / "figures")
    if (Path(a.dir) / "cells").is_dir():
        write_summary(a.dir)
    return 0


def write_figures(rep: dict, figdir: Path) -> None:
    from ..experiments.figures import curves_figure, figure_html, figure_png
    from ..io import write_atomic

    figdir.mkdir(exist_ok=True)
    fig = curves_figure(rep, "all")
    write_atomic(figdir / "accuracy.html", figure_html(fig))
    try:
        write_atomic(figdir / "accuracy.png", figure_png(fig, width=1000, height=520))
        for b in [k for k in rep["curves"] if k != "all"]:
            write_atomic(figdir / f"accuracy-bin{b}.png", figure_png(curves_figure(rep, b), width=1000, height=520))
    except Exception as e:  # noqa: BLE001 - PNG needs a Chrome/Chromium; HTML always works
        print(f"(PNG figures skipped: {e})", file=sys.stderr)
    print(f"figures written to {figdir}", file=sys.stderr)
