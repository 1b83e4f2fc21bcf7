"""``ttc-viz train-prm``: train the project's own PRM (a LoRA adapter + head on the embedded model)."""
from __future__ import annotations

from pathlib import Path

from .common import (add_lora_training, count, levels, load_generator_for, minutes, positive_int, quiet_libraries,
                     train_with_progress)

NAME = "train-prm"


def add_parser(sub):
    t = sub.add_parser(NAME, help="train the project's own PRM (the generator's labelled samples + synthetic step checks)",
                       description="Train a LoRA adapter + head on the embedded SmolLM2 as a process reward model. "
                                   "Stage 1: fresh synthetic solutions with exact step labels (textbook slips and the "
                                   "generator's own kinds of mistake); stage 2: the generator's own samples, labelled "
                                   "by `ttc-viz prm-data`, mixed in. Checkpoints as it goes; rerun the same "
                                   "command to resume.",
                       epilog="example: ttc-viz train-prm --out models/smollm2-prm --data data/prm-oracle-smollm2 "
                              "--problems 0 --synthetic-steps 120 --mc-steps 240")
    t.add_argument("--out", default="models/smollm2-prm", help="output folder (default models/smollm2-prm)")
    t.add_argument("--data", default="data/prm-oracle-smollm2",
                   help="labelled samples of the generator, from `ttc-viz prm-data` (default data/prm-oracle-smollm2)")
    t.add_argument("--problems", type=count, default=0,
                   help="first sample and label (answer key) this many training problems per level into --data "
                        "(resumes; default 0: use the data already there)")
    t.add_argument("--levels", default="1-5", help="levels for new labels (default 1-5)")
    t.add_argument("--samples", type=positive_int, default=8, help="solutions per problem for new labels (default 8)")
    t.add_argument("--synthetic-steps", type=count, default=120, help="stage-1 steps (default 120)")
    t.add_argument("--mc-steps", type=count, default=240,
                   help="stage-2 steps, half of each batch from --data (default 240)")
    t.add_argument("--batch-size", type=positive_int, default=32, help="solutions per step (default 32)")
    t.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (default 3e-4)")
    t.add_argument("--eval-every", type=count, default=100, help="validation AUROC every this many steps (default 100)")
    t.add_argument("--valid-size", type=positive_int, default=256,
                   help="held-out solutions for the validation AUROC (default 256)")
    add_lora_training(t, save_every=50)
    return t


def run(a) -> int:
    from ..train.prm_data import MCConfig, load
    from ..train.prm import TrainConfig, train
    from ..verifiers.learned import AdapterConfig
    from .prm_data import label

    tcfg = TrainConfig(synthetic_steps=a.synthetic_steps, mc_steps=a.mc_steps, batch_size=a.batch_size,
                       lr=a.lr, seed=a.seed, save_every=a.save_every, eval_every=a.eval_every, bf16=not a.fp32,
                       valid_size=a.valid_size)
    tcfg.check()
    acfg = AdapterConfig(rank=a.rank, alpha=2 * a.rank, layers=a.layers)
    minutes(a.minutes)
    if a.data and Path(a.data).exists() and not Path(a.data).is_dir():
        raise ValueError(f"--data {a.data} is a file; give the folder of labelled samples (ttc-viz prm-data --out)")
    quiet_libraries(a)
    if a.problems:
        # sample and MC-label solutions first (resumes; finished shards are skipped)
        mcfg = MCConfig(levels=levels(a.levels), problems_per_level=a.problems, samples=a.samples,
                        seed=a.seed, labels="oracle")
        mcfg.check()
        gen = load_generator_for(a, "embedded")
        label(a, gen, a.data, mcfg, prefix="labelled samples: ")
        del gen
    records = load(a.data) if a.data and (Path(a.data) / "shards").is_dir() else []
    if tcfg.mc_steps and not records:
        raise ValueError(f"no labelled samples in {a.data}; make some with --problems N (or `ttc-viz prm-data`), "
                         "or pass --mc-steps 0")
    train_with_progress(a, tcfg.total, tcfg.batch_size,
                        lambda **cb: train(a.out, tcfg, records, device=a.device, minutes=a.minutes, adapter=acfg, **cb),
                        lambda res: f"validation step AUROC {res['valid_auroc']:.3f}; adapter written to "
                                    f"{a.out}/adapter.safetensors")
    return 0
