"""Shared pieces of the app's pages: settings, problem input, live search, tree views.

A thin UI over ``ttc_viz``: every number shown is read from a SearchTree; the search runs
in a background thread (ttc_viz.jobs) so the page stays live and Stop ends it cleanly.
The model is loaded once per process (st.cache_resource) and shared by all browser tabs;
the generator serialises its own decoding, so concurrent searches stay seed-reproducible.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import time

import streamlit as st

from ttc_viz import settings as server_settings
from ttc_viz.grading import equivalent
from ttc_viz.jobs import JobQueue, JobRefused, SearchJob
from ttc_viz.plots import legend_markdown, score_fig_from_rows, tree_figure
from ttc_viz.problems import LEVELS, ProblemError, load_jsonl, make_problem, synthetic
from ttc_viz.scoring import AGGREGATIONS, VOTING_RULES
from ttc_viz.search import SearchConfig, finalize, strategies
from ttc_viz.tree import SearchTree, TreeFormatError
from ttc_viz.verifiers import load_verifier
from ttc_viz.views import (answer_rows, figure_html, figure_png, path_rows, rescore,
                           round_rows, tree_fingerprint, verdict)

STRATEGIES = strategies.names()  # from the registry's specs, cheaper families first
STRATEGY_LABEL = {s.name: s.label for s in strategies.specs()}
MAX_UI_N = 256  # the engine allows more; the page stays responsive up to here on a laptop
MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # also server.maxUploadSize in .streamlit/config.toml
MODEL_LABEL = {"embedded": "embedded: SmolLM2-135M-Instruct, fine-tuned (CPU, offline)",
               "embedded-base": "embedded base: SmolLM2-135M-Instruct without the adapter"}


def served_label(spec: str) -> str:
    """A model or PRM on a serving engine (``openai:<base-url>#<model>...``) named by its model
    and host, without the options; anything else as it is."""
    if not spec.startswith("openai:") or "#" not in spec:
        return spec
    url, _, rest = spec[len("openai:"):].partition("#")
    host = url.split("://", 1)[-1].split("/", 1)[0]
    return f"{rest.split(';')[0]} (served at {host})"


# ------------------------------------------------------------------------- operator settings
def settings() -> server_settings.ServerSettings:
    """What the operator allowed when starting the server (command line after ``--``, or the
    environment); see ttc_viz/settings.py. Visitors choose among these only."""
    argv = sys.argv[1:] if sys.argv and os.path.basename(sys.argv[0]) == "app.py" else []
    return server_settings.load(os.environ, argv)


@st.cache_resource(show_spinner=False)
def get_queue(limits: tuple) -> JobQueue:
    """One job queue for the whole server process (all sessions)."""
    from ttc_viz.jobs import Limits

    return JobQueue(Limits(*limits))


def queue() -> JobQueue:
    lim = settings().limits
    return get_queue((lim.max_running, lim.max_queued, lim.per_session, lim.max_tokens))


# ------------------------------------------------------------------------- shared resources
@st.cache_resource(show_spinner="Loading the model (the first start converts it: ~20 s)…")
def get_generator(spec: str, trust_remote_code: bool = False):
    from ttc_viz.lm import load_generator

    return load_generator(spec, trust_remote_code=trust_remote_code)


@st.cache_resource(show_spinner="Loading the verifier…")
def get_verifier(name: str, trust_remote_code: bool = False):
    return load_verifier(name, trust_remote_code=trust_remote_code)


def allowed_generator(choice: str):
    """The generator for an operator-allowed choice (a SettingsError for anything else)."""
    s = settings()
    return get_generator(s.model_spec(choice), s.trust_remote_code)


def allowed_verifier(spec: str):
    s = settings()
    return get_verifier(s.check_verifier(spec), s.trust_remote_code)


# ------------------------------------------------------------------------- safe text
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^])")


def md_escape(text) -> str:
    """Text from a file or a visitor, shown inside markdown as the literal text: no links,
    no remote images, no HTML, no emphasis (every markdown character is escaped)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text)).replace("\n", "  \n")


def md_code(text) -> str:
    """A short value (an answer) as inline code that cannot break out of its backticks."""
    s = str(text).replace("`", "'").replace("\n", " ")
    return f"`{s[:200]}`"


VERIFIER_LABEL = {"symbolic": "symbolic (exact arithmetic checker)", "prm": "prm (learned PRM)",
                  "answer-key": "answer key — knows the answer (synthetic problems only)"}


# ------------------------------------------------------------------------- sidebar settings
def sidebar_settings(key: str = "") -> tuple[str, str, SearchConfig]:
    sb = st.sidebar
    s = settings()
    sb.header("Model and verifier")
    model = sb.selectbox("Generator", list(s.models), key="preset", format_func=lambda m: MODEL_LABEL.get(m, served_label(m)),
                         help="The models this server offers (chosen by whoever started it)")
    verifier = sb.selectbox("Verifier (PRM)", list(s.verifiers), key="verifier",
                            format_func=lambda v: VERIFIER_LABEL.get(v, served_label(v)),
                            help="symbolic: checks every 'a op b = c' in a step exactly; prm: the project's own "
                                 "learned PRM; answer key: knows the answer of a synthetic problem and checks "
                                 "each step against it (what a perfect PRM would do; not a real verifier)")
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
            level = c1.selectbox("Level", list(LEVELS), index=1, key=f"{prefix}level")
            idx = c2.number_input("Index", min_value=0, max_value=100_000, value=0, key=f"{prefix}index")
            p = synthetic(int(level), int(idx))
            st.info(f"**{md_escape(p.text)}**  \nanswer: {md_escape(p.answer)}")
            return p
        up = st.file_uploader("MATH-style (problem/answer) or GSM8K-style (question/answer) .jsonl",
                              type=["jsonl", "json", "txt"], key=f"{prefix}upload")
        if up is None:
            st.caption("Upload a file to pick a problem from it.")
            return None
        if up.size > MAX_UPLOAD_BYTES:
            st.warning(f"That file is {up.size / 1e6:.1f} MB; this page reads data sets up to "
                       f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB (the command line reads any size).")
            return None
        probs = _load_uploaded(up.getvalue(), up.name)
        i = st.selectbox("Problem", range(len(probs)), key=f"{prefix}pick",
                         format_func=lambda i: f"{i}: {probs[i].text[:90]}")
        st.info(f"**{md_escape(probs[i].text)}**  \nanswer: {md_escape(probs[i].answer)}")
        return probs[i]
    except ProblemError as e:
        st.warning(str(e))
        return None


@st.cache_data(max_entries=8, show_spinner=False)
def _load_uploaded(data: bytes, name: str):
    with tempfile.TemporaryDirectory() as d:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(name))[:64].lstrip(".")
        path = os.path.join(d, safe or "upload.jsonl")
        with open(path, "wb") as fh:
            fh.write(data)
        return load_jsonl(path)


# ------------------------------------------------------------------------- running
def _session():
    """(session id, a function saying whether that browser session still exists)."""
    try:
        from streamlit import runtime
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        ctx = get_script_run_ctx()
        if ctx is None:
            return None, None
        if not runtime.exists():
            return ctx.session_id, None
        rt = runtime.get_instance()
        sid = ctx.session_id
        return sid, (lambda: rt.is_active_session(sid))
    except Exception:  # noqa: BLE001 - outside a server (tests): no owner check
        return None, None


def start_job(key: str, runs, model: str, verifier: str) -> bool:
    """Queue a search job for this session; False (with a message on the page) if the
    model or verifier cannot load or the server's queue refuses it."""
    try:
        gen = allowed_generator(model)
    except Exception as e:  # noqa: BLE001 - a model that fails to load: say so, keep the page
        st.error(f"Could not load the model {model!r}: {e}")
        return False
    try:
        ver = allowed_verifier(verifier)
    except Exception as e:  # noqa: BLE001 - a PRM that fails to load: say so, keep the page
        st.error(f"Could not load the verifier {verifier!r}: {e}")
        return False
    sid, alive = _session()
    try:
        st.session_state[key] = queue().submit(SearchJob(runs, gen, ver, alive=alive), sid)
    except JobRefused as e:
        st.warning(str(e))
        return False
    return True


def queue_message(pos: int, running: int) -> str:
    """What a visitor whose search waits for a slot reads (``pos``: 1 = next in line)."""
    if pos <= 1:
        return (f"Queued: the server is running {running} searches; yours is next and starts by itself "
                "when one finishes. Keep this page open.")
    return (f"Queued: {pos - 1} search{'es' if pos > 2 else ''} ahead of yours ({running} running). "
            "It starts by itself; keep this page open.")


def job_panel(key: str, on_done) -> None:
    """Live view of a job: its place in the queue while it waits, then redrawn once per
    finished round (the script waits on the job without using CPU, so decoding keeps both
    cores); hands the finished trees to ``on_done`` once. Stop ends the search at its next
    model call, keeping the last complete round."""
    job: SearchJob | None = st.session_state.get(key)
    note = st.session_state.pop(f"{key}_note", None)
    if note:
        st.info(note)
    failed = st.session_state.pop(f"{key}_error", None)
    if failed:
        st.error(failed)
    if job is None:
        return
    c1, c2 = st.columns([4, 1])
    c2.button("Stop", key=f"stop_{key}", on_click=job.stop, type="secondary",
              help="End the search now (at its next model call); the rounds finished so far are kept.")
    status, chart = c1.empty(), st.empty()
    seen = -1
    while True:
        version = job.wait_update(seen, timeout=1.0)
        trees, partial = job.snapshot()
        if job.done:
            break
        pos = job.position
        if pos:
            status.info(queue_message(pos, job.queue.counts()["running"]))
            seen = version
            continue
        name = job.runs[job.current][0]
        rounds = partial.iterations if partial else 0
        status.info(f"Running {STRATEGY_LABEL.get(name, name)} ({job.current + 1}/{len(job.runs)}) · "
                    f"round {rounds} done · {len(partial.nodes) - 1 if partial else 0} steps so far · "
                    f"{time.time() - job.started:.0f} s" + (" · stopping…" if job.stopping else ""))
        if version != seen and partial is not None:
            chart.plotly_chart(tree_figure(partial, show_pruned=len(partial.nodes) < 250),
                               key=f"live_{key}_{job.current}_{version}", width="stretch")
        seen = version
    st.session_state.pop(key, None)
    if job.error:
        kept = [t for t in trees if t is not None]
        if not kept:
            st.error(f"The search failed: {job.error}")
            return
        st.session_state[f"{key}_error"] = (f"The search failed: {job.error}. "
                                            "The rounds finished before the failure are kept.")
        on_done(kept)
        st.rerun()
    if job.limit:
        st.session_state[f"{key}_note"] = f"The search ended early: {job.limit}. The rounds finished so far are kept."
    kept = [t for t in trees if t is not None]
    if kept:
        on_done(kept)
    elif not job.limit:
        st.session_state[f"{key}_note"] = "Stopped before the first round finished: nothing to show."
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
            st.markdown(f"**{STRATEGY_LABEL.get(t.strategy, t.strategy)}** picks {md_code(t.selected_answer)} "
                        f"{verdict(t.correct)} · "
                        f"{t.cost.tokens_generated} tokens · {t.cost.wall_s:.1f} s")
            st.plotly_chart(tree_figure(t, show_pruned=len(t.nodes) < 200, height=height),
                            key=f"{key}_{t.strategy}", width="stretch")


def answers_panel(tree: SearchTree) -> None:
    rows = answer_rows(tree)
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown(f"**Selected answer ({tree.config.get('voting')}):** {md_code(tree.selected_answer)} "
                    f"{verdict(tree.correct)}"
                    + ("  \n*stopped early: picked from the partial tree*" if tree.stopped else ""))
        if rows:
            st.dataframe([{"answer": r["answer"], "count": r["count"], "summed score": round(r["weight"], 3),
                           "best score": round(r["best"], 3),
                           "right?": verdict(r["correct"], "mark", unknown="?"),
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
    changed = "" if equivalent(alt.selected_answer, tree.selected_answer) else " ← **the pick changes**"
    st.markdown(f"With **{agg}** aggregation and **{rule}** voting the pick is {md_code(alt.selected_answer)} "
                f"{verdict(alt.correct)}{changed}.  All three rules: naive {md_code(alt.picks.get('naive'))}, "
                f"weighted {md_code(alt.picks.get('weighted'))}, majority {md_code(alt.picks.get('majority'))}.")
    spec = strategies.REGISTRY.get(tree.strategy)
    if spec is None or not spec.pooled:
        st.caption("Beam-style trees keep the branches that were chosen under the original rule; "
                   "the re-pick votes over the same finished leaves.")
    allowed = settings().verifiers
    choices = list(dict.fromkeys([v for v in (sidebar_verifier, *allowed) if v in allowed]))
    other = st.selectbox("Re-score the recorded steps with", choices, key="wi_verifier",
                         help="Compare the verifiers this server offers on the same recorded steps")
    steps = len(tree.nodes) - 1
    too_big = steps > server_settings.MAX_RESCORE_STEPS
    if too_big:
        st.caption(f"Re-scoring reads every recorded step ({steps}); this page re-scores trees of up to "
                   f"{server_settings.MAX_RESCORE_STEPS} steps.")
    if st.button("Re-score", key="wi_rescore", disabled=too_big):
        try:
            re_tree, diffs = rescore(tree, allowed_verifier(other))
        except Exception as e:  # noqa: BLE001
            st.error(f"Re-scoring failed: {e}")
            return
        st.markdown(f"Re-scored by **{other}**: pick {md_code(re_tree.selected_answer)}; "
                    f"{len(diffs)} steps where the verifiers disagree (one above 0.5, the other below).")
        if diffs:
            st.dataframe(diffs, hide_index=True, width="stretch")


_PNG_LOCK = threading.Lock()  # one PNG at a time per server: each drives a headless browser


@st.cache_data(max_entries=32, show_spinner="Drawing the PNG…")
def _png(fingerprint: str, _fig) -> bytes:
    """The PNG of a tree, made once per tree (by fingerprint) for all sessions."""
    return figure_png(_fig, persistent=True)


def export_panel(tree: SearchTree, key: str = "x") -> None:
    st.subheader("Save and share")
    c1, c2, c3 = st.columns(3)
    name = f"ttc-{tree.strategy}-N{tree.config.get('n')}"
    c1.download_button("Tree as JSON", tree.to_json(), file_name=f"{name}.json", mime="application/json",
                       key=f"{key}_json", help="Load it back below: it replays without any model")
    if len(tree.nodes) > server_settings.MAX_EXPORT_NODES:
        c2.caption(f"HTML and PNG export are for trees of up to {server_settings.MAX_EXPORT_NODES} nodes; "
                   f"this one has {len(tree.nodes)}. The JSON replays here, or draw it with the library.")
        return
    fig = tree_figure(tree)
    c2.download_button("Interactive HTML", figure_html(fig), file_name=f"{name}.html", mime="text/html",
                       key=f"{key}_html", help="A standalone page for slides; works offline")
    fp = tree_fingerprint(tree)
    if c3.button("Make PNG", key=f"{key}_png_make"):
        if not _PNG_LOCK.acquire(blocking=False):
            st.info("Another PNG is being drawn on this server; press again in a few seconds.")
        else:
            try:
                st.session_state[f"{key}_png"] = (fp, _png(fp, fig))
            except RuntimeError as e:
                st.warning(str(e))
            finally:
                _PNG_LOCK.release()
    made = st.session_state.get(f"{key}_png")
    if made and made[0] == fp:
        c3.download_button("Download PNG", made[1], file_name=f"{name}.png",
                           mime="image/png", key=f"{key}_png_dl")


def check_renders(tree: SearchTree) -> None:
    """Draw every view of a tree once, off screen: a tree that would break a page (on this
    or any later rerun) raises here instead, so it is never kept."""
    tree_figure(tree)
    tree_figure(tree, iteration=1, show_pruned=False)
    answer_rows(tree)
    round_rows(tree)
    for n in (tree.selected_path() or [len(tree.nodes) - 1])[-1:]:
        path_rows(tree, n)
    finalize(SearchTree.from_dict(tree.to_dict()))
    if len(tree.nodes) <= server_settings.MAX_EXPORT_NODES:
        tree.to_json()


def load_tree_box() -> None:
    up = st.file_uploader("Load a saved tree (.json)", type=["json"], key="tree_upload",
                          help=f"Up to {MAX_UPLOAD_BYTES / 1e6:.0f} MB")
    if up is not None and st.session_state.get("tree_upload_seen") != (up.name, up.size):
        st.session_state["tree_upload_seen"] = (up.name, up.size)
        if up.size > MAX_UPLOAD_BYTES:
            st.error(f"That file is {up.size / 1e6:.1f} MB; this page loads trees up to "
                     f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
            return
        try:
            scratch = SearchTree.from_json(up.getvalue())
        except TreeFormatError as e:
            st.error(f"That file is not a ttc-viz tree: {e}")
            return
        try:
            check_renders(scratch)
        except Exception as e:  # noqa: BLE001 - whatever breaks the views, the page keeps its tree
            st.error(f"That tree cannot be shown ({type(e).__name__}); the page keeps the tree it had.")
            return
        st.session_state["tree"] = scratch
        st.session_state.pop("main_node", None)
        st.session_state.pop("main_nodepick", None)
        st.session_state.pop("main_round", None)
        st.success(f"Loaded {up.name}.")
