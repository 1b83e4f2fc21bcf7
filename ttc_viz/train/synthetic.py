"""Synthetic step-by-step solutions of synthetic problems, written from each problem's own
calculation (``Problem.meta``: ``problems.calc.Calculation``), with exact per-step labels: the
data every trainer draws.

* ``write_solution(problem, rng, spoil)``: a clean solution, one equation per step, or one
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
from fractions import Fraction

from ..problems import LEVELS, TRAIN_INDEX_START, VALID_INDEX_START, Problem, reserved_texts, synthetic
from ..problems.calc import apply
from ..seeds import derive
from ..verifiers.oracle import chain_of, step_labels

# The mistakes a spoiled solution makes. The first three are textbook slips; the others are
# what the fine-tuned generator itself gets wrong (read off its samples): an operation the
# problem never had (often the last one repeated, or "x k"), a right phrase over a wrong
# equation, a wrong quantity stated in prose and carried on, and stopping after some of the
# operations with that value announced as the answer.
MISTAKES = ("slip", "copy", "operation", "extra", "verb", "prose", "stop", "final")
_MISTAKE_WEIGHTS = (0.2, 0.12, 0.1, 0.18, 0.1, 0.1, 0.12, 0.08)
_WRONG_OP = {"+": "-", "-": "+", "*": "+", "/": "*"}
_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def _slip(rng: random.Random, c: int) -> int:
    """A wrong result near the right one (digits swapped, or off by a little), not below 0."""
    if rng.random() < 0.25 and abs(c) >= 10:  # swap two digits
        s = list(str(abs(c)))
        i = rng.randrange(len(s) - 1)
        s[i], s[i + 1] = s[i + 1], s[i]
        w = int("".join(s)) * (1 if c >= 0 else -1)
        if w != c and s[0] != "0":   # "105" -> "015" would be another number of digits
            return w
    deltas = [d for d in (-10, -3, -2, -1, 1, 2, 3, 10, 100, -100) if c + d >= 0 and (abs(d) < 100 or c >= 100)]
    return c + rng.choice(deltas)


def _value(a: int, op: str, b: int) -> int | None:
    """``a op b`` as a whole number, or None (a division that does not come out whole)."""
    v = apply(Fraction(a), op, Fraction(b))
    return int(v) if v is not None and v.denominator == 1 else None


class _Path:
    """The reference path as operations on earlier results: each operand is a number or
    ``("ref", k)``, the result of operation k, so a wrong value carries on downstream."""

    def __init__(self, ops, known=frozenset()):
        self.ops, made = [], {}
        for op in ops:
            # an operand equal to an earlier result is that result; the second one only if it is
            # the result just made and the first is not (60 / 60 after 20 × 3 = 60 divides by the
            # 60 minutes of an hour), or if the problem does not give that number itself
            prev = len(self.ops) - 1
            a = ("ref", made[op.a]) if op.a in made else op.a
            just_made = op.b in made and made[op.b] == prev and a != ("ref", prev)
            b = ("ref", made[op.b]) if just_made or (op.b in made and op.b not in known) else op.b
            self.ops.append([a, op.op, b, op.say])
            made[op.c] = len(self.ops) - 1

    def values(self, results: dict | None = None) -> list[int | None]:
        """Every operation's result; ``results`` forces some (a mistake made there)."""
        out: list = []
        for k, (a, op, b, _) in enumerate(self.ops):
            if results and k in results:
                out.append(results[k])
                continue
            x = out[a[1]] if isinstance(a, tuple) else a
            y = out[b[1]] if isinstance(b, tuple) else b
            out.append(None if x is None or y is None else _value(x, op, y))
        return out

    def groups(self) -> list[list[int]]:
        """Operations written as one equation: an operation without a phrase whose result the
        next one uses goes into the next one's equation (``200 × 30 / 100 = 60``)."""
        out, cur = [], []
        for k, (a, op, b, say) in enumerate(self.ops):
            cur.append(k)
            nxt = self.ops[k + 1] if k + 1 < len(self.ops) else None
            feeds = nxt is not None and ("ref", k) in (nxt[0], nxt[2])
            if say or not feeds:
                out.append(cur)
                cur = []
        return out


def _symbol(op: str, rng: random.Random) -> str:
    if op == "*":
        return rng.choices(["×", "*", "x"], (0.6, 0.3, 0.1))[0]
    if op == "/":
        return rng.choices(["/", "÷"], (0.8, 0.2))[0]
    return op


def _expression(path: _Path, group: list[int], vals: list, rng: random.Random, swap: dict | None = None) -> str:
    """The left side of a group's equation: its operations written out, brackets where
    precedence needs them; ``swap`` overrides an operation's (op, operand b)."""
    text, prec = None, 3
    for k in group:
        a, op, b, _ = path.ops[k]
        if swap and k in swap:
            op, b = swap[k]
        x = vals[a[1]] if isinstance(a, tuple) else a
        y = vals[b[1]] if isinstance(b, tuple) else b
        left = str(x) if text is None or (isinstance(a, tuple) and a[1] != group[0] + group.index(k) - 1) else text
        if text is not None and isinstance(b, tuple) and b[1] == k - 1:   # the running value is on the right
            left, y = str(x), (f"({text})" if prec <= _PRECEDENCE[op] else text)
        elif text is not None and prec < _PRECEDENCE[op]:
            left = f"({text})"
        text, prec = f"{left} {_symbol(op, rng)} {y}", _PRECEDENCE[op]
    return text or ""


def _step(expr: str, result: int, say: str, rng: random.Random) -> str:
    eq = f"{expr} = {result}"
    if not say or rng.random() < 0.35:
        return f"{eq}."
    say = say[0].upper() + say[1:]
    return rng.choice([f"{say}: {eq}.", f"{say}, so {eq}."])


def write_solution(p: Problem, rng: random.Random, spoil: bool) -> tuple[list[str], list[float]]:
    """A step-by-step solution of a synthetic problem and exact per-step labels.

    A clean solution writes the problem's reference calculation, one equation per step (a
    short phrase saying what it computes, or the bare equation), then "The answer is N.". A
    spoiled one (``spoil``) makes one of ``MISTAKES`` at one step and carries on from the wrong
    value, as the model does. Labels come from the answer key (``verifiers/oracle.step_labels``):
    1 while every step so far is on track, 0 from the first step that is not; the final "The
    answer is N" step is 1 only for the right answer. No label depends on the step's position."""
    calc = chain_of(p)
    path = _Path(calc.steps, calc.known)
    groups = path.groups()
    kind = rng.choices(MISTAKES, _MISTAKE_WEIGHTS)[0] if spoil else None
    if kind == "stop" and len(groups) == 1:
        kind = "final"   # nothing to stop before: the answer itself is wrong
    bad_at = (rng.randrange(1, len(groups)) if kind == "stop" else rng.randrange(len(groups))) if spoil else -1
    forced: dict = {}
    swap: dict = {}
    if kind in ("slip", "copy", "operation", "verb"):
        k = groups[bad_at][-1]
        a, op, b, _ = path.ops[k]
        vals = path.values()
        x = vals[a[1]] if isinstance(a, tuple) else a
        y = vals[b[1]] if isinstance(b, tuple) else b
        wrong = None
        if kind in ("copy", "verb") and not isinstance(b, tuple):
            wb = max(1, b + rng.choice([-3, -2, -1, 1, 2, 5]))
            if (_value(x, op, wb) or -1) >= 0:
                swap[k], wrong = (op, wb), _value(x, op, wb)
        if wrong is None and kind in ("operation", "verb"):
            wop = _WRONG_OP[op]
            if (_value(x, wop, y) or -1) >= 0:
                swap[k], wrong = (wop, b), _value(x, wop, y)
        forced[k] = wrong if wrong is not None else _slip(rng, vals[k])
    vals = path.values(forced)
    steps: list[str] = []
    answer = vals[-1]
    for g, group in enumerate(groups):
        if kind == "stop" and g == bad_at and g > 0:
            answer = vals[groups[g - 1][-1]]
            break
        k = group[-1]
        if any(v is None for v in vals[:k + 1]):   # a wrong value made a later division impossible
            answer = vals[groups[g - 1][-1]] if g else vals[k]
            break
        say = path.ops[k][3]
        steps.append(_step(_expression(path, group, vals, rng, swap), vals[k], say, rng))
        if g == bad_at and kind == "extra":       # an operation the problem does not have
            xop, xx = rng.choice([("*", rng.randint(2, 5)), ("+", rng.randint(2, 20)), ("-", rng.randint(1, 9))])
            new = _value(vals[k], xop, xx)
            steps.append(f"{vals[k]} {_symbol(xop, rng)} {xx} = {new}.")
            forced[k] = new
            vals = path.values(forced)
            answer = vals[-1]
        elif g == bad_at and kind == "prose":     # a wrong quantity stated, then carried on
            new = max(1, vals[k] + rng.choice([-10, -3, -2, -1, 1, 2, 3, 10]))
            unit = calc.unit or "of them"
            steps.append(rng.choice([f"Now there are {new} {unit}.", f"So that leaves {new} {unit}."]))
            forced[k] = new
            vals = path.values(forced)
            answer = vals[-1]
    if answer is None:
        answer = vals[groups[0][-1]] or 0
    final = _slip(rng, answer) if kind == "final" else answer
    unit = calc.unit
    steps.append(rng.choice([f"The answer is {final}."] * 4 + ([f"That makes {final} {unit}. The answer is {final}."]
                                                              if unit else [])))
    labels = [1.0 if ok else 0.0 for ok in step_labels(calc, steps)]
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
