"""Grading: pull the final answer out of a solution and decide whether it equals the truth.

One entry point, used for search trees, PRM training labels, sweeps and the app:
``grade(solution_text, truth) -> bool | None`` (None when no truth is known), and its batch
form ``grade_many(solutions, truths)`` for sweeps and pools, and ``grade_answers(answers,
truth, budget)`` for a tree a page shows: each distinct answer once, True / False / None (not
settled: past its deadline, kept as unknown for ten minutes, or past the call's grading
budget, ``TTC_VIZ_GRADING_BUDGET_S``, default 2 s). The pieces are public too:
``extract_answer`` / ``marked_answer`` / ``states_final_answer`` (see ``extract``),
``equivalent(pred, gold)`` / ``equivalent_many(pairs)``, ``answer_key`` (voting) and
``normalize``.

How two answers are judged (``equivalent``; ``pred`` is the model's, ``gold`` the truth):
  1. Spelling is normalised (``normalize``): ``$``, ``\\left``, ``\\dfrac``/``\\tfrac``,
     ``\\frac13``, ``\\sqrt 2``, ``\\text{...}`` and units after a number, degrees, a leading
     ``x =``, thousands separators (``1,000``, ``1 000``), decimal commas (``1000,99``).
  2. Fast path, in this thread (``numeric``): equal strings are equal; two single numbers
     are compared exactly (fractions, radicals, pi), or within ``max(5e-7, 1e-15 * size)``
     when either is written as a decimal (``0.0833333`` = ``\\frac{1}{12}``, ``0.333`` !=
     ``1/3``); ``50%`` equals ``50`` and ``0.5``; a number never equals plain words.
  3. Everything else goes to a symbolic worker process (``pool``, ``worker``): Math-Verify's
     LaTeX parser (latex2sympy2-extended, an ANTLR grammar) and its comparison. Judged equal
     there: expressions equal after sympy's ``simplify`` (commutativity, expansion, trig
     identities such as ``\\sec^2 y`` = ``\\tan^2 y + 1``), equations with the same solutions
     (``2x+4y-3=0`` = ``y=-\\frac12x+\\frac34``), ``var = value`` against ``value``,
     inequalities with the same solution set (``x<1`` = ``-x>-1``), intervals with the
     same ends and brackets and their unions, sets in any order (``\\{1\\pm\\sqrt5,-2\\}``),
     tuples in order, matrices and vectors entry by entry, ``\\pm`` expanded.
     Not equal there: ``[0,9)`` vs ``(0,9)``, ``x>5`` vs ``x<5``, ``(1,2)`` vs ``(2,1)``,
     two assignments to different variables (``x=1`` vs ``y=1``), anything it cannot parse
     unless the normalised strings match, and anything still running at the deadline
     (1.5 s by default: the worker is killed and replaced).
  Answers longer than 2,000 characters are only compared as strings; the symbolic path
  gets answers of at most 600 characters.

Never eval: numbers in this process are read by ``mathparse`` (a bounded hand-written
parser); the workers use only the LaTeX grammar and refuse sympy's string evaluation.
Every step is linear in the input or capped, so a hostile answer can neither run code nor
hold the interpreter lock.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
from collections import OrderedDict
from typing import Sequence

from .extract import extract_answer, is_bare_answer, marked_answer, states_final_answer
from .normalize import MAX_CHARS, compact, normalize
from .numeric import number_key, numeric_verdict
from .pool import get_pool, shutdown

__all__ = [
    "grade", "grade_many", "grade_answers", "equivalent", "equivalent_many", "extract_answer", "marked_answer",
    "states_final_answer", "answer_key", "normalize", "warm_up", "shutdown",
]

MAX_SYMBOLIC_CHARS = 600


def _prepare(pred, gold) -> tuple[str, str, bool | None]:
    """Normalised pair, and the verdict when the fast path can give one."""
    if pred is None or gold is None:
        return "", "", False
    p, g = normalize(str(pred)), normalize(str(gold))
    if not p or not g:
        return p, g, False
    verdict = numeric_verdict(p, g)
    if verdict is None and (len(p) > MAX_SYMBOLIC_CHARS or len(g) > MAX_SYMBOLIC_CHARS):
        verdict = False  # too long to parse; equal strings were caught above
    return p, g, verdict


_CACHE: OrderedDict[tuple[str, str], bool] = OrderedDict()  # symbolic verdicts (sweeps regrade)
_CACHE_SIZE = 8192
_CACHE_LOCK = threading.Lock()


# Pairs still unsettled, kept for a while so a page that reruns does not pay for them again:
# a pair that used its whole deadline ("missed": unknown, for every caller), and a pair a
# bounded call (``grade_answers``) cut short or did not reach ("deferred": only bounded calls
# skip it; a sweep's grading still waits for its verdict).
_MISSED: OrderedDict[tuple[str, str], float] = OrderedDict()
_DEFERRED: OrderedDict[tuple[str, str], float] = OrderedDict()
MISSED_TTL_S = 600.0
DEFERRED_TTL_S = 60.0


def budget_s() -> float:
    """Seconds of symbolic grading one tree may take per re-pick (``TTC_VIZ_GRADING_BUDGET_S``,
    default 2): what is not settled by then shows as ungraded."""
    try:
        return max(0.0, float(os.environ.get("TTC_VIZ_GRADING_BUDGET_S", 2.0)))
    except ValueError:
        return 2.0


def _cached(key: tuple[str, str], bounded: bool = False) -> tuple[bool | None, bool]:
    """(verdict, known): a kept verdict; or (None, True) for a pair kept as unknown."""
    now = time.monotonic()
    with _CACHE_LOCK:
        v = _CACHE.get(key)
        if v is not None:
            _CACHE.move_to_end(key)
            return v, True
        for kept, ttl, applies in ((_MISSED, MISSED_TTL_S, True), (_DEFERRED, DEFERRED_TTL_S, bounded)):
            t = kept.get(key)
            if t is not None:
                if now - t > ttl:
                    del kept[key]
                elif applies:
                    return None, True
        return None, False


def _keep(kept: OrderedDict, key) -> None:
    kept[key] = time.monotonic()
    kept.move_to_end(key)
    if len(kept) > _CACHE_SIZE:
        kept.popitem(last=False)


def _remember(key: tuple[str, str], verdict: bool | None, missed: bool = False, deferred: bool = False) -> None:
    with _CACHE_LOCK:
        if verdict is not None:
            _CACHE[key] = verdict
            if len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
            _MISSED.pop(key, None)
            _DEFERRED.pop(key, None)
        elif missed:  # the pair used its whole deadline: unknown, not asked again for a while
            _keep(_MISSED, key)
        elif deferred:
            _keep(_DEFERRED, key)
        # otherwise (no worker): depends on the moment, so not kept


def _symbolic_many(keys: list[tuple[str, str]], until: float | None = None) -> list[bool | None]:
    """Verdicts for normalised pairs, None where unknown. ``until`` (``time.monotonic()``): a
    bounded call, over by then; what it does not settle in time is None."""
    found = [_cached(k, bounded=until is not None) for k in keys]
    out = [v for v, _ in found]
    todo = [i for i, (_, known) in enumerate(found) if not known]
    pool = get_pool() if todo else None
    if pool is None:
        return out
    if until is None:
        for i, v in zip(todo, pool.compare_many([keys[i] for i in todo])):
            _remember(keys[i], v, missed=v is None)
            out[i] = v
    else:
        for i, (v, missed) in zip(todo, pool.compare_until([keys[i] for i in todo], until)):
            _remember(keys[i], v, missed=missed, deferred=not missed)
            out[i] = v
    return out


def equivalent(pred: str | None, gold: str | None) -> bool:
    """Is ``pred`` the same answer as ``gold``? (see the module docstring for the rules)"""
    p, g, verdict = _prepare(pred, gold)
    if verdict is not None:
        return verdict
    return bool(_symbolic_many([(p, g)])[0])


def equivalent_many(pairs: Sequence[tuple[str | None, str | None]]) -> list[bool]:
    """``equivalent`` for many pairs: the fast path first, the rest spread over the workers."""
    prepared = [_prepare(p, g) for p, g in pairs]
    out: list[bool | None] = [v for _, _, v in prepared]
    todo: dict[tuple[str, str], list[int]] = {}
    for i, (p, g, v) in enumerate(prepared):
        if v is None:
            todo.setdefault((p, g), []).append(i)
    keys = list(todo)
    for key, v in zip(keys, _symbolic_many(keys)):
        for i in todo[key]:
            out[i] = bool(v)
    return [bool(v) for v in out]


def _readings(solution_text) -> list:
    """What a solution may be answering: its announced answer; or, for a bare answer (callers
    pass extracted answers back, e.g. ``2x+4y-3=0``), the whole text and its last number."""
    if marked_answer(solution_text) is None and is_bare_answer(solution_text):
        whole = solution_text.strip().rstrip(".").strip()
        return list(dict.fromkeys([whole, extract_answer(solution_text)]))
    return [extract_answer(solution_text)]


def grade(solution_text: str, truth: str | None) -> bool | None:
    """Is the solution's answer the truth? None when no truth is known."""
    if truth is None:
        return None
    return any(equivalent(r, truth) for r in _readings(solution_text))


def grade_many(solutions: Sequence[str], truths: Sequence[str | None]) -> list[bool | None]:
    """``grade`` for many (solution, truth) pairs; None where the truth is None."""
    if len(solutions) != len(truths):
        raise ValueError(f"{len(solutions)} solutions but {len(truths)} truths")
    owner, pairs = [], []
    for i, t in enumerate(truths):
        if t is not None:
            for r in _readings(solutions[i]):
                owner.append(i)
                pairs.append((r, t))
    out: list[bool | None] = [None if t is None else False for t in truths]
    for i, v in zip(owner, equivalent_many(pairs)):
        out[i] = out[i] or v
    return out


def grade_answers(answers, truth: str | None, budget: float | None = None) -> dict[str, bool | None]:
    """Each distinct answer graded once against ``truth``: {answer: True / False / None}.
    None: no truth, or not settled, because the symbolic comparison ran out of its deadline
    (kept as unknown for a while, so a rerun does not pay again) or because the call's
    ``budget`` (seconds of symbolic grading, ``budget_s()`` when not given) was spent; the
    fast path is never cut short. What a tree shows as ungraded."""
    distinct = list(dict.fromkeys(a for a in answers if a is not None))
    if truth is None:
        return {a: None for a in distinct}
    until = time.monotonic() + (budget_s() if budget is None else budget)
    readings = {a: _readings(a) for a in distinct}
    fast: dict[tuple, bool | None] = {}
    todo: list[tuple[str, str]] = []
    for a in distinct:
        for r in readings[a]:
            p, g, v = _prepare(r, truth)
            fast[(a, r)] = v if v is not None else (p, g)
            if v is None:
                todo.append((p, g))
    todo = list(dict.fromkeys(todo))
    slow = dict(zip(todo, _symbolic_many(todo, until=until))) if todo else {}
    out: dict[str, bool | None] = {}
    for a in distinct:
        verdicts = [fast[(a, r)] if isinstance(fast[(a, r)], bool) else slow[fast[(a, r)]] for r in readings[a]]
        out[a] = True if any(v is True for v in verdicts) else (None if None in verdicts else False)
    return out


def answer_key(ans: str | None) -> str | None:
    """A canonical key so that answers that are the same number vote together ('0.5', '1/2').

    Cheap and in-process (voting calls it for every node): exact numbers get their value,
    anything else its normalised spelling without spaces, in lower case; an answer longer
    than 2,000 characters is keyed by a hash of its text.
    """
    if ans is None:
        return None
    s = str(ans)
    if len(s) > MAX_CHARS:
        return "sha1:" + hashlib.sha1(s.encode("utf-8", "replace")).hexdigest()
    s = normalize(s)
    return number_key(s) or compact(s) or None


def warm_up() -> None:
    """Start the symbolic workers now (optional: they start on first use)."""
    pool = get_pool()
    if pool is not None:
        pool.warm()
