"""Verifiers (process reward models) behind one protocol.

``load_verifier(spec)``: ``"symbolic"`` (the exact arithmetic checker), or
``"hf:<model id or folder>:<format>"`` for a real PRM (formats: math-shepherd, rlhflow,
qwen; see hf_prm.py). Heavy imports happen only when a model is loaded.
"""
from __future__ import annotations

from .base import BatchVerifier, Verifier, VerifierError
from .symbolic import SymbolicVerifier

VERIFIERS = ("symbolic",)


def load_verifier(spec: str = "symbolic", *, device: str = "auto", trust_remote_code: bool = False) -> Verifier:
    if spec == "symbolic":
        return SymbolicVerifier()
    if spec.startswith("hf:"):
        from .hf_prm import FORMATS, load_hf_prm

        body = spec[3:]
        if ":" not in body:
            raise VerifierError(f"write a Hugging Face PRM as hf:<model id or folder>:<format>, format one of "
                                f"{', '.join(FORMATS)}; got {spec!r}")
        model_id, fmt = body.rsplit(":", 1)
        if fmt not in FORMATS:
            raise VerifierError(f"unknown PRM format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return load_hf_prm(model_id, fmt, device=device, trust_remote_code=trust_remote_code)
    raise VerifierError(f"unknown verifier {spec!r}; choose one of {', '.join(VERIFIERS)} "
                        "or hf:<model id or folder>:<format>")


__all__ = ["BatchVerifier", "Verifier", "VerifierError", "SymbolicVerifier", "VERIFIERS", "load_verifier"]
