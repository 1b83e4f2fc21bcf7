"""Verifiers (process reward models) behind one protocol.

``load_verifier(spec)``: ``"symbolic"`` (the exact arithmetic checker). The learned PRM
and the Hugging Face PRM formats plug in here with the same protocol.
"""
from __future__ import annotations

from .base import BatchVerifier, Verifier, VerifierError
from .symbolic import SymbolicVerifier

VERIFIERS = ("symbolic",)


def load_verifier(spec: str = "symbolic", **kw) -> Verifier:
    if spec == "symbolic":
        return SymbolicVerifier()
    raise VerifierError(f"unknown verifier {spec!r}; choose one of {', '.join(VERIFIERS)}")


__all__ = ["BatchVerifier", "Verifier", "VerifierError", "SymbolicVerifier", "VERIFIERS", "load_verifier"]
