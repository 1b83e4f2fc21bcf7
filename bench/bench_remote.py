"""Requests/s and tokens/s through an OpenAI-compatible server vs in-process, same model.

Workload: one sampled next step (T = 0.8) from the start of a level-1 synthetic problem per
request, ``--requests`` requests per concurrency level C, in chunks of C requests on one
problem (chunk j: problem j mod 8). Through the server, C requests are in flight at once
(C threads, one request each, every request with its own seed); in-process, a chunk is one
batched ``next_steps`` call for C samples (the in-process way to serve C requests at once).
Tokens are generated tokens as each backend reports them (the server: its ``usage``).

Server: ``--url http://host:port/v1 --model NAME`` for a running one, or, by default,
llama-cpp-python's server started here on the embedded GGUF with ``--threads`` threads
(needs ``make llama-server``). In-process: the embedded *base* model (no adapter: the server
serves the bare GGUF) on the CPU with the same number of torch threads; the GGUF is
dequantized in-process, the server computes with the Q4_1 weights. Ratios come from one
run on one machine; the two share its cores when the server runs here, so run nothing else
meanwhile (ggml's threads spin at each barrier: on oversubscribed cores the server slows
down many times over).

Run: python bench/bench_remote.py [--concurrency 1,8,32] [--requests 64] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import platform
import socket
import subprocess
import sys
import threading
import time

import torch

from ttc_viz.lm import load_generator
from ttc_viz.lm.hf import HFConfig
from ttc_viz.problems import synthetic

PROBLEMS = 8


def start_llama_server(threads: int):
    import httpx

    from ttc_viz.lm.embedded import gguf_path

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()),
                             "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--n_ctx", "4096", "--n_threads", str(threads), "--n_threads_batch", str(threads),
                             "--verbose", "False"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    for _ in range(360):
        try:
            if httpx.get(url + "/models", timeout=2).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the llama.cpp server did not start")


def chunks(n: int, conc: int) -> list[tuple[str, int]]:
    """(problem text, requests) per chunk of ``conc`` requests, ``n`` in all."""
    probs = [synthetic(1, i, split="test").text for i in range(PROBLEMS)]
    return [(probs[j % PROBLEMS], min(conc, n - c)) for j, c in enumerate(range(0, n, conc))]


def run_remote(gen, work, conc: int) -> tuple[float, int]:
    """(seconds, tokens): each chunk's requests ``conc`` at once, one per thread."""
    tokens = [0] * conc

    def one(q, k, seed):
        tokens[k] += gen.next_steps(q, [[]], 1, temperature=0.8, seed=seed)[0][0].tokens

    t0 = time.perf_counter()
    for j, (q, size) in enumerate(work):
        threads = [threading.Thread(target=one, args=(q, k, 1000 * j + k)) for k in range(size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    return time.perf_counter() - t0, sum(tokens)


def run_local(gen, work, conc: int) -> tuple[float, int]:
    """(seconds, tokens): each chunk as one batched call for its samples."""
    t0, tokens = time.perf_counter(), 0
    for j, (q, size) in enumerate(work):
        out = gen.next_steps(q, [[]], size, temperature=0.8, seed=j)[0]
        tokens += sum(s.tokens for s in out)
    return time.perf_counter() - t0, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running server's base URL (default: start llama.cpp's here)")
    ap.add_argument("--model", default="smollm2", help="the served model's name")
    ap.add_argument("--tokenizer", default="embedded", help="tokenizer= option of the remote spec")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--requests", type=int, default=64, help="requests per concurrency level")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1,
                    help="threads of the server started here and of torch in-process")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    proc, url = (None, a.url) if a.url else start_llama_server(a.threads)
    try:
        conc = [int(x) for x in a.concurrency.split(",")]
        remote = load_generator(f"openai:{url}#{a.model};tokenizer={a.tokenizer};concurrency={max(conc)}")
        local = load_generator("embedded-base", device="cpu", config=HFConfig(max_step_tokens=64))
        for g in (remote, local):  # warm both up (and let the remote generator learn what the server takes)
            g.next_steps(synthetic(1, 0, split="test").text, [[]], 2, temperature=0.8, seed=0)
        print(f"machine: {os.cpu_count()} CPU cores ({platform.machine()}), {a.threads} threads each; "
              f"server {url} ({remote.prompt_mode} prompts); {a.requests} requests per level")
        print("| concurrency | server req/s | server tok/s | in-process req/s | in-process tok/s "
              "| server / in-process req/s | server / in-process tok/s |")
        print("|---|---|---|---|---|---|---|")
        for c in conc:
            work = chunks(a.requests, c)
            rt, rtok = run_remote(remote, work, c)
            lt, ltok = run_local(local, work, c)
            n = a.requests
            print(f"| {c} | {n / rt:.2f} | {rtok / rt:.1f} | {n / lt:.2f} | {ltok / lt:.1f} | "
                  f"{(n / rt) / (n / lt):.2f} | {(rtok / rt) / (ltok / lt):.2f} |", flush=True)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
