"""What the trainers (``prm.py`` for the PRM, ``generator.py`` for the generator's and the
reviser's adapters) share: the learning-rate schedule, one optimiser step, and a checkpoint that a
killed run resumes from.

A checkpoint is the folder ``<out>/checkpoint``: the adapter, the optimiser state and
``state.json`` (step, seconds, loss history, the run's settings). It is written whole to a
new folder and swapped in (``io.replace_dir``), so at any moment one complete checkpoint
exists; a run started again with the same settings continues from it.
"""
from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Callable, Iterable

from ..io import recover_dir, replace_dir, write_atomic


def warmup_cosine(lr: float, warmup: int, total: int, step: int) -> float:
    """The rate at ``step``: linear warm-up over ``warmup`` steps, then a cosine decay to a
    tenth of ``lr`` at ``total``."""
    if step < warmup:
        return lr * (step + 1) / warmup
    frac = (step - warmup) / max(1, total - warmup)
    return lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


def descend(opt, params, loss, max_norm: float = 1.0) -> float:
    """One optimiser step on ``loss`` (a tensor, or an iterable of tensors whose sum is the loss:
    micro-batches, each taken back before the next is computed, so only one micro-batch's
    activations are held at a time); gradients clipped to ``max_norm``. Returns the loss."""
    import torch

    opt.zero_grad()
    total = 0.0
    for part in ([loss] if isinstance(loss, torch.Tensor) else loss):
        part.backward()
        total += float(part.detach())
    torch.nn.utils.clip_grad_norm_(params, max_norm)
    opt.step()
    return total


def micro_batches(lengths: list[int], max_tokens: int) -> list[list[int]]:
    """Indices of examples grouped by length into micro-batches of at most ``max_tokens`` padded
    tokens each (at least one example each): a few long examples no longer pad a whole batch."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    out, cur = [], []
    for i in order:
        if cur and lengths[i] * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur = []
        cur.append(i)
    if cur:
        out.append(cur)
    return out


def resume(ckpt: Path, state: dict, opt, load_adapter: Callable[[Path], object], free: Iterable[str] = ()) -> bool:
    """Continue from the checkpoint in ``ckpt``, if there is one: the adapter (through
    ``load_adapter(path)``), the optimiser (fresh moments if the checkpoint was kept without
    ``optimizer.pt``; the step is noted in ``state["fresh_optimizer_at"]``), and ``state``'s
    step, seconds and history.
    ValueError if it was made with other settings than ``state["config"]`` (those named in
    ``free`` may differ: more steps, another save interval)."""
    import torch

    recover_dir(ckpt)  # a swap killed half-way leaves the previous checkpoint aside
    if not (ckpt / "state.json").exists():
        return False
    old = json.loads((ckpt / "state.json").read_text())
    free = set(free)
    if ({k: v for k, v in old["config"].items() if k not in free}
            != {k: v for k, v in state["config"].items() if k not in free}):
        raise ValueError(f"{ckpt} holds a run with other settings ({old['config']}); use another --out "
                         "or the same settings")
    load_adapter(ckpt / "adapter.safetensors")
    state.update({k: old[k] for k in ("step", "seconds", "history")})
    state["fresh_optimizer_at"] = list(old.get("fresh_optimizer_at", []))
    if (ckpt / "optimizer.pt").exists():
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True))
    else:  # a checkpoint kept without its optimiser (2x the adapter's size): Adam's moments start
        # again from zero at this step, and the run says so in state and in training.json
        print(f"{ckpt} has no optimizer.pt: resuming at step {old['step']} with fresh optimiser moments")
        state["fresh_optimizer_at"].append(old["step"])
    return True


def save_checkpoint(out: Path, ckpt: Path, save_adapter: Callable[[Path], object], opt, state: dict,
                    info: dict, final: bool = False) -> None:
    """Write a checkpoint (``save_adapter(path)``, the optimiser, ``state``) and swap it in for
    ``ckpt``; the old one stays until the new one is complete. ``final``: also the adapter and
    ``training.json`` (``info`` and the history) in ``out``."""
    import torch

    tmp = out / f".checkpoint.{time.time_ns()}.tmp"
    tmp.mkdir()
    save_adapter(tmp / "adapter.safetensors")
    torch.save(opt.state_dict(), tmp / "optimizer.pt")
    write_atomic(tmp / "state.json", json.dumps(state))
    replace_dir(tmp, ckpt)
    if final:
        save_adapter(out / "adapter.safetensors")
        write_atomic(out / "training.json", json.dumps({**info, "history": state["history"]}, indent=1))
