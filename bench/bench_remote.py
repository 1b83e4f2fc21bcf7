"""Requests/s and tokens/s through an OpenAI-compatible server vs in-process, same model.

Workload: sampled next steps (T=0.8, one sample per request) of level-1 synthetic problems.
At concurrency C the remote generator has C requests in flight (C threads, each asking for
one step of its own prefix); in-process, the same C steps are one batched ``next_steps``
call (the in-process way to serve C requests at once). Both count generated tokens as the
backend reports them (remote: the server's ``usage``).

Server: ``--url http://host:port/v1 --model NAME`` for a running one, or, by default,
llama-cpp-python's server started here on the embedded GGUF (needs ``make llama-server``).
In-process: the embedded base model on the CPU (the GGUF dequantized; the server computes
with the quantized weights). Ratios come from one run on one machine; the two share its
CPU cores when the server runs here, so run nothing else meanwhile.

Run: python bench/bench_remote.py [--concurrency 1,8,32] [--requests 64]
"""
from __future__ import annotations

import argparse
import platform
import socket
import subprocess
import sys
import threading
import time

from ttc_viz.lm import load_generator
from ttc_viz.lm.hf import HFConfig
from ttc_viz.problems import synthetic


def start_llama_server():
    import httpx

    from ttc_viz.lm.embedded import gguf_path

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()),
                             "--model_alias", "smollm2", "--host", "127.0.0.1", "--port", str(port),
                             "--n_ctx", "4096", "--verbose", "False"],
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


def workload(n: int) -> list[tuple[str, list]]:
    probs = [synthetic(1, i, split="test").text for i in range(8)]
    return [(probs[i % len(probs)], []) for i in range(n)]


def run_remote(gen, work, conc: int) -> tuple[float, int]:
    """(seconds, tokens) for every request in ``work``, ``conc`` in flight at once."""
    lock, tokens, todo = threading.Lock(), [0], list(enumerate(work))

    def worker():
        while True:
            with lock:
                if not todo:
                    return
                i, (q, prefix) = todo.pop()
            step = gen.next_steps(q, [prefix], 1, temperature=0.8, seed=i)[0][0]
            with lock:
                tokens[0] += step.tokens

    t0 = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(conc)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, tokens[0]


def run_local(gen, work, conc: int) -> tuple[float, int]:
    """The same requests, ``conc`` per batched call (grouped by problem: one call, one problem)."""
    t0, tokens = time.perf_counter(), 0
    by_problem: dict[str, list] = {}
    for q, prefix in work:
        by_problem.setdefault(q, []).append(prefix)
    for q, prefixes in by_problem.items():
        for c in range(0, len(prefixes), conc):
            out = gen.next_steps(q, prefixes[c:c + conc], 1, temperature=0.8, seed=c)
            tokens += sum(s.tokens for o in out for s in o)
    return time.perf_counter() - t0, tokens


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="a running server's base URL (default: start llama.cpp's here)")
    ap.add_argument("--model", default="smollm2", help="the served model's name")
    ap.add_argument("--tokenizer", default="embedded", help="tokenizer= option of the remote spec")
    ap.add_argument("--concurrency", default="1,8,32")
    ap.add_argument("--requests", type=int, default=64, help="requests per concurrency level")
    a = ap.parse_args()
    proc, url = (None, a.url) if a.url else start_llama_server()
    try:
        conc = [int(x) for x in a.concurrency.split(",")]
        remote = load_generator(f"openai:{url}#{a.model};tokenizer={a.tokenizer};concurrency={max(conc)}")
        local = load_generator("embedded-base", device="cpu", config=HFConfig(max_step_tokens=64))
        remote.next_steps(synthetic(1, 0).text, [[]], 1, temperature=0.8, seed=0)  # warm both up
        local.next_steps(synthetic(1, 0).text, [[]], 1, temperature=0.8, seed=0)
        print(f"machine: {platform.processor() or platform.machine()}, server {url} ({remote.prompt_mode} prompts)")
        print("| concurrency | remote req/s | remote tok/s | in-process req/s | in-process tok/s | remote / in-process (tok/s) |")
        print("|---|---|---|---|---|---|")
        for c in conc:
            work = workload(a.requests)
            rt, rtok = run_remote(remote, work, c)
            lt, ltok = run_local(local, work, c)
            print(f"| {c} | {len(work) / rt:.2f} | {rtok / rt:.1f} | {len(work) / lt:.2f} | {ltok / lt:.1f} | "
                  f"{(rtok / rt) / (ltok / lt):.2f} |")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(20)


if __name__ == "__main__":
    main()
