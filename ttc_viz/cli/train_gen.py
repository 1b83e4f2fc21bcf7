"""``ttc-viz train-gen``: fine-tune the embedded generator (a LoRA adapter) on synthetic solutions."""
from __future__ import annotations

from .common import add_lora_training, check_out_dir, levels, minutes, positive_int, quiet_libraries, train_with_progress

NAME = "train-gen"


def add_parser(sub):
    g = sub.add_parser(NAME, help="fine-tune the embedded generator (a LoRA adapter) on synthetic solutions",
                       description="Train a LoRA adapter that teaches the embedded SmolLM2 the step format search uses, "
                                   "on correct step-by-step solutions of synthetic training problems (all levels; "
                                   "evaluation problems are never trained on). Checkpoints atomically; rerun the same "
                                   "command to resume. Load the result with --model embedded:<out>/adapter.safetensors; "
                                   "the one shipped in models/smollm2-gen is the default generator.",
                       epilog="example: ttc-viz train-gen --steps 300 --batch-size 12 --out runs/gen")
    g.add_argument("--out", required=True, help="folder for the adapter, training.json and the checkpoint")
    g.add_argument("--steps", type=positive_int, default=300, help="training steps (default 300)")
    g.add_argument("--batch-size", type=positive_int, default=12, help="solutions per step (default 12)")
    g.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 1e-3)")
    g.add_argument("--levels", default="1-5", help="synthetic levels to train on (default 1-5)")
    add_lora_training(g, save_every=10)
    return g


def run(a) -> int:
    from ..gen_train import GenTrainConfig, LoraSettings, train_generator

    cfg = GenTrainConfig(steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed, save_every=a.save_every,
                         bf16=not a.fp32, levels=levels(a.levels),
                         lora=LoraSettings(rank=a.rank, alpha=2 * a.rank, layers=a.layers))
    cfg.check()
    check_out_dir(a.out)
    minutes(a.minutes)
    quiet_libraries(a)
    adapter = f"{a.out}/adapter.safetensors"
    train_with_progress(a, cfg.steps, cfg.batch_size,
                        lambda **cb: train_generator(a.out, cfg, device=a.device, minutes=a.minutes, **cb),
                        lambda res: f"adapter written to {adapter} (use it with --model embedded:{adapter})")
    return 0
