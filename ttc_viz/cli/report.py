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
    if (Path(a.dir) / "cells").is_dir() and summary_changed(Path(a.dir)):
        write_summary(a.dir)
    return 0


def summary_changed(d: Path) -> bool:
    """Whether ``summary.json`` would say something new: a report of an unchanged sweep (the
    shipped one included) leaves the file as it was."""
    import json

    from ..experiments.summary import SUMMARY, results

    try:
        old = json.loads((d / SUMMARY).read_text(encoding="utf-8"))
        meta, rows, diff, n = results(d)
        new = json.loads(json.dumps({"meta": meta, "rows": rows, "difficulty": diff, "cells": n}))
    except (OSError, ValueError):
        return True
    return old != new


# A figure's PNG carries the fingerprint of what it draws (a tEXt chunk), so a report of an
# unchanged sweep does not render it again: the file, shipped or not, stays byte for byte.
_PNG_KEY = b"ttc-viz-figure"


def _fingerprint(fig) -> str:
    import hashlib

    return hashlib.sha256(fig.to_json().encode("utf-8")).hexdigest()


def png_fingerprint(path: Path) -> str | None:
    """The fingerprint a PNG written by ``write_figures`` carries; None for any other file."""
    import struct

    try:
        data = path.read_bytes()[:1 << 16]
    except OSError:
        return None
    at = 8
    while at + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if kind == b"IDAT":
            return None
        body = data[at + 8:at + 8 + size]
        if kind == b"tEXt" and body.startswith(_PNG_KEY + b"\0"):
            return body[len(_PNG_KEY) + 1:].decode("latin-1")
        at += 12 + size
    return None


def tag_png(png: bytes, fingerprint: str) -> bytes:
    """``png`` with a tEXt chunk holding ``fingerprint`` right after its header chunk."""
    import struct
    import zlib

    body = _PNG_KEY + b"\0" + fingerprint.encode("latin-1")
    chunk = struct.pack(">I", len(body)) + b"tEXt" + body + struct.pack(">I", zlib.crc32(b"tEXt" + body))
    ihdr_end = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    return png[:ihdr_end] + chunk + png[ihdr_end:]


def write_figures(rep: dict, figdir: Path) -> None:
    """figures/: the curves as HTML, and as PNG (all problems, then each bin); a PNG whose
    figure has not changed is left as it is."""
    from ..experiments.figures import curves_figure, figure_html, figure_png
    from ..io import write_atomic

    figdir.mkdir(exist_ok=True)
    fig = curves_figure(rep, "all")
    write_atomic(figdir / "accuracy.html", figure_html(fig))
    figs = {"accuracy.png": fig, **{f"accuracy-bin{b}.png": curves_figure(rep, b) for b in rep["curves"] if b != "all"}}
    try:
        for name, f in figs.items():
            fp = _fingerprint(f)
            if png_fingerprint(figdir / name) != fp:
                write_atomic(figdir / name, tag_png(figure_png(f, width=1000, height=520), fp))
    except Exception as e:  # noqa: BLE001 - PNG needs a Chrome/Chromium; HTML always works
        print(f"(PNG figures skipped: {e})", file=sys.stderr)
    print(f"figures written to {figdir}", file=sys.stderr)
