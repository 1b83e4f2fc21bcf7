"""Spelling-level normalisation of an answer, in linear time.

``normalize(ans)`` rewrites what differs only in spelling: math delimiters and ``\\$``,
``\\left``/``\\right`` and spacing commands, ``\\dfrac``/``\\tfrac`` -> ``\\frac``, ``\\frac13`` ->
``\\frac{1}{3}``, ``\\sqrt 2`` -> ``\\sqrt{2}``, text commands (``\\text{cm}`` -> ``cm``), degree
signs, thousands separators (``1,000``, ``1 000``,
``1\\,000``, ``1{,}000``, ``11,\\! 111``) and a decimal comma (``1000,99``, ``0,5``, ``1,22``;
but ``1,2`` stays a list), relations as the LaTeX reader spells them (``\\lt`` ``<``, ``<=``
``\\le``, ``!=`` ``\\neq``), a matrix in any environment as ``pmatrix``.
Percent signs are removed and reported separately (``split_percent``).

Answers longer than ``MAX_CHARS`` only get their whitespace collapsed: they are compared as
strings, never parsed. No pattern here has nested or overlapping repetition, so every
rewrite is linear in the answer's length.
"""
from __future__ import annotations

import re

MAX_CHARS = 2_000

_TEXT_CMD = re.compile(
    r"\\(?:text|textnormal|textrm|textup|textit|textbf|mbox|mathrm|mathbf|mathit|operatorname)\s*\{([^{}]*)\}"
)
_DROP = re.compile(r"\\left(?![a-zA-Z])|\\right(?![a-zA-Z])|\\displaystyle|(?<!\\)\\[!;: ]|~")
_DEGREE = re.compile(r"\^\s*\{\s*\\circ\s*\}|\^\s*\\circ|\\circ|°|\\degree|\bdegrees?\b", re.I)
_PERCENT = re.compile(r"\\%|%|\\percent\b|\s*\bpercent\b", re.I)
_FRAC_SPELLING = re.compile(r"\\[dt]frac(?![a-zA-Z])|\\cfrac(?![a-zA-Z])")
_FRAC_DIGIT1 = re.compile(r"\\frac\s*(\d)")                  # \frac13 -> \frac{1}3
_FRAC_DIGIT2 = re.compile(r"(\\frac\{[^{}]*\})\s*(\d)")      # \frac{1}3 -> \frac{1}{3}
_SQRT_DIGIT = re.compile(r"\\sqrt\s*(\d)")                    # \sqrt 2 -> \sqrt{2}
_THOUSANDS = re.compile(r"-?[1-9]\d{0,2}(?:(?:,|\\,| ?\{ ?, ?\} ?| )\d{3})+(?:\.\d+)?")
_COMMA_BANG = re.compile(r",\s*\\!\s*(?=\d)")  # 11,\! 111 (a thousands separator written with a negative space)
_THOUSANDS_SEP = re.compile(r"\{ ?, ?\}|\\,|,| ")
_DECIMAL_COMMA = re.compile(r"(-?)(0(?=,)|\d{4,}|\d{1,3}(?=,\d\d$)),(\d{1,2}|\d{4,}|(?<=0,)\d+)")
# relations as the LaTeX reader writes them: \lt, <=, != ...
_RELATIONS = ((re.compile(r"\\lt(?![a-zA-Z])"), "<"), (re.compile(r"\\gt(?![a-zA-Z])"), ">"),
              (re.compile(r"<="), "\\le "), (re.compile(r">="), "\\ge "), (re.compile(r"!="), "\\neq "),
              (re.compile(r"\\(?:leqslant|leq)(?![a-zA-Z])"), "\\le "),
              (re.compile(r"\\(?:geqslant|geq)(?![a-zA-Z])"), "\\ge "), (re.compile(r"\\ne(?![a-zA-Z])"), "\\neq "))
# matrices in any environment read as pmatrix; [\begin{array}...\end{array}] is one matrix
_MATRIX_OPEN = re.compile(r"\\begin\{(?:bmatrix|Bmatrix|vmatrix|matrix|array\}\{[a-z|]{0,40})\}")
_MATRIX_CLOSE = re.compile(r"\\end\{(?:bmatrix|Bmatrix|vmatrix|matrix|array)\}")
_ASSIGN = re.compile(r"([a-zA-Z])\s*=\s*(?=[^=<>]+$)")
_SPACES = re.compile(r"\s+")
_THIN = re.compile(r"(?<!\\)\\,")


def split_percent(ans: str) -> tuple[str, bool]:
    """(answer without percent signs, whether it had one)."""
    out = _PERCENT.sub("", ans)
    return out, out != ans


def normalize(ans: str) -> str:
    if not isinstance(ans, str):
        return ""
    s = ans.strip()
    if len(s) > MAX_CHARS:
        return _SPACES.sub(" ", s)
    s = s.replace("\\$", "").replace("$", "").replace("\\(", "").replace("\\)", "")
    if s.startswith("\\[") and s.endswith("\\]"):
        s = s[2:-2]
    s = _TEXT_CMD.sub(r"\1", s)
    s = _COMMA_BANG.sub(",", s)
    s = _DROP.sub("", s)
    s = _DEGREE.sub("", s)
    s = _FRAC_SPELLING.sub(r"\\frac", s)
    s = _FRAC_DIGIT1.sub(r"\\frac{\1}", s)
    s = _FRAC_DIGIT2.sub(r"\1{\2}", s)
    s = _SQRT_DIGIT.sub(r"\\sqrt{\1}", s)
    for pat, rep in _RELATIONS:
        s = pat.sub(lambda _m, r=rep: r, s)
    if "\\begin{" in s:
        s = _MATRIX_CLOSE.sub(r"\\end{pmatrix}", _MATRIX_OPEN.sub(r"\\begin{pmatrix}", s))
        if s[:1] + s[-1:] in ("[]", "()") and s[1:].lstrip().startswith("\\begin{pmatrix}") \
                and s[:-1].rstrip().endswith("\\end{pmatrix}") and s.count("\\begin{") == 1:
            s = s[1:-1]
    s = _SPACES.sub(" ", s).strip().rstrip(".").strip()
    if _THOUSANDS.fullmatch(s):
        s = _THOUSANDS_SEP.sub("", s)
    else:
        m = _DECIMAL_COMMA.fullmatch(s)
        if m:
            s = f"{m.group(1)}{m.group(2)}.{m.group(3)}"
    s = _THIN.sub("", s)  # remaining thin spaces
    return s.strip()


def split_assignment(s: str) -> tuple[str | None, str]:
    """("x", "5") for "x = 5"; (None, s) when s is not a single assignment to one letter."""
    m = _ASSIGN.match(s)
    return (m.group(1), s[m.end():]) if m else (None, s)


def compact(s: str) -> str:
    """A key for string comparison: no spaces, lower case."""
    return s.replace(" ", "").lower()
