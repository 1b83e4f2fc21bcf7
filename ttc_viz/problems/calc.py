"""The calculation behind a word problem: what the answer key checks steps against.

A ``Calculation`` is what a synthetic problem's writer knows and a solver has to find:

* ``known``: the numbers available from the start (every number the problem states, and the
  numbers a solution may bring in without stating them: 60 minutes in an hour, 100 for a
  percent, 2 for "twice" or "half", 4 sides of a square, ...);
* ``paths``: one or more ways to reach the answer, each a sequence of operations
  ``a op b = c`` (op one of + - * /) in which every operand is known from the start or the
  result of an earlier operation of the same path. The first path is the reference one (the
  solution the writer prints); the others are equally right orders (adding before taking
  away, ``2 × 12 + 2 × 6`` for ``2 × (12 + 6)``, ...);
* ``answer``: the last result of every path.

Stored in ``Problem.meta`` (``to_meta`` / ``from_meta``, plain JSON) with the family that
wrote the problem and the noun its answer counts (``unit``), so a reference or a spoiled
solution can be written from it (``train/synthetic.py``) and every step of a model's solution
can be labelled exactly (``verifiers/oracle.py``).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from fractions import Fraction

OPS = ("+", "-", "*", "/")


@dataclass(frozen=True)
class Op:
    """One operation ``a op b = c``; ``say`` is a short phrase naming what it computes
    ("9 crates of 6 melons"), used by the solution writer (may be empty)."""
    a: int
    op: str
    b: int
    c: int
    say: str = ""

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"an operation is one of {OPS}, got {self.op!r}")
        if apply(Fraction(self.a), self.op, Fraction(self.b)) != self.c:
            raise ValueError(f"{self.a} {self.op} {self.b} is not {self.c}")

    def as_list(self) -> list:
        return [self.a, self.op, self.b, self.c, self.say]


def apply(a: Fraction, op: str, b: Fraction) -> Fraction | None:
    """``a op b`` exactly; None for a division by zero."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return a / b if b else None


@dataclass(frozen=True)
class Calculation:
    known: frozenset                 # numbers available from the start (ints)
    paths: tuple                     # (reference path, other paths...), each a tuple of Op
    answer: int
    family: str = ""
    unit: str = ""                   # what the answer counts ("melons", "dollars", "km")
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # names etc. for writers

    @property
    def steps(self) -> tuple:
        """The reference path."""
        return self.paths[0]

    @property
    def derived(self) -> set:
        """Every result of every path."""
        return {op.c for path in self.paths for op in path}

    @property
    def quantities(self) -> set:
        """Numbers a step may state: known from the start or a result on some path."""
        return {Fraction(v) for v in self.known} | {Fraction(v) for v in self.derived}

    def to_meta(self) -> dict:
        return {"family": self.family, "unit": self.unit, "known": sorted(self.known), "answer": self.answer,
                "paths": [[op.as_list() for op in path] for path in self.paths], **self.extra}

    @classmethod
    def from_meta(cls, meta: dict) -> "Calculation":
        paths = tuple(tuple(Op(int(a), str(o), int(b), int(c), str(s)) for a, o, b, c, s in path)
                      for path in meta["paths"])
        extra = {k: v for k, v in meta.items() if k not in ("family", "unit", "known", "answer", "paths")}
        return cls(frozenset(int(v) for v in meta["known"]), paths, int(meta["answer"]),
                   str(meta.get("family", "")), str(meta.get("unit", "")), extra)


def calculation(steps, *, stated=(), family: str = "", unit: str = "", alternatives=(), extra=None) -> Calculation:
    """A Calculation from its reference steps: known = the numbers the problem states plus
    every operand no earlier step produced (constants such as 60 or 100 included)."""
    steps = tuple(steps)
    if not steps:
        raise ValueError("a calculation needs at least one operation")
    paths = (steps, *[tuple(p) for p in alternatives if tuple(p) != steps])
    known = set(int(v) for v in stated)
    for path in paths:
        made: set = set()
        for op in path:
            for v in (op.a, op.b):
                if v not in made:
                    known.add(int(v))
            made.add(op.c)
        if path[-1].c != steps[-1].c:
            raise ValueError("every path must reach the same answer")
    return Calculation(frozenset(known), paths, int(steps[-1].c), family, unit, dict(extra or {}))


def chain(start: int, moves, say=()) -> tuple:
    """The Ops of a running total: ``start``, then each (op, x) in ``moves`` applied to it."""
    out, v = [], Fraction(start)
    says = list(say) + [""] * len(moves)
    for (op, x), s in zip(moves, says):
        w = apply(v, op, Fraction(x))
        if w is None or w.denominator != 1:
            raise ValueError(f"{v} {op} {x} is not a whole number")
        out.append(Op(int(v), op, int(x), int(w), s))
        v = w
    return tuple(out)


def reorderings(start: int, moves, limit: int = 24) -> list[tuple]:
    """Other orders of a running total's moves that are just as right: consecutive additions and
    subtractions may come in any order (as may consecutive multiplications and divisions) as
    long as every value on the way stays a whole number that is not negative."""
    groups, cur = [], []
    for mv in moves:
        kind = "add" if mv[0] in "+-" else "mul"
        if cur and ("add" if cur[-1][0] in "+-" else "mul") != kind:
            groups.append(cur)
            cur = []
        cur.append(mv)
    if cur:
        groups.append(cur)
    options = [list(dict.fromkeys(itertools.permutations(g))) for g in groups]
    out = []
    for combo in itertools.product(*options):
        order = [mv for g in combo for mv in g]
        if order == list(moves):
            continue
        try:
            ops = chain(start, order)
        except ValueError:
            continue
        if all(op.c >= 0 for op in ops):
            out.append(ops)
        if len(out) >= limit:
            break
    return out


def expression_steps(expr: str) -> tuple:
    """The Ops of an arithmetic expression of whole numbers (``"50-3*12"``, ``"2*(12+6)"``) in the
    order a person works it out (brackets first, then times and divide, then plus and minus,
    left to right). Our own data only, still read without eval; ValueError if malformed or not
    whole on the way."""
    tokens, num = [], ""
    for ch in expr.replace(" ", "") + " ":
        if ch.isdigit():
            num += ch
            continue
        if num:
            tokens.append(int(num))
            num = ""
        if ch in "+-*/()":
            tokens.append(ch)
        elif ch != " ":
            raise ValueError(f"unexpected {ch!r} in {expr!r}")
    ops: list = []
    pos = 0

    def operand() -> int:
        nonlocal pos
        tok = tokens[pos] if pos < len(tokens) else None
        pos += 1
        if tok == "(":
            v = level("+-")
            if pos >= len(tokens) or tokens[pos] != ")":
                raise ValueError(f"unbalanced brackets in {expr!r}")
            pos += 1
            return v
        if not isinstance(tok, int):
            raise ValueError(f"malformed expression {expr!r}")
        return tok

    def level(which: str) -> int:
        nonlocal pos
        v = operand() if which == "*/" else level("*/")
        while pos < len(tokens) and tokens[pos] in tuple(which):
            op = tokens[pos]
            pos += 1
            w = operand() if which == "*/" else level("*/")
            r = apply(Fraction(v), op, Fraction(w))
            if r is None or r.denominator != 1:
                raise ValueError(f"{v} {op} {w} is not a whole number in {expr!r}")
            ops.append(Op(v, op, w, int(r)))
            v = int(r)
        return v

    level("+-")
    if pos != len(tokens) or not ops:
        raise ValueError(f"malformed expression {expr!r}")
    return tuple(ops)


__all__ = ["OPS", "Op", "Calculation", "apply", "calculation", "chain", "reorderings", "expression_steps"]
