"""The in-process fast path: decide numeric answers without leaving the thread.

``numeric_verdict(pred, gold)`` takes two normalised answers and returns True or False when
both are single numbers (or when the strings already agree), and None when it cannot tell
(expressions with variables, lists, intervals, sets, matrices, equations ...), which sends
the pair to the symbolic workers. Numbers are read by ``mathparse`` (no eval, bounded).

Rules:
  * exact values (integers, fractions, radicals, pi) must be exactly equal; irrational
    values are compared at 40 significant digits;
  * when either side is written with a decimal point, they are equal within
    ``max(5e-7, 1e-15 * magnitude)``: the six decimal places people write
    (``0.0833333`` = 1/12, ``3.14`` != pi, ``0.333`` != 1/3);
  * ``50%`` equals ``50`` and ``0.5``;
  * a number followed by words is that number (``42 apples``, ``125 miles``);
  * ``x = 5`` is the number 5 (but ``x = 1`` against ``y = 1`` is left undecided);
  * comparisons never go through floats, so huge values cannot overflow to infinity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from .mathparse import MAX_CHARS, parse_number
from .normalize import compact, split_assignment, split_percent

ABS_TOL = sympy.Rational(5, 10**7)
REL_TOL = sympy.Rational(1, 10**15)
_LEAD = re.compile(r"\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:\s*/\s*\d+)?)\s+[A-Za-z]")
_WORDS = re.compile(r"[A-Za-z][A-Za-z ]+")


@dataclass(frozen=True)
class Number:
    value: sympy.Expr
    decimal: bool   # written with a decimal point: compare with a tolerance
    percent: bool


def read_number(s: str) -> Number | None:
    """A single number (no lists, no variables), or None."""
    if not s or len(s) > MAX_CHARS or "," in s:
        return None
    body, percent = split_percent(s)
    v = parse_number(body)
    if v is None:
        m = _LEAD.match(body)
        if m:
            v = parse_number(m.group(1))
            body = m.group(1)
    if v is None or not v.is_number or not v.is_real:
        return None
    return Number(v, "." in body, percent)


def _close(a: sympy.Expr, b: sympy.Expr, loose: bool) -> bool:
    if a.is_Rational and b.is_Rational:
        if not loose:
            return bool(a == b)
        diff, size = abs(a - b), max(abs(a), abs(b))
        return bool(diff <= ABS_TOL or diff <= REL_TOL * size)
    if a == b:
        return True
    try:
        diff = abs((a - b).evalf(40))
        size = max(abs(a.evalf(40)), abs(b.evalf(40)))
    except (TypeError, ValueError, ArithmeticError):
        return False
    if not (diff.is_Number and size.is_Number):
        return False
    if loose:
        return bool(diff <= ABS_TOL or diff <= REL_TOL * size)
    return bool(diff <= sympy.Rational(1, 10**30) * max(size, sympy.Integer(1)))


def numbers_equal(p: Number, g: Number) -> bool:
    loose = p.decimal or g.decimal
    pv = [p.value, p.value / 100] if p.percent else [p.value]
    gv = [g.value, g.value / 100] if g.percent else [g.value]
    return any(_close(a, b, loose) for a in pv for b in gv)


def numeric_verdict(pred: str, gold: str) -> bool | None:
    """True / False when decidable here, None when the pair needs the symbolic path."""
    if not pred or not gold:
        return False
    if compact(pred) == compact(gold):
        return True
    (pv, pred), (gv, gold) = split_assignment(pred), split_assignment(gold)
    if pv is not None and gv is not None and pv != gv:
        return None  # x = 1 against y = 1: the symbolic path decides
    p, g = read_number(pred), read_number(gold)
    if p is not None and g is not None:
        return numbers_equal(p, g)
    # a number against plain words ("five", "no solution") can never be equal
    if (p is not None and _WORDS.fullmatch(gold)) or (g is not None and _WORDS.fullmatch(pred)):
        return False
    return None


def number_key(s: str) -> str | None:
    """A canonical key for an exact number ('0.5' and '\\frac{1}{2}' -> '1/2'), else None."""
    n = read_number(split_assignment(s)[1])
    if n is None:
        return None
    v = n.value / 100 if n.percent else n.value
    return str(v)
