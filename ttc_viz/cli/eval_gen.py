"""``ttc-viz eval-gen``: how well a generator solves problems alone (pass@1, pass@N, shows its work)."""
from __future__ import annotations

from .common import (Progress, add_device, add_quiet, check_writable, count, dataset, levels,
                     load_generator_for, positive_int, temperature)

NAME = "eval-gen"


def add_parser(sub):
    e = sub.add_parser(NAME, help="pass@1, pass@N and 'shows its work' of a generator on held-out problems",
                       description="Sample N whole solutions per problem (synthetic test levels, the hand-written "
                                   "classroom set, or a MATH/GSM8K-style JSONL file such as GSM8K's test split), grade "
                                   "each, and report per group and over all: pass@1, pass@N, the share of samples that "
                                   "write at least one equation before the answer, and mean steps, with 95% "
                                   "bootstrap intervals over problems.",
                       epilog="examples: ttc-viz eval-gen --dataset classroom --n 16 --records runs/eval-classroom\n"
                              "          ttc-viz eval-gen --dataset synthetic --levels 1-5 --problems 30\n"
                              "          ttc-viz eval-gen --dataset gsm8k_test.jsonl --problems 200 "
                              "--model embedded:runs/gen/adapter.safetensors")
    e.add_argument("--dataset", type=dataset, default="classroom",
                   help="'classroom' (data/classroom, held out), 'synthetic' (test split) or a JSONL file "
                        "(default classroom)")
    e.add_argument("--levels", default="1-5", help="synthetic levels (default 1-5)")
    e.add_argument("--problems", type=count, default=0,
                   help="per synthetic level (default 30), or the first P of the file (default 0: all)")
    e.add_argument("--n", type=positive_int, default=16, help="samples per problem, N (default 16)")
    e.add_argument("--temperature", type=temperature, default=0.8, help="sampling temperature (default 0.8)")
    e.add_argument("--model", default="embedded",
                   help="embedded (the default generator), embedded-base, embedded:<adapter file>, or another model")
    e.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    e.add_argument("--json", help="write the summary as JSON here")
    e.add_argument("--records", help="keep per-problem samples in this folder; reruns resume")
    add_device(e)
    add_quiet(e)
    return e


def run(a) -> int:
    import json
    import math

    from ..experiments.eval_gen import GenEvalConfig, run_eval, summarize, table
    from ..problems import classroom

    if not math.isfinite(a.temperature):
        raise ValueError(f"--temperature must be a number between 0 and 2, got {a.temperature}")
    dataset = "classroom" if a.dataset == "classroom" else a.dataset
    cfg = GenEvalConfig(dataset=dataset, levels=levels(a.levels), problems=a.problems, n=a.n,
                        temperature=a.temperature, seed=a.seed)
    cfg.check()
    if dataset == "classroom":
        probs = list(classroom())[:a.problems or None]
        if not probs:
            raise ValueError("the classroom set is not installed (data/classroom/problems.jsonl)")
    else:
        probs = cfg.problem_list()   # a bad data set fails here, before the model loads
    if a.json:
        check_writable(a.json)
    gen = load_generator_for(a, a.model)
    bar = Progress(a, len(probs), "eval-gen", "problem")
    try:
        recs = run_eval(gen, cfg, records=a.records, progress=bar, problems=probs)
    finally:
        bar.close()
    summ = summarize(recs, cfg.n)
    summ["model"], summ["dataset"] = getattr(gen, "name", a.model), a.dataset
    print(table(summ))
    if a.json:
        from ..io import write_atomic

        write_atomic(a.json, json.dumps(summ, indent=1))
        print(f"written to {a.json}")
    return 0
