"""``ttc-viz train-revise``: fine-tune the embedded generator to revise its own attempts (a LoRA adapter)."""
from __future__ import annotations

from .common import add_lora_training, check_out_dir, levels, minutes, positive_int, quiet_libraries, train_with_progress

NAME = "train-revise"


def add_parser(sub):
    g = sub.add_parser(NAME, help="fine-tune the embedded generator to revise its attempts (the revisions strategy)",
                       description="Train a LoRA adapter, on top of the generator adapter (models/smollm2-gen), that "
                                   "writes a right attempt after 0-4 wrong ones shown in context: chains of the "
                                   "generator's own graded samples (data/prm-oracle-smollm2) and of synthetic training "
                                   "problems with spoiled solutions, the last wrong attempt the closest to the right one "
                                   "by edit distance. Checkpoints atomically; rerun the same command to resume. The one "
                                   "shipped in models/smollm2-revise is what the revisions strategy uses on the "
                                   "embedded model.",
                       epilog="example: ttc-viz train-revise --steps 120 --batch-size 8 --out runs/revise")
    g.add_argument("--out", required=True, help="folder for the adapter, training.json and the checkpoint")
    g.add_argument("--steps", type=positive_int, default=120, help="training steps (default 120)")
    g.add_argument("--batch-size", type=positive_int, default=8, help="chains per step (default 8)")
    g.add_argument("--lr", type=float, default=5e-4, help="peak learning rate (default 5e-4)")
    g.add_argument("--keep-right", type=float, default=0.3,
                   help="share of chains that also show a right attempt in context, so the reviser learns to keep "
                        "one (default 0.3; 0 is the paper's recipe: only wrong attempts in context)")
    g.add_argument("--levels", default="1-4", help="synthetic levels to train on (default 1-4)")
    add_lora_training(g, save_every=5)
    return g


def run(a) -> int:
    from ..gen_train import GenTrainConfig, LoraSettings, train_generator
    from ..revise_train import reviser_task

    cfg = GenTrainConfig(steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed, save_every=a.save_every,
                         bf16=not a.fp32, levels=levels(a.levels), warmup=min(10, a.steps - 1),
                         lora=LoraSettings(rank=a.rank, alpha=2 * a.rank, layers=a.layers))
    cfg.check()
    task = reviser_task(a.keep_right)
    check_out_dir(a.out)
    minutes(a.minutes)
    quiet_libraries(a)
    adapter = f"{a.out}/adapter.safetensors"
    train_with_progress(a, cfg.steps, cfg.batch_size,
                        lambda **cb: train_generator(a.out, cfg, device=a.device, minutes=a.minutes, task=task, **cb),
                        lambda res: f"reviser adapter written to {adapter}")
    return 0
