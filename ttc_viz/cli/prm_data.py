"""``ttc-viz prm-data``: step labels on the generator's own samples, for training a PRM (resumable)."""
from __future__ import annotations

from .common import (Progress, add_device, add_quiet, at_most, check_out_dir, count, levels, load_generator_for,
                     positive_int, temperature)

NAME = "prm-data"


def add_parser(sub):
    d = sub.add_parser(NAME, help="label the generator's own steps for training a PRM (resumable)",
                       description="Sample solutions to synthetic training problems with the generator and label "
                                   "every step: exactly, with the answer key (--labels oracle, the default: "
                                   "costs only the sampling), or with the fraction of K rollouts from it that reach "
                                   "the right answer (--labels mc, Math-Shepherd). Writes one shard per problem; "
                                   "rerun the same command to resume.",
                       epilog="example: ttc-viz prm-data --out data/prm-oracle-smollm2 --levels 1-5 --problems 40 "
                              "--samples 8")
    d.add_argument("--out", required=True, help="output folder (shards/ and config.json)")
    d.add_argument("--levels", default="1-3", help="synthetic levels, e.g. 1-3 or 1,2,5 (default 1-3)")
    d.add_argument("--problems", type=at_most(100_000), default=20, help="problems per level (default 20)")
    d.add_argument("--start", type=count, default=0, help="first problem index per level (default 0)")
    d.add_argument("--samples", type=positive_int, default=4, help="solutions per problem (default 4)")
    d.add_argument("--rollouts", type=positive_int, default=8,
                   help="K rollouts per step prefix, with --labels mc (default 8)")
    d.add_argument("--temperature", type=temperature, default=0.8, help="sampling temperature (default 0.8)")
    d.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    d.add_argument("--model", default="embedded", help="the generator whose samples are labelled (default embedded)")
    add_device(d)
    d.add_argument("--labels", default="oracle", choices=("oracle", "mc"),
                   help="oracle (default): the answer key's exact labels, no rollouts; mc: the fraction of K "
                        "rollouts per step that reach the right answer (Math-Shepherd; minutes per problem)")
    d.add_argument("--batch-size", type=positive_int, default=64, help="sequences decoded together (default 64)")
    add_quiet(d)
    return d


def label(a, gen, out: str, cfg, prefix: str = "") -> None:
    """Label (or finish labelling) ``cfg``'s problems into ``out`` and say what is there."""
    from ..train.prm_data import check, generate

    bar = Progress(a, len(cfg.problems()), "MC labels" if cfg.labels == "mc" else "labels", "problem")
    try:
        res = generate(gen, out, cfg, bar)
    finally:
        bar.close()
    rep = check(out, cfg)
    print(f"{prefix}{res['labelled']} problems labelled now, {res['skipped']} already there; "
          f"{rep['records']} solutions, {rep['steps']} labelled steps in {out}/shards; "
          f"duplicates: {len(rep['duplicates'])}, missing: {len(rep['missing'])}")


def run(a) -> int:
    from ..lm.hf import HFConfig
    from ..train.prm_data import MCConfig

    cfg = MCConfig(levels=levels(a.levels), problems_per_level=a.problems, samples=a.samples, rollouts=a.rollouts,
                   temperature=a.temperature, seed=a.seed, start_index=a.start, labels=a.labels)
    cfg.check()
    check_out_dir(a.out)
    gen = load_generator_for(a, a.model, config=HFConfig(batch_size=a.batch_size))
    label(a, gen, a.out, cfg)
    return 0
