"""Model presets: one small JSON file each in ``models/`` (found by ``ttc_viz.assets``).

Fields: name, generator ("embedded", a Hugging Face id / folder, or a served model
``openai:<base-url>#<model>``), verifier, step_delimiter,
device (the one it is meant for), offline (usable with no download), notes.
``available(preset)`` says whether it can run on this machine now, without a download;
``resolve(model, verifier)`` turns a ``--model`` / ``--verifier`` pair into what to load.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from .assets import models_dir

REQUIRED = ("name", "generator", "verifier")
DEFAULT_PRESET = "smollm2-135m-embedded"  # whose verifier a bare model id or folder gets


class PresetError(ValueError):
    pass


def load_presets(folder: Path | None = None) -> list[dict]:
    out = []
    for f in sorted(Path(folder or models_dir()).glob("*.json")):
        try:
            p = json.loads(f.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise PresetError(f"model preset {f} is not valid JSON: {e}") from None
        missing = [k for k in REQUIRED if k not in p]
        if missing:
            raise PresetError(f"model preset {f} lacks {', '.join(missing)}")
        out.append(p)
    return out


def find(name: str, folder: Path | None = None) -> dict | None:
    return next((p for p in load_presets(folder) if p["name"] == name), None)


def resolve(model: str, verifier: str | None = None) -> tuple[str, str]:
    """(generator spec, verifier spec) to load for a model choice: a preset name gives its
    generator and, unless ``verifier`` is named, its verifier; anything else (``embedded``, a
    hub id, a folder) is the generator itself, with the default preset's verifier."""
    preset = find(model)
    default = (preset or find(DEFAULT_PRESET) or {}).get("verifier", "symbolic")
    return (preset["generator"] if preset else model), (verifier or default)


def available(preset: dict) -> tuple[bool, str]:
    gen = preset["generator"]
    if gen == "embedded":
        from .lm.base import GeneratorError
        from .lm.embedded import gguf_path

        try:
            return True, str(gguf_path())
        except GeneratorError as e:
            return False, str(e)
    if gen.startswith("openai:"):  # a serving engine: whether it is up is known only on use
        return True, f"on a serving engine at {gen[len('openai:'):].split('#')[0]} (not contacted)"
    if Path(gen).is_dir():
        return True, gen
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub")
    cached = hub / ("models--" + gen.replace("/", "--"))
    if cached.is_dir():
        return True, f"in the Hugging Face cache ({cached})"
    return False, f"not downloaded (no {cached})"
