"""The decode path on a real architecture, measured in one run (a GPU when there is one).

A random-init Qwen2.5-1.5B (its config built here with transformers' ``Qwen2Config``: no
download; bf16 on a GPU, fp32 on a CPU) reports:

1. HF ``generate`` vs our decoder (``HFGenerator._decode``, what ``solutions`` runs) at batch
   1, 64 and 256: generated tokens per second, sampling at T = 0.8, the same token cap;
2. beam search (M = 4) vs best-of-N wall time at N = 16 and 64, and per generated token;
3. prefix tokens encoded again per generated token in that beam search, with the KV cache
   across rounds and without it (``HFConfig(kv_cache_bytes=0)``).

Tokenizer: the embedded SmolLM2 tokenizer (loaded offline), with the model's vocabulary
resized to its 49,152 tokens. It gives the real chat prompt (system prompt, worked example,
problem: ~250 tokens of head) and real step delimiters without a download; the price is an
output layer of 49k rows instead of Qwen's 152k (1.39B parameters instead of 1.54B, ~10% fewer
FLOPs per token), stated in the output. A random model rarely writes a blank line, so its
steps run to the step cap and its solutions to the solution cap: beam search and best-of-N
then write the same number of tokens, which makes their wall times comparable.

``--tiny``: a 2-layer, small-hidden model of the same architecture, batches 1/4/8 and a few
tokens: it runs on a CPU in seconds, inside the test suite (tests/test_gpu_bench.py), so the
script is known to work before a GPU is lent. ``--json PATH`` writes the numbers.
Not done: a CUDA-graph static-KV decode path (the design notes measure one by hand).

Run: python bench/gpu.py [--tiny] [--device cuda] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's ttc_viz, installed or not


def build(tiny: bool, device: str):
    from transformers import AutoTokenizer, Qwen2Config, Qwen2ForCausalLM

    from ttc_viz.lm.embedded import converted_dir, ensure_converted
    from ttc_viz.lm.hf import HFConfig, HFGenerator

    target = converted_dir()
    ensure_converted(target)
    tok = AutoTokenizer.from_pretrained(target)
    if tiny:
        size = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                    num_key_value_heads=2)
    else:  # Qwen2.5-1.5B's published configuration
        size = dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
                    num_key_value_heads=2)
    cfg = Qwen2Config(vocab_size=len(tok), max_position_embeddings=32768, rope_theta=1_000_000.0,
                      rms_norm_eps=1e-6, tie_word_embeddings=True, use_sliding_window=False,
                      bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id,
                      pad_token_id=tok.pad_token_id, **size)
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    torch.manual_seed(0)
    with torch.device(device):
        model = Qwen2ForCausalLM(cfg).to(dtype).eval()
    return model, tok, HFConfig, HFGenerator


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def hf_generate(gen, problem: str, batch: int, max_new: int, device: str) -> tuple[int, float]:
    tok = gen.tok
    enc = tok([gen.prompt(problem)] * batch, return_tensors="pt", add_special_tokens=False).to(device)
    torch.manual_seed(0)
    sync(device)
    t0 = time.perf_counter()
    with torch.inference_mode():
        out = gen.model.generate(**enc, max_new_tokens=max_new, min_new_tokens=max_new, do_sample=True,
                                 temperature=0.8, top_k=0, top_p=1.0, pad_token_id=tok.pad_token_id)
    sync(device)
    return int(out[:, enc["input_ids"].shape[1]:].numel()), time.perf_counter() - t0


def our_decode(gen, problem: str, batch: int, max_new: int, device: str) -> tuple[int, float]:
    gen._heads.clear()  # the head prefill is charged to the decoder too, as to generate
    sync(device)
    t0 = time.perf_counter()
    rows = gen._decode(problem, [[]], batch, temperature=0.8, seed=0, max_new_tokens=max_new,
                       stop_at_step=False)
    sync(device)
    return sum(r[1] for r in rows), time.perf_counter() - t0


def search(gen, strategy: str, problem, n: int, rounds: int, device: str):
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.verifiers import SymbolicVerifier

    gen._heads.clear()
    sync(device)
    tree = run(strategy, problem, gen, SymbolicVerifier(), SearchConfig(n=n, m=4, seed=0, max_rounds=rounds))
    sync(device)
    return tree


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="a 2-layer model and a few tokens (CPU, seconds)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--json", default=None, help="also write the numbers to this file")
    a = ap.parse_args(argv)
    from ttc_viz.lm.hf import pick_device
    from ttc_viz.problems import synthetic

    device = pick_device(a.device)
    batches = (1, 4, 8) if a.tiny else (1, 64, 256)
    budgets = (4, 8) if a.tiny else (16, 64)
    max_new = 8 if a.tiny else 128
    step_tokens, rounds = (4, 3) if a.tiny else (32, 4)
    model, tok, HFConfig, HFGenerator = build(a.tiny, device)
    params = sum(p.numel() for p in model.parameters())
    problem = synthetic(2, 0)
    res: dict = {"device": torch.cuda.get_device_name(0) if device.startswith("cuda") else
                 f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)",
                 "torch": torch.__version__, "dtype": str(next(model.parameters()).dtype).replace("torch.", ""),
                 "params": params, "tiny": a.tiny, "decode": [], "search": []}

    # 1. raw generate vs our decoder
    gen = HFGenerator(model, tok, name="qwen2.5-1.5b-random", config=HFConfig(batch_size=max(batches)))
    hf_generate(gen, problem.text, 2, 4, device), our_decode(gen, problem.text, 2, 4, device)  # warm up
    for b in batches:
        n_hf, t_hf = hf_generate(gen, problem.text, b, max_new, device)
        n_us, t_us = our_decode(gen, problem.text, b, max_new, device)
        res["decode"].append({"batch": b, "generate_tok_s": n_hf / t_hf, "ours_tok_s": n_us / t_us,
                              "ours_over_generate": (n_us / t_us) / (n_hf / t_hf)})

    # 2-3. beam vs best-of-N, and what beam search encodes again, with and without the KV cache
    for n in budgets:
        row = {"n": n}
        for label, kv_bytes in (("", HFConfig().kv_cache_bytes), ("no_kv_", 0)):
            g = HFGenerator(model, tok, name="qwen2.5-1.5b-random",
                            config=HFConfig(batch_size=max(batches), max_step_tokens=step_tokens,
                                            max_steps=rounds, max_solution_tokens=rounds * step_tokens,
                                            kv_cache_bytes=kv_bytes))
            beam = search(g, "beam", problem, n, rounds, device)
            row[f"{label}beam_s"] = beam.cost.wall_s
            row[f"{label}beam_tokens"] = beam.cost.tokens_generated
            row[f"{label}reencoded_per_token"] = beam.cost.tokens_reencoded / max(beam.cost.tokens_generated, 1)
            if not label:
                bon = search(g, "best_of_n", problem, n, rounds, device)
                row["bon_s"], row["bon_tokens"] = bon.cost.wall_s, bon.cost.tokens_generated
                row["beam_over_bon"] = row["beam_s"] / row["bon_s"]
                row["beam_over_bon_per_token"] = ((row["beam_s"] / max(row["beam_tokens"], 1))
                                                  / (row["bon_s"] / max(row["bon_tokens"], 1)))
        res["search"].append(row)

    print(f"device: {res['device']}; torch {res['torch']}; {res['dtype']}; random-init Qwen2 "
          f"{'(tiny, 2 layers)' if a.tiny else '1.5B architecture'}, {params / 1e6:.1f}M parameters "
          "(SmolLM2 tokenizer, 49,152-token vocabulary)")
    print()
    print("| batch | HF generate tok/s | our decoder tok/s | ours / generate |")
    print("|---|---|---|---|")
    for r in res["decode"]:
        print(f"| {r['batch']} | {r['generate_tok_s']:.0f} | {r['ours_tok_s']:.0f} | {r['ours_over_generate']:.2f} |")
    print()
    print(f"| N (M = 4, {rounds} rounds of {step_tokens} tokens) | best-of-N s | beam s | beam / best-of-N | "
          "per generated token | prefix tokens re-encoded per generated token: KV cache / none |")
    print("|---|---|---|---|---|---|")
    for r in res["search"]:
        print(f"| {r['n']} | {r['bon_s']:.2f} | {r['beam_s']:.2f} | {r['beam_over_bon']:.2f} | "
              f"{r['beam_over_bon_per_token']:.2f} | {r['reencoded_per_token']:.3f} / {r['no_kv_reencoded_per_token']:.3f} |")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1)
    return res


if __name__ == "__main__":
    main()
