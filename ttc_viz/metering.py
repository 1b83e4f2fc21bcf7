"""Metering: what a run asked of its models, read through the Generator and Verifier protocols.

``Metered(model)`` wraps a generator or a verifier and counts the calls that go through it:

  calls          protocol calls (``next_steps``, ``rollout``, ``solutions``, ``score_batch``)
  seconds        wall time spent inside them
  items          steps generated, or step prefixes scored
  tokens         a generator: tokens generated (``Step.tokens``); a verifier: tokens it read to
                 score (``Verifier.tokens_read``), None once it could not say
  prompt_tokens  a generator: the prompt tokens its steps were generated from

FLOPs come from the protocols too: ``num_params`` (parameters of the model behind a
generator or verifier; 0 for a checker without one, None when unknown) and ``flops``
(2·P·tokens, None when either is unknown: a backend that cannot say is reported as unknown,
never as 0).
"""
from __future__ import annotations

import time
from typing import Sequence

from .costs import inference_flops
from .lm.base import Generator, PrefixStep, Step
from .verifiers.base import Verifier


def num_params(model: Generator | Verifier) -> int | None:
    """The parameter count a generator or verifier reports (``num_params``); None when it does
    not say (an object from before the protocol had it, a remote engine)."""
    n = getattr(model, "num_params", None)
    return int(n) if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else None


def tokens_read(verifier: Verifier, problem: str, solutions: Sequence[Sequence[str]]) -> int | None:
    """Tokens ``verifier`` reads to score ``solutions`` (its ``tokens_read``); None if unknown."""
    fn = getattr(verifier, "tokens_read", None)
    n = fn(problem, solutions) if fn is not None else None
    return int(n) if isinstance(n, int) and not isinstance(n, bool) and n >= 0 else None


def flops(params: int | None, tokens: int | float | None) -> float | None:
    """Inference FLOPs, 2·P·tokens; 0 for a model-free checker (P = 0), None when P or the
    token count is unknown."""
    if params == 0:
        return 0.0
    if params is None or tokens is None:
        return None
    return inference_flops(params, tokens)


class Metered:
    """A generator or verifier that counts its calls, tokens and seconds (see the module
    docstring). Everything else (``name``, a tokenizer, a config) reads through."""

    def __init__(self, inner: Generator | Verifier):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)
        self.calls = 0
        self.seconds = 0.0
        self.items = 0
        self.tokens: int | None = 0
        self.prompt_tokens = 0

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    @property
    def num_params(self) -> int | None:
        return num_params(self.inner)

    def _timed(self, fn, *args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - t0
            self.calls += 1

    # -- the Generator protocol -------------------------------------------------------------
    def _generated(self, out: list[list[Step]]) -> list[list[Step]]:
        for seq in out:
            for s in seq:
                self.items += 1
                self.tokens = (self.tokens or 0) + s.tokens
                self.prompt_tokens += s.prompt_tokens
        return out

    def next_steps(self, problem: str, prefixes: Sequence[Sequence[PrefixStep]], n: int, *,
                   temperature: float, seed: int) -> list[list[Step]]:
        return self._generated(self._timed(self.inner.next_steps, problem, prefixes, n,
                                           temperature=temperature, seed=seed))

    def rollout(self, problem: str, prefixes: Sequence[Sequence[PrefixStep]], k: int) -> list[list[Step]]:
        return self._generated(self._timed(self.inner.rollout, problem, prefixes, k))

    def solutions(self, problem: str, n: int, *, temperature: float, seed: int) -> list[list[Step]]:
        return self._generated(self._timed(self.inner.solutions, problem, n, temperature=temperature, seed=seed))

    # -- the Verifier protocol --------------------------------------------------------------
    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        out = self._timed(self.inner.score_batch, problem, solutions)
        self.items += sum(len(s) for s in solutions)
        if self.tokens is not None:  # counted outside the timing: it is not the verifier's work
            read = tokens_read(self.inner, problem, solutions)
            self.tokens = None if read is None else self.tokens + read
        return out

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        return self.score_batch(problem, [list(steps)])[0]

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int | None:
        return tokens_read(self.inner, problem, solutions)


__all__ = ["Metered", "flops", "num_params", "tokens_read"]
