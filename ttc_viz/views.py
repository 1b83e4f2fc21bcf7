"""Tables and derived views of a SearchTree, for the app and the CLI (pure functions).

Everything here is read from the recorded tree: nothing generates text or runs a model, and
no view changes the tree it is given. What-ifs that re-pick or re-score a tree (a new tree
from the search's own rules, or a verifier run again) are ``search/whatif.py``.
"""
from __future__ import annotations

import hashlib
import json

from .grading import answer_key, grade_answers
from .scoring import tally
from .tree import SearchTree, stats_at


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
    # each distinct answer graded once, bounded (None: no truth, or not settled in time)
    verdicts = grade_answers([r["answer"] for r in rows], tree.problem.get("answer"))
    for r in rows:
        r["correct"] = verdicts.get(r["answer"])
        r["picked by"] = ", ".join(k for k, v in tree.picks.items() if answer_key(v) == r["key"])
    return sorted(rows, key=lambda r: -r["weight"])


def path_rows(tree: SearchTree, node_id: int, t: int | None = None) -> list[dict]:
    """The steps from the root to a node; an MCTS tree adds each step's visits and mean value
    after round ``t`` (None: the last), a particle-filtering tree the copies resampling made."""
    path = tree.path(node_id)[1:]
    rows = [{"step": n.depth, "round": n.iteration, "status": n.status,
             "score": None if n.score is None else round(n.score, 3),
             "ranked by": None if n.value is None else round(n.value, 3), "text": n.text}
            for n in path]
    if any(n.stats for n in path):
        for row, n in zip(rows, path):
            st = stats_at(n, t)
            row["visits"], row["mean value"] = (st[0], round(st[1], 3)) if st else (None, None)
            row["text"] = row.pop("text")
    elif any(n.resampled for n in path):
        for row, n in zip(rows, path):
            row["copies"] = ", ".join(f"{c} (round {r})" for r, _, c in n.resampled) if n.resampled else None
            row["text"] = row.pop("text")
    return rows


def round_rows(tree: SearchTree) -> list[dict]:
    rows = []
    for r in range(1, tree.iterations + 1):
        made = [n for n in tree.nodes if n.iteration == r]
        c = {s: sum(n.status == s for n in made) for s in ("kept", "pruned", "finished", "rollout")}
        rows.append({"round": r, "candidates": len(made) - c["rollout"], **c})
    return rows


def tree_fingerprint(tree: SearchTree) -> str:
    """A short id of what a search produced (strategy, config, problem, every node), not of
    when or how fast: the same seeded search gives the same id on any machine or run."""
    d = tree.to_dict()
    core = {k: d[k] for k in ("strategy", "config", "problem", "nodes", "picks", "selected_answer")}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode("utf-8")).hexdigest()[:12]
