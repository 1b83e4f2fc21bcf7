"""Tables and derived views of a SearchTree, for the app and the CLI (pure functions).

Everything here is computed from the recorded tree: nothing generates text, and no view
changes the tree it is given (a what-if returns a new tree).
"""
from __future__ import annotations

import hashlib
import json
import threading

from .grading import answer_key, equivalent
from .scoring import tally
from .tree import SearchTree
from .verifiers.base import Verifier


def selected_path(tree: SearchTree) -> list[int]:
    """Ids on the root-to-leaf path of the best-valued finished leaf whose answer is the
    selected one (the same answer by the grader's key); [] when no leaf states it."""
    key = answer_key(tree.selected_answer)
    best = None
    for n in tree.leaves("finished"):
        if key is not None and answer_key(n.answer) == key:
            if best is None or (n.value or 0) > (best.value or 0):
                best = n
    return [n.id for n in tree.path(best.id)] if best else []

_MARK = {True: "✓", False: "✗"}
_WORD = {True: "right", False: "wrong"}


def verdict(correct: bool | None, style: str = "both", unknown: str = "") -> str:
    """How a grade reads everywhere: ``style`` "mark" (✓ / ✗), "word" (right / wrong, for a
    terminal) or "both" (✓ right / ✗ wrong); ``unknown`` where there is no ground truth."""
    if correct is None:
        return unknown
    if style == "mark":
        return _MARK[bool(correct)]
    if style == "word":
        return _WORD[bool(correct)]
    return f"{_MARK[bool(correct)]} {_WORD[bool(correct)]}"


def answer_rows(tree: SearchTree) -> list[dict]:
    """Each distinct final answer: count, summed weight, best weight, right/wrong, picked by."""
    leaves = tree.leaves("finished")
    rows = tally([n.answer for n in leaves], [n.value or 0.0 for n in leaves])
    truth = tree.problem.get("answer")
    for r in rows:
        r["correct"] = equivalent(r["answer"], truth) if truth is not None else None
        r["picked by"] = ", ".join(k for k, v in tree.picks.items() if answer_key(v) == r["key"])
    return sorted(rows, key=lambda r: -r["weight"])


def path_rows(tree: SearchTree, node_id: int) -> list[dict]:
    return [{"step": n.depth, "round": n.iteration, "status": n.status,
             "score": None if n.score is None else round(n.score, 3),
             "ranked by": None if n.value is None else round(n.value, 3), "text": n.text}
            for n in tree.path(node_id)[1:]]


def round_rows(tree: SearchTree) -> list[dict]:
    rows = []
    for r in range(1, tree.iterations + 1):
        made = [n for n in tree.nodes if n.iteration == r]
        c = {s: sum(n.status == s for n in made) for s in ("kept", "pruned", "finished", "rollout")}
        rows.append({"round": r, "candidates": len(made) - c["rollout"], **c})
    return rows


def repick(tree: SearchTree, aggregation: str | None = None, voting: str | None = None) -> SearchTree:
    """What if the tree's finished solutions were weighed with another aggregation or voting
    rule? A new tree, values and picks recomputed from the recorded scores; ``tree`` is left
    as it was. The statuses (kept, pruned) stay the ones the search chose under its own rule."""
    from .search.base import finalize

    return finalize(tree.copy(), aggregation=aggregation, voting=voting)


def rescore(tree: SearchTree, verifier: Verifier) -> tuple[SearchTree, list[dict]]:
    """The same tree scored by another verifier, re-picked (a new tree; ``tree`` is left as it
    was), and the steps where the two verifiers disagree (one says on track, > 0.5, the other
    off track, < 0.5). In a tree of whole attempts each attempt is scored on its own steps
    (against the problem alone) and aggregated as the tree was."""
    from .lm.base import STEP_DELIMITER
    from .scoring import aggregate
    from .search import strategies
    from .search.base import finalize, finite_score

    spec = strategies.REGISTRY.get(tree.strategy)
    attempts = bool(spec and spec.whole_attempts)
    other = tree.copy()
    ids = [n.id for n in other.nodes[1:]]
    texts = [other.nodes[i].text.split(STEP_DELIMITER) if attempts else other.steps(i) for i in ids]
    scores = verifier.score_batch(other.problem["text"], texts)
    agg = tree.config.get("aggregation", "last")
    for i, sc in zip(ids, scores):
        if attempts:
            other.nodes[i].score = aggregate([finite_score(x) for x in sc], agg) if sc else None
        else:
            other.nodes[i].score = finite_score(sc[-1]) if sc else None
    other.verifier = getattr(verifier, "name", "verifier")
    finalize(other)
    diffs = []
    for n in tree.nodes[1:]:
        a, b = n.score, other.nodes[n.id].score
        if a is not None and b is not None and (a - 0.5) * (b - 0.5) < 0:
            diffs.append({"node": n.id, "round": n.iteration, "status": n.status,
                          tree.verifier or "original": round(a, 3), other.verifier: round(b, 3),
                          "text": n.text})
    return other, diffs


def figure_html(fig) -> str:
    """A standalone interactive HTML page (plotly.js inlined: works offline, in slides)."""
    return fig.to_html(include_plotlyjs=True, full_html=True)


def tree_fingerprint(tree: SearchTree) -> str:
    """A short id of what a search produced (strategy, config, problem, every node), not of
    when or how fast: the same seeded search gives the same id on any machine or run."""
    d = tree.to_dict()
    core = {k: d[k] for k in ("strategy", "config", "problem", "nodes", "picks", "selected_answer")}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode("utf-8")).hexdigest()[:12]


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
