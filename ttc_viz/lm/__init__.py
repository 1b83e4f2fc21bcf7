"""Language-model backends behind the Generator protocol.

``load_generator(spec)``: ``"embedded"`` (the offline SmolLM2 GGUF) or any Hugging Face
causal LM id or local folder. Heavy imports (torch, transformers) happen only on load.
"""
from __future__ import annotations

from .base import STEP_DELIMITER, Generator, GeneratorError, PrefixStep, Step, step_text

EMBEDDED = "embedded"


def load_generator(spec: str = EMBEDDED, *, device: str = "auto", dtype: str = "auto",
                   trust_remote_code: bool = False, config=None):
    if spec in (EMBEDDED, "", None):
        from .embedded import load_embedded

        return load_embedded(device=device, dtype=dtype, config=config)
    from .hf import load_hf

    return load_hf(spec, device=device, dtype=dtype, trust_remote_code=trust_remote_code, config=config)


__all__ = ["STEP_DELIMITER", "Generator", "GeneratorError", "PrefixStep", "Step", "step_text", "EMBEDDED", "load_generator"]
