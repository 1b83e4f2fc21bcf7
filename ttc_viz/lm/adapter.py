"""The embedded generator's LoRA adapters: their settings, the prompt they are used with, and
reading one onto the base model.

An adapter file (safetensors) holds the LoRA tensors; its metadata holds the format, the
LoRA settings, the prompt it was trained with and how it was trained. ``apply_adapter``
loads it onto the base model and merges it, so decoding costs what the base model costs.
Serving needs only this module; training one (``train/generator.py``) writes the same
format with ``save_gen_adapter``.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from ..io import write_atomic
from .base import GeneratorError

FORMAT = "ttc-viz-generator-adapter-v1"
BASE = "smollm2-135m-instruct"


@dataclass
class LoraSettings:
    rank: int = 16
    alpha: int = 32
    layers: int = 12              # LoRA on the top `layers` of 30: the backward pass stops there (2x cheaper)
    targets: tuple = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


TUNED_SYSTEM_PROMPT = "Solve the math word problem step by step."


def training_prompt() -> dict:
    """The prompt the generator adapter is trained with (and used with): a one-line system
    prompt and no worked example (84 prompt tokens on a level-5 problem instead of 210)."""
    return {"system_prompt": TUNED_SYSTEM_PROMPT, "examples": []}


def lora_model(model, lora: LoraSettings):
    """``model`` wrapped with fresh LoRA layers on its top ``lora.layers`` layers (peft)."""
    from peft import LoraConfig, get_peft_model

    n = model.config.num_hidden_layers
    if not 1 <= lora.layers <= n:
        raise GeneratorError(f"the adapter asks for LoRA on {lora.layers} layers; the base model has {n}")
    return get_peft_model(model, LoraConfig(r=lora.rank, lora_alpha=lora.alpha, lora_dropout=0.0, bias="none",
                                            target_modules=list(lora.targets), layers_pattern="layers",
                                            layers_to_transform=list(range(n - lora.layers, n))))


def save_gen_adapter(peft_model, path: Path, lora: LoraSettings, info: dict, prompt: dict | None = None) -> Path:
    from peft import get_peft_model_state_dict
    from safetensors.torch import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in get_peft_model_state_dict(peft_model).items()}
    meta = {"format": FORMAT, "base": BASE, "lora": json.dumps(asdict(lora)),
            "prompt": json.dumps(prompt or training_prompt()), "info": json.dumps(info)}
    return write_atomic(path, save(state, metadata=meta))


def read_gen_adapter(path) -> tuple[dict, LoraSettings, dict, dict]:
    """(tensors, lora settings, prompt, info); GeneratorError naming the fix otherwise."""
    from safetensors import safe_open

    path = Path(path)
    fix = "restore it (git checkout models/smollm2-gen), train one with `ttc-viz train-gen`, or use the base model"
    if not path.is_file():
        raise GeneratorError(f"generator adapter not found: {path}; {fix}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # noqa: BLE001 - any damage: one clear line
        raise GeneratorError(f"{path} is not a readable adapter file ({str(e).splitlines()[0][:120]}); {fix}") from None
    if meta.get("format") != FORMAT:
        raise GeneratorError(f"{path} is not a generator adapter (format {meta.get('format')!r}); {fix}")
    if meta.get("base") != BASE:
        raise GeneratorError(f"{path} was trained for base model {meta.get('base')!r}, not {BASE}")
    try:
        lora = json.loads(meta["lora"])
        lora = LoraSettings(rank=int(lora["rank"]), alpha=int(lora["alpha"]), layers=int(lora["layers"]),
                            targets=tuple(map(str, lora["targets"])))
        prompt = json.loads(meta["prompt"])
        prompt = {"system_prompt": str(prompt["system_prompt"]),
                  "examples": [tuple(map(str, e)) for e in prompt["examples"]]}
        info = json.loads(meta.get("info", "{}"))
    except (KeyError, TypeError, ValueError) as e:
        raise GeneratorError(f"{path} has damaged metadata ({e}); {fix}") from None
    if not 1 <= lora.rank <= 512 or not tensors:
        raise GeneratorError(f"{path} has an implausible LoRA rank ({lora.rank}) or no tensors; {fix}")
    return tensors, lora, prompt, info


def base_adapter(info: dict) -> Path | None:
    """The adapter an adapter was trained on top of (its info's ``on_top_of``, a folder of
    ``models/``), or None. GeneratorError if it names something else or is missing."""
    name = info.get("on_top_of")
    if not name:
        return None
    from ..assets import models_dir

    if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
        raise GeneratorError(f"an adapter names an implausible base adapter {name!r}")
    path = models_dir() / name / "adapter.safetensors"
    if not path.is_file():
        raise GeneratorError(f"this adapter is trained on top of models/{name}, which is missing ({path})")
    return path


def apply_adapter(model, path, _depth: int = 0) -> tuple[object, dict, dict]:
    """Load a generator adapter onto ``model`` and merge it in: (merged model, prompt, info).
    An adapter trained on top of another (the revision adapter on the generator's) has that
    one merged first."""
    from peft import set_peft_model_state_dict

    tensors, lora, prompt, info = read_gen_adapter(path)
    below = base_adapter(info)
    if below is not None:
        if _depth >= 2:
            raise GeneratorError(f"{path}: adapters stacked more than 2 deep")
        model, _, _ = apply_adapter(model, below, _depth + 1)
    pm = lora_model(model, lora)
    missing = set_peft_model_state_dict(pm, tensors)
    unexpected = getattr(missing, "unexpected_keys", [])
    if unexpected:
        raise GeneratorError(f"{path} does not match the base model (unexpected tensors, e.g. {unexpected[0]})")
    return pm.merge_and_unload(), prompt, info


__all__ = ["FORMAT", "BASE", "LoraSettings", "TUNED_SYSTEM_PROMPT", "training_prompt", "lora_model",
           "save_gen_adapter", "read_gen_adapter", "base_adapter", "apply_adapter"]
