"""A small, safe parser for numeric math: plain arithmetic and simple LaTeX.

The rule: text is read by a hand-written tokenizer and recursive-descent parser that
builds sympy numbers with constructors (Integer, Rational, sqrt, pi) and arithmetic
operators; nothing is ever passed to ``eval``, ``sympify`` or ``parse_expr``. Work is
bounded by construction, so no timer (and no SIGALRM, which fails outside the main
thread) is needed: input length, nesting depth, digit count and exponent size are capped,
and every loop consumes at least one token. Anything outside the grammar returns None.

Grammar:  expr := term (('+'|'-') term)*
          term := unary (('*'|'/'|'×'|'÷'|'\\cdot'|'\\times'|'\\div') unary)*
          unary := ('-'|'+') unary | power
          power := atom ('^' unary)?
          atom := number | '(' expr ')' | '{' expr '}' | '\\frac{expr}{expr}' | '\\sqrt{expr}' | '\\pi'
"""
from __future__ import annotations

import re
from fractions import Fraction

import sympy

MAX_CHARS = 300       # longer strings are not treated as a single expression
MAX_DEPTH = 40        # nesting of parentheses / braces / fractions
MAX_DIGITS = 60       # digits in one literal
MAX_EXPONENT = 64     # |integer exponent| allowed in a power
MAX_RESULT_BITS = 4096

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:,\d{3})+(?:\.\d+)?|\d+\.\d*|\.\d+|\d+)"
    r"|(?P<cmd>\\[a-zA-Z]+)"
    r"|(?P<op>\*\*|[-+*/^(){}\[\]×÷·−]))"
)
_OPS_MUL = {"*", "/", "×", "÷", "·", "\\cdot", "\\times", "\\div"}
_FRAC = {"\\frac", "\\dfrac", "\\tfrac"}
_IMPLICIT = {"(", "\\sqrt", "\\pi", "\\frac", "\\dfrac", "\\tfrac"}
_IGNORED_CMDS = {"\\left", "\\right", "\\!", "\\,", "\\;"}


class _Fail(Exception):
    pass


def _tokenize(s: str) -> list[str] | None:
    toks, pos = [], 0
    s = s.strip()
    while pos < len(s):
        m = _TOKEN.match(s, pos)
        if not m or m.end() == pos:
            return None
        pos = m.end()
        tok = m.group("num") or m.group("cmd") or m.group("op")
        if tok in _IGNORED_CMDS:
            continue
        toks.append({"−": "-", "**": "^", "[": "(", "]": ")"}.get(tok, tok))
    return toks


class _Parser:
    def __init__(self, toks: list[str]):
        self.t, self.i, self.depth = toks, 0, 0

    def peek(self):
        return self.t[self.i] if self.i < len(self.t) else None

    def take(self, want=None):
        tok = self.peek()
        if tok is None or (want is not None and tok != want):
            raise _Fail
        self.i += 1
        return tok

    def nest(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Fail

    def expr(self):
        v = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()
            v = v + self.term() if op == "+" else v - self.term()
            _check(v)
        return v

    def term(self):
        v = self.unary()
        while self.peek() in _OPS_MUL or self.peek() in _IMPLICIT:
            # "2\\sqrt{2}", "3(4)": implicit multiplication before a command or bracket
            op = self.take() if self.peek() in _OPS_MUL else "*"
            rhs = self.unary()
            if op in ("/", "÷", "\\div"):
                if rhs == 0:
                    raise _Fail
                v = v / rhs
            else:
                v = v * rhs
            _check(v)
        return v

    def unary(self):
        if self.peek() in ("-", "+"):
            op = self.take()
            self.nest()
            v = self.unary()
            self.depth -= 1
            return -v if op == "-" else v
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek() == "^":
            self.take()
            self.nest()
            exp = self.unary()
            self.depth -= 1
            if not (exp.is_Integer and abs(int(exp)) <= MAX_EXPONENT):
                if exp == sympy.Rational(1, 2) and base.is_Rational and base >= 0:
                    return sympy.sqrt(base)
                raise _Fail
            if base == 0 and exp < 0:
                raise _Fail
            base = base ** exp
            _check(base)
        return base

    def group(self, open_, close):
        self.take(open_)
        self.nest()
        v = self.expr()
        self.take(close)
        self.depth -= 1
        return v

    def atom(self):
        tok = self.peek()
        if tok is None:
            raise _Fail
        if tok == "(":
            return self.group("(", ")")
        if tok == "{":
            return self.group("{", "}")
        if tok in _FRAC:
            self.take()
            num = self.group("{", "}")
            den = self.group("{", "}")
            if den == 0:
                raise _Fail
            return num / den
        if tok == "\\sqrt":
            self.take()
            v = self.group("{", "}")
            if not (v.is_Rational and v >= 0):
                raise _Fail
            return sympy.sqrt(v)
        if tok == "\\pi":
            self.take()
            return sympy.pi
        if tok[0].isdigit() or tok[0] == ".":
            self.take()
            digits = tok.replace(",", "")
            if sum(ch.isdigit() for ch in digits) > MAX_DIGITS:
                raise _Fail
            f = Fraction(digits)  # exact decimal -> rational, no sympy string parsing
            return sympy.Rational(f.numerator, f.denominator)
        raise _Fail


def _check(v) -> None:
    """Refuse results that would make later arithmetic slow (huge rationals)."""
    if v.is_Rational:
        if int(v.p).bit_length() > MAX_RESULT_BITS or int(v.q).bit_length() > MAX_RESULT_BITS:
            raise _Fail


def parse_number(s: str):
    """The exact value of a numeric expression (sympy number), or None if ``s`` is not one."""
    if not isinstance(s, str) or not s.strip() or len(s) > MAX_CHARS:
        return None
    toks = _tokenize(s)
    if not toks:
        return None
    p = _Parser(toks)
    try:
        v = p.expr()
        if p.i != len(toks):
            return None
        return v
    except (_Fail, ZeroDivisionError, ValueError, TypeError, RecursionError):
        return None
