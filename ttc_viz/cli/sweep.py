"""``ttc-viz sweep``: accuracy versus budget, every problem x strategy x budget (resumable)."""
from __future__ import annotations

import argparse

from ..search import strategies
from ..experiments.sweep import SweepConfig
from .common import (Progress, add_quiet, add_search_models, check_out_dir, count, dataset, ints, levels,
                     load_search_models, positive_int, temperature)

NAME = "sweep"
DEFAULT_STRATEGIES = ",".join(SweepConfig.strategies)


def add_parser(sub):
    w = sub.add_parser(NAME, help="accuracy versus budget: every problem x strategy x budget (resumable)",
                       description="Run every (problem, strategy, budget, M, k) cell and store every tree, one file "
                                   "per cell, as it finishes; rerun the same command to resume. Best-of-N draws one "
                                   "pool of the largest budget per problem and scores smaller budgets by subsampling. "
                                   "A budget counts generations: lookahead with depth k runs N = budget / (k + 1). "
                                   "Sequential revisions run once per --seqs value that divides the budget.",
                       epilog="example: ttc-viz sweep --levels 1-5 --problems 4 --strategies best_of_n,beam,lookahead "
                              "--budgets 1,2,4,8,16,32,64 --out sweeps/mine\nthen: ttc-viz report sweeps/mine",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("--out", required=True, help="sweep folder (cells/, sweep.json, summary.json)")
    w.add_argument("--dataset", type=dataset, default="synthetic", help="'synthetic' (test split) or a MATH/GSM8K .jsonl file")
    w.add_argument("--levels", default="1-5", help="synthetic levels (default 1-5)")
    w.add_argument("--problems", type=positive_int, default=4, help="problems per level, or from the file (default 4)")
    w.add_argument("--strategies", default=DEFAULT_STRATEGIES,
                   help=f"comma-separated, of {','.join(strategies.names())} (default {DEFAULT_STRATEGIES})")
    w.add_argument("--budgets", default="1,2,4,8,16,32,64", help="generation budgets (default 1,2,4,...,64)")
    w.add_argument("--search-budgets", help="budgets for beam/lookahead/DVTS if fewer than --budgets, e.g. 4,8,16,32")
    w.add_argument("--budgets-for", action="append", default=[], metavar="STRATEGY=B1,B2",
                   help="a strategy's own budgets, e.g. --budgets-for lookahead=8,16,32 --budgets-for revisions=16 "
                        "(repeatable; overrides --search-budgets for that strategy)")
    w.add_argument("--m", default="4", help="beam width(s) M, comma-separated (default 4)")
    w.add_argument("--k", default="1", help="lookahead depth(s) k, comma-separated (default 1)")
    seqs = ",".join(map(str, SweepConfig.seqs))
    w.add_argument("--seqs", default=seqs,
                   help="revisions: attempts per chain, comma-separated; each that divides a budget is a cell "
                        f"(budget/seq chains: 1 all parallel, the budget all sequential; default {seqs})")
    w.add_argument("--resamples", type=positive_int, default=16, help="best-of-n subsets per budget (default 16)")
    w.add_argument("--temperature", type=temperature, default=0.8, help="sampling temperature (default 0.8)")
    w.add_argument("--max-rounds", type=positive_int, default=12, help="cap on search rounds (default 12)")
    w.add_argument("--seed", type=count, default=0, help="sweep seed; each cell's seed derives from it (default 0)")
    w.add_argument("--start", type=count, default=0,
                   help="first synthetic test index per level (default 0); a pre-registered sweep takes fresh ones")
    w.add_argument("--difficulty-pool", type=count, default=0,
                   help="also sample an independent pool of this many solutions per problem, which difficulty bins "
                        "are read from (never the pool a strategy is scored from); default 0: none (then only bins "
                        "by level)")
    w.add_argument("--seeds", type=positive_int, default=1,
                   help="runs of each search cell, with other seeds, at budgets up to --repeat-budget (default 1)")
    w.add_argument("--repeat-budget", type=positive_int, default=16,
                   help="the largest budget whose search cells are run --seeds times (default 16)")
    w.add_argument("--pools-from", help="another sweep folder made by the same generator with the same seed: its "
                                        "best-of-N and difficulty pools are re-scored with this sweep's verifier "
                                        "instead of sampled again (the same samples, another verifier)")
    w.add_argument("--concurrency", type=positive_int, default=1,
                   help="cells run at once (default 1); raise it for a model behind a serving engine "
                        "(--model openai:...), which batches the requests of concurrent cells")
    add_search_models(w)
    add_quiet(w)
    return w


def budgets_for(items: list[str]) -> dict:
    """``["lookahead=8,16,32", "revisions=16"]`` -> {strategy: (budgets...)}."""
    out = {}
    for item in items:
        name, eq, bs = item.partition("=")
        if not eq or not name.strip():
            raise ValueError(f"--budgets-for takes STRATEGY=B1,B2, e.g. lookahead=8,16,32; got {item[:40]!r}")
        out[name.strip()] = ints(bs, f"--budgets-for {name.strip()}")
    return out


def check_resumable(out: str) -> None:
    """A folder to resume holds a readable ``sweep.json`` (an object with its ``config``), or
    none: a damaged one is refused here, in one line, before any model loads."""
    import json
    import os

    meta = os.path.join(out, "sweep.json")
    if not os.path.exists(meta):
        return
    bad = f"{meta} is not a sweep's record; use another --out folder or remove it"
    try:
        with open(meta, encoding="utf-8") as fh:
            d = json.loads(fh.read(1 << 24))
    except (OSError, ValueError, RecursionError):
        raise ValueError(bad) from None
    if not isinstance(d, dict) or not isinstance(d.get("config"), dict):
        raise ValueError(bad)


def run(a) -> int:
    from ..experiments.summary import write_summary
    from ..experiments.report import build, text_report
    from ..experiments.sweep import run_sweep

    cfg = SweepConfig(dataset=a.dataset, levels=levels(a.levels), problems=a.problems,
                      strategies=tuple(x.strip() for x in a.strategies.split(",") if x.strip()),
                      budgets=ints(a.budgets, "--budgets"), ms=ints(a.m, "--m"), ks=ints(a.k, "--k"),
                      seqs=ints(a.seqs, "--seqs"),
                      search_budgets=ints(a.search_budgets, "--search-budgets") if a.search_budgets else None,
                      budgets_for=budgets_for(a.budgets_for),
                      resamples=a.resamples, temperature=a.temperature, max_rounds=a.max_rounds, seed=a.seed,
                      start=a.start, difficulty_pool=a.difficulty_pool, seeds=a.seeds, repeat_budget=a.repeat_budget,
                      pools_from=a.pools_from)
    cfg.check()
    check_out_dir(a.out, inputs=[a.dataset])
    check_resumable(a.out)
    probs = cfg.problem_list()  # a bad data set fails here, before any model loads
    total = sum(len(cfg.cells_for(p)) for p in probs)
    gen, verifier, spec_v = load_search_models(a)
    bar = Progress(a, total, "sweep", "cell")
    try:
        res = run_sweep(gen, verifier, cfg, a.out, verifier_spec=spec_v, progress=bar, concurrency=a.concurrency)
    finally:
        bar.close()
    print(f"{res['cells']} cells: {res['skipped']} already done, {res['ran']} run now; results in {a.out}/cells")
    write_summary(a.out)
    print(text_report(build(a.out)))
    return 0
