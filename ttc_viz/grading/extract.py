"""Pull the final answer out of a solution's text.

Order of preference (the last occurrence of each wins):
  1. ``\\boxed{...}`` / ``\\boxed {...}`` / ``\\fbox{...}`` (braces matched), or ``\\boxed 5``;
  2. "final answer is ...", "the answer is ...", "answer: ...";
  3. ``#### ...`` (GSM8K);
  4. ``extract_answer`` only: the whole text if it is a bare answer (``\\frac{1}{2}``,
     ``x = 3``; not a step such as ``7 + 1 = 8``), else the last math span (``$x \\lt 3$``,
     a matrix, an interval: ``last_math``), else the last plain number (``2/3``, ``1,000``,
     a decimal comma ``2,74``).
A "final answer is" after the last box wins over the box (the order Math-Verify reads in).
What follows an anchor is read as one ``$...$`` / ``\\(...\\)`` / ``\\[...\\]`` expression if it
starts with one, else a leading number, else a short phrase up to the end of the sentence.

Every scan is linear in the text and only the last 20,000 characters are searched.
"""
from __future__ import annotations

import re

MAX_TEXT = 20_000  # only the tail of a very long solution is searched for its answer
MAX_ANSWER = 2_000  # an extracted answer longer than this is cut (nobody writes such answers)

_BOX = re.compile(r"\\(?:boxed|fbox)(?![a-zA-Z])")
_ANSWER_IS = re.compile(r"(?:final answer|the answer|answer)\s*(?:is|:|=)\s*:?[ \t]*", re.I)
_FINAL_ANSWER_IS = re.compile(r"final answer\s*(?:is|:)\s*:?[ \t]*", re.I)
_HASHES = re.compile(r"####[ \t]*")
# a plain number: thousands separators, a decimal point or a decimal comma ("2,74", "0,111";
# a comma before exactly three digits is a thousands separator, "1,2" a list), an optional "/d" (2/3)
_NUMBER = re.compile(r"-?\d+(?:,\d{3}(?!\d))*(?:\.\d+|,\d{2}(?!\d)|(?<=\b0),\d+)?(?:/\d+(?![.,]\d))?|-?\.\d+")
# the last math span of a text: $...$ (one line), \(...\), \[...\]; bounded, never nested
_MATH_SPAN = re.compile(r"\$\$([^$]{1,300})\$\$|\$((?:[^$\n\\]|\\[^\n]){1,300})\$|\\\(([^\n]{1,300}?)\\\)|\\\[([^\n]{1,300}?)\\\]")
_VARIABLE = re.compile(r"(?<![\\a-zA-Z])[a-zA-Z]")
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


_BETWEEN_BOXES = re.compile(r"(?:\s|[,;$]|\\q?quad|\\text\{\s*(?:and|or|,)\s*\}|and|or){0,12}")


def _box_run(text: str, boxes: list) -> str | None:
    """Several boxes written together at the end (``\\boxed{-2} \\quad and \\quad \\boxed{1}``,
    ``\\boxed{1}\\boxed{2}``): one answer, their contents joined by commas; None for one box."""
    parts, start = [], None
    for m in reversed(boxes):
        j = m.end()
        while j < len(text) and text[j] in " \t":
            j += 1
        inner = _braced(text, j) if j < len(text) and text[j] == "{" else None
        if inner is None or not inner.strip():
            break
        end = j + len(inner) + 2
        if start is not None and not _BETWEEN_BOXES.fullmatch(text[end:start]):
            break
        parts.append(_strip_math(inner))
        start = m.start()
    return ",".join(reversed(parts))[:MAX_ANSWER] if len(parts) > 1 else None


def _line_after(text: str, end: int) -> str:
    stop = text.find("\n", end)
    return text[end:stop if stop >= 0 else len(text)]


def _anchored(text: str, pat: re.Pattern, after: int = 0) -> str | None:
    """What follows the last of ``pat``'s anchors (starting at or after ``after``) that reads as
    an answer."""
    hits = [m for m in pat.finditer(text) if m.start() >= after]
    for hit in reversed(hits[-50:]):
        ans = _after_anchor(_line_after(text, hit.end()))
        if ans:
            return ans[:MAX_ANSWER]
    return None


def marked_answer(text: str) -> str | None:
    """The answer a solution explicitly announces (boxed, "the answer is", ####), or None.
    A "final answer is ..." written after the last box restates it and wins ("\\boxed{200}
    ... The final answer is $10,455$")."""
    if not isinstance(text, str) or not text.strip():
        return None
    text = text[-MAX_TEXT:]
    boxes = [m for m in _BOX.finditer(text)][-50:]
    boxed = _last_boxed(text)
    if boxed is not None:
        later = _anchored(text, _FINAL_ANSWER_IS, after=boxes[-1].end())
        return later or _box_run(text, boxes) or _strip_math(boxed)[:MAX_ANSWER] or None
    for pat in (_ANSWER_IS, _HASHES):
        ans = _anchored(text, pat)
        if ans:
            return ans
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
    span = _last_span(tail)
    if span is not None and (last is None or last.start() < span.end()):
        expr = _span_answer(span)  # the math span is the last thing stated
        if expr is not None:
            return expr
    return _plain_number(last.group(0)) if last else None


def _plain_number(num: str) -> str:
    """A number as matched, its thousands separators dropped and a decimal comma made a point."""
    head, _, frac = num.partition("/")
    if re.search(r",\d{2}$", head) or re.match(r"-?0,", head):
        whole, _, dec = head.rpartition(",")
        head = whole.replace(",", "") + "." + dec
    else:
        head = head.replace(",", "")
    return head + ("/" + frac if frac else "")


def last_math(text: str) -> str | None:
    """The last math span of a text (``$...$``, ``\\(...\\)``, ``\\[...\\]``), as Math-Verify
    reads an answer written without a box: an equation that names a variable keeps every side
    (``x < 3``, ``2x+4y-3=0``, ``7 = 11a+c``), a calculation is read as its result
    (``\\frac{1}{2} = 0.5`` -> ``0.5``). None when the text has no span that reads as math.
    ``extract_answer`` takes it only when no plain number follows it."""
    span = _last_span(text)
    return None if span is None else _span_answer(span)


def _last_span(text: str):
    last = None
    for last in _MATH_SPAN.finditer(text):
        pass
    return last


def _span_answer(span) -> str | None:
    inner = next(g for g in span.groups() if g is not None).strip().rstrip(".,;").strip()
    if "=" in inner and not re.search(r"[<>!]=|=[<>]|\\[lg]eq?", inner) and not _VARIABLE.search(inner):
        inner = inner.rpartition("=")[2].strip()  # a calculation: its result
    if not inner or not re.search(r"[\w\\]", inner):
        return None
    return inner[:MAX_ANSWER]


def states_final_answer(step: str) -> bool:
    """Does this step announce the final answer? (ends a solution)"""
    return isinstance(step, str) and bool(_FINAL_MARK.search(step[-MAX_TEXT:])) and marked_answer(step) is not None
