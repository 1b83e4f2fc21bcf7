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

from ..grading.mathparse import parse_number
from .base import ModelFreeVerifier

# Equalities are found in linear time. A "run" is a maximal stretch of arithmetic characters
# and a few LaTeX commands, "=" included; every character can be read in exactly one way
# (a backslash only as the start of a listed command), so the regex never backtracks over
# alternatives. An earlier single regex with nested, overlapping repetition took 122 s on a
# 230-character product of fractions, holding the interpreter lock.
_RUN = re.compile(
    r"(?:[\d\s.,+\-*/×÷·−^()\[\]{}=]|\\(?:dfrac|tfrac|frac|cdot|times|div|left|right)(?![a-zA-Z]))+"
)
_SENTENCE_END = re.compile(r"\.(?=\s|$)")
_MAX_STEP_CHARS = 2000
_OPERATION = re.compile(r"[+\-*/×÷·^−]|\\")
# A unit written after a number inside an equation ("30 birds - 12 birds = 18 birds",
# "3 bags × 4 apples"): one or two words of two letters or more (a lone letter is a variable,
# "2 x + 3"), then an operation or "=". Dropped, so the numbers are checked. Each start is
# right after a digit and the words cannot overlap, so the match is linear in the step.
_UNIT = re.compile(r"(?<=\d)[ \t]+(?!(?:times|plus|minus|divided|over)\b)[A-Za-z]{2,20}(?:[ \t]+[A-Za-z]{2,20})?"
                   r"[ \t]*(?=[+\-*/×÷·−=])")


def _clean(side: str) -> str:
    return side.strip().rstrip(".,").strip()


def _links(run: str, glued_before: bool, glued_after: bool) -> list[tuple[str, str]]:
    """Adjacent (lhs, rhs) pairs of one run; a side glued to a word ("2x + 3") is not a number."""
    sides = [_clean(s) for s in run.split("=")]
    if len(sides) < 2:
        return []
    if glued_before:
        sides[0] = ""
    if glued_after:
        sides[-1] = ""
    return list(zip(sides, sides[1:]))


def _glued_before(text: str, start: int, run: str) -> bool:
    """Does the run continue an expression that began with a word ("2x + 3", "y= 4")?"""
    before = text[:start].rstrip()[-1:]
    if not (before.isalnum() or before == "_"):
        return False
    if not run[0].isspace():
        return True
    body = run.lstrip()
    if body[:1] in ("-", "−") and body[1:2].isdigit():
        return False          # "is -3 + 5 = 2": a sign, not a subtraction
    return body[:1] in ("+", "-", "−", "*", "/", "×", "÷", "·", "^", "=", ")") or body.startswith("\\cdot")


_CLAUSE = re.compile(r"(\.(?=\s|$)|;|\n)")
_ADDITIVE = re.compile(r"[+\-−]")


def _drop_units(text: str) -> str:
    """Units after numbers in an equation dropped, clause by clause; a clause that adds or
    subtracts different units ("2 hours - 30 min = 90 min") keeps them, so it stays unchecked
    instead of being read as 2 - 30."""
    def clause(c: str) -> str:
        units = {m.group(0).split()[-1].lower().rstrip("s") for m in _UNIT.finditer(c)}
        if not units or (len(units) > 1 and _ADDITIVE.search(c)):
            return c
        return _UNIT.sub(" ", c)
    return "".join(clause(c) for c in _CLAUSE.split(text))


def check_step(step: str) -> tuple[int, int]:
    """(correct, wrong) equality links found in one step."""
    good = bad = 0
    text = (step or "")[:_MAX_STEP_CHARS].replace("$", "")
    text = re.sub(r"(?<=\d) ?[x] ?(?=\d)", " * ", text)   # "3 x 4" read as multiplication
    text = _drop_units(text)                                 # "30 birds - 12 birds = 18 birds"
    text = _SENTENCE_END.sub(";", text)                      # "= 7. Then" ends a chain
    for m in _RUN.finditer(text):
        run = m.group(0)
        if "=" not in run:
            continue
        glued_before = _glued_before(text, m.start(), run)
        after = text[m.end()] if m.end() < len(text) else " "
        glued_after = (after.isalnum() or after == "_") and not run[-1].isspace()
        for sa, sb in _links(run, glued_before, glued_after):
            if not sa or not sb:
                continue
            a, b = parse_number(sa), parse_number(sb)
            if a is None or b is None:
                continue
            if not _OPERATION.search(sa.lstrip("-−") + sb.lstrip("-−")):
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


class SymbolicVerifier(ModelFreeVerifier):
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
