"""``ttc-viz eval-revise``: how much sequential revisions help, by level, against best-of-N."""
from __future__ import annotations

from .common import (Progress, add_device, add_quiet, check_out_dir, check_writable, count, levels,
                     load_generator_for, positive_int, quiet_libraries)

NAME = "eval-revise"


def add_parser(sub):
    e = sub.add_parser(NAME, help="accuracy of revision chains vs best-of-N on held-out problems",
                       description="Sample chains of attempts with the reviser (each attempt sees the chain's last 4) "
                                   "on held-out synthetic problems (test split), and N samples of the generator; grade "
                                   "every attempt by the answer key and score it with the verifier. Reports, per level, "
                                   "the accuracy of the k-th attempt, right->wrong and wrong->right rates, and for the "
                                   "budget N every split into chains x attempts (hierarchical selection) beside the "
                                   "generator's best-of-N, each with a 95% bootstrap interval over problems.",
                       epilog="example: ttc-viz eval-revise --levels 1-4 --problems 15 --n 16 --records runs/rev "
                              "--json models/smollm2-revise/eval.json")
    e.add_argument("--problems", type=positive_int, default=15, help="problems per level (default 15)")
    e.add_argument("--levels", default="1-4", help="synthetic levels (default 1-4)")
    e.add_argument("--n", type=positive_int, default=16, help="largest budget N, a power of two (default 16)")
    e.add_argument("--reviser", default="embedded",
                   help="embedded (the shipped revision adapter on the embedded model), or embedded:<adapter> "
                        "for another revision adapter (default embedded)")
    e.add_argument("--verifier", default="symbolic", help="verifier that scores attempts (default symbolic)")
    e.add_argument("--no-baseline", action="store_true", help="skip the generator's best-of-N reference")
    e.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    e.add_argument("--json", help="write the summary as JSON here")
    e.add_argument("--records", help="keep per-problem chains, grades and scores in this folder; reruns resume")
    add_device(e)
    add_quiet(e)
    return e


def run(a) -> int:
    import json

    from ..lm.base import GeneratorError
    from ..experiments.eval_reviser import ReviseEvalConfig, chain_lengths, run_eval, summarize, table
    from ..search.revisions import reviser_for
    from ..verifiers import check_spec, load_verifier

    cfg = ReviseEvalConfig(levels=levels(a.levels), problems=a.problems, n=a.n, seed=a.seed)
    cfg.check()
    check_spec(a.verifier)
    if a.records:
        check_out_dir(a.records, flag="--records")
    if a.json:
        check_writable(a.json)
    if a.reviser.startswith("embedded:"):  # a missing adapter file fails now, not after the models load
        from ..lm.adapter import read_gen_adapter

        read_gen_adapter(a.reviser.split(":", 1)[1])
    quiet_libraries(a)
    verifier = load_verifier(a.verifier, device=a.device)
    gen = load_generator_for(a, "embedded")
    if a.reviser == "embedded":
        reviser, mode = reviser_for(gen)
        if mode != "trained":
            raise GeneratorError("no revision adapter found (models/smollm2-revise); train one with "
                                 "`ttc-viz train-revise` or name one with --reviser embedded:<adapter>")
    else:
        reviser = load_generator_for(a, a.reviser)
    per_problem = sum(chain_lengths(cfg.n)) + (0 if a.no_baseline else cfg.n)
    bar = Progress(a, per_problem * len(cfg.problem_list()), "eval-revise", "attempt")
    try:
        recs = run_eval(reviser, None if a.no_baseline else gen, verifier, cfg, records=a.records,
                        progress=lambda done, total, what: bar.at(done, at=what))
    finally:
        bar.close()
    summ = summarize(recs, cfg.n)
    summ["config"] = {"levels": list(cfg.levels), "problems_per_level": cfg.problems, "n": cfg.n,
                      "temperature": cfg.temperature, "seed": cfg.seed, "verifier": a.verifier,
                      "reviser": getattr(reviser, "name", "?"), "generator": getattr(gen, "name", "?")}
    print(table(summ))
    if a.json:
        from ..io import write_atomic

        write_atomic(a.json, json.dumps(summ, indent=1))
        print(f"written to {a.json}")
    return 0
