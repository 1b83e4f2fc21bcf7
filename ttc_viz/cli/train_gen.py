"""``ttc-viz train-gen``: fine-tune the embedded generator (a LoRA adapter) on synthetic solutions.

Its options and its run are shared with ``train-revise`` (another adapter of the same trainer).
"""
from __future__ import annotations

import argparse

from .common import add_lora_training, check_out_dir, levels, minutes, positive_int, quiet_libraries, train_with_progress

NAME = "train-gen"


def add_adapter_training(g: argparse.ArgumentParser, *, steps: int, batch_size: int, unit: str, lr: float,
                         levels_: str, save_every: int) -> None:
    """The options of a trainer of a generator-side adapter (train-gen, train-revise)."""
    g.add_argument("--out", required=True, help="folder for the adapter, training.json and the checkpoint")
    g.add_argument("--steps", type=positive_int, default=steps, help=f"training steps (default {steps})")
    g.add_argument("--batch-size", type=positive_int, default=batch_size,
                   help=f"{unit} per step (default {batch_size})")
    g.add_argument("--lr", type=float, default=lr, help=f"peak learning rate (default {lr:g})")
    g.add_argument("--levels", default=levels_, help=f"synthetic levels to train on (default {levels_})")
    add_lora_training(g, save_every=save_every)


def train_adapter(a, *, task=None, warmup: int | None = None, what: str = "adapter", data: str | None = None,
                  data_share: float = 0.3) -> int:
    """Train a generator-side adapter (``train.generator.train_generator``) with the options
    ``add_adapter_training`` added; ``task``: what to train (default the generator adapter)."""
    from ..lm.adapter import LoraSettings
    from ..train.generator import GenTrainConfig, train_generator

    cfg = GenTrainConfig(steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed, save_every=a.save_every,
                         bf16=not a.fp32, levels=levels(a.levels),
                         lora=LoraSettings(rank=a.rank, alpha=2 * a.rank, layers=a.layers),
                         data=data, data_share=data_share, **({} if warmup is None else {"warmup": warmup}))
    cfg.check()
    if data:
        from ..train.outside import read_gsm8k

        read_gsm8k(data)  # a bad file fails here, before the model loads
    check_out_dir(a.out)
    minutes(a.minutes)
    quiet_libraries(a)
    adapter = f"{a.out}/adapter.safetensors"
    train_with_progress(a, cfg.steps, cfg.batch_size,
                        lambda **cb: train_generator(a.out, cfg, device=a.device, minutes=a.minutes, task=task, **cb),
                        lambda res: f"{what} written to {adapter}" + ("" if task else
                                                                      f" (use it with --model embedded:{adapter})"))
    return 0


def add_parser(sub):
    g = sub.add_parser(NAME, help="fine-tune the embedded generator (a LoRA adapter) on synthetic solutions",
                       description="Train a LoRA adapter that teaches the embedded SmolLM2 the step format search uses, "
                                   "on correct step-by-step solutions of synthetic training problems (all levels; "
                                   "evaluation problems are never trained on). Checkpoints atomically; rerun the same "
                                   "command to resume. Load the result with --model embedded:<out>/adapter.safetensors; "
                                   "the one shipped in models/smollm2-gen is the default generator.",
                       epilog="example: ttc-viz train-gen --steps 300 --batch-size 12 --out runs/gen")
    add_adapter_training(g, steps=300, batch_size=12, unit="solutions", lr=1e-3, levels_="1-5", save_every=10)
    g.add_argument("--data", help="outside examples in GSM8K's format (question; answer with <<a*b=c>> annotations "
                                  "and '#### N'), e.g. GSM8K's train split, converted to one equation per step; "
                                  "never its test split (held-out problems are refused)")
    g.add_argument("--data-share", type=float, default=0.3,
                   help="share of each batch drawn from --data (default 0.3)")
    return g


def run(a) -> int:
    return train_adapter(a, data=a.data, data_share=a.data_share)
