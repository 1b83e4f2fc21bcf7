"""The Verifier protocol: a process reward model (PRM) scores every step prefix.

``score_batch(problem, solutions)`` takes many step lists for one problem and returns, for
each, one score per step: the score of the prefix ending at that step, in [0, 1], read
as P(the solution is still on track). ``score(problem, steps)`` is the one-solution form.
Implementations batch internally; strategies call ``score_batch`` once per round.

For cost accounting (``ttc_viz.metering``): ``num_params`` is the parameter count of the
model behind the verifier (0 for a checker without one, None when unknown) and
``tokens_read(problem, solutions)`` the tokens it reads to score them (None when unknown).
``BatchVerifier`` gives both as unknown; a verifier that knows says so.
"""
from __future__ import annotations

from typing import Protocol, Sequence, runtime_checkable


@runtime_checkable
class Verifier(Protocol):
    name: str
    num_params: int | None  # parameters of the model behind it; 0: no model; None: unknown

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        ...

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        ...

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int | None:
        """Tokens the verifier reads to score ``solutions`` (0: it reads none; None: unknown)."""
        ...


class VerifierError(RuntimeError):
    """A verifier that cannot be loaded or used; the message names the fix."""


class BatchVerifier:
    """Mixin: ``score`` in terms of ``score_batch``; cost unknown unless a subclass says."""

    name = "verifier"
    num_params: int | None = None

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        return self.score_batch(problem, [list(steps)])[0]

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int | None:
        return None


class ModelFreeVerifier(BatchVerifier):
    """Mixin for a verifier that runs no model (a rule-based checker): it costs no FLOPs."""

    num_params = 0

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int | None:
        return 0


class CachingVerifier(BatchVerifier):
    """Mixin for a model PRM that scores incrementally (``verifiers/incremental.py``): it keeps
    the scored prefixes' KV in ``self.kv`` (guarded by ``self._lock``) and leaves what each
    thread's last ``score_batch`` read in ``self._local.reads``."""

    def clear_cache(self) -> None:
        """Forget every kept prefix (needed after the weights change)."""
        with self._lock:
            self.kv.clear()

    def last_reads(self) -> dict:
        """Tokens this thread's last ``score_batch`` fed the model (``read``) and, of those,
        how many it had read before for the same prefix (``reencoded``)."""
        return dict(getattr(self._local, "reads", {"read": 0, "reencoded": 0}))
