"""Where the shipped assets are: model presets and adapters (``models/``) and the shipped
sweep (``data/``). Nothing else in the package finds files through ``__file__``.

In a source checkout (an editable install or none) they are the repository's top-level
``models/`` and ``data/``, where the design card keeps them. A wheel carries the same files
inside the package, as ``ttc_viz/assets/models`` and ``ttc_viz/assets/data``: pyproject.toml
maps those two package names onto the top-level folders when the wheel is built, so a plain
``pip install .`` has the default adapters, the presets and the shipped sweep. The installed
copy is read through ``importlib.resources``; the checkout's folders are the fallback.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

GEN_ADAPTER = ("smollm2-gen", "adapter.safetensors")    # the fine-tuned generator (ttc-viz train-gen)
PRM_ADAPTER = ("smollm2-prm", "adapter.safetensors")    # the project's own PRM (ttc-viz train-prm)
REVISE_ADAPTER = ("smollm2-revise", "adapter.safetensors")  # the reviser (ttc-viz train-revise)
SHIPPED_SWEEP = "sweep-smollm2"                          # what the Curves page opens first


def _folder(kind: str) -> Path:
    packaged = resources.files(__name__) / kind
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / kind  # ttc_viz/assets/ -> the checkout's root


def models_dir() -> Path:
    """Presets (one JSON each) and the trained adapters with their cards."""
    return _folder("models")


def data_dir() -> Path:
    """Shipped data: the sweep the Curves page shows."""
    return _folder("data")


def gen_adapter() -> Path:
    return models_dir().joinpath(*GEN_ADAPTER)


def prm_adapter() -> Path:
    return models_dir().joinpath(*PRM_ADAPTER)


def revise_adapter() -> Path:
    return models_dir().joinpath(*REVISE_ADAPTER)


def shipped_sweep() -> Path:
    return data_dir() / SHIPPED_SWEEP


__all__ = ["models_dir", "data_dir", "gen_adapter", "prm_adapter", "revise_adapter", "shipped_sweep"]
