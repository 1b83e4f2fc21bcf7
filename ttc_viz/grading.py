"""Grading: pull the final answer out of a solution and decide if two answers agree.

One entry point: ``grade(solution_text, truth) -> bool | None`` (None when no truth is
known). The pieces it uses are public too:
  * ``extract_answer(text)``: the last ``\\boxed{...}``, else the text after "The answer is",
    else after ``####``, else the last number in the text; None if there is none.
  * ``equivalent(a, b)``: the same value when both parse as numbers (integers, decimals,
    fractions, ``\\frac``, ``\\sqrt``, simple LaTeX arithmetic; units, degrees, ``$`` and
    ``%`` stripped), else the same normalised string; comma lists compared item by item.

Rule: never eval. Numbers are read by ``mathparse`` (a bounded hand-written parser), so a
hostile string can neither run code nor hang a thread. Why not Math-Verify: its fallback
parses through sympy's ``parse_expr`` (eval) and bounds time with SIGALRM, which fails in
Streamlit's script threads.
"""
from __future__ import annotations

import re

from .mathparse import MAX_CHARS, parse_number

_MAX_TEXT = 20_000  # only the tail of a very long solution is searched for its answer
_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?\s*(.+)", re.I)
_HASHES = re.compile(r"####\s*(.+)")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?|-?\.\d+")
_FINAL_MARK = re.compile(r"\\boxed\s*\{|answer\s+is|final answer|####", re.I)


def states_final_answer(step: str) -> bool:
    """Does this step announce the final answer? (ends a solution)"""
    return bool(_FINAL_MARK.search(step or "")) and marked_answer(step) is not None


def _last_boxed(text: str) -> str | None:
    start = max(text.rfind("\\boxed{"), text.rfind("\\boxed {"))
    if start < 0:
        return None
    i = text.index("{", start) + 1
    depth, j = 1, i
    while j < len(text) and depth:
        depth += {"{": 1, "}": -1}.get(text[j], 0)
        j += 1
    return text[i:j - 1] if depth == 0 else None


def marked_answer(text: str) -> str | None:
    """The answer a solution explicitly announces (boxed, "the answer is", ####), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text[-_MAX_TEXT:]
    boxed = _last_boxed(text)
    if boxed is not None and boxed.strip():
        return boxed.strip()
    for pat in (_ANSWER_IS, _HASHES):
        for hit in reversed(list(pat.finditer(text))):
            ans = _clean_sentence(hit.group(1))
            if ans:
                return ans
    return None


def extract_answer(text: str) -> str | None:
    """The announced answer, else the last number in the text, else None."""
    ans = marked_answer(text)
    if ans is not None:
        return ans
    if not isinstance(text, str):
        return None
    nums = _NUMBER.findall(text[-_MAX_TEXT:])
    return nums[-1].replace(",", "") if nums else None


_LEAD_NUMBER = re.compile(r"^-?\d[\d,]*(?:\.\d+)?(?:\s*/\s*\d+)?|^-?\.\d+")


def _clean_sentence(s: str) -> str | None:
    """What follows "the answer is": a leading number, a $...$ expression, or a short phrase."""
    s = s.split("\n", 1)[0].strip()
    if s.startswith("$"):
        end = s.find("$", 1)
        return s[1:end].strip() or None if end > 0 else None
    m = _LEAD_NUMBER.match(s)
    if m:
        return m.group(0).replace(",", "") if re.fullmatch(r"-?[\d,]+", m.group(0)) else m.group(0)
    s = re.sub(r"\.\s.*$", "", s).strip().rstrip(".!").strip()
    if s.startswith("\\") or (s and len(s.split()) <= 3 and len(s) <= 40):
        return s
    return None


_TEXT_CMD = re.compile(r"\\(?:text|mbox|mathrm)\{([^{}]*)\}")
_UNIT_WORDS = re.compile(r"\^\s*\{?\\circ\}?|\\circ|°|\\%|%|\$|\\\$|degrees?\b", re.I)


def normalize(ans: str) -> str:
    s = _TEXT_CMD.sub(r"\1", ans.strip())
    s = _UNIT_WORDS.sub("", s)
    s = s.replace("\\left", "").replace("\\right", "").replace("\\!", "").replace("\\,", "")
    s = s.replace("dfrac", "frac").replace("tfrac", "frac")
    s = re.sub(r"^[a-zA-Z]\s*=\s*", "", s)     # "x = 5" -> "5"
    s = re.sub(r"\s+", " ", s).strip().rstrip(".").strip()
    return s


def _value(s: str):
    v = parse_number(s)
    if v is None:  # "42 apples" -> 42: a leading number followed by words
        m = re.match(r"^\s*(-?[\d,]*\.?\d+(?:\s*/\s*\d+)?)\s+[A-Za-z]", s)
        if m:
            v = parse_number(m.group(1))
    return v


def _split_list(s: str) -> list[str]:
    """'1, 2' is a list; '1,000' is a number."""
    inner = s[1:-1] if len(s) > 1 and s[0] in "([" and s[-1] in ")]" else s
    parts = re.split(r",(?!\d{3}(?:\D|$))", inner)
    return [p.strip() for p in parts]


def equivalent(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = normalize(str(a)[:MAX_CHARS * 4]), normalize(str(b)[:MAX_CHARS * 4])
    if not a or not b:
        return False
    if a == b:
        return True
    va, vb = _value(a), _value(b)
    if va is not None and vb is not None:
        return bool(va == vb) or _close(va, vb)
    la, lb = _split_list(a), _split_list(b)
    if len(la) > 1 and len(la) == len(lb):
        return all(equivalent(x, y) for x, y in zip(la, lb))
    return a.replace(" ", "").lower() == b.replace(" ", "").lower()


def _close(va, vb) -> bool:
    """Irrational values (sqrt, pi) compared numerically at high precision."""
    try:
        fa, fb = float(va.evalf(30)), float(vb.evalf(30))
    except (TypeError, ValueError, OverflowError):
        return False
    return abs(fa - fb) <= 1e-9 * max(1.0, abs(fa), abs(fb))


def grade(solution_text: str, truth: str | None) -> bool | None:
    if truth is None:
        return None
    return equivalent(extract_answer(solution_text), truth)


def answer_key(ans: str | None) -> str | None:
    """A canonical key so that equivalent answers vote together ('0.5' and '1/2')."""
    if ans is None:
        return None
    s = normalize(ans)
    v = _value(s)
    if v is not None and v.is_Rational:
        return str(v)
    return s.replace(" ", "").lower() or None
