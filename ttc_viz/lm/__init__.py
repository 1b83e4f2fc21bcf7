"""Language-model backends behind the Generator protocol.

``load_generator(spec)``:
  * ``"embedded"``: the offline SmolLM2 with the project's fine-tuned adapter
    (models/smollm2-gen) when it is there, else the base model; with the revision adapter
    (models/smollm2-revise) offered as ``reviser()`` for the revisions strategy;
  * ``"embedded-base"``: the base SmolLM2-135M-Instruct, with the worked-example prompt;
  * ``"embedded:<adapter file>"`` or ``"embedded:<name>"``: the base model with another ``ttc-viz
    train-gen`` adapter (a file, or one shipped in ``models/<name>/``: ``smollm2-gen-templates`` is
    the earlier adapter, trained on five template families only);
  * ``"openai:<base-url>#<model>[;options]"``: a model served by an OpenAI-compatible engine
    (vLLM, SGLang, llama.cpp) over its completions API; see remote.py;
  * any Hugging Face causal LM id or local folder.
Heavy imports (torch, transformers) happen only on load: this package imports its backend
modules (hf.py, embedded.py, which import torch) only inside ``load_generator``.
"""
from __future__ import annotations

from .base import STEP_DELIMITER, Generator, GeneratorError, PrefixStep, Step, step_text

EMBEDDED = "embedded"
EMBEDDED_BASE = "embedded-base"


def default_adapter():
    """The shipped generator adapter, or None where it is absent."""
    from ..assets import gen_adapter

    path = gen_adapter()
    return path if path.is_file() else None


def named_adapter(name: str):
    """``embedded:<name>``: a generator adapter shipped in ``models/<name>/`` (e.g.
    ``smollm2-gen-templates``, the earlier adapter), or a path to an adapter file."""
    from pathlib import Path

    from ..assets import models_dir

    if not name:
        raise GeneratorError("write another generator adapter as embedded:<name in models/> or "
                             "embedded:<path to adapter.safetensors>")
    if "/" not in name and "\\" not in name and not name.endswith(".safetensors") and not name.startswith("."):
        shipped = models_dir() / name / "adapter.safetensors"
        if shipped.is_file():
            return shipped
        raise GeneratorError(f"no generator adapter named {name!r} in {models_dir()} (or give a path to an "
                             "adapter.safetensors file)")
    return Path(name)


def load_generator(spec: str = EMBEDDED, *, device: str = "auto", dtype: str = "auto",
                   trust_remote_code: bool = False, config=None):
    if spec in (EMBEDDED, EMBEDDED_BASE, "", None) or str(spec).startswith(EMBEDDED + ":"):
        from .embedded import load_embedded

        if spec == EMBEDDED_BASE:
            adapter = None
        elif str(spec).startswith(EMBEDDED + ":"):
            adapter = named_adapter(str(spec)[len(EMBEDDED) + 1:].strip())
        else:
            adapter = default_adapter()
        gen = load_embedded(device=device, dtype=dtype, config=config, adapter=adapter)
        if spec in (EMBEDDED, "", None) and adapter is not None:
            from ..assets import revise_adapter
            from .embedded import LazyReviser

            if revise_adapter().is_file():  # the revisions strategy's trained reviser
                gen.reviser = LazyReviser(revise_adapter(), device, dtype, config)
                from .embedded import file_sha256

                gen.weights["reviser_sha256"] = file_sha256(revise_adapter())
        return gen
    if str(spec).startswith("openai:"):
        from .remote import load_remote

        return load_remote(str(spec), config=config)
    from .hf import load_hf

    return load_hf(spec, device=device, dtype=dtype, trust_remote_code=trust_remote_code, config=config)


__all__ = ["STEP_DELIMITER", "Generator", "GeneratorError", "PrefixStep", "Step", "step_text", "EMBEDDED", "EMBEDDED_BASE",
           "default_adapter", "named_adapter", "load_generator"]
