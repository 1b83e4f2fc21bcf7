"""Curves: accuracy versus test-time budget from a sweep, per difficulty bin, with the
compute-optimal line; click a point to see that cell's problems and open a tree in Explore."""
from pathlib import Path

import streamlit as st

from ttc_viz.experiments.cells import BIN_KINDS, SHIPPED_SWEEP, load_tree
from ttc_viz.experiments.figures import X_AXES, curves_figure, ratio_figure
from ttc_viz.experiments.optimal import bin_size_note
from ttc_viz.experiments.report import build
from ttc_viz.experiments.summary import results
from ttc_viz.search import strategies
from ttc_viz.settings import sweep_folders
from ttc_viz.tree import TreeFormatError
from ui.common import settings
from ui.lesson_draft import open_lesson
from ui.tree_state import open_tree

DIFFICULTY_LESSON = "3-difficulty"  # the shipped lesson that walks through this page's sweep


@st.cache_data(show_spinner="Reading the sweep (the selection is redone in every bootstrap resample)…",
               max_entries=8)
def get_report(folder: str, bin_kind: str, charge: bool, stamp: float) -> dict:
    return build(folder, bin_kind, charge_difficulty=charge)


AXIS_NAMES = {"generations": "generations", "computed": "computed tokens", "flops": "FLOPs", "seconds": "seconds"}


def _stamp(folder: Path) -> float:
    """Changes when cells are added, so a sweep still running shows its new cells."""
    cells = folder / "cells"
    if cells.is_dir():
        return cells.stat().st_mtime
    summary = folder / "summary.json"
    return summary.stat().st_mtime if summary.exists() else 0.0


@st.cache_data(max_entries=16)
def _has_pools(folder: str, stamp: float) -> bool:
    return bool(results(Path(folder))[2])


def _bin_kinds(path: Path) -> list[str]:
    """The bins this sweep can make: oracle and predicted need its independent difficulty pools
    (`--difficulty-pool`); a sweep without them offers bins by level only."""
    try:
        pools = _has_pools(str(path), _stamp(path))
    except (ValueError, OSError):
        pools = True   # the report below says what is wrong with the folder
    return list(BIN_KINDS) if pools else ["level"]


def page_curves() -> None:
    st.title("Accuracy versus test-time budget")
    st.caption("Each line is a strategy; the band is its 95% bootstrap interval (problems resampled). The black line is the "
               "compute-optimal selector: per difficulty bin and budget, the strategy that did best on the other "
               "half of the bin's problems, over 200 random halvings (repeated 2-fold cross-validation).")
    # only the folders the operator allowed (the shipped sweep, and --sweeps / TTC_VIZ_SWEEPS)
    folders = [str(f) for f in sweep_folders(settings(), SHIPPED_SWEEP)]
    if not folders:
        st.error("This server offers no sweep folder.")
        return
    folder = st.selectbox("Sweep", folders, key="cv_folder",
                          format_func=lambda f: "the shipped sweep (data/sweep-smollm2)" if f == str(SHIPPED_SWEEP)
                          else Path(f).name,
                          help="Made by `ttc-viz sweep --out FOLDER`; the server's operator chooses which "
                               "folders this page may open")
    path = Path(folder)
    c1, c2, c3 = st.columns(3)
    kinds = _bin_kinds(path)
    if st.session_state.get("cv_bins_for") != folder:   # a new folder: oracle bins if it has difficulty pools
        st.session_state["cv_bins_for"] = folder
        st.session_state.pop("cv_bins", None)
    kind = c1.radio("Difficulty bins", kinds, horizontal=True, key="cv_bins", index=0,
                    help="oracle: pass@1 of an independent pool of samples per problem (needs the answers); "
                         "predicted: the verifier's mean score of that pool's final answers (needs none); level: "
                         "the synthetic level. The pool is never one a strategy is scored from, so a bin cannot "
                         "favour the strategy it was measured with.")
    if kinds == ["level"]:
        c1.caption("Bins by level only: this sweep was made without independent difficulty pools "
                   "(`ttc-viz sweep --difficulty-pool N`), which oracle and predicted bins need.")
    charge = c1.checkbox("Charge the difficulty estimate's cost", key="cv_charge", disabled=kinds == ["level"],
                         help="Off, as in the paper: compute-optimal is shown as if knowing each question's "
                              "difficulty were free. On: each problem's difficulty pool is added to its cost.") and len(kinds) > 1
    try:
        rep = get_report(str(path), kind, charge, _stamp(path))
    except (ValueError, OSError) as e:
        st.error(f"Cannot read this sweep with {kind} bins: {e}")
        return
    bin_ids = ["all"] + sorted(k for k in rep["curves"] if k != "all")
    bin_id = c2.selectbox("Bin", bin_ids, key="cv_bin",
                          format_func=lambda b: "all problems" if b == "all" else f"bin {b} (1 = easiest)")
    x = c3.radio("Cost on the x axis", list(X_AXES), horizontal=True, key="cv_x", format_func=AXIS_NAMES.get,
                 help="generations: the paper's budget; computed tokens: what the models actually ran (prefill "
                      "served from a KV cache not counted); FLOPs: 2 × parameters × computed tokens; seconds: wall "
                      "time on the machine that ran the sweep")
    names = sorted(rep["curves"]["all"])
    shown = st.multiselect("Strategies", names, default=names, key="cv_configs")
    if x != "generations" and any(pt.get(x) is None for c in rep["curves"]["all"].values() for pt in c.values()):
        st.info(f"Some {AXIS_NAMES[x]} are unknown for this sweep (a model that does not report its parameter "
                "count, or a sweep made before computed tokens were recorded); those points are not drawn.")
    if st.button("▶ The lesson: the best strategy depends on how hard the question is", key="cv_lesson",
                 help="Steps through this sweep bin by bin on the Lessons page, large enough for a room"):
        open_lesson(DIFFICULTY_LESSON)
        st.switch_page("ui/lessons.py")
    fig = curves_figure(rep, bin_id, x, configs=shown)
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key="cv_chart",
                            width="stretch")
    e = rep["efficiency"]
    m1, m2, m3 = st.columns(3)
    m1.metric("problems", len(rep["problems"]))
    m2.metric("cells", rep["cells"])
    mult, iv = e["multiple"].get(x), e.get("interval", {}).get(x) or {}
    if mult:
        span = f" (95%: {iv['lo']:.1f}–{iv['hi']:.1f}×)" if iv.get("lo") is not None else ""
        m3.metric("efficiency multiple", f"{mult:.1f}×",
                  help=f"on {AXIS_NAMES[x]}: how many times less compute-optimal needs to match best-of-N weighted "
                       f"at budget {e['largest']} ({e['target']:.0%}), interpolated on the log axis{span}; the "
                       "interval redoes the selection in every bootstrap resample")
    else:
        m3.metric("efficiency multiple", "not reached" if e["target"] else "n/a")
    if rep.get("charged_difficulty"):
        st.caption("The difficulty pool's cost is charged to compute-optimal.")
    note = bin_size_note(rep["bin_of"])
    if note:
        st.warning(note[0].upper() + note[1:] + ".")
    meta = rep["meta"]
    st.caption(f"generator {meta.get('generator')}, verifier {meta.get('verifier')}, "
               f"dataset {meta['config']['dataset']}, seed {meta['config']['seed']}")
    if rep.get("ratios"):
        _ratio_panel(rep)
    _cell_panel(rep, path, bin_id, event)


def _ratio_panel(rep: dict) -> None:
    """Accuracy against the sequential:parallel ratio at one budget, per difficulty bin (a
    sweep with sequential revisions at two ratios or more)."""
    st.subheader("Sequential or parallel?")
    st.caption("The same budget spent as parallel chains of sequential revisions: seq attempts per chain, "
               "budget/seq chains. Left: all parallel (independent tries); right: all sequential (one chain "
               "that keeps revising). Snell et al. found easier questions gain from revising, harder ones from "
               "a mix; each line is one difficulty bin (1 = easiest).")
    budgets = sorted(rep["ratios"])
    budget = st.selectbox("Budget", budgets, index=len(budgets) - 1, key="cv_ratio_budget")
    st.plotly_chart(ratio_figure(rep, budget), key="cv_ratio_chart", width="stretch")


def _cell_panel(rep: dict, path: Path, bin_id, event) -> None:
    pts = (event or {}).get("selection", {}).get("points", []) if event else []
    pick = next((p.get("customdata") for p in pts if p.get("customdata")), None)
    st.subheader("A point's problems")
    configs = sorted({r["config"] for r in rep["rows"]})
    if pick and pick[0] in configs and st.session_state.get("cv_last_pick") != pick:
        st.session_state["cv_last_pick"] = pick  # a click sets the two pickers below
        st.session_state["cv_pt_config"], st.session_state["cv_pt_budget"] = pick[0], int(pick[1])
    st.caption("Click a point on a strategy's line, or pick one here.")
    c1, c2 = st.columns(2)
    config = c1.selectbox("Strategy", configs, key="cv_pt_config")
    budgets = sorted({r["budget"] for r in rep["rows"] if r["config"] == config})
    if st.session_state.get("cv_pt_budget") not in budgets:
        st.session_state["cv_pt_budget"] = budgets[-1]
    budget = c2.selectbox("Budget", budgets, key="cv_pt_budget")
    rows = [r for r in rep["rows"] if r["config"] == config and r["budget"] == budget
            and (bin_id == "all" or rep["bin_of"].get(r["problem_id"]) == bin_id)]
    st.markdown(f"**{config}** at budget **{budget}**: {len(rows)} problems, "
                f"accuracy {sum(r['acc'] for r in rows) / max(1, len(rows)):.0%}")
    table = [{"problem": r["problem_id"], "level": r["level"], "accuracy": round(r["acc"], 3),
              "tokens": round(r["tokens"]), "bin": rep["bin_of"].get(r["problem_id"])} for r in rows]
    st.dataframe(table, hide_index=True)
    if not rows:
        return
    kept = {r["problem_id"] for r in rows if r["cell"] in rep["trees"]}
    if len(kept) < len(rows):
        st.caption(f"This folder keeps the trees of {len(rep['trees'])} of its {rep['cells']} cells; the others "
                   "are results only (summary.json). Problems marked 'no tree' cannot be opened.")
    choice = st.selectbox("Open the tree of", [r["problem_id"] for r in rows], key="cv_problem",
                          format_func=lambda p: p if p in kept else f"{p} (no tree)")
    row = next(r for r in rows if r["problem_id"] == choice)
    spec = strategies.REGISTRY.get(row["strategy"])
    if spec is not None and spec.pooled and row["budget"] < max(r["budget"] for r in rep["rows"]
                                                                 if r["strategy"] == row["strategy"]):
        st.caption(f"{spec.label} budgets below the pool size are scored by subsampling the one pool; "
                   "the tree shown is the whole pool.")
    if st.button("Open in Explore", key="cv_open"):
        try:
            tree = load_tree(path, row["cell"])
        except (ValueError, OSError, TreeFormatError) as err:
            st.error(f"This sweep keeps no tree for that cell ({err})")
            return
        open_tree(tree)
        st.switch_page("ui/explore.py")


page_curves()
