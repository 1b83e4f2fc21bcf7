"""Sequential revisions: what a reviser reads, and the chains it is trained on.

A reviser is an ordinary ``Generator`` whose "problem" is the problem followed by the
model's earlier attempts (the last ``KEEP`` of them, numbered from 1 as shown, so the
text has the same shape at any depth of a chain): ``revision_problem``. Everything a
generator does (whole solutions, steps, KV reuse, remote engines) then works unchanged.

Two kinds of reviser (``reviser_for``):
  * **trained**: the embedded model with the revision adapter (``models/smollm2-revise``,
    ``ttc-viz train-revise``), fine-tuned as Snell et al. (2024) did: to write a right
    attempt after 0-4 wrong ones. A backend offers it as ``generator.reviser()``.
  * **prompted**: any other generator, given the same text (its instruction asks for a
    new solution). Labelled "prompted" in the tree and the app: it was never trained to
    revise, and small models mostly copy or ignore what they are shown.

Training chains (``training_chain``): k wrong attempts followed by a right one; the wrong
attempt just before the right one is the one closest to it by edit distance (the paper's
choice: the last step of a chain should be a small correction), the others in random order.
"""
from __future__ import annotations

import difflib
import random
from typing import Sequence

KEEP = 4               # earlier attempts a reviser sees (the paper keeps the last 4)
MAX_WRONG = 4          # training chains hold 0-4 wrong attempts before the right one

REVISION_SYSTEM_PROMPT = ("Solve the math word problem step by step. Earlier attempts may be shown; "
                          "they may be wrong. Write a new, correct solution.")
HEADER = "Earlier attempts (they may be wrong):"
INSTRUCTION = "Write a new solution, step by step, ending with \"The answer is N.\""


def attempt_text(steps: Sequence[str]) -> str:
    """One earlier attempt as the reviser reads it: its steps, one per line."""
    return "\n".join(" ".join(str(s).split("\n")) for s in steps)


def revision_problem(problem: str, attempts: Sequence[Sequence[str]], keep: int = KEEP) -> str:
    """The text a reviser is asked to solve: the problem, then the last ``keep`` attempts
    (each a list of step texts), then the instruction. No attempts: the problem alone, so a
    chain's first attempt is an ordinary solution."""
    shown = list(attempts)[-keep:] if keep > 0 else []
    if not shown:
        return problem
    parts = [problem, "", HEADER]
    for i, steps in enumerate(shown, 1):
        parts += ["", f"Attempt {i}:", attempt_text(steps)]
    parts += ["", INSTRUCTION]
    return "\n".join(parts)


def closeness(a: Sequence[str], b: Sequence[str]) -> float:
    """Similarity of two attempts in [0, 1] (1: the same text), from the edit script of
    their texts (difflib's ratio: 2 * matched characters / total characters)."""
    return difflib.SequenceMatcher(None, attempt_text(a), attempt_text(b), autojunk=False).ratio()


def training_chain(wrong: Sequence[Sequence[str]], right: Sequence[str], k: int,
                   rng: random.Random) -> list[list[str]]:
    """``k`` of the ``wrong`` attempts (fewer if there are fewer), then ``right``: the last
    wrong one is the closest to ``right``, the others drawn at random in random order."""
    k = max(0, min(k, len(wrong), MAX_WRONG))
    if k == 0:
        return [list(right)]
    pool = [list(w) for w in wrong]
    last = max(range(len(pool)), key=lambda i: (closeness(pool[i], right), -i))
    rest = [w for i, w in enumerate(pool) if i != last]
    rng.shuffle(rest)
    return rest[:k - 1] + [pool[last], list(right)]


def hierarchical_pick(chains: Sequence[Sequence[tuple]], rule: str = "weighted") -> str | None:
    """The paper's hierarchical selection. ``chains``: per chain, its attempts as (answer,
    score). Within each chain the voting rule picks an answer; across chains the same rule
    picks among the chain winners, each weighted by the best score its chain gave that
    answer. None if no attempt stated an answer."""
    from .scoring import answer_key, vote

    winners, weights = [], []
    for chain in chains:
        pick = vote([a for a, _ in chain], [s for _, s in chain], rule)
        if pick is None:
            continue
        key = answer_key(pick)
        winners.append(pick)
        weights.append(max(float(s) for a, s in chain if answer_key(a) == key))
    return vote(winners, weights, rule)


def reviser_for(generator) -> tuple[object, str]:
    """(the generator that writes revisions, "trained" or "prompted"). A backend that has a
    trained reviser offers it as a ``reviser()`` method returning a Generator (or None)."""
    get = getattr(generator, "reviser", None)
    rev = get() if callable(get) else None
    return (rev, "trained") if rev is not None else (generator, "prompted")


__all__ = ["KEEP", "REVISION_SYSTEM_PROMPT", "revision_problem", "attempt_text", "closeness",
           "training_chain", "hierarchical_pick", "reviser_for"]
