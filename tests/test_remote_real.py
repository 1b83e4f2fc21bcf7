"""The remote generator against a real OpenAI-compatible engine: llama-cpp-python's server
(``python -m llama_cpp.server``) on the embedded GGUF, on 127.0.0.1, started and stopped here.

Skipped, with the reason in ``pytest -ra``'s summary, where llama_cpp is not importable
(``make llama-server`` builds it; a source build of several minutes).
"""
import os
import socket
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.real

try:
    import llama_cpp  # noqa: F401
    import llama_cpp.server  # noqa: F401
    HAVE_SERVER = True
    WHY = ""
except Exception as e:  # noqa: BLE001 - any reason it cannot run is a reason to skip
    HAVE_SERVER = False
    WHY = f"llama-cpp-python's server is not installed ({type(e).__name__}: {str(e)[:80]}); run make llama-server WITH_LLAMA_SERVER=1"

needs_server = pytest.mark.skipif(not HAVE_SERVER, reason=WHY)
ALIAS = "smollm2"


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The base URL of a llama.cpp server on the embedded GGUF (module-scoped: ~seconds to start)."""
    if not HAVE_SERVER:
        pytest.skip(WHY)
    import httpx

    from ttc_viz.lm.embedded import gguf_path

    port = _free_port()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf_path()), "--model_alias", ALIAS,
           "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--n_threads", "2", "--verbose", "False"]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.time() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama.cpp server exited ({proc.returncode}): {log.read_text()[-800:]}")
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline:
                pytest.fail(f"llama.cpp server did not start in 180 s: {log.read_text()[-800:]}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def remote(server):
    from ttc_viz.lm.remote import load_remote

    return load_remote(f"openai:{server}#{ALIAS};tokenizer=embedded;concurrency=4")


@needs_server
def test_the_server_takes_the_same_prompt_as_token_ids(remote):
    from ttc_viz.lm.hf import HFConfig, HFGenerator
    from types import SimpleNamespace

    q = "Ana has 2 apples and gets 3 more. How many apples?"
    shim = SimpleNamespace(tok=remote.tok, cfg=HFConfig())
    assert remote.prompt(q, ["Step one."]) == HFGenerator.prompt(shim, q, ["Step one."])
    steps = remote.next_steps(q, [[]], 2, temperature=0.8, seed=0)[0]
    assert len(steps) == 2 and all(s.tokens > 0 for s in steps)
    assert remote.prompt_mode == "token ids"


@needs_server
def test_beam_search_through_llama_cpp_is_a_valid_tree_and_repeats_with_its_seed(remote):
    import json

    from ttc_viz.problems import synthetic
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.tree import SearchTree
    from ttc_viz.verifiers import load_verifier

    p = synthetic(1, 0, split="test")
    cfg = dict(n=4, m=2, seed=3, max_rounds=6)
    t1 = run("beam", p, remote, load_verifier("symbolic"), SearchConfig(**cfg))
    t2 = run("beam", p, remote, load_verifier("symbolic"), SearchConfig(**cfg))
    d1, d2 = t1.to_dict(), t2.to_dict()
    for d in (d1, d2):
        d["cost"].pop("wall_s")
    assert d1 == d2
    back = SearchTree.from_dict(json.loads(json.dumps(d1)))
    assert back.leaves("finished") and all(n.text for n in back.nodes[1:] if n.status != "rollout")
    assert t1.cost.tokens_generated > 0


@needs_server
def test_best_of_n_through_the_server_matches_in_process_within_sampling_noise(remote):
    """Same model (the GGUF; in-process: dequantized), same prompt and seeds: the share of
    right answers and of solutions that state one agree within sampling noise (|z| < 3)."""
    import math

    from ttc_viz.lm import load_generator
    from ttc_viz.lm.hf import HFConfig
    from ttc_viz.problems import synthetic
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.verifiers import load_verifier

    local = load_generator("embedded-base", device="cpu", config=HFConfig(max_step_tokens=48, max_solution_tokens=160))
    remote.cfg.max_solution_tokens = 160
    v = load_verifier("symbolic")
    stats = {"remote": [0, 0, 0], "local": [0, 0, 0]}  # right, answered, samples
    for i in range(4):
        p = synthetic(1, i, split="test")
        for name, g in (("remote", remote), ("local", local)):
            t = run("best_of_n", p, g, v, SearchConfig(n=16, seed=100 + i))
            leaves = t.leaves("finished")
            stats[name][0] += sum(bool(n.correct) for n in leaves)
            stats[name][1] += sum(n.answer is not None for n in leaves)
            stats[name][2] += len(leaves)
    for k in (0, 1):
        a, b = stats["remote"][k] / stats["remote"][2], stats["local"][k] / stats["local"][2]
        pooled = (stats["remote"][k] + stats["local"][k]) / (stats["remote"][2] + stats["local"][2])
        se = math.sqrt(max(pooled * (1 - pooled), 1e-9) * (1 / stats["remote"][2] + 1 / stats["local"][2]))
        assert abs(a - b) / se < 3, (k, stats)


@needs_server
def test_a_model_that_is_no_prm_gets_a_clear_message(server):
    from ttc_viz.verifiers import VerifierError, load_verifier

    prm = load_verifier(f"openai:{server}#{ALIAS}:math-shepherd")
    try:
        scores = prm.score("What is 2 + 3?", ["2 + 3 = 5.", "The answer is 5."])
    except VerifierError as e:
        assert "\n" not in str(e)
    else:  # the echo path worked; the numbers mean nothing for a model that is no PRM
        assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)
