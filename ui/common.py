"""What every page of the app shares: the operator's settings, the models, safe text, the
problem box and running a search.

A thin UI over ``ttc_viz``: every number shown is read from a SearchTree; the search runs
in a background thread (ttc_viz.jobs) so the page stays live and Stop ends it cleanly.
The model is loaded once per process (st.cache_resource) and shared by all browser tabs;
the generator serialises its own decoding, so concurrent searches stay seed-reproducible.

Where the rest lives: the sidebar's settings in ui/sidebar.py, views of a tree in
ui/tree_view.py, Explore's tools in ui/explore_panels.py, and which tree Explore shows
(session state) in ui/tree_state.py.
"""
from __future__ import annotations

import os
import re
import sys
import tempfile
import time

import streamlit as st

from ttc_viz import settings as server_settings
from ttc_viz.jobs import JobQueue, JobRefused, SearchJob
from ttc_viz.plots import tree_figure
from ttc_viz.problems import LEVELS, Problem, ProblemError, examples, load_jsonl, make_problem, synthetic
from ttc_viz.search import strategies
from ttc_viz.verifiers import load_verifier

STRATEGIES = strategies.names()  # from the registry's specs, cheaper families first
STRATEGY_LABEL = {s.name: s.label for s in strategies.specs()}
MAX_UPLOAD_BYTES = 8 * 1024 * 1024  # also server.maxUploadSize in .streamlit/config.toml


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


# ------------------------------------------------------------------------- problem input
CAPABILITY_NOTE = ("What to expect: the embedded model is small (135M parameters, on a CPU). On one- to "
                   "three-step classroom word problems a sample is right about 42% of the time, and one of 16 "
                   "samples is right on 84% of problems (154 hand-written problems); the examples above are "
                   "ones it usually gets right. Longer chains go wrong more often, and competition math (MATH) "
                   "needs a bigger model on a GPU.")


def problem_input(prefix: str = "") -> Problem | None:
    """The problem box: free text, a synthetic problem, or one from an uploaded JSONL."""
    source = st.radio("Problem", ["Type your own", "Synthetic (levels 1-5)", "From a JSONL file"],
                      horizontal=True, key=f"{prefix}source")
    try:
        if source == "Type your own":
            picks = examples()
            st.selectbox("Start from an example", range(len(picks)), index=None, key=f"{prefix}example",
                         placeholder="pick one the small model can do, or type your own below",
                         format_func=lambda i: picks[i].text, on_change=_fill_example, args=(prefix,))
            first = picks[-1] if picks else None
            text = st.text_area("Problem text", key=f"{prefix}problem_text", height=90,
                                value=first.text if first else "")
            ans = st.text_input("Ground-truth answer (optional: marks leaves right/wrong)", key=f"{prefix}answer",
                                value=first.answer if first else "")
            st.caption(CAPABILITY_NOTE)
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


def _fill_example(prefix: str) -> None:
    """The example picked fills the problem and answer boxes (which stay editable)."""
    i = st.session_state.get(f"{prefix}example")
    if i is not None:
        p = examples()[i]
        st.session_state[f"{prefix}problem_text"] = p.text
        st.session_state[f"{prefix}answer"] = p.answer


@st.cache_data(max_entries=8, show_spinner=False)
def _load_uploaded(data: bytes, name: str):
    """The problems of an uploaded data set. Every failure is a ProblemError naming the file
    as uploaded (never the server's temporary copy): a bad line, one nested too deeply, a
    number too long to read, text that is not Unicode (a lone surrogate)."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", os.path.basename(name))[:64].lstrip(".") or "upload.jsonl"
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, safe)
        with open(path, "wb") as fh:
            fh.write(data)
        try:
            probs = load_jsonl(path)
        except ProblemError as e:
            raise ProblemError(str(e).replace(path, safe).replace(d, "")) from None
        except RecursionError:
            raise ProblemError(f"{safe}: a line is nested too deeply to read") from None
        except ValueError as e:  # e.g. an integer longer than Python reads
            raise ProblemError(f"{safe}: a line cannot be read ({str(e).replace(path, safe)[:120]})") from None
    for i, p in enumerate(probs):
        try:
            (p.text + (p.answer or "")).encode("utf-8")
        except UnicodeEncodeError:
            raise ProblemError(f"{safe}: problem {i} holds a lone surrogate (such as \\ud800), "
                               "which is not text") from None
    return probs


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


__all__ = ["MAX_UPLOAD_BYTES", "STRATEGIES", "STRATEGY_LABEL", "allowed_generator", "allowed_verifier", "get_generator",
           "get_queue", "get_verifier", "job_panel", "md_code", "md_escape", "problem_input", "queue",
           "queue_message", "served_label", "settings", "start_job"]
