"""``ttc-viz eval-prm``: how good each verifier is, measured the way search uses it."""
from __future__ import annotations

from .common import (Progress, add_device, add_quiet, check_out_dir, check_writable, count, levels,
                     load_generator_for, positive_int, quiet_libraries)

NAME = "eval-prm"


def add_parser(sub):
    e = sub.add_parser(NAME, help="step AUROC and best-of-n accuracy of verifiers on held-out problems",
                       description="Sample N solutions per held-out synthetic problem (test split) with the embedded "
                                   "model; score them with each verifier; report, per level and pooled, the within-"
                                   "problem final-answer AUROC (what search uses), step AUROC against the answer key's "
                                   "exact labels (all steps and first steps), each with a 95% bootstrap interval over "
                                   "problems, and naive / PRM-weighted / majority best-of-n accuracy for n = 1..N. "
                                   "Monte Carlo step labels are an optional secondary figure (--mc-samples).",
                       epilog="example: ttc-viz eval-prm --problems 102 --n 16 --json eval.json --records eval-records")
    e.add_argument("--problems", type=positive_int, default=102, help="problems in all, spread over --levels (default 102)")
    e.add_argument("--levels", default="1-3", help="synthetic levels (default 1-3)")
    e.add_argument("--n", type=positive_int, default=16, help="samples per problem, N (default 16)")
    e.add_argument("--mc-samples", type=count, default=0,
                   help="solutions per problem whose steps also get Monte Carlo labels, a secondary AUROC "
                        "(default 0: off; each costs K rollouts per step)")
    e.add_argument("--rollouts", type=positive_int, default=4, help="K rollouts per step for MC labels (default 4)")
    e.add_argument("--model", default="embedded", choices=("embedded", "embedded-base"),
                   help="generator: embedded (fine-tuned, the default) or embedded-base (the base model)")
    e.add_argument("--verifiers", default="prm,symbolic",
                   help="comma-separated verifiers (default prm,symbolic; answer-key gives the perfect-PRM ceiling)")
    e.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    e.add_argument("--json", help="write the summary (tables and curves) as JSON here")
    e.add_argument("--records", help="keep per-problem samples, scores and labels in this folder; reruns resume")
    add_device(e)
    add_quiet(e)
    return e


def run(a) -> int:
    import json
    import os

    from ..experiments.eval_prm import EvalConfig, run_eval, summarize, table
    from ..verifiers import check_spec, load_verifier

    cfg = EvalConfig(levels=levels(a.levels), problems=a.problems, n=a.n, mc_samples=a.mc_samples,
                     rollouts=a.rollouts, seed=a.seed)
    cfg.check()
    if a.records:
        check_out_dir(a.records, flag="--records")  # a file there is refused now, not after the models load
    if a.json:
        check_writable(a.json)
        if a.records and os.path.abspath(a.json).startswith(os.path.abspath(a.records) + os.sep):
            raise ValueError(f"--json {a.json} is inside the --records folder; write it elsewhere")
    names = [v.strip() for v in a.verifiers.split(",") if v.strip()]
    if not names:
        raise ValueError("--verifiers needs at least one verifier, e.g. prm,symbolic")
    for v in names:
        check_spec(v)
    quiet_libraries(a)
    verifiers = {v: load_verifier(v, device=a.device) for v in names}
    gen = load_generator_for(a, a.model)
    bar = Progress(a, cfg.problems, "eval-prm", "problem")
    try:
        recs = run_eval(gen, verifiers, cfg, records=a.records, progress=bar)
    finally:
        bar.close()
    summ = summarize(recs, cfg, names)
    print(table(summ))
    if a.json:
        from ..io import write_atomic

        write_atomic(a.json, json.dumps(summ, indent=1))
        print(f"written to {a.json}")
    return 0
