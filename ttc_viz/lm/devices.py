"""Device and dtype choice for every model the project loads (generators, PRMs, adapters).

``pick_device("auto")`` is the GPU when one is visible, else the CPU; asking for CUDA where
there is none is a GeneratorError with the fix. ``pick_dtype(device, "auto")`` is bfloat16 on
a GPU (half the memory, the speed the GPU figures were measured with) and float32 on a CPU
(bfloat16 matmuls are slow or emulated on most CPUs). Training and the learned PRM keep
float32 weights and compute under bfloat16 autocast where the hardware has it
(``bf16_available``, ``autocast``).
"""
from __future__ import annotations

from .base import GeneratorError


def pick_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise GeneratorError("device 'cuda' was asked for but no CUDA GPU is visible; use --device cpu")
    return device


def pick_dtype(device: str, dtype: str = "auto"):
    """The torch dtype for ``dtype`` ("auto", "float32", "bfloat16", ...) on ``device``."""
    import torch

    if dtype == "auto":
        return torch.bfloat16 if str(device).startswith("cuda") else torch.float32
    return getattr(torch, dtype)


def bf16_available(device) -> bool:
    """Whether bfloat16 autocast is worth it here: a CUDA device, or a CPU with AVX512/AMX."""
    import torch

    if str(device).startswith("cuda"):
        return True
    return torch.backends.cpu.get_cpu_capability() in ("AVX512", "AMX")


def autocast(device, enabled: bool):
    """bfloat16 autocast on ``device``'s kind (cuda or cpu), or nothing when not ``enabled``."""
    import torch

    return torch.autocast("cuda" if str(device).startswith("cuda") else "cpu", dtype=torch.bfloat16,
                          enabled=enabled)
