"""Wall time of MCTS and particle filtering against beam search at equal budget, on the
embedded model, as ratios measured in one run.

For each problem the three strategies take turns (beam, MCTS, particle filtering, then the
next problem), so a slow spell of the machine falls on all of them alike. Per strategy: wall
seconds, generations, generated tokens and computed tokens (generated plus the prompt tokens
the decoder actually prefilled), the verifier's calls, and each total as a ratio to beam
search's. The verifier is the symbolic checker by default (it costs next to nothing, so the
times are the generator's); ``--verifier prm`` adds the learned PRM's share.

Run: python bench/bench_strategies.py [--problems 3] [--n 8] [--levels 1-3] [--verifier symbolic]
Prints Markdown tables.
"""
from __future__ import annotations

import argparse
import platform
import time

from ttc_viz.lm import load_generator
from ttc_viz.problems import synthetic
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import load_verifier

STRATEGIES = ("beam", "mcts", "particle_filter")
FIRST_INDEX = 800   # synthetic test indices no evaluation or sweep reads


def levels(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--problems", type=int, default=3, help="problems per level (default 3)")
    ap.add_argument("--levels", default="1-3", help="synthetic levels (default 1-3)")
    ap.add_argument("--n", type=int, default=8, help="budget N for every strategy (default 8)")
    ap.add_argument("--m", type=int, default=4, help="beam width M (default 4)")
    ap.add_argument("--verifier", default="symbolic", help="verifier (default symbolic)")
    a = ap.parse_args(argv)
    gen, ver = load_generator("embedded"), load_verifier(a.verifier)
    problems = [synthetic(lv, FIRST_INDEX + i) for lv in levels(a.levels) for i in range(a.problems)]
    gen.next_steps("What is 1 + 1?", [[]], 1, temperature=0.8, seed=0)   # warm up: the first call's one-off costs
    totals = {s: {"seconds": 0.0, "generations": 0, "generated": 0, "computed": 0, "verifier calls": 0,
                  "right": 0} for s in STRATEGIES}
    for i, p in enumerate(problems):
        for s in STRATEGIES:
            cfg = SearchConfig(n=a.n, m=a.m, temperature=0.8, max_rounds=12, seed=i)
            gen.forget()   # each search starts cold: none is served another's head or KV
            t0 = time.perf_counter()
            tree = run(s, p, gen, ver, cfg)
            t = totals[s]
            t["seconds"] += time.perf_counter() - t0
            t["generations"] += tree.cost.generations
            t["generated"] += tree.cost.tokens_generated
            t["computed"] += tree.cost.tokens_generated + tree.cost.tokens_prefilled
            t["verifier calls"] += tree.cost.verifier_calls
            t["right"] += bool(tree.correct)
        print(f"problem {i + 1}/{len(problems)} done", flush=True)
    print(f"\n{len(problems)} synthetic problems (levels {a.levels}, test indices {FIRST_INDEX}+), budget N = {a.n}, "
          f"beam M = {a.m}, verifier {a.verifier}; {platform.processor() or platform.machine()}, "
          f"torch threads as set by OMP_NUM_THREADS\n")
    keys = ("seconds", "generations", "generated", "computed", "verifier calls")
    print("| strategy | " + " | ".join(keys) + " | right |")
    print("|---|" + "---|" * (len(keys) + 1))
    base = totals["beam"]
    for s in STRATEGIES:
        t = totals[s]
        cells = [f"{t[k]:.1f}" if k == "seconds" else str(t[k]) for k in keys]
        if s != "beam":
            cells = [f"{c} ({t[k] / base[k]:.2f}x)" if base[k] else c for c, k in zip(cells, keys)]
        print(f"| {s} | " + " | ".join(cells) + f" | {t['right']}/{len(problems)} |")
    print("\nper computed token: " + ", ".join(
        f"{s} {1000 * totals[s]['seconds'] / max(1, totals[s]['computed']):.1f} ms" for s in STRATEGIES))


if __name__ == "__main__":
    main()
