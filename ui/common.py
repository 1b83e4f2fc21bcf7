"""Shared pieces of the app's pages: settings, problem input, live search, tree views.

A thin UI over ``ttc_viz``: every number shown is read from a SearchTree; the search runs
in a background thread (ttc_viz.jobs) so the page stays live and Stop ends it cleanly.
The model is loaded once per process (st.cache_resource) and shared by all browser tabs;
the generator serialises its own decoding, so concurrent searches stay seed-reproducible.
"""
from __future__ import annotations

import os
import tempfile
import time

import streamlit as st

from ttc_viz.grading import equivalent
from ttc_viz.jobs import SearchJob
from ttc_viz.plots import legend_markdown, score_fig_from_rows, tree_figure
from ttc_viz.problems import ProblemError, load_jsonl, make_problem, synthetic
from ttc_viz.scoring import AGGREGATIONS, VOTING_RULES
from ttc_viz.search import STRATEGIES, SearchConfig, finalize
from ttc_viz.tree import SearchTree, TreeFormatError
from ttc_viz.verifiers import VERIFIERS, load_verifier
from ttc_viz.verifiers.hf_prm import FORMATS as PRM_FORMATS
from ttc_viz.views import (answer_rows, figure_html, figure_png, path_rows, rescore,
                           round_rows)

STRATEGY_LABEL = {"best_of_n": "Best-of-N", "beam": "Beam search", "lookahead": "Lookahead search",
                  "dvts": "DVTS (diverse subtrees)"}
MAX_UI_N = 256  # the engine allows more; the page stays responsive up to here on a laptop


# ------------------------------------------------------------------------- shared resources
@st.cache_resource(show_spinner="Loading the model (the first start converts it: ~20 s)…")
def get_generator(spec: str):
    from ttc_viz.lm import load_generator

    return load_generator(spec)


@st.cache_resource(show_spinner="Loading the verifier…")
def get_verifier(name: str, trust_remote_code: bool = False):
    return load_verifier(name, trust_remote_code=trust_remote_code)


# ------------------------------------------------------------------------- sidebar settings
def sidebar_settings(key: str = "") -> tuple[str, str, SearchConfig]:
    sb = st.sidebar
    sb.header("Model and verifier")
    preset = sb.selectbox("Generator", ["embedded: SmolLM2-135M-Instruct (CPU, offline)",
                                        "Hugging Face model id or folder…"], key="preset")
    model = "embedded"
    if preset.startswith("Hugging"):
        model = sb.text_input("Model id or local folder", key="hf_model",
                              help="Any causal LM with a chat template, e.g. Qwen/Qwen2.5-Math-1.5B-Instruct "
                                   "(must already be downloaded to this machine's cache)").strip() or "embedded"
    verifier = sb.selectbox("Verifier (PRM)", list(VERIFIERS) + ["Hugging Face PRM…"], key="verifier",
                            help="symbolic: checks every 'a op b = c' in a step exactly")
    if verifier.startswith("Hugging"):
        prm_id = sb.text_input("PRM id or local folder", key="prm_id",
                               help="e.g. peiyi9979/math-shepherd-mistral-7b-prm (downloaded beforehand)").strip()
        fmt = sb.selectbox("PRM format", PRM_FORMATS, key="prm_format")
        sb.checkbox("Trust the model's own code", key="prm_trust",
                    help="Only the Qwen PRM needs it; it runs Python code shipped with the model")
        verifier = f"hf:{prm_id}:{fmt}" if prm_id else "symbolic"
    sb.header("Search")
    sb.number_input("Seed", min_value=0, max_value=2**31 - 2, value=0, key="seed")
    cfg = SearchConfig(
        n=int(sb.number_input("Budget N", min_value=1, max_value=MAX_UI_N * 4, value=16, key="n",
                              help="best-of-N: N whole samples; beam/DVTS/lookahead: N candidates per round")),
        m=int(sb.number_input("Beam width M", min_value=1, max_value=MAX_UI_N, value=4, key="m",
                              help="beam keeps N/M per round and expands each M ways; DVTS runs N/M subtrees")),
        k=int(sb.number_input("Lookahead k", min_value=0, max_value=8, value=1, key="k",
                              help="lookahead only: greedy steps rolled out to score a candidate")),
        temperature=float(sb.slider("Temperature", 0.0, 1.5, 0.8, 0.05, key="temperature")),
        aggregation=sb.selectbox("Aggregation", AGGREGATIONS, key="aggregation",
                                 help="how step scores become a solution score; 'last' is the paper's"),
        voting=sb.selectbox("Voting rule", VOTING_RULES, index=1, key="voting"),
        max_rounds=int(sb.number_input("Max rounds", min_value=1, max_value=40, value=12, key="max_rounds")),
        seed=int(st.session_state.get("seed", 0)),
    )
    return model, verifier, cfg


def check_config(strategy: str, cfg: SearchConfig) -> str | None:
    if cfg.n > MAX_UI_N:
        return f"N = {cfg.n} is more than this page runs ({MAX_UI_N}); use the CLI for larger budgets."
    try:
        cfg.check(strategy)
    except ValueError as e:
        return str(e)
    return None


# ------------------------------------------------------------------------- problem input
def problem_input(prefix: str = ""):
    """The problem box: free text, a synthetic problem, or one from an uploaded JSONL."""
    source = st.radio("Problem", ["Type your own", "Synthetic (levels 1-5)", "From a JSONL file"],
                      horizontal=True, key=f"{prefix}source")
    try:
        if source == "Type your own":
            text = st.text_area("Problem text", key=f"{prefix}problem_text", height=90,
                                value="Ana has 12 apples. She buys 7 more and gives 4 to Ben. How many apples does she have now?")
            ans = st.text_input("Ground-truth answer (optional: marks leaves right/wrong)", key=f"{prefix}answer",
                                value="15")
            return make_problem(text, ans)
        if source.startswith("Synthetic"):
            c1, c2 = st.columns(2)
            level = c1.selectbox("Level", [1, 2, 3, 4, 5], index=1, key=f"{prefix}level")
            idx = c2.number_input("Index", min_value=0, max_value=100_000, value=0, key=f"{prefix}index")
            p = synthetic(int(level), int(idx))
            st.info(f"**{p.text}**  \nanswer: {p.answer}")
            return p
        up = st.file_uploader("MATH-style (problem/answer) or GSM8K-style (question/answer) .jsonl",
                              type=["jsonl", "json", "txt"], key=f"{prefix}upload")
        if up is None:
            st.caption("Upload a file to pick a problem from it.")
            return None
        probs = _load_uploaded(up.getvalue(), up.name)
        i = st.selectbox("Problem", range(len(probs)), key=f"{prefix}pick",
                         format_func=lambda i: f"{i}: {probs[i].text[:90]}")
        st.info(f"**{probs[i].text}**  \nanswer: {probs[i].answer}")
        return probs[i]
    except ProblemError as e:
        st.warning(str(e))
        return None


@st.cache_data(max_entries=8, show_spinner=False)
def _load_uploaded(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, os.path.basename(name) or "upload.jsonl")
        with open(path, "wb") as fh:
            fh.write(data)
        return load_jsonl(path)


# ------------------------------------------------------------------------- running
def start_job(key: str, runs, model: str, verifier: str) -> None:
    try:
        gen = get_generator(model)
    except Exception as e:  # noqa: BLE001 - a model that fails to load: say so, keep the page
        st.error(f"Could not load the model {model!r}: {e}")
        return
    try:
        ver = get_verifier(verifier, bool(st.session_state.get("prm_trust")))
    except Exception as e:  # noqa: BLE001 - a PRM that fails to load: say so, keep the page
        st.error(f"Could not load the verifier {verifier!r}: {e}")
        return
    st.session_state[key] = SearchJob(runs, gen, ver).start()


def job_panel(key: str, on_done) -> None:
    """Live view of a running job: redrawn once per finished round (the script waits on
    the job without using CPU, so decoding keeps both cores); hands the finished trees to
    ``on_done`` once. Stop asks the job to end after its current round."""
    job: SearchJob | None = st.session_state.get(key)
    if job is None:
        return
    c1, c2 = st.columns([4, 1])
    c2.button("Stop", key=f"stop_{key}", on_click=job.stop, type="secondary",
              help="End the search after the current round; the partial tree is kept.")
    status, chart = c1.empty(), st.empty()
    seen = -1
    while True:
        version = job.wait_update(seen, timeout=1.0)
        trees, partial = job.snapshot()
        if job.done:
            break
        name = job.runs[job.current][0]
        rounds = partial.iterations if partial else 0
        status.info(f"Running {STRATEGY_LABEL.get(name, name)} ({job.current + 1}/{len(job.runs)}) · "
                    f"round {rounds} done · {len(partial.nodes) - 1 if partial else 0} steps so far · "
                    f"{time.time() - job.started:.0f} s" + (" · stopping after this round…" if job.stopping else ""))
        if version != seen and partial is not None:
            chart.plotly_chart(tree_figure(partial, show_pruned=len(partial.nodes) < 250),
                               key=f"live_{key}_{job.current}_{version}", width="stretch")
        seen = version
    st.session_state.pop(key, None)
    if job.error:
        st.error(f"The search failed: {job.error}")
        return
    on_done([t for t in trees if t is not None])
    st.rerun()


# ------------------------------------------------------------------------- tree views
def tree_explorer(tree: SearchTree, key: str = "main") -> None:
    T = tree.iterations
    big = len(tree.nodes) > 250
    c1, c2, c3 = st.columns([3, 1, 1])
    show_pruned = c2.toggle("Show pruned", value=not big, key=f"{key}_pruned",
                            help="Hidden pruned steps are counted in their parent's hover text")
    show_roll = c3.toggle("Show rollouts", value=True, key=f"{key}_roll")
    rk = f"{key}_round"
    if rk not in st.session_state or st.session_state[rk] > T:
        st.session_state[rk] = T
    with c1:
        if T > 1:
            b1, b2, b3 = st.columns([1, 6, 1])
            b1.button("◀", key=f"{key}_prev", help="previous round",
                      on_click=lambda: st.session_state.__setitem__(rk, max(1, st.session_state[rk] - 1)))
            b3.button("▶", key=f"{key}_next", help="next round",
                      on_click=lambda: st.session_state.__setitem__(rk, min(T, st.session_state[rk] + 1)))
            b2.slider("Replay: round", 1, T, key=rk, label_visibility="collapsed")
        else:
            st.caption("One round: every sample was drawn at once.")
    t = st.session_state[rk]
    sel_key = f"{key}_node"
    selected = st.session_state.get(sel_key)
    fig = tree_figure(tree, iteration=t, show_pruned=show_pruned, show_rollouts=show_roll, selected=selected)
    event = st.plotly_chart(fig, on_select="rerun", selection_mode="points", key=f"{key}_fig", width="stretch")
    st.caption(legend_markdown() + " · click a node to see its path")
    pts = (event or {}).get("selection", {}).get("points", []) if isinstance(event, dict) else \
        getattr(getattr(event, "selection", None), "points", []) or []
    for p in pts:
        cd = p.get("customdata") if isinstance(p, dict) else None
        if isinstance(cd, list):
            cd = cd[0] if cd else None
        if isinstance(cd, (int, float)) and 0 < int(cd) < len(tree.nodes) and int(cd) != selected:
            st.session_state[sel_key] = int(cd)
            st.session_state[f"{key}_nodepick"] = int(cd)  # the path table follows the click
            st.rerun()
    ids = [n.id for n in tree.nodes[1:] if n.iteration <= t]
    if ids:
        default = selected if selected in ids else (tree.selected_path() or [ids[0]])[-1]
        pick_key = f"{key}_nodepick"
        if st.session_state.get(pick_key) not in ids:  # first view, or replaying an earlier round
            st.session_state[pick_key] = default if default in ids else ids[0]
        nid = st.selectbox("Path to node", ids, key=pick_key,
                           format_func=lambda i: f"#{i} · round {tree.nodes[i].iteration} · {tree.nodes[i].status} · "
                                                 f"{tree.nodes[i].text[:60]}")
        st.dataframe(path_rows(tree, nid), hide_index=True, width="stretch",
                     column_config={"text": st.column_config.TextColumn(width="large")})


def trees_side_by_side(trees: list[SearchTree], key: str, height: int = 420) -> None:
    """Two or three trees in columns, each with its pick and cost."""
    for col, t in zip(st.columns(len(trees)), trees):
        with col:
            verdict = {True: "✓ right", False: "✗ wrong", None: ""}[t.correct]
            st.markdown(f"**{STRATEGY_LABEL.get(t.strategy, t.strategy)}** picks `{t.selected_answer}` {verdict} · "
                        f"{t.cost.tokens_generated} tokens · {t.cost.wall_s:.1f} s")
            st.plotly_chart(tree_figure(t, show_pruned=len(t.nodes) < 200, height=height),
                            key=f"{key}_{t.strategy}", width="stretch")


def answers_panel(tree: SearchTree) -> None:
    rows = answer_rows(tree)
    c1, c2 = st.columns([3, 2])
    with c1:
        verdict = {True: "✓ right", False: "✗ wrong", None: ""}[tree.correct]
        st.markdown(f"**Selected answer ({tree.config.get('voting')}):** `{tree.selected_answer}` {verdict}"
                    + ("  \n*stopped early: picked from the partial tree*" if tree.stopped else ""))
        if rows:
            st.dataframe([{"answer": r["answer"], "count": r["count"], "summed score": round(r["weight"], 3),
                           "best score": round(r["best"], 3),
                           "right?": {True: "✓", False: "✗", None: "?"}[r["correct"]],
                           "picked by": r["picked by"]} for r in rows], hide_index=True, width="stretch")
        else:
            st.caption("No finished solution stated an answer.")
    with c2:
        if rows:
            st.plotly_chart(score_fig_from_rows(rows), key=f"ans_{id(tree)}", width="stretch")
    c = tree.cost
    m = st.columns(5)
    m[0].metric("generations", c.generations)
    m[1].metric("tokens generated", c.tokens_generated)
    m[2].metric("prompt tokens", c.tokens_prompt)
    m[3].metric("steps scored", c.verifier_calls)
    m[4].metric("wall time", f"{c.wall_s:.1f} s")


def what_if(tree: SearchTree, sidebar_verifier: str = "symbolic") -> None:
    st.subheader("What if…? (no new generation)")
    c1, c2 = st.columns(2)
    agg = c1.radio("Aggregation", AGGREGATIONS, index=AGGREGATIONS.index(tree.config.get("aggregation", "last")),
                   horizontal=True, key="wi_agg")
    rule = c2.radio("Voting rule", VOTING_RULES, index=VOTING_RULES.index(tree.config.get("voting", "weighted")),
                    horizontal=True, key="wi_vote")
    alt = finalize(SearchTree.from_dict(tree.to_dict()), aggregation=agg, voting=rule)
    verdict = {True: "✓ right", False: "✗ wrong", None: ""}[alt.correct]
    changed = "" if equivalent(alt.selected_answer, tree.selected_answer) else " ← **the pick changes**"
    st.markdown(f"With **{agg}** aggregation and **{rule}** voting the pick is `{alt.selected_answer}` "
                f"{verdict}{changed}.  All three rules: naive `{alt.picks.get('naive')}`, "
                f"weighted `{alt.picks.get('weighted')}`, majority `{alt.picks.get('majority')}`.")
    if tree.strategy != "best_of_n":
        st.caption("Beam-style trees keep the branches that were chosen under the original rule; "
                   "the re-pick votes over the same finished leaves.")
    choices = list(dict.fromkeys([sidebar_verifier, *VERIFIERS]))
    other = st.selectbox("Re-score the recorded steps with", choices, key="wi_verifier",
                         help="Pick a Hugging Face PRM in the sidebar to compare it with the symbolic checker")
    if st.button("Re-score", key="wi_rescore"):
        try:
            re_tree, diffs = rescore(tree, get_verifier(other, bool(st.session_state.get("prm_trust"))))
        except Exception as e:  # noqa: BLE001
            st.error(f"Re-scoring failed: {e}")
            return
        st.markdown(f"Re-scored by **{other}**: pick `{re_tree.selected_answer}`; "
                    f"{len(diffs)} steps where the verifiers disagree (one above 0.5, the other below).")
        if diffs:
            st.dataframe(diffs, hide_index=True, width="stretch")


def export_panel(tree: SearchTree, key: str = "x") -> None:
    st.subheader("Save and share")
    c1, c2, c3 = st.columns(3)
    name = f"ttc-{tree.strategy}-N{tree.config.get('n')}"
    c1.download_button("Tree as JSON", tree.to_json(), file_name=f"{name}.json", mime="application/json",
                       key=f"{key}_json", help="Load it back below: it replays without any model")
    fig = tree_figure(tree)
    c2.download_button("Interactive HTML", figure_html(fig), file_name=f"{name}.html", mime="text/html",
                       key=f"{key}_html", help="A standalone page for slides; works offline")
    if c3.button("Make PNG", key=f"{key}_png_make"):
        try:
            st.session_state[f"{key}_png"] = figure_png(fig)
        except RuntimeError as e:
            st.warning(str(e))
    if st.session_state.get(f"{key}_png"):
        c3.download_button("Download PNG", st.session_state[f"{key}_png"], file_name=f"{name}.png",
                           mime="image/png", key=f"{key}_png_dl")


def load_tree_box() -> None:
    up = st.file_uploader("Load a saved tree (.json)", type=["json"], key="tree_upload")
    if up is not None and st.session_state.get("tree_upload_seen") != (up.name, up.size):
        st.session_state["tree_upload_seen"] = (up.name, up.size)
        try:
            text = up.getvalue().decode("utf-8")
            st.session_state["tree"] = SearchTree.from_json(text)
            st.session_state.pop("main_node", None)
            st.session_state.pop("main_nodepick", None)
            st.session_state.pop("main_round", None)
            st.success(f"Loaded {up.name}.")
        except (TreeFormatError, UnicodeDecodeError) as e:
            st.error(f"That file is not a ttc-viz tree: {e}")


