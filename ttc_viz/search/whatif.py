"""What if the same tree had been weighed another way? New trees from a recorded one, no
text generated: ``repick`` (another aggregation or voting rule, from the recorded scores, by
the search's own ``finalize``) and ``rescore`` (every recorded step scored again by another
verifier, then re-picked). The tree given is never changed.
"""
from __future__ import annotations

from ..lm.base import STEP_DELIMITER
from ..scoring import aggregate
from ..tree import SearchTree
from ..verifiers.base import Verifier
from . import spec as strategies
from .base import finalize, finite_score


def repick(tree: SearchTree, aggregation: str | None = None, voting: str | None = None,
           grading_budget: float | None = None) -> SearchTree:
    """What if the tree's finished solutions were weighed with another aggregation or voting
    rule? A new tree, values and picks recomputed from the recorded scores; ``tree`` is left
    as it was. The statuses (kept, pruned) stay the ones the search chose under its own rule.
    Bounded however hostile the tree (a page reruns this): each distinct answer is graded
    once, and what is not settled within ``grading_budget`` seconds shows as ungraded."""
    return finalize(tree.copy(), aggregation=aggregation, voting=voting,
                    grading_budget=grading_budget, bounded=True)


def rescore(tree: SearchTree, verifier: Verifier) -> tuple[SearchTree, list[dict]]:
    """The same tree scored by another verifier, re-picked (a new tree; ``tree`` is left as it
    was), and the steps where the two verifiers disagree (one says on track, > 0.5, the other
    off track, < 0.5). In a tree of whole attempts each attempt is scored on its own steps
    (against the problem alone) and aggregated as the tree was."""
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
    finalize(other, bounded=True)
    diffs = []
    for n in tree.nodes[1:]:
        a, b = n.score, other.nodes[n.id].score
        if a is not None and b is not None and (a - 0.5) * (b - 0.5) < 0:
            diffs.append({"node": n.id, "round": n.iteration, "status": n.status,
                          tree.verifier or "original": round(a, 3), other.verifier: round(b, 3),
                          "text": n.text})
    return other, diffs


__all__ = ["repick", "rescore"]
