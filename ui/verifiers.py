"""Verifiers: how well each verifier finds the first wrong step (ProcessBench's metric), from
the results of ``ttc-viz bench-verifier``; a plot per verifier and a browser of the scored
solutions (``ttc_viz.experiments.bench_verifier``)."""
import streamlit as st

from ttc_viz.experiments.bench_verifier import BenchDataError, figure, load_result, rows, shipped_result, solution_view
from ui.common import md_escape

SHOW = ("every solution", "a verifier missed the first error", "a verifier flagged a right solution")


@st.cache_data(max_entries=4)
def _result(path: str, stamp: float) -> dict:
    return load_result(path)


def _missed(res: dict, i: int, kind: str) -> bool:
    lab = res["items"][i]["label"]
    flags = [solution_view(res, i)["verifiers"][v]["flagged"] for v in res["verifiers"]]
    if kind == SHOW[1]:
        return lab >= 0 and any(f != lab for f in flags)
    if kind == SHOW[2]:
        return lab == -1 and any(f != -1 for f in flags)
    return True


def _name(it: dict) -> str:
    return f"{it['id']} (first error: {'none' if it['label'] < 0 else 'step ' + str(it['label'])})"


def page_verifiers() -> None:
    st.title("How good is each verifier?")
    st.markdown("A search trusts its verifier to notice where a solution goes wrong. Here each verifier scored "
                "solutions whose **earliest wrong step** is known (labelled by the answer key), the way "
                "ProcessBench measures it: the verifier *flags* the first step it scores below a threshold (chosen on "
                "a separate split, never on these solutions), and it is right when that is the labelled step, or when "
                "it flags nothing in a solution that is right throughout.")
    path = shipped_result()
    try:
        res = _result(str(path), path.stat().st_mtime)
    except (OSError, BenchDataError) as e:  # said without the server's paths
        why = ("the shipped results file is missing" if isinstance(e, OSError)
               else md_escape(str(e).replace(str(path), path.name)))
        st.info(f"No verifier results to show ({why}). Make them with "
                "`ttc-viz bench-verifier --verifiers symbolic,answer-key,prm --json bench.json`.")
        return
    d, dev = res["data"], res.get("dev")
    st.dataframe(rows(res), hide_index=True, key="vb_table")
    st.caption(f"Scored: {d['solutions']:,} solutions of {d['problems']} held-out problems ({d['erroneous']} with "
               f"a wrong step, {d['correct']} right throughout)"
               + (f"; thresholds chosen on {dev['solutions']:,} other solutions of {dev['problems']} training problems"
                  if dev else "") +
               ". F1: the harmonic mean of the two accuracies. Step AUROC: every step's score against whether the "
               "solution is still on track there. Within-problem AUROC and pick accuracy: what search uses, ranking "
               "the solutions of one problem (is a right one scored above a wrong one; is the top-scored one right). "
               "[95% bootstrap interval over problems.] The answer key scores 100% by construction: it made the "
               "labels, so its row checks the measurement.")
    tabs = st.tabs(res["verifiers"])
    for tab, name in zip(tabs, res["verifiers"]):
        with tab:
            st.plotly_chart(figure(res, name), key=f"vb_fig_{name}")
    st.subheader("Solution by solution")
    kind = st.radio("Show", SHOW, horizontal=True, key="vb_show")
    idx = [i for i in range(len(res["items"])) if _missed(res, i, kind)]
    if not idx:
        st.info("No solution of that kind.")
        return
    i = st.selectbox(f"Solution ({len(idx)})", idx, key="vb_pick", format_func=lambda j: _name(res["items"][j]))
    view = solution_view(res, i)
    it = view["item"]
    st.markdown(f"**{md_escape(it['problem'])}**")
    table = []
    for j, text in enumerate(it["steps"]):
        row = {"step": j, "text": text, "label": "first error" if j == it["label"] else
               ("wrong before" if 0 <= it["label"] < j else "on track")}
        for name, v in view["verifiers"].items():
            row[name] = f"{v['scores'][j]:.2f}" + (" ⚑" if v["flagged"] == j else "")
        table.append(row)
    st.dataframe(table, hide_index=True, key="vb_steps")
    st.caption("⚑ marks the step each verifier flagged (its first score below its threshold: "
               + ", ".join(f"{n} {res['results'][n]['threshold']:.2f}" for n in res["verifiers"]) + ").")


page_verifiers()
