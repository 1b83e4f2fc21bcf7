"""``ttc-viz bench-verifier``: how well each verifier finds the first wrong step (ProcessBench's metric)."""
from __future__ import annotations

from .common import Progress, add_device, add_quiet, check_writable, count, positive_int, quiet_libraries, say

NAME = "bench-verifier"


def add_parser(sub):
    e = sub.add_parser(NAME, help="ProcessBench's step-error F1 (and within-problem figures) of verifiers",
                       description="Score labelled solutions (ProcessBench's format: id, problem, steps, label = the "
                                   "earliest wrong step or -1) with each verifier; a verifier's prediction is the first "
                                   "step scored below a threshold chosen for the best F1 on a separate split. Reports "
                                   "the accuracy on erroneous and on correct solutions, their harmonic mean (F1), step "
                                   "AUROC, within-problem final AUROC and pick accuracy, each with a 95% bootstrap "
                                   "interval over problems.",
                       epilog="example: ttc-viz bench-verifier --verifiers symbolic,answer-key,prm --data shipped "
                              "--json bench.json")
    e.add_argument("--verifiers", default="symbolic,prm",
                   help="comma-separated verifiers: symbolic, answer-key, prm, prm:<adapter>, "
                        "hf:<id or folder>:<format>, openai:<base-url>#<model>:<format> (default symbolic,prm)")
    e.add_argument("--data", default="shipped",
                   help="a ProcessBench-format JSONL file, or 'shipped' (data/processbench-smollm2: its test and "
                        "classroom files scored, its dev file for thresholds; the default)")
    e.add_argument("--dev", help="a ProcessBench-format file to choose thresholds on (default: the shipped dev file "
                                 "for --data shipped, else half of --data's problems, left out of the scoring)")
    e.add_argument("--threshold", type=float, help="a fixed threshold instead of one chosen on a split")
    e.add_argument("--limit", type=positive_int, help="score at most this many solutions (whole problems, a fixed "
                                                      "random choice), in each of the scored and threshold splits")
    e.add_argument("--bootstrap", type=positive_int, default=500, help="problem resamples per interval (default 500)")
    e.add_argument("--seed", type=count, default=0, help="seed of the bootstrap and the split (default 0)")
    e.add_argument("--json", help="write the results (figures, curves, every score) as JSON here")
    e.add_argument("--records", help="keep every score in this JSONL file as it is made; a rerun with the same file "
                                     "resumes (scores only what is not there)")
    e.add_argument("--trust-remote-code", action="store_true",
                   help="allow an hf: model's own Python code to run (only for models you trust)")
    add_device(e)
    add_quiet(e)
    return e


def run(a) -> int:
    import json
    import math
    import os

    from ..experiments import bench_verifier as bv
    from ..verifiers import check_spec, load_verifier

    names = [v.strip() for v in a.verifiers.split(",") if v.strip()]
    if not names:
        raise ValueError("--verifiers needs at least one verifier, e.g. symbolic,prm")
    if len(set(names)) != len(names):
        raise ValueError("--verifiers names a verifier twice")
    if a.threshold is not None and not math.isfinite(a.threshold):
        raise ValueError(f"--threshold must be a number, got {a.threshold}")
    if a.bootstrap > 100_000:
        raise ValueError(f"--bootstrap must be at most 100000, got {a.bootstrap}")
    for v in names:
        check_spec(v)
    if a.json and a.records and os.path.abspath(a.json) == os.path.abspath(a.records):
        raise ValueError("--json and --records name the same file; give two")
    if a.json:
        check_writable(a.json, inputs=[a.data, a.dev, a.records])
    if a.records:
        check_writable(a.records, inputs=[a.data, a.dev, a.json])
    if a.data == "shipped":
        test, dev = bv.load_shipped(a.limit, a.dev, with_dev=a.threshold is None)
    else:
        test = bv.load_items(a.data)
        dev = None
        if a.threshold is None:
            if a.dev:
                dev = bv.load_items(a.dev, a.limit)
            else:
                dev, test = bv.split_by_problem(test, a.seed)
                say(a, f"no --dev file: thresholds chosen on {len(dev)} solutions of half the problems, "
                       f"the other {len(test)} scored")
        if a.limit:
            test = bv.subsample(test, a.limit, a.seed)
    quiet_libraries(a)
    verifiers = {}
    for v in names:
        say(a, f"loading verifier {v} ...")
        verifiers[v] = load_verifier(v, device=a.device, trust_remote_code=a.trust_remote_code)
    groups = len(bv.group_by_problem(test)) + (len(bv.group_by_problem(dev)) if dev else 0)
    bar = Progress(a, groups * len(names), "bench-verifier", "problem")
    done = [0]

    def step(k, total, _elapsed):
        if k == 1:
            done[0] += total
        bar.at(done[0] - total + k)

    try:
        res = bv.bench(verifiers, test, dev, bv.BenchConfig(bootstrap=a.bootstrap, seed=a.seed, threshold=a.threshold),
                       progress=step, log=bar.log, records=a.records)
    finally:
        bar.close()
    print(bv.table(res))
    if a.json:
        from ..io import write_atomic

        write_atomic(a.json, json.dumps(res, indent=1))
        print(f"written to {a.json}")
    return 0
