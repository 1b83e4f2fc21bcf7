"""Speed of the search core on the embedded model, as ratios measured in one run.

1. Raw batched ``model.generate`` (sampling, EOS stop, left padding) vs the search core's
   decoder (``solutions``: shared-prefix KV, rows leave the batch when done) at the same
   batch size and token cap: tokens generated per second.
2. Wall time of beam search (N=16, M=4) vs best-of-N (N=16) on the same problems.

Run: python bench/bench_search.py [--batch 16] [--problems 3]. Prints a Markdown table.
"""
from __future__ import annotations

import argparse
import platform
import time

import torch

from ttc_viz.lm import load_generator
from ttc_viz.lm.hf import HFConfig
from ttc_viz.problems import synthetic
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier


def raw_generate(gen, problem: str, batch: int, max_new: int, seed: int) -> tuple[int, float]:
    tok = gen.tok
    enc = tok([gen.prompt(problem)] * batch, return_tensors="pt", add_special_tokens=False)
    torch.manual_seed(seed)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = gen.model.generate(**enc, max_new_tokens=max_new, do_sample=True, temperature=0.8, top_k=0,
                                 top_p=1.0, pad_token_id=tok.pad_token_id)
    dt = time.perf_counter() - t0
    new = out[:, enc["input_ids"].shape[1]:]
    # count tokens up to and including each row's first EOS
    n = 0
    for row in new.tolist():
        n += next((i + 1 for i, t in enumerate(row) if t == tok.eos_token_id), len(row))
    return n, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-new", type=int, default=160)
    ap.add_argument("--problems", type=int, default=3)
    ap.add_argument("--model", default="embedded", help="embedded (fine-tuned) or embedded-base")
    a = ap.parse_args()
    gen = load_generator(a.model, device="cpu", config=HFConfig(max_solution_tokens=a.max_new))
    ver = SymbolicVerifier()
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}; generator: {gen.name}")
    probs = [synthetic(2, i) for i in range(a.problems)]
    gen.solutions(probs[0].text, 2, temperature=0.8, seed=0)  # warm up

    raw_tok = raw_t = core_tok = core_t = 0.0
    for i, p in enumerate(probs):
        n, dt = raw_generate(gen, p.text, a.batch, a.max_new, seed=i)
        raw_tok, raw_t = raw_tok + n, raw_t + dt
        gen._heads.clear()  # charge the head prefill to the core too
        t0 = time.perf_counter()
        sols = gen.solutions(p.text, a.batch, temperature=0.8, seed=i)
        core_t += time.perf_counter() - t0
        core_tok += sum(s.tokens for sol in sols for s in sol)
    raw_rate, core_rate = raw_tok / raw_t, core_tok / core_t

    bon_t = beam_t = 0.0
    bon_tok = beam_tok = 0
    for i, p in enumerate(probs):
        gen._heads.clear()
        t = run("best_of_n", p, gen, ver, SearchConfig(n=16, seed=i))
        bon_t += t.cost.wall_s
        bon_tok += t.cost.tokens_generated
        gen._heads.clear()
        t = run("beam", p, gen, ver, SearchConfig(n=16, m=4, seed=i))
        beam_t += t.cost.wall_s
        beam_tok += t.cost.tokens_generated

    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| raw `generate` tok/s, batch {a.batch} | {raw_rate:.0f} |")
    print(f"| search core (`solutions`) tok/s, batch {a.batch} | {core_rate:.0f} |")
    print(f"| core / raw | **{core_rate / raw_rate:.2f}** |")
    print(f"| best-of-N N=16 wall (s, {a.problems} level-2 problems) | {bon_t:.1f} ({bon_tok} tokens) |")
    print(f"| beam N=16 M=4 wall (s, same problems) | {beam_t:.1f} ({beam_tok} tokens) |")
    print(f"| beam / best-of-N wall | **{beam_t / bon_t:.2f}** |")
    print(f"| beam / best-of-N per generated token | {(beam_t / max(beam_tok, 1)) / (bon_t / max(bon_tok, 1)):.2f} |")


if __name__ == "__main__":
    main()
