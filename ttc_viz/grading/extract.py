"""Pull the final answer out of a solution's text.

Order of preference (the last occurrence of each wins):
  1. ``\\boxed{...}`` / ``\\boxed {...}`` / ``\\fbox{...}`` (braces matched), or ``\\boxed 5``;
  2. "final answer is ...", "the answer is ...", "answer: ...";
  3. ``#### ...`` (GSM8K);
  4. ``extract_answer`` only: the whole text if it is a bare answer (``\\frac{1}{2}``,
     ``x = 3``; not a step such as ``7 + 1 = 8``), else the last number in the text.
What follows an anchor is read as one ``$...$`` / ``\\(...\\)`` / ``\\[...\\]`` expression if it
starts with one, else a leading number, else a short phrase up to the end of the sentence.

Every scan is linear in the text and only the last 20,000 characters are searched.
"""
from __future__ import annotations

import re

MAX_TEXT = 20_000  # only the tail of a very long solution is searched for its answer
MAX_ANSWER = 2_000  # an extracted answer longer than this is cut (nobody writes such answers)

_BOX = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")
_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?[ \t]*([^\n]+)", re.I)
_HASHES = re.compile(r"####[ \t]*([^\n]+)")
_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?|-?\.\d+")
_LEAD_NUMBER = re.compile(r"-?\d+(?:,\d{3})*(?:\.\d+)?(?:[ \t]*/[ \t]*\d+)?|-?\.\d+")
_FINAL_MARK = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])|answer\s+is|final answer|answer\s*:|####", re.I)
_MATH_OPEN = (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]"))


def _braced(text: str, i: int) -> str | None:
    """The contents of the brace group opening at ``text[i] == '{'``, or None if unclosed."""
    depth = 0
    for j in range(i, len(text)):
        c = text[j]
        if c == "\\" and j + 1 < len(text) and text[j + 1] in "{}":
            continue  # an escaped brace (\{ \}) is content, but its own char is skipped below
        if c == "{" and (j == 0 or text[j - 1] != "\\"):
            depth += 1
        elif c == "}" and (j == 0 or text[j - 1] != "\\"):
            depth -= 1
            if depth == 0:
                return text[i + 1:j]
    return None


def _last_boxed(text: str) -> str | None:
    starts = [m.end() for m in _BOX.finditer(text)]
    for end in reversed(starts[-50:]):  # try the last few; an unclosed one falls back to the one before
        j = end
        while j < len(text) and text[j] in " \t":
            j += 1
        if j < len(text) and text[j] == "{":
            inner = _braced(text, j)
            if inner is not None and inner.strip():
                return inner.strip()
        elif j > end and j < len(text):  # "\boxed 5": one token
            m = re.match(r"[^\s$.,;]+", text[j:j + 200])
            if m:
                return m.group(0)
    return None


def _strip_math(s: str) -> str:
    s = s.strip()
    for o, c in _MATH_OPEN:
        if s.startswith(o) and s.endswith(c) and len(s) >= len(o) + len(c):
            return s[len(o):len(s) - len(c)].strip()
    return s


def _after_anchor(s: str) -> str | None:
    """What follows "the answer is": a math span, a leading number, or a short phrase."""
    s = s.strip()
    for o, c in _MATH_OPEN:
        if s.startswith(o):
            end = s.find(c, len(o))
            inner = s[len(o):end].strip() if end > 0 else ""
            return _strip_math(inner) or None
    m = _LEAD_NUMBER.match(s)
    if m and not re.match(r"[\\^_{(a-zA-Z0-9]", s[m.end():m.end() + 1]):  # "5 apples", not "5\sqrt{7}"
        num = m.group(0)
        return num.replace(",", "") if re.fullmatch(r"-?[\d,]+", num) else num
    s = re.sub(r"\.\s.*$", "", s).strip().rstrip(".!").strip()
    if s.startswith("\\") or (s and len(s.split()) <= 3 and len(s) <= 40):
        return s
    return None


def marked_answer(text: str) -> str | None:
    """The answer a solution explicitly announces (boxed, "the answer is", ####), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text[-MAX_TEXT:]
    boxed = _last_boxed(text)
    if boxed is not None:
        return _strip_math(boxed)[:MAX_ANSWER] or None
    for pat in (_ANSWER_IS, _HASHES):
        hits = list(pat.finditer(text))
        for hit in reversed(hits[-50:]):
            ans = _after_anchor(hit.group(1))
            if ans:
                return ans[:MAX_ANSWER]
    return None


_PROSE_WORD = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]{2,}")
_MATH_START = re.compile(r"[-+\d\\(\[{$.|]|[a-zA-Z](?![a-zA-Z])")
_ASSIGNMENT = re.compile(r"[a-zA-Z]\s*=[^=]+")


def is_bare_answer(text: str) -> bool:
    """Is this text an answer on its own ("\\frac{1}{2}", "x = 3", "(1, 2)", "Monday") rather
    than prose? Callers pass answers they already extracted back to ``grade``."""
    if not isinstance(text, str):
        return False
    s = text.strip()
    if not s or len(s) > 300 or "\n" in s:
        return False
    words = len(_PROSE_WORD.findall(s))
    if _MATH_START.match(s):
        return words <= 2
    return words <= 2 and not any(c.isdigit() for c in s)


def extract_answer(text: str) -> str | None:
    """The announced answer; else the whole text when it is a bare answer (without an "="
    other than "x = ..."); else the last number in the text; else None."""
    ans = marked_answer(text)
    if ans is not None:
        return ans
    if not isinstance(text, str):
        return None
    if is_bare_answer(text):
        s = _strip_math(text.strip().rstrip(".").strip())
        if s and ("=" not in s or _ASSIGNMENT.fullmatch(s)):
            return s
    tail = text[-MAX_TEXT:]
    last = None
    for last in _NUMBER.finditer(tail):
        pass
    return last.group(0).replace(",", "") if last else None


def states_final_answer(step: str) -> bool:
    """Does this step announce the final answer? (ends a solution)"""
    return isinstance(step, str) and bool(_FINAL_MARK.search(step[-MAX_TEXT:])) and marked_answer(step) is not None
