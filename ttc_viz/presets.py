"""Model presets: one small JSON file each in the repository's ``models/`` folder.

Fields: name, generator ("embedded" or a Hugging Face id / folder), verifier, step_delimiter,
device (the one it is meant for), offline (usable with no download), notes.
``available(preset)`` says whether it can run on this machine now, without a download.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"
REQUIRED = ("name", "generator", "verifier")


class PresetError(ValueError):
    pass


def load_presets(folder: Path = MODELS_DIR) -> list[dict]:
    out = []
    for f in sorted(Path(folder).glob("*.json")):
        try:
            p = json.loads(f.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise PresetError(f"model preset {f} is not valid JSON: {e}") from None
        missing = [k for k in REQUIRED if k not in p]
        if missing:
            raise PresetError(f"model preset {f} lacks {', '.join(missing)}")
        out.append(p)
    return out


def find(name: str, folder: Path = MODELS_DIR) -> dict | None:
    return next((p for p in load_presets(folder) if p["name"] == name), None)


def available(preset: dict) -> tuple[bool, str]:
    gen = preset["generator"]
    if gen == "embedded":
        from .lm.base import GeneratorError
        from .lm.embedded import gguf_path

        try:
            return True, str(gguf_path())
        except GeneratorError as e:
            return False, str(e)
    if Path(gen).is_dir():
        return True, gen
    hub = Path(os.environ.get("HF_HUB_CACHE") or Path(os.environ.get("HF_HOME", Path.home() / ".cache" / "huggingface")) / "hub")
    cached = hub / ("models--" + gen.replace("/", "--"))
    if cached.is_dir():
        return True, f"in the Hugging Face cache ({cached})"
    return False, f"not downloaded (no {cached})"
