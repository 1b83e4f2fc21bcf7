"""A symbolic grading worker: one process, one comparison at a time, run by ``pool``.

Protocol: after start-up it writes ``{"ready": true}``; then for each request line
``{"pred": ..., "gold": ...}`` on stdin it writes one line ``{"verdict": true|false|null}``:
false also when the answers cannot be read as math, null when it ran past its own soft
deadline or failed (not a property of the answers, so not worth caching). EOF ends it.

What it runs: Math-Verify's LaTeX extraction and its comparison (``parse`` with
``LatexExtractionConfig`` only, then ``verify``), which parse with latex2sympy2-extended's
ANTLR grammar into sympy objects and compare them (numbers, simplify, relations, sets,
intervals, tuples, matrices). Only the LaTeX path is used: Math-Verify's plain-expression
path (``ExprExtractionConfig``) parses with sympy's ``parse_expr``, which calls ``eval``.
As a second guard, this process replaces ``parse_expr`` / ``eval_expr`` (where sympy's
``sympify`` of a string ends up) with a function that refuses, in sympy and in both
libraries, before reading any input; so no text can reach ``eval`` here even through a
path we did not foresee. Library time-outs (SIGALRM) are switched off; this process has
its own soft timer (it runs in its main thread, where signals work) and the parent kills it
at a hard deadline. Its address space is capped so a runaway expression cannot take the
machine's memory.
"""
from __future__ import annotations

import json
import logging
import os
import re
import signal
import sys
from functools import lru_cache

MEMORY_LIMIT = 2 * 1024**3


class _Overrun(BaseException):
    """Raised by the soft timer; BaseException so library ``except Exception`` cannot swallow it."""


_LITERAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")


def _refuse(*args, **kwargs):
    raise ValueError("string evaluation is disabled in grading workers")


def _literal_only(s, *args, **kwargs):
    """Stands in for sympy's ``parse_expr``: a plain number literal is built without eval
    (latex2sympy2 reads number tokens with ``sympy.Number(text)``, which sympifies the
    text); any other string is refused."""
    import sympy
    if isinstance(s, str) and len(s) <= 1000:
        t = s.strip()
        if _INTEGER.fullmatch(t):
            return sympy.Integer(int(t))
        if _LITERAL.fullmatch(t):
            return sympy.Float(t)
    raise ValueError("string evaluation is disabled in grading workers")


# Trusted pairs judged before the guard goes up: sympy imports some modules lazily on first
# use (``simplify`` pulls in ``sympy.physics.units``, which sympifies its own constant names),
# so each kind of comparison is run once here with the real ``parse_expr``.
_WARM_UP = [
    ("1", "1"), ("0.5", "\\frac{1}{2}"), ("x^2+2x+1", "(x+1)^2"), ("\\sec^2(y)", "\\tan^2(y)+1"),
    ("2x+4y-3=0", "y=-\\frac{1}{2}x+\\frac{3}{4}"), ("x<1", "-x>-1"), ("x \\geq 2", "[2,\\infty)"),
    ("[0,1)\\cup(2,3]", "[0,1)\\cup(2,3]"), ("\\{1,2\\}", "\\{2,1\\}"), ("(1,2)", "(1,2)"),
    ("\\begin{pmatrix}1\\\\2\\end{pmatrix}", "\\begin{pmatrix}1\\\\2\\end{pmatrix}"), ("\\pm 2", "\\{2,-2\\}"),
    ("\\sin(\\pi/6)", "1/2"), ("e^{i\\pi}", "-1"), ("\\log_2 8", "3"), ("5\\%", "0.05"), ("a=2, b=3", "b=3, a=2"),
]


def _forbid_eval() -> None:
    for pred, gold in _WARM_UP:
        try:
            judge(pred, gold)
        except Exception:  # noqa: BLE001 - warming only
            pass
    import sympy.parsing.sympy_parser as sp
    sp.parse_expr = _literal_only
    sp.eval_expr = _refuse
    import latex2sympy2_extended.latex2sympy2 as l2s
    import math_verify.parser as mvp
    l2s.parse_expr = _refuse
    mvp.parse_expr = _refuse
    mvp.parse_expr_cached = _refuse


def _limit_memory() -> None:
    try:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    except (ImportError, ValueError, OSError):
        pass


def _alarm(signum, frame):
    raise _Overrun


@lru_cache(maxsize=512)
def _parsed(answer: str) -> tuple:
    """One answer read as LaTeX (cached: a sweep compares many answers to the same truth)."""
    from math_verify import LatexExtractionConfig, parse
    return tuple(parse("\\boxed{" + answer + "}", [LatexExtractionConfig()], parsing_timeout=None))


def judge(pred: str, gold: str) -> bool | None:
    from math_verify import verify
    g, p = list(_parsed(gold)), list(_parsed(pred))
    if not g or not p:
        return False
    return bool(verify(g, p, timeout_seconds=None))


def main() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    sys.stdout = sys.stderr  # nothing a library prints can corrupt the protocol
    _limit_memory()
    logging.disable(logging.CRITICAL)
    _forbid_eval()
    soft = float(os.environ.get("TTC_VIZ_GRADING_SOFT_S", "1.0"))
    signal.signal(signal.SIGALRM, _alarm)
    out.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        verdict = None
        try:
            req = json.loads(line)
            signal.setitimer(signal.ITIMER_REAL, soft)
            try:
                verdict = judge(str(req["pred"]), str(req["gold"]))
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
        except _Overrun:
            verdict = None
        except (Exception, RecursionError, MemoryError):  # noqa: BLE001 - any failure is "not equal"
            verdict = None
        out.write(json.dumps({"verdict": verdict}) + "\n")


if __name__ == "__main__":
    main()
