"""An exact step checker: finds arithmetic equalities in a step and checks them.

It reads chains such as ``17 + 25 = 42``, ``3 * 4 = 12``, ``48 / 6 = 8`` or
``\\frac{1}{2} + 1 = 1.5`` with the safe parser in ``mathparse`` (no eval), and checks
each ``lhs = rhs`` link exactly. A prefix's score summarises every check made so far:

  * no checkable equality yet         -> 0.5 (neutral: the checker cannot tell)
  * one or more checks, all correct   -> 0.9
  * one or more wrong checks          -> 0.1

so one wrong calculation anywhere sinks the prefix (a PRM's "still on track"). The score
is flat in the number of checks on purpose: a score that grew with every verified
equality would teach beam search to keep writing true but useless arithmetic instead of
finishing (the paper's "over-optimizing the PRM"). It knows nothing about whether the
right quantities were combined: it catches slips, not wrong plans.
"""
from __future__ import annotations

import re
from typing import Sequence

from ..mathparse import parse_number
from .base import BatchVerifier

# An arithmetic chunk: numbers, operators, brackets, LaTeX fractions; "=" separates sides.
_EXPR = r"[\d\s.,+\-*/×÷·−^()\[\]{}]*(?:\\(?:frac|dfrac|cdot|times|div)[\d\s.,+\-*/^(){}\\a-z]*)*[\d)}]"
_CHAIN = re.compile(rf"(?:(?<=[^\w])|^)(\(?-?{_EXPR}(?:\s*=\s*-?{_EXPR})+)")
_MAX_STEP_CHARS = 2000


def _clean(side: str) -> str:
    side = side.strip().rstrip(".,")
    side = re.sub(r"(?<=\d)\s*[x]\s*(?=\d)", "*", side)   # "3 x 4" read as multiplication
    return side.replace("$", "")


def check_step(step: str) -> tuple[int, int]:
    """(correct, wrong) equality links found in one step."""
    good = bad = 0
    text = (step or "")[:_MAX_STEP_CHARS].replace("$", "")
    text = re.sub(r"(?<=\d) ?[x] ?(?=\d)", " * ", text)
    for m in _CHAIN.finditer(text):
        sides = [_clean(s) for s in m.group(1).split("=")]
        vals = [parse_number(s) for s in sides]
        for a, b, sa, sb in zip(vals, vals[1:], sides, sides[1:]):
            if a is None or b is None:
                continue
            if not any(ch in sa + sb for ch in "+-*/×÷·^\\−"):
                continue  # "5 = 5" (no operation) proves nothing
            if a == b:
                good += 1
            else:
                bad += 1
    return good, bad


def prefix_score(good: int, bad: int) -> float:
    if bad:
        return 0.1
    if good:
        return 0.9
    return 0.5


class SymbolicVerifier(BatchVerifier):
    name = "symbolic"

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        out = []
        for steps in solutions:
            good = bad = 0
            scores = []
            for s in steps:
                g, b = check_step(s)
                good, bad = good + g, bad + b
                scores.append(prefix_score(good, bad))
            out.append(scores)
        return out
