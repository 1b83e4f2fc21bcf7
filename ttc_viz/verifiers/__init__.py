"""Verifiers (process reward models) behind one protocol.

A verifier is named by a spec string, parsed in one place (``parse_spec``):
``"symbolic"`` (the exact arithmetic checker), ``"prm"`` (the project's own PRM for the
embedded model: a LoRA adapter in models/smollm2-prm, see learned.py), ``"prm:<adapter
file>"`` (another adapter made by ``ttc-viz train-prm``), ``"hf:<model id or
folder>:<format>"`` for a real PRM (formats: math-shepherd, rlhflow, qwen; see hf_prm.py),
``"openai:<base-url>#<model>:<format>"`` for a PRM served by an OpenAI-compatible engine
(formats: math-shepherd, rlhflow; see remote_prm.py), or ``"answer-key"`` (exact labels for synthetic problems: it knows the answer, so it is for
evaluation and for showing what a perfect PRM would do, never a default; see oracle.py).
``check_spec`` fails fast without loading a model; ``load_verifier`` loads one. Heavy
imports happen only when a model is loaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .base import BatchVerifier, ModelFreeVerifier, Verifier, VerifierError
from .hf_prm import FORMATS
from .oracle import AnswerKeyVerifier
from .symbolic import SymbolicVerifier

VERIFIERS = ("symbolic", "prm")  # the first is the default: it measures better today (eval-prm)
ANSWER_KEY = AnswerKeyVerifier.name  # offered apart from VERIFIERS: synthetic problems only
_FORMS = (f"{', '.join(VERIFIERS)}, {ANSWER_KEY}, prm:<adapter file>, hf:<model id or folder>:<format> or "
          "openai:<base-url>#<model>:<format>")


@dataclass(frozen=True)
class VerifierSpec:
    kind: str                     # "symbolic", "answer-key", "prm", "hf" or "remote"
    adapter: Path | None = None   # prm: the adapter file (the shipped one for plain "prm")
    model: str | None = None      # hf: hub id or local folder; remote: the whole spec
    fmt: str | None = None        # hf: one of hf_prm.FORMATS


def parse_spec(spec: str) -> VerifierSpec:
    """What a verifier spec names; VerifierError for an unknown name or a malformed form.
    Reads no file and loads no model."""
    if spec in ("symbolic", ANSWER_KEY):
        return VerifierSpec(spec)
    if spec == "prm" or spec.startswith("prm:"):
        if spec == "prm":
            from ..assets import prm_adapter

            return VerifierSpec("prm", adapter=prm_adapter())
        if not spec[4:].strip():
            raise VerifierError("write another adapter as prm:<path to adapter.safetensors>")
        return VerifierSpec("prm", adapter=Path(spec[4:]))
    if spec.startswith("hf:"):
        body = spec[3:]
        if ":" not in body:
            raise VerifierError(f"write a Hugging Face PRM as hf:<model id or folder>:<format>, format one of "
                                f"{', '.join(FORMATS)}; got {spec!r}")
        model_id, fmt = body.rsplit(":", 1)
        if fmt not in FORMATS:
            raise VerifierError(f"unknown PRM format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return VerifierSpec("hf", model=model_id, fmt=fmt)
    if spec.startswith("openai:"):
        from .remote_prm import parse_spec as parse_remote

        fmt = parse_remote(spec)[2]
        return VerifierSpec("remote", model=spec, fmt=fmt)
    raise VerifierError(f"unknown verifier {spec!r}; choose one of {_FORMS}")


def check_spec(spec: str) -> None:
    """Fail fast (no model loaded) on a verifier name, format or adapter file that cannot work."""
    parsed = parse_spec(spec)
    if parsed.kind == "prm":
        from .learned import read_adapter

        read_adapter(parsed.adapter)


def load_verifier(spec: str = "symbolic", *, device: str = "auto", trust_remote_code: bool = False) -> Verifier:
    parsed = parse_spec(spec)
    if parsed.kind == "symbolic":
        return SymbolicVerifier()
    if parsed.kind == ANSWER_KEY:
        return AnswerKeyVerifier()
    if parsed.kind == "prm":
        from .learned import load_learned_prm

        return load_learned_prm(parsed.adapter, device=device)
    if parsed.kind == "remote":
        from .remote_prm import load_remote_prm

        return load_remote_prm(parsed.model)
    from .hf_prm import load_hf_prm

    return load_hf_prm(parsed.model, parsed.fmt, device=device, trust_remote_code=trust_remote_code)


__all__ = ["AnswerKeyVerifier", "BatchVerifier", "ModelFreeVerifier", "Verifier", "VerifierError", "VerifierSpec",
           "SymbolicVerifier", "VERIFIERS", "ANSWER_KEY", "check_spec", "load_verifier", "parse_spec"]
