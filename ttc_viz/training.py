"""What the two trainers (``prm_train`` for the PRM, ``gen_train`` for the generator's
adapter) share: the learning-rate schedule and one optimiser step."""
from __future__ import annotations

import math


def warmup_cosine(lr: float, warmup: int, total: int, step: int) -> float:
    """The rate at ``step``: linear warm-up over ``warmup`` steps, then a cosine decay to a
    tenth of ``lr`` at ``total``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


def descend(opt, params, loss, max_norm: float = 1.0) -> None:
    """One optimiser step on ``loss``, gradients clipped to ``max_norm``."""
    import torch

    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    opt.step()
