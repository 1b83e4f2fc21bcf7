"""Figures of a sweep's report (pure: a report dict in, a plotly figure out).

* ``curves_figure(rep, bin, x)``: accuracy against budget, one line per strategy
  configuration (colour: its family, from the strategy's spec; dash: its voting rule), a 95%
  bootstrap band per line, and the compute-optimal line; x is generations (log2), tokens or
  FLOPs.
* ``ratio_figure(rep, budget)``: sequential revisions' accuracy against the
  sequential:parallel ratio, one line per difficulty bin.

Every point carries (configuration, budget) in ``customdata`` so a click finds its cells.

Export of any figure (these, or a tree from ``plots.py``): ``figure_html`` (a standalone
page, plotly.js inlined) and ``figure_png`` (kaleido, through one headless browser kept for
the whole process when asked).
"""
from __future__ import annotations

import math
import threading

import plotly.graph_objects as go

from ..search import strategies

X_AXES = {"generations": "budget (generations as the strategy counts them, log2)",
          "computed": "tokens the models computed per problem (log; KV reuse not counted)",
          "flops": "FLOPs per problem (log, from computed tokens)", "seconds": "seconds per problem (log)"}
_RULE_DASH = {"weighted": "solid", "majority": "dot", "naive": "dash"}
UNKNOWN_COLOR = "#888"  # a configuration whose strategy is not registered here


def config_style(name: str) -> tuple[str, str]:
    """(colour, dash) of a configuration's line: the colour of its strategy's family (from the
    spec), the dash of its voting rule (pooled strategies only; the others vote weighted)."""
    spec = strategies.of_config(name)
    rule = name.split()[1] if spec is not None and spec.pooled and " " in name else "weighted"
    return (spec.color if spec else UNKNOWN_COLOR), _RULE_DASH.get(rule, "solid")


def _band(pts: dict, bs: list) -> tuple[list[float], list[float]]:
    """Low and high edges (percent) of a curve's band: its 95% bootstrap interval over problems,
    or ±1 standard error for a point that has none."""
    lo = [100 * (pts[b]["lo"] if pts[b].get("lo") is not None else pts[b]["acc"] - pts[b]["se"]) for b in bs]
    hi = [100 * (pts[b]["hi"] if pts[b].get("hi") is not None else pts[b]["acc"] + pts[b]["se"]) for b in bs]
    return lo, hi


def _interval(pt: dict) -> str:
    return "" if pt.get("lo") is None else f" (95%: {100 * pt['lo']:.1f}-{100 * pt['hi']:.1f})"


def curves_figure(rep: dict, bin_id="all", x: str = "generations", configs: list[str] | None = None) -> go.Figure:
    """One line per strategy configuration (band: 95% bootstrap interval over problems)
    plus the compute-optimal line; ``customdata`` = (config, budget) so a click finds the cell."""
    if x not in X_AXES:
        raise ValueError(f"x axis must be one of {', '.join(X_AXES)}, got {x!r}")
    curve = rep["curves"].get(bin_id, {})
    fig = go.Figure()
    for name in sorted(curve):
        if configs is not None and name not in configs:
            continue
        pts = curve[name]
        bs = [b for b in sorted(pts) if x == "generations" or pts[b].get(x) is not None]  # unknown costs: not drawn
        if not bs:
            continue
        xs = [b if x == "generations" else pts[b][x] for b in bs]  # nominal budget on the log2 axis
        ys = [100 * pts[b]["acc"] for b in bs]
        lo, hi = _band(pts, bs)
        color, dash = config_style(name)
        if len(bs) > 1:
            fig.add_trace(go.Scatter(x=xs + xs[::-1], y=hi + lo[::-1], mode="lines", fill="toself", line={"width": 0},
                                     fillcolor=color, opacity=0.12, hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(
            x=xs, y=ys, mode="lines+markers", name=name, line={"color": color, "dash": dash},
            customdata=[[name, b, round(lo[i], 1), round(hi[i], 1), pts[b].get("n", "?")] for i, b in enumerate(bs)],
            hovertemplate=f"<b>{name}</b><br>budget %{{customdata[1]}}<br>accuracy %{{y:.1f}}% "
                          f"(95%: %{{customdata[2]}}-%{{customdata[3]}}, %{{customdata[4]}} problems)"
                          f"<br>{x} %{{x:.3s}}<extra></extra>"))
    co = rep["compute_optimal"].get(bin_id, {})
    co = {b: pt for b, pt in co.items() if x == "generations" or pt.get(x) is not None}
    if co:
        bs = sorted(co)
        fig.add_trace(go.Scatter(
            x=[b if x == "generations" else co[b][x] for b in bs], y=[100 * co[b]["acc"] for b in bs],
            mode="lines+markers",
            name="compute-optimal", line={"color": "black", "width": 3}, marker={"symbol": "star", "size": 10},
            customdata=[["compute-optimal", b, ", ".join(f"{c} {100 * w:.0f}%" for c, w in
                                                         list(co[b].get("share", {}).items())[:3]),
                         _interval(co[b])] for b in bs],
            hovertemplate="<b>compute-optimal</b><br>budget %{customdata[1]}<br>accuracy %{y:.1f}%"
                          "%{customdata[3]}<br>%{customdata[2]}<extra></extra>"))
    title = "all problems" if bin_id == "all" else f"difficulty bin {bin_id} ({rep['bin_kind']}; 1 = easiest)"
    fig.update_layout(title=f"Accuracy versus test-time budget - {title}", yaxis_title="accuracy (%)",
                      xaxis_title=X_AXES[x], height=480, margin={"l": 50, "r": 20, "t": 50, "b": 50},
                      legend={"orientation": "v"})
    fig.update_xaxes(type="log", **({"dtick": math.log10(2)} if x == "generations" else {}))
    fig.update_yaxes(rangemode="tozero")
    return fig


BIN_COLORS = ("#1a9850", "#91cf60", "#fdae61", "#f46d43", "#a50026")  # bin 1 (easiest) .. 5


def ratio_figure(rep: dict, budget: int) -> go.Figure:
    """Accuracy against the sequential:parallel ratio at one budget (sequential revisions: seq
    attempts per chain, budget/seq chains), one line per difficulty bin plus all problems; x is
    seq / chains on a log axis, ticks written "seq:chains". ``customdata`` = (config, budget)."""
    per_bin = rep.get("ratios", {}).get(budget, {})
    fig = go.Figure()
    for b, pts in per_bin.items():
        seqs = sorted(pts)
        xs = [q / pts[q]["chains"] for q in seqs]
        name = "all problems" if b == "all" else f"bin {b}"
        color = "black" if b == "all" else BIN_COLORS[(int(b) - 1) % len(BIN_COLORS)]
        fig.add_trace(go.Scatter(
            x=xs, y=[100 * pts[q]["acc"] for q in seqs], mode="lines+markers", name=name,
            line={"color": color, "width": 3 if b == "all" else 2, "dash": "dash" if b == "all" else "solid"},
            customdata=[[pts[q]["config"], budget, f"{q}:{pts[q]['chains']}", pts[q]["n"]] for q in seqs],
            hovertemplate=f"<b>{name}</b><br>%{{customdata[0]}} (%{{customdata[2]}})<br>accuracy %{{y:.1f}}%"
                          "<br>%{customdata[3]} problems<extra></extra>"))
    seqs = sorted({q for pts in per_bin.values() for q in pts})
    fig.update_layout(title=f"Sequential or parallel? Accuracy by ratio at budget {budget}",
                      yaxis_title="accuracy (%)", height=420, margin={"l": 50, "r": 20, "t": 50, "b": 50},
                      xaxis_title="sequential : parallel (attempts per chain : chains; right = more revising)")
    fig.update_xaxes(type="log", tickvals=[q / (budget // q) for q in seqs],
                     ticktext=[f"{q}:{budget // q}" for q in seqs])
    fig.update_yaxes(rangemode="tozero")
    return fig


# ----------------------------------------------------------------------------------------
# Export (any figure: a tree from plots.py as well as the curves above)

def figure_html(fig) -> str:
    """A standalone interactive HTML page (plotly.js inlined: works offline, in slides)."""
    return fig.to_html(include_plotlyjs=True, full_html=True)


_PNG_SERVER = threading.Lock()
_png_server_started = False


def _start_png_server() -> None:
    """Keep one headless browser for every PNG (a server process), instead of one per call."""
    global _png_server_started
    with _PNG_SERVER:
        if not _png_server_started:
            import kaleido

            kaleido.start_sync_server(silence_warnings=True)
            _png_server_started = True


def figure_png(fig, width: int = 1400, height: int | None = None, persistent: bool = False) -> bytes:
    """PNG bytes via kaleido (needs a Chrome/Chromium on the machine). ``persistent``: reuse
    one browser for all calls in this process (the app); otherwise each call starts one."""
    try:
        if persistent:
            _start_png_server()
        return fig.to_image(format="png", width=width, height=height or fig.layout.height or 700, scale=2)
    except Exception as e:  # noqa: BLE001 - kaleido's failures vary by platform
        raise RuntimeError(f"PNG export needs kaleido and a Chrome/Chromium browser: {e}".splitlines()[0]) from None


__all__ = ["X_AXES", "BIN_COLORS", "config_style", "curves_figure", "ratio_figure", "figure_html", "figure_png"]
