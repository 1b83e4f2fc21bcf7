"""The Verifier protocol: a process reward model (PRM) scores every step prefix.

``score_batch(problem, solutions)`` takes many step lists for one problem and returns, for
each, one score per step: the score of the prefix ending at that step, in [0, 1], read
as P(the solution is still on track). ``score(problem, steps)`` is the one-solution form.
Implementations batch internally; strategies call ``score_batch`` once per round.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable


@runtime_checkable
class Verifier(Protocol):
    name: str

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        ...

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        ...


class VerifierError(RuntimeError):
    """A verifier that cannot be loaded or used; the message names the fix."""


class BatchVerifier:
    """Mixin: ``score`` in terms of ``score_batch``."""

    name = "verifier"

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        return self.score_batch(problem, [list(steps)])[0]
