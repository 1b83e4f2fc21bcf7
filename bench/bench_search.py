"""Speed of the search core on the embedded model, as ratios measured in one run.

1. Raw batched ``model.generate`` (sampling, EOS stop, left padding) vs the search core's
   decoder (``solutions``: shared-prefix KV, rows leave the batch when done) at the same
   batch size and token cap: tokens generated per second.
2. Beam search (N, M = 4) vs best-of-N (N) on the same problems, with the verifier given
   (default: the project's learned PRM): wall time, and wall time per generated token; the
   prefix tokens encoded again per generated token, by the generator and by the PRM; the
   share of beam search's wall time spent in the PRM. Run with each prefix's KV kept across
   rounds (generator and PRM) and without (``--kv both``, the default: both in one run, taking
   turns on each problem).

Run: python bench/bench_search.py [--batch 16] [--problems 3] [--n 16] [--verifier prm]
[--kv on|off|both] [--skip-raw]. Prints Markdown tables.
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
from ttc_viz.verifiers import SymbolicVerifier, load_verifier


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


def set_kv(gen, ver, on: bool, budgets: dict) -> None:
    """Turn the prefix KV caches of the generator and the verifier on (their own budgets) or off."""
    for m in (gen, ver):
        kv = getattr(m, "kv", None)
        if kv is not None:
            budgets.setdefault(id(m), kv.max_bytes)
            kv.max_bytes = budgets[id(m)] if on else 0
            kv.clear()


def fresh(gen, ver) -> None:
    """Nothing carried over from the last search: each is charged its own head prefill."""
    gen._heads.clear()
    for m in (gen, ver):
        if getattr(m, "kv", None) is not None:
            m.kv.clear()


def searches(gen, ver, probs, n: int, modes, budgets: dict) -> dict:
    """Totals per mode (KV on/off) over the problems; the modes take turns on each problem, so
    a machine that gets busier or quieter during the run does not favour one of them."""
    from ttc_viz.metering import Metered

    keys = ("bon_s", "bon_tok", "beam_s", "beam_tok", "beam_prm_s", "gen_again", "prm_again", "prm_read")
    tot = {on: {k: 0.0 for k in keys} for on in modes}
    for i, p in enumerate(probs):
        for on in (modes if i % 2 == 0 else modes[::-1]):
            set_kv(gen, ver, on, budgets)
            t_on = tot[on]
            fresh(gen, ver)
            t = run("best_of_n", p, gen, ver, SearchConfig(n=n, seed=i))
            t_on["bon_s"] += t.cost.wall_s
            t_on["bon_tok"] += t.cost.tokens_generated
            fresh(gen, ver)
            timed = Metered(ver)
            t = run("beam", p, gen, timed, SearchConfig(n=n, m=4, seed=i))
            t_on["beam_s"] += t.cost.wall_s
            t_on["beam_tok"] += t.cost.tokens_generated
            t_on["beam_prm_s"] += timed.seconds
            t_on["gen_again"] += t.cost.tokens_reencoded
            t_on["prm_again"] += t.cost.verifier_tokens_reencoded
            t_on["prm_read"] += t.cost.verifier_tokens_read
    return tot


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--max-new", type=int, default=160)
    ap.add_argument("--problems", type=int, default=3)
    ap.add_argument("--model", default="embedded", help="embedded (fine-tuned) or embedded-base")
    ap.add_argument("--n", type=int, default=16, help="budget N of both searches (beam: M = 4)")
    ap.add_argument("--verifier", default="prm", help="prm (the learned PRM) or symbolic")
    ap.add_argument("--kv", choices=("on", "off", "both"), default="both",
                    help="keep each prefix's KV across rounds (generator and PRM), or not, or both")
    ap.add_argument("--skip-raw", action="store_true", help="skip the raw generate comparison")
    a = ap.parse_args()
    gen = load_generator(a.model, device="cpu", config=HFConfig(max_solution_tokens=a.max_new))
    ver = SymbolicVerifier() if a.verifier == "symbolic" else load_verifier(a.verifier, device="cpu")
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
          f"torch {torch.__version__}; generator: {gen.name}; verifier: {ver.name}"
          + (f" (bf16 {'on' if getattr(ver, 'bf16', False) else 'off'})" if hasattr(ver, "bf16") else ""))
    probs = [synthetic(2, i) for i in range(a.problems)]
    gen.solutions(probs[0].text, 2, temperature=0.8, seed=0)  # warm up

    print()
    print("| measure | value |")
    print("|---|---|")
    if not a.skip_raw:
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
        print(f"| raw `generate` tok/s, batch {a.batch} | {raw_rate:.0f} |")
        print(f"| search core (`solutions`) tok/s, batch {a.batch} | {core_rate:.0f} |")
        print(f"| core / raw | **{core_rate / raw_rate:.2f}** |")

    modes = {"on": (True,), "off": (False,), "both": (False, True)}[a.kv]
    totals = searches(gen, ver, probs, a.n, modes, {})
    for on in modes:
        t = totals[on]
        kv = "KV kept across rounds" if on else "no KV reuse"
        per_tok = (t["beam_s"] / max(t["beam_tok"], 1)) / (t["bon_s"] / max(t["bon_tok"], 1))
        print(f"| **{kv}**: best-of-N N={a.n} wall (s, {a.problems} level-2 problems) | "
              f"{t['bon_s']:.1f} ({t['bon_tok']:.0f} tokens) |")
        print(f"| {kv}: beam N={a.n} M=4 wall (s, same problems) | {t['beam_s']:.1f} ({t['beam_tok']:.0f} tokens) |")
        print(f"| {kv}: beam / best-of-N wall | **{t['beam_s'] / t['bon_s']:.2f}** |")
        print(f"| {kv}: beam / best-of-N per generated token | **{per_tok:.2f}** |")
        print(f"| {kv}: beam, generator prefix tokens encoded again per generated token | "
              f"**{t['gen_again'] / max(t['beam_tok'], 1):.2f}** |")
        print(f"| {kv}: beam, PRM prefix tokens read again per generated token | "
              f"**{t['prm_again'] / max(t['beam_tok'], 1):.2f}** ({t['prm_read']:.0f} tokens read) |")
        print(f"| {kv}: beam, share of wall time in the verifier | **{t['beam_prm_s'] / t['beam_s']:.0%}** |")

if __name__ == "__main__":
    main()
