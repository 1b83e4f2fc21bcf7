"""Speed of the project's own PRM on the embedded model, measured in one run.

1. Scoring throughput: step prefixes scored per second when a beam round's candidates
   (N = 16 solutions of 1-4 steps, one ``score_batch`` call) are scored; fp32 and with
   bfloat16 autocast, as a ratio.
2. Share of a beam search's wall time (N = 16, M = 4) spent in the PRM, against the same
   search with the symbolic checker.
3. Training speed: one step (forward + backward + AdamW) on a batch of 32 synthetic
   solutions, fp32 against bfloat16 autocast (what ``train-prm`` uses where the CPU has it).

Run: python bench/bench_prm.py [--problems 3]. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import platform
import time

import torch

from ttc_viz.lm import load_generator
from ttc_viz.metering import Metered
from ttc_viz.problems import synthetic
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier, load_verifier
from ttc_viz.verifiers.learned import bf16_available


def throughput(prm, problem: str, sols: list[list[str]], repeats: int = 3) -> float:
    """Prefixes scored per second, every solution read whole: the prefix cache is off, or
    the repeats would read nothing (bench_search.py measures what the cache saves)."""
    budget, prm.kv.max_bytes = prm.kv.max_bytes, 0
    try:
        return _throughput(prm, problem, sols, repeats)
    finally:
        prm.kv.max_bytes = budget


def _throughput(prm, problem, sols, repeats):
    prm.score_batch(problem, sols)  # warm up
    t0 = time.perf_counter()
    for _ in range(repeats):
        prm.score_batch(problem, sols)
    dt = time.perf_counter() - t0
    return repeats * sum(len(s) for s in sols) / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--problems", type=int, default=3)
    a = ap.parse_args()
    gen = load_generator("embedded", device="cpu")
    prm = load_verifier("prm", device="cpu")
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}")
    rows = []
    # 1. throughput on real candidates: 16 sampled solutions, cut to 1..4 steps
    p = synthetic(3, 0)
    sols = [[s.text for s in sol] for sol in gen.solutions(p.text, 16, temperature=0.8, seed=0)]
    for depth in (1, 2, 4):
        cut = [s[:depth] for s in sols]
        prm.bf16 = False
        fp32 = throughput(prm, p.text, cut)
        prm.bf16 = True
        bf16 = throughput(prm, p.text, cut)
    prm.bf16 = bf16_available("cpu")
        rows.append(f"| PRM scoring, 16 solutions of up to {depth} steps | {fp32:.0f} prefixes/s (fp32) | "
                    f"{bf16:.0f} prefixes/s (bf16 autocast) | {bf16 / fp32:.2f}x |")
    # 2. share of a beam search's wall time
    tot_prm = tot_wall = tot_sym = 0.0
    for i in range(a.problems):
        q = synthetic(2, i)
        cfg = SearchConfig(n=16, m=4, seed=1)
        timed = Metered(prm)
        tree = run("beam", q, gen, timed, cfg)
        tot_prm += timed.seconds
        tot_wall += tree.cost.wall_s
        tot_sym += run("beam", q, gen, SymbolicVerifier(), cfg).cost.wall_s
    rows.append(f"| beam N=16 M=4, {a.problems} level-2 problems: time in the PRM | {tot_prm:.1f} s of "
                f"{tot_wall:.1f} s | share {tot_prm / tot_wall:.0%} | symbolic checker: {tot_sym:.1f} s in all |")
    # 3. training step, fp32 vs bf16 autocast, same batch, same adapter
    from ttc_viz.train.synthetic import synthetic_batch
    from ttc_viz.verifiers.learned import AdapterConfig, batch_tensors, build_net, encode

    net, tok, dev = build_net("cpu", AdapterConfig())
    params = [q for q in net.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4)
    batch = synthetic_batch(0, 0, 32, levels=(2,))
    tensors = batch_tensors([encode(tok, b["problem"], b["steps"]) for b in batch], tok.pad_token_id or 0, dev)
    y = torch.tensor([v for b in batch for v in b["labels"]])

    def step(bf16: bool) -> float:
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = net(*tensors)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return time.perf_counter() - t0

    step(False), step(True)  # warm up both paths
    t32 = min(step(False) for _ in range(3))
    t16 = min(step(True) for _ in range(3))
    rows.append(f"| train-prm step, 32 level-2 solutions, LoRA on 12 layers | {t32:.2f} s (fp32) | "
                f"{t16:.2f} s (bf16 autocast) | {t32 / t16:.2f}x faster |")
    print("| measurement | value | | |\n|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
