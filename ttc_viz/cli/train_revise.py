"""``ttc-viz train-revise``: fine-tune the embedded generator to revise its own attempts (a LoRA adapter)."""
from __future__ import annotations

from .train_gen import add_adapter_training, train_adapter

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
    add_adapter_training(g, steps=120, batch_size=8, unit="chains", lr=5e-4, levels_="1-4", save_every=5)
    g.add_argument("--keep-right", type=float, default=0.0,
                   help="share of chains that also show a right attempt in context, meant to teach the reviser to keep "
                        "one (default 0: the paper's recipe, only wrong attempts in context, which is what the shipped "
                        "adapter used; 0.3 measured worse, see models/smollm2-revise/README.md)")
    g.add_argument("--data", default=None,
                   help="graded samples of the generator the reviser sits on, a `ttc-viz prm-data` folder (default "
                        "data/prm-oracle-smollm2, the shipped samples)")
    return g


def run(a) -> int:
    from ..train.reviser import reviser_task

    return train_adapter(a, task=reviser_task(a.keep_right, a.data), warmup=min(10, a.steps - 1),
                         what="reviser adapter")
