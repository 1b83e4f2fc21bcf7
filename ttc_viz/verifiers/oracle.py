"""The answer key: exact step labels for synthetic problems (a perfect PRM, for labels and
evaluation; it knows the answer, so it is never a search default).

A synthetic problem carries the calculation behind it (``problems.calc.Calculation``): the
numbers known from the start, and one or more right paths of operations ``a op b = c`` to the
answer. The calculation comes from the problem's ``meta``; for a bare text (a verifier is given
text only) it is the one this process made for that text or one of the evaluation problems'
(``problems.calculation_of``), else, for a tree of the earlier generator, read back from its
sentence templates. A step is **on track** when all of these hold:

  * every equation in it (``a op b [op c ...] = r``, comma/semicolon-joined equations split
    apart, ``x`` and ``×`` read as times) is arithmetically true, with the usual precedence
    and brackets;
  * every equation is a step of *this* problem: its result is a result on one of the right
    paths, and every number on its left is known from the start or a result that comes
    earlier on that same path (so ``3 × 6 - 4 = 14`` may do two operations at once, and
    ``6 × 9`` may be ``9 × 6``, but ``20 + 2 = 22`` with numbers from nowhere is off track);
  * every other number it states is a quantity of the problem (known, or a result);
  * an announced final answer ("The answer is N", boxed, ...) is the right one.

A prefix is on track when every step in it is. Checking is a linear scan (no regex with
backtracking, no eval) capped at ``MAX_STEP_CHARS`` per step.

One module, over 300 lines on purpose: a tokenizer, an evaluator and the calculation matching
of one small grammar, used only together by ``check_step``; apart they would each be read
against the others.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from ..grading import marked_answer, normalize
from ..grading.numeric import numeric_verdict
from ..problems import calculation_of
from ..problems.calc import Calculation, apply, calculation, chain as running_total, reorderings
from .base import ModelFreeVerifier, VerifierError

MAX_STEP_CHARS = 2000
MAX_PROBLEM_CHARS = 4000
_OPS = {"+": "+", "-": "-", "−": "-", "–": "-", "*": "*", "×": "*", "x": "*", "·": "*", "/": "/", "÷": "/"}
_apply = apply


def make_chain(start: int, ops) -> Calculation:
    """The calculation of a running total: ``start``, then each (op, operand) of ``ops`` in turn
    (any order of a run of additions and subtractions is another right path)."""
    moves = [(o, int(x)) for o, x in ops]
    return calculation(running_total(int(start), moves), alternatives=reorderings(int(start), moves))


# -- reading the calculation back from a text of the earlier generator's templates -------------
_L1_ADD = re.compile(r"^\w+ has (\d+) \w+ and gets (\d+) more\. How many")
_L1_SUB = re.compile(r"^\w+ has (\d+) \w+ and gives away (\d+)\. How many")
_START = re.compile(r"^\w+ has (\d+) \w+\.$")
_SENTENCES = [
    (re.compile(r"^\w+ gets (\d+) more \w+\.$"), "+"),
    (re.compile(r"^\w+ gives away (\d+) \w+\.$"), "-"),
    (re.compile(r"^Then the number of \w+ \w+ has (doubles|triples|grows (\d+) times)\.$"), "*"),
    (re.compile(r"^\w+ splits the \w+ equally into (\d+) boxes and keeps one box\.$"), "/"),
]


def chain_of(problem) -> Calculation | None:
    """The calculation of a synthetic problem (a ``Problem`` with meta, or its text), else None."""
    meta = getattr(problem, "meta", None) or {}
    if "paths" in meta:
        return Calculation.from_meta(meta)
    if "start" in meta and "ops" in meta:  # a problem of the earlier generator
        return make_chain(meta["start"], [tuple(o) for o in meta["ops"]])
    text = getattr(problem, "text", problem)
    if not isinstance(text, str) or len(text) > MAX_PROBLEM_CHARS:
        return None
    known = calculation_of(text)
    if known is not None:
        return known
    return _legacy(text.strip())


def _legacy(text: str) -> Calculation | None:
    for pat, op in ((_L1_ADD, "+"), (_L1_SUB, "-")):
        m = pat.match(text)
        if m:
            return make_chain(int(m.group(1)), [(op, int(m.group(2)))])
    sentences = [s.strip() + "." for s in text.split(".") if s.strip()]
    if len(sentences) < 3 or not sentences[-1].startswith("How many"):
        return None
    m = _START.match(sentences[0])
    if not m:
        return None
    ops = []
    for s in sentences[1:-1]:
        for pat, op in _SENTENCES:
            hit = pat.match(s)
            if hit:
                if op == "*":
                    word = hit.group(1)
                    x = 2 if word == "doubles" else 3 if word == "triples" else int(hit.group(2))
                else:
                    x = int(hit.group(1))
                ops.append((op, x))
                break
        else:
            return None
    return make_chain(int(m.group(1)), ops)


# -- reading a step: numbers, operators, "=" and everything else, in one pass ------------
def _tokens(text: str) -> list:
    """[(kind, value)] with kind in NUM (Fraction), OP (+-*/), EQ, LP, RP, SEP (anything else)."""
    out: list = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isdigit():
            j = i
            while j < n and text[j].isdigit():
                j += 1
            # "1,250": a comma then exactly three digits is a thousands separator
            while (j + 3 < n and text[j] == "," and text[j + 1:j + 4].isdigit()
                   and (j + 4 == n or not text[j + 4].isdigit())):
                j += 4
            if j + 1 < n and text[j] == "." and text[j + 1].isdigit():
                k = j + 1
                while k < n and text[k].isdigit():
                    k += 1
                num = Fraction(text[i:k].replace(",", ""))
                j = k
            else:
                num = Fraction(int(text[i:j].replace(",", "")))
            out.append(("NUM", num))
            i = j
            continue
        if ch in _OPS and not (ch == "x" and not _between_numbers(out, text, i)):
            out.append(("OP", _OPS[ch]))
        elif ch == "=":
            out.append(("EQ", None))
        elif ch == "(":
            out.append(("LP", None))
        elif ch == ")":
            out.append(("RP", None))
        elif ch.isspace() or ch == "$":
            pass
        elif ch == "." and out and out[-1][0] == "NUM" and (i + 1 == n or not text[i + 1].isdigit()):
            out.append(("SEP", "."))
        else:
            out.append(("SEP", ch))
        i += 1
    return out


def _between_numbers(out: list, text: str, i: int) -> bool:
    """'x' is a times sign only as in '3 x 4' (a number before it, a digit after)."""
    if not out or out[-1][0] != "NUM":
        return False
    j = i + 1
    while j < len(text) and text[j] == " ":
        j += 1
    return j < len(text) and text[j].isdigit() and (i == 0 or not text[i - 1].isalpha())


def _eval(toks: list) -> Fraction | None:
    """Value of NUM/OP/LP/RP tokens with precedence and brackets; None if malformed (or
    bracketed deeper than anyone writes, which keeps the recursion shallow)."""
    if sum(1 for t in toks if t[0] == "LP") > 32 or len(toks) > 400:
        return None
    pos = 0

    def chain(operand, ops: str):
        """operand (op operand)... for the operators ``ops`` of one precedence, left to right;
        None if an operand is malformed or a division is by zero (``_apply``)."""
        nonlocal pos
        v = operand()
        while v is not None and pos < len(toks) and toks[pos][0] == "OP" and toks[pos][1] in ops:
            op = toks[pos][1]
            pos += 1
            w = operand()
            v = None if w is None else _apply(v, op, w)
        return v

    def expr():
        return chain(term, "+-")

    def term():
        return chain(atom, "*/")

    def atom():
        nonlocal pos
        if pos >= len(toks):
            return None
        kind, val = toks[pos]
        if kind == "NUM":
            pos += 1
            return val
        if kind == "OP" and val == "-":
            pos += 1
            a = atom()
            return None if a is None else -a
        if kind == "LP":
            pos += 1
            v = expr()
            if v is None or pos >= len(toks) or toks[pos][0] != "RP":
                return None
            pos += 1
            return v
        return None

    v = expr()
    return v if pos == len(toks) else None


def _equations(toks: list) -> tuple[list, list]:
    """(equations, loose numbers). An equation: (left tokens, right value); chains
    ``a = b = c`` give one equation per "=" whose left side is an expression."""
    eqs, used = [], set()
    for k, (kind, _) in enumerate(toks):
        if kind != "EQ":
            continue
        # the expression to the left: the longest run of NUM/OP/LP/RP tokens
        a = k
        while a > 0 and toks[a - 1][0] in ("NUM", "OP", "LP", "RP"):
            a -= 1
        b = k + 1
        if b < len(toks) and toks[b] == ("OP", "-"):
            b += 1
        if a == k or b >= len(toks) or toks[b][0] != "NUM":
            continue
        left = toks[a:k]
        if left and left[0][0] == "OP" and left[0][1] != "-" or (left and left[0] == ("OP", "-") and a > 0
                                                                 and toks[a - 1][0] == "SEP"):
            # "17 pencils - 6 = 13": the first operand sits before a few words of the same clause
            j = a - 1
            while j >= 0 and toks[j][0] == "SEP" and toks[j][1] not in ",;:.":
                j -= 1
            if j >= 0 and toks[j][0] == "NUM":
                left, a = [toks[j]] + left, j
        if not any(t[0] == "OP" for t in left):
            continue  # "x = 5" or "12 = 12": a statement, its numbers are checked as quantities
        right = toks[b][1] * (-1 if b == k + 2 else 1)
        eqs.append((left, right))
        used.update(range(a, b + 1))
    loose = [v for k, (kind, v) in enumerate(toks) if kind == "NUM" and k not in used]
    return eqs, loose


def _is_step(calc: Calculation, left: list, right: Fraction) -> bool:
    """Is ``left = right`` a step of one of the calculation's right paths: its result a result on
    the path, every number on its left known from the start or an earlier result of that path?"""
    nums = [v for kind, v in left if kind == "NUM"]
    known = {Fraction(v) for v in calc.known}
    for path in calc.paths:
        made: set = set()
        for op in path:
            if Fraction(op.c) == right and all(x in known or x in made for x in nums):
                return True
            made.add(Fraction(op.c))
    return False


@dataclass(frozen=True)
class Verdict:
    on_track: bool
    reason: str   # "" when on track; else what is wrong, for people reading labels


def check_step(calc: Calculation, step: str) -> Verdict:
    """Is this one step on track for the problem's calculation? (see the module docstring)"""
    text = (step or "")[:MAX_STEP_CHARS]
    toks = _tokens(text)
    eqs, loose = _equations(toks)
    for left, right in eqs:
        value = _eval(left)
        if value is None or value != right:
            return Verdict(False, "an equation is false")
        if not _is_step(calc, left, right):
            return Verdict(False, "an equation is not a step of this problem")
    real = calc.quantities
    for v in loose:
        if v not in real:
            return Verdict(False, f"{_show(v)} is not a quantity of this problem")
    ans = marked_answer(text)
    # the truth is a whole number: the in-process numeric check decides (no symbolic worker);
    # an answer it cannot read as a number is wrong
    if ans is not None and not numeric_verdict(normalize(ans), str(calc.answer)):
        return Verdict(False, "wrong final answer")
    return Verdict(True, "")


def _show(v: Fraction) -> str:
    return str(v.numerator) if v.denominator == 1 else f"{float(v):g}"


def step_labels(calc: Calculation, steps: Sequence[str]) -> list[bool]:
    """Per step: is the prefix ending here on track (every step so far on track)?"""
    out, ok = [], True
    for s in steps:
        ok = ok and check_step(calc, s).on_track
        out.append(ok)
    return out


def solution_correct(calc: Calculation, steps: Sequence[str]) -> bool:
    """All steps on track and the last one announces the right answer."""
    return bool(steps) and all(step_labels(calc, steps)) and marked_answer(steps[-1] or "") is not None


class AnswerKeyVerifier(ModelFreeVerifier):
    """Scores 1 for an on-track prefix and 0 otherwise: what a perfect PRM would say.
    Synthetic problems only (it reads the answer from the problem itself)."""

    name = "answer-key"

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        chain = chain_of(problem)
        if chain is None:
            raise VerifierError("the answer key knows only the synthetic problems; pick another verifier")
        return [[1.0 if ok else 0.0 for ok in step_labels(chain, steps)] for steps in solutions]
