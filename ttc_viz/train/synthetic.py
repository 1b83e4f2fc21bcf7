"""Synthetic step-by-step solutions of synthetic problems, written from each problem's own
calculation (``Problem.meta``), with exact per-step labels: the data every trainer draws.

* ``write_solution(problem, rng, spoil)``: a clean solution in the generator's style, or one
  spoiled at one place — textbook slips (arithmetic, a wrong number copied, the wrong
  operation) and the mistakes the fine-tuned generator makes itself (an invented operation, a
  right sentence over a wrong equation, a wrong quantity in prose, stopping early, a wrong
  final answer). The answer key labels every step (1 while on track).
* ``synthetic_batch(seed, step, size)``: a fresh batch of labelled solutions of training
  problems, a pure function of (seed, step), so the data never repeats and a resumed run sees
  exactly what an uninterrupted one would; evaluation problems are never drawn.
* ``validation_set(n)``: held-out labelled solutions from a disjoint block of training
  problems (the PRM trainer's validation AUROC); ``validation_texts()`` their problems.

Used by the PRM trainer (``prm.py``), the generator's (``generator.py``: clean solutions)
and the reviser's (``reviser.py``: spoiled ones as wrong attempts). Which problem indices
are for training, validation and evaluation is a fact about the problem sets
(``problems.TRAIN_INDEX_START``, ``VALID_INDEX_START``, ``reserved_texts``).
"""
from __future__ import annotations

import functools
import random

from ..problems import LEVELS, TRAIN_INDEX_START, VALID_INDEX_START, Problem, reserved_texts, synthetic
from ..seeds import derive
from ..verifiers.oracle import chain_of, step_labels

_SYM = {"+": "+", "-": "-", "*": "*", "/": "/"}


def _apply(a: int, op: str, x: int) -> int:
    return {"+": a + x, "-": a - x, "*": a * x, "/": a // x if x else a}[op]


def _step_text(rng: random.Random, p: Problem, a: int, op: str, x: int, c: int, first: bool) -> str:
    name, item = p.meta["name"], p.meta["item"]
    eq = _equation(a, op, x, c, rng)
    verb = {"+": f"gets {x} more", "-": f"gives away {x}", "*": f"has {x} times as many",
            "/": f"keeps one of {x} equal boxes"}[op]
    forms = [f"{eq}.", f"{name} {verb}: {eq}.", f"{name} {verb} {item}, so {eq}.",
             f"Then {name} {verb}: {eq} {item}."]
    if first:
        forms += [f"{name} has {a} {item} and {verb}: {eq}.", f"{name} starts with {a} {item}: {eq}."]
    return rng.choice(forms)


def _slip(rng: random.Random, c: int) -> int:
    if rng.random() < 0.25 and abs(c) >= 10:  # swap two digits
        s = list(str(abs(c)))
        i = rng.randrange(len(s) - 1)
        s[i], s[i + 1] = s[i + 1], s[i]
        w = int("".join(s)) * (1 if c >= 0 else -1)
        if w != c:
            return w
    return c + rng.choice([-10, -3, -2, -1, 1, 2, 3, 10, 100, -100])


# The mistakes a spoiled solution makes. The first three are textbook slips; the others are
# what the fine-tuned generator itself gets wrong (read off its samples): an operation the
# problem never had (often the last one repeated, or "x k"), a right sentence over a wrong
# equation, a wrong quantity stated in prose and carried on, and stopping after some of the
# operations with that value announced as the answer.
MISTAKES = ("slip", "copy", "operation", "extra", "verb", "prose", "stop", "final")
_MISTAKE_WEIGHTS = (0.2, 0.12, 0.1, 0.18, 0.1, 0.1, 0.12, 0.08)
_WRONG_OP = {"+": "-", "-": "+", "*": "+", "/": "*"}


def _equation(a: int, op: str, x: int, c: int, rng: random.Random) -> str:
    sym = rng.choice(["*", "×", "x"]) if op == "*" else _SYM[op]
    return f"{a} {sym} {x} = {c}"


def write_solution(p: Problem, rng: random.Random, spoil: bool) -> tuple[list[str], list[float]]:
    """A step-by-step solution of a synthetic problem and exact per-step labels.

    A clean solution follows the problem's calculation. A spoiled one (``spoil``) makes one
    of ``MISTAKES`` at one place and carries on from the wrong value, as the model does.
    Labels come from the answer key (``verifiers/oracle.step_labels``): 1 while every step so
    far is on track, 0 from the first step that is not; the final "The answer is N" step is 1
    only for the right answer. No label depends on the step's position."""
    name, item = p.meta["name"], p.meta["item"]
    a = p.meta["start"]
    ops = [tuple(o) for o in p.meta["ops"]]
    kind = rng.choices(MISTAKES, _MISTAKE_WEIGHTS)[0] if spoil else None
    bad_at = rng.randrange(len(ops)) if spoil else -1
    steps: list[str] = []
    if rng.random() < 0.2:
        steps.append(f"{name} starts with {a} {item}.")
    for j, (op, x) in enumerate(ops):
        if kind == "stop" and j == bad_at:
            break  # stops early: the value so far is announced as the answer
        c = _apply(a, op, x)
        if j != bad_at or kind in ("stop", "final", "extra", "prose"):
            steps.append(_step_text(rng, p, a, op, x, c, first=(j == 0)))
        elif kind == "slip":
            steps.append(_step_text(rng, p, a, op, x, c := _slip(rng, c), first=(j == 0)))
        elif kind == "copy":
            wx = max(1, x + rng.choice([-3, -2, -1, 1, 2, 5]))
            c = _apply(a, op, wx)
            steps.append(_step_text(rng, p, a, op, wx, c, first=(j == 0)))
        elif kind == "operation":
            wop = _WRONG_OP[op]
            c = _apply(a, wop, x)
            steps.append(_step_text(rng, p, a, wop, x, c, first=(j == 0)))
        else:  # "verb": the sentence names the right operation, the equation does another
            wop, wx = (op, max(1, x + rng.choice([-2, -1, 1, 2]))) if rng.random() < 0.5 else (_WRONG_OP[op], x)
            c = _apply(a, wop, wx)
            verb = {"+": f"gets {x} more", "-": f"gives away {x}", "*": f"has {x} times as many",
                    "/": f"keeps one of {x} equal boxes"}[op]
            eq = _equation(a, wop, wx, c, rng)
            steps.append(rng.choice([f"{name} {verb}: {eq}.", f"{name} {verb} {item}, so {eq}."]))
        a = c
        if j == bad_at and kind == "extra":      # an operation the problem does not have
            xop, xx = (op, x) if rng.random() < 0.5 else ("*", rng.randint(2, 5))
            a = _apply(a, xop, xx)
            steps.append(_step_text(rng, p, c, xop, xx, a, first=False))
        elif j == bad_at and kind == "prose":    # a wrong quantity stated, then carried on
            a = max(1, c + rng.choice([-10, -3, -2, -1, 1, 2, 3, 10]))
            steps.append(rng.choice([f"Now {name} has {a} {item}.", f"So {name} has {a} {item}."]))
    final = _slip(rng, a) if kind == "final" else a
    steps.append(rng.choice([f"The answer is {final}.", f"So {name} has {final} {item}. The answer is {final}."]))
    chain = chain_of(p)
    labels = [1.0 if ok else 0.0 for ok in step_labels(chain, steps)]
    return steps, labels


def synthetic_batch(seed: int, step: int, size: int, levels=LEVELS,
                    start: int = TRAIN_INDEX_START) -> list[dict]:
    """``size`` fresh labelled solutions, a pure function of (seed, step). One level per
    batch when training (similar lengths: less padding); mixed for validation sets."""
    rng = random.Random(derive(seed, step, modulus=None))
    out = []
    training = start < VALID_INDEX_START
    one = rng.choice(levels) if training else None
    # training never sees an evaluation problem, nor (levels 1-2 come from a small space of
    # texts) a problem of the validation set
    reserved = reserved_texts() | validation_texts() if training else reserved_texts()
    for _ in range(size):
        lv = one or rng.choice(levels)
        p = synthetic(lv, start + rng.randrange(800_000 if training else 50_000), split="train")
        while p.text in reserved:
            p = synthetic(lv, start + rng.randrange(800_000 if training else 50_000), split="train")
        steps, labels = write_solution(p, rng, spoil=rng.random() < 0.5)
        out.append({"problem": p.text, "steps": steps, "labels": labels})
    return out


VALID_SEED, VALID_MAX = 12345, 1024


def validation_set(n: int = 256, seed: int = VALID_SEED) -> list[dict]:
    """Held-out synthetic solutions; ``validation_set(n)`` is the first n of any larger one."""
    return synthetic_batch(seed, 0, n, start=VALID_INDEX_START)


@functools.lru_cache(maxsize=1)
def validation_texts() -> frozenset:
    return frozenset(b["problem"] for b in validation_set(VALID_MAX))


__all__ = ["MISTAKES", "write_solution", "synthetic_batch", "validation_set", "validation_texts",
           "VALID_SEED", "VALID_MAX"]
