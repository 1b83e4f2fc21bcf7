"""Verifiers (process reward models) behind one protocol.

``load_verifier(spec)``: ``"prm"`` (the project's own PRM for the embedded model: a LoRA
adapter in models/smollm2-prm, see learned.py), ``"prm:<adapter file>"`` (another adapter
made by ``ttc-viz train-prm``), ``"symbolic"`` (the exact arithmetic checker), or
``"hf:<model id or folder>:<format>"`` for a real PRM (formats: math-shepherd, rlhflow,
qwen; see hf_prm.py), or ``"answer-key"`` (exact labels for synthetic problems: it knows the
answer, so it is for evaluation and for showing what a perfect PRM would do, never a
default; see oracle.py). Heavy imports happen only when a model is loaded.
"""
from __future__ import annotations

from .base import BatchVerifier, ModelFreeVerifier, Verifier, VerifierError
from .oracle import AnswerKeyVerifier
from .symbolic import SymbolicVerifier

VERIFIERS = ("symbolic", "prm")  # the first is the default: it measures better today (eval-prm)
ANSWER_KEY = AnswerKeyVerifier.name  # offered apart from VERIFIERS: synthetic problems only


def check_spec(spec: str) -> None:
    """Fail fast (no model loaded) on a verifier name, format or adapter file that cannot work."""
    if spec in ("symbolic", ANSWER_KEY):
        return
    if spec == "prm" or spec.startswith("prm:"):
        from .learned import DEFAULT_ADAPTER, read_adapter

        read_adapter(spec[4:] if spec.startswith("prm:") else DEFAULT_ADAPTER)
        return
    if spec.startswith("hf:"):
        from .hf_prm import FORMATS

        body = spec[3:]
        if ":" not in body:
            raise VerifierError(f"write a Hugging Face PRM as hf:<model id or folder>:<format>, format one of "
                                f"{', '.join(FORMATS)}; got {spec!r}")
        if body.rsplit(":", 1)[1] not in FORMATS:
            raise VerifierError(f"unknown PRM format {body.rsplit(':', 1)[1]!r}; choose one of {', '.join(FORMATS)}")
        return
    raise VerifierError(f"unknown verifier {spec!r}; choose one of {', '.join(VERIFIERS)}, {ANSWER_KEY}, "
                        "prm:<adapter file> or hf:<model id or folder>:<format>")


def load_verifier(spec: str = "symbolic", *, device: str = "auto", trust_remote_code: bool = False) -> Verifier:
    if spec == "symbolic":
        return SymbolicVerifier()
    if spec == ANSWER_KEY:
        return AnswerKeyVerifier()
    if spec == "prm" or spec.startswith("prm:"):
        from .learned import DEFAULT_ADAPTER, load_learned_prm

        path = spec[4:] if spec.startswith("prm:") else DEFAULT_ADAPTER
        if not str(path).strip():
            raise VerifierError("write another adapter as prm:<path to adapter.safetensors>")
        return load_learned_prm(path, device=device)
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
    raise VerifierError(f"unknown verifier {spec!r}; choose one of {', '.join(VERIFIERS)}, {ANSWER_KEY}, "
                        "prm:<adapter file> or hf:<model id or folder>:<format>")


__all__ = ["AnswerKeyVerifier", "BatchVerifier", "ModelFreeVerifier", "Verifier", "VerifierError", "SymbolicVerifier", "VERIFIERS",
           "ANSWER_KEY", "check_spec", "load_verifier"]
