"""The remote generator and PRM against a fake OpenAI-compatible server (tests/fake_openai.py):
real HTTP on 127.0.0.1, a scripted model. Request/response shapes and client behaviour
(retries, fallbacks, errors, concurrency), not any engine's numbers: test_remote_real.py
runs the same code against llama.cpp's real server."""
import json
import socket
import sys
import time

import pytest

from fake_openai import GOOD, BAD, CharTokenizer, FakeOpenAI
from ttc_viz.lm.base import STEP_DELIMITER, GeneratorError, Step
from ttc_viz.lm.openai_client import ClientConfig, OpenAIClient, check_base_url
from ttc_viz.lm.remote import RemoteGenerator, load_remote, mid_text_ids, parse_spec, split_solution
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import VerifierError, check_spec, load_verifier, parse_spec as parse_verifier
from ttc_viz.verifiers.remote_prm import RemotePRM

pytest.importorskip("httpx")

PROBLEM = Problem(text="Ana has 2 apples and gets 3 more. How many apples?", answer="5", id="p1")
FAST = ClientConfig(concurrency=8, timeout_s=5, retries=3, backoff_s=0.01)


def gen(fake, **kw):
    kw.setdefault("client", OpenAIClient(fake.url, kw.pop("client_config", FAST), error_cls=GeneratorError))
    return RemoteGenerator(fake.url, "fake-model", **kw)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# -- specs ------------------------------------------------------------------------------

def test_generator_spec_parses_url_model_and_options():
    s = parse_spec("openai:http://gpu:8000/v1/#Qwen/Qwen2.5-Math-1.5B-Instruct;tokenizer=embedded;prompt=ids;concurrency=4")
    assert (s.base_url, s.model, s.tokenizer, s.prompt, s.concurrency) == \
        ("http://gpu:8000/v1", "Qwen/Qwen2.5-Math-1.5B-Instruct", "embedded", "ids", 4)
    for bad, says in [("openai:http://gpu:8000/v1", "openai:<base-url>#<model>"), ("openai:gpu:8000#m", "not a server URL"),
                      ("openai:file:///etc/passwd#m", "not a server URL"), ("openai:http://h/v1#m;colour=red", "unknown remote"),
                      ("openai:http://h/v1#m;prompt=maybe", "prompt="), ("openai:http://h/v1#m;concurrency=0", "concurrency")]:
        with pytest.raises(GeneratorError, match=says):
            parse_spec(bad)


def test_verifier_spec_names_a_remote_prm_without_contacting_it():
    v = parse_verifier("openai:http://127.0.0.1:1/v1#peiyi9979/math-shepherd-mistral-7b-prm:math-shepherd")
    assert (v.kind, v.fmt) == ("remote", "math-shepherd")
    check_spec("openai:http://127.0.0.1:1/v1#m:rlhflow;concurrency=4")
    for bad, says in [("openai:http://h/v1#m", "openai:<base-url>#<model>:<format>"),
                      ("openai:http://h/v1#m:qwen", "pooling API"), ("openai:http://h/v1#m:rlhflow;x=1", "unknown remote PRM")]:
        with pytest.raises(VerifierError, match=says):
            parse_verifier(bad)


def test_base_url_must_be_http():
    assert check_base_url(" http://a:1/v1/ ") == "http://a:1/v1"
    with pytest.raises(ValueError):
        check_base_url("http://a:1/v1?x=1")


# -- generating -------------------------------------------------------------------------

def test_next_steps_sends_the_prompt_stop_n_seed_and_reads_steps():
    with FakeOpenAI() as fake:
        g = gen(fake)
        out = g.next_steps(PROBLEM.text, [[], ["Step 1: 4."]], 4, temperature=0.8, seed=3)
        assert [len(o) for o in out] == [4, 4]
        path, body = fake.requests[-1]
        assert path == "/v1/completions"
        assert body["stop"] == [STEP_DELIMITER] and body["n"] == 4 and body["temperature"] == 0.8
        assert body["max_tokens"] == g.cfg.max_step_tokens and isinstance(body["seed"], int)
        # sampling as in-process: every engine filter or penalty off
        assert {k: body[k] for k in ("top_p", "top_k", "min_p", "repeat_penalty")} == \
            {"top_p": 1.0, "top_k": 0, "min_p": 0.0, "repeat_penalty": 1.0}
        prompts = sorted(b["prompt"] for _, b in fake.requests)
        assert prompts[1] == g.prompt(PROBLEM.text, ["Step 1: 4."]) == prompts[0] + "Step 1: 4.\n\n"
        for s in [s for o in out for s in o]:
            assert STEP_DELIMITER not in s.text and s.text and s.ids == ()
            assert s.finished == s.text.startswith("The answer is")
            assert s.tokens >= 1 and s.prompt_tokens > 0
        again = g.next_steps(PROBLEM.text, [[], ["Step 1: 4."]], 4, temperature=0.8, seed=3)
        assert again == out


def test_an_engine_that_refuses_top_k_zero_gets_none():
    with FakeOpenAI(refuse_top_k_zero=True) as fake:
        g = gen(fake, tokenizer=CharTokenizer())
        out = g.next_steps(PROBLEM.text, [[]], 4, temperature=0.8, seed=0)[0]
        assert len(out) == 4 and "top_k" not in fake.requests[-1][1]
        assert g.prompt_mode == "token ids" and sum(b["n"] == 4 for _, b in fake.requests) == 2  # n, ids kept
        k = len(fake.requests)
        g.next_steps(PROBLEM.text, [[]], 4, temperature=0.8, seed=0)
        assert len(fake.requests) == k + 1


def test_token_counts_come_from_usage():
    with FakeOpenAI() as fake:
        out = gen(fake).next_steps(PROBLEM.text, [[]], 8, temperature=1.0, seed=1)[0]
        usage = sum(len(s.text) + 1 for s in out)  # the fake counts characters (+1 for the stop)
        assert sum(s.tokens for s in out) == usage


def test_prompt_goes_as_token_ids_when_a_tokenizer_is_known():
    with FakeOpenAI() as fake:
        tok = CharTokenizer()
        g = gen(fake, tokenizer=tok)
        g.next_steps(PROBLEM.text, [["Step 1: 4."]], 2, temperature=0.8, seed=0)
        body = fake.requests[-1][1]
        assert body["prompt"] == g.prompt_ids(PROBLEM.text, ["Step 1: 4."])
        assert "".join(map(chr, body["prompt"])) == g.prompt(PROBLEM.text, ["Step 1: 4."])
        assert g.head(PROBLEM.text).startswith("<|system|>") and g.prompt_mode == "token ids"


def test_a_server_that_refuses_token_ids_gets_text_once():
    with FakeOpenAI(accept_ids=False) as fake:
        g = gen(fake, tokenizer=CharTokenizer())
        a = g.next_steps(PROBLEM.text, [[]], 2, temperature=0.8, seed=0)
        assert g.prompt_mode == "text" and isinstance(fake.requests[-1][1]["prompt"], str)
        k = len(fake.requests)
        g.next_steps(PROBLEM.text, [[]], 2, temperature=0.8, seed=0)
        assert len(fake.requests) == k + 1 and len(a[0]) == 2
    with FakeOpenAI(accept_ids=False) as fake:
        g = gen(fake, tokenizer=CharTokenizer(), prompt="ids")
        with pytest.raises(GeneratorError, match="refused a completions request"):
            g.next_steps(PROBLEM.text, [[]], 1, temperature=0.8, seed=0)


def test_a_refusal_reported_as_http_500_is_not_retried_and_falls_back_to_text():
    """llama-cpp-python's server answers a body it cannot validate (a token-id prompt) with
    HTTP 500 and pydantic's "validation error": a refusal, not a failure to retry."""
    with FakeOpenAI(accept_ids=False, n_mode="ignore", refuse_as_500=True) as fake:
        g = gen(fake, tokenizer=CharTokenizer())
        out = g.next_steps(PROBLEM.text, [[]], 3, temperature=0.8, seed=0)[0]
        assert g.prompt_mode == "text" and len(out) == 3
        ids_tries = [b for _, b in fake.requests if isinstance(b["prompt"], list)]
        assert len(ids_tries) == 1 + 3  # n=3 together, then 3 apart; each sent once, not retried


class Merging(CharTokenizer):  # merges a trailing "\n\n" into one token, like SmolLM2 (1116)
    def __call__(self, text, add_special_tokens=False):
        ids = [ord(c) for c in text]
        return {"input_ids": ids[:-2] + [1116] if text.endswith("\n\n") else ids}


def test_a_text_prompt_holds_back_the_newline_that_would_merge():
    with FakeOpenAI(accept_ids=False) as fake:
        g = gen(fake, tokenizer=Merging(), prompt="text")
        assert g.held_back == "\n" and gen(fake, tokenizer=CharTokenizer()).held_back == ""
        prefix = ["Step 1: 4."]
        sent, held = g.prompt_text(PROBLEM.text, prefix)
        assert held == "\n" and sent + held == g.prompt(PROBLEM.text, prefix)
        assert Merging()(sent)["input_ids"] == g.prompt_ids(PROBLEM.text, prefix)[:-1]
        steps = g.next_steps(PROBLEM.text, [prefix], 2, temperature=0.8, seed=0)[0]
        assert fake.requests[-1][1]["prompt"] == sent
        assert all(s.text.startswith(("Step 2", "The answer")) for s in steps)
        g.next_steps(PROBLEM.text, [[]], 1, temperature=0.8, seed=0)  # no prefix: nothing held back
        assert fake.requests[-1][1]["prompt"] == g.head(PROBLEM.text)


def test_answers_that_skip_the_held_back_newline_are_drawn_again():
    with FakeOpenAI(accept_ids=False, n_mode="ignore", skip_newline=0.5) as fake:
        g = gen(fake, tokenizer=Merging(), prompt="text")
        prefix = ["Step 1: 4."]
        steps = g.next_steps(PROBLEM.text, [prefix], 8, temperature=0.8, seed=3)[0]
        sent = [b for _, b in fake.requests if b["prompt"] == g.prompt_text(PROBLEM.text, prefix)[0]]
        assert len(sent) > 8 + 1  # 1 with n=8 (ignored), 8 apart, and some drawn again
        assert all(s.text.startswith(("Step 2", "The answer")) for s in steps)
        # the discarded samples' tokens are charged to their replacements (a kept answer alone
        # costs its text, the newline and the stop: len + 2)
        assert all(s.tokens >= len(s.text) + 2 for s in steps) and any(s.tokens > len(s.text) + 2 for s in steps)
        assert g.next_steps(PROBLEM.text, [prefix], 8, temperature=0.8, seed=3)[0] == steps


@pytest.mark.parametrize("mode", ["ignore", "refuse"])
def test_a_server_without_n_gets_n_requests_with_their_own_seeds(mode):
    with FakeOpenAI(n_mode=mode) as fake:
        g = gen(fake)
        out = g.next_steps(PROBLEM.text, [[]], 6, temperature=1.0, seed=5)[0]
        assert len(out) == 6 and len({s.text for s in out}) > 1
        single = [b for _, b in fake.requests if b["n"] == 1]
        assert len(single) == 6 and len({b["seed"] for b in single}) == 6
        assert g.next_steps(PROBLEM.text, [[]], 6, temperature=1.0, seed=5)[0] == out


def test_end_of_solution_without_stop_reason_field():
    with FakeOpenAI(stop_reason=False) as fake:
        g = gen(fake)
        tree = run("beam", PROBLEM, g, load_verifier("symbolic"), SearchConfig(n=4, m=2, seed=0, max_rounds=8))
        assert tree.leaves("finished") and all(n.text for n in tree.nodes[1:])


def test_whole_solutions_are_split_into_steps():
    assert split_solution("\nA.\n\nB.\n\n\nThe answer is 5.") == ["A.", "B.", "The answer is 5."]
    with FakeOpenAI() as fake:
        sols = gen(fake).solutions(PROBLEM.text, 5, temperature=0.8, seed=2)
        assert len(sols) == 5
        for sol in sols:
            assert sol[-1].finished and sol[-1].text.startswith("The answer is")
            assert not any(s.finished for s in sol[:-1]) and sol[0].prompt_tokens > 0
        assert "stop" not in fake.requests[-1][1]


def test_rollout_is_greedy_and_stops_at_the_end():
    with FakeOpenAI() as fake:
        out = gen(fake).rollout(PROBLEM.text, [["Step 1: 4."], []], 5)
        assert all(o and o[-1].finished for o in out)
        assert all(b["temperature"] == 0 and b["n"] == 1 for _, b in fake.requests)


def test_mid_text_ids_keeps_the_split_the_model_writes():
    tok = Merging()
    assert tok("a.\n\n")["input_ids"][-1] == 1116
    assert mid_text_ids(tok, "a.") == [ord("a"), ord("."), 10, 10]


# -- the search over a remote engine ------------------------------------------------------

def test_beam_search_through_the_server_gives_a_valid_tree_and_repeats_with_its_seed():
    from ttc_viz.tree import SearchTree

    with FakeOpenAI() as fake:
        g = gen(fake, tokenizer=CharTokenizer())
        prm = RemotePRM(fake.url, "fake-model", "math-shepherd", client_config=FAST)
        cfg = dict(n=8, m=4, seed=11, max_rounds=6)
        t1 = run("beam", PROBLEM, g, prm, SearchConfig(**cfg))
        t2 = run("beam", PROBLEM, g, prm, SearchConfig(**cfg))
        d1, d2 = t1.to_dict(), t2.to_dict()
        for d in (d1, d2):
            d["cost"].pop("wall_s")
        assert d1 == d2
        SearchTree.from_dict(json.loads(json.dumps(d1)))
        assert t1.leaves("finished") and t1.selected_answer in ("5", "6", "7")
        assert t1.cost.tokens_generated > 0 and t1.cost.tokens_prompt > 0
        scores = {round(n.score, 6) for n in t1.nodes[1:] if n.score is not None}
        assert scores <= {round(GOOD, 6), round(BAD, 6)}
        lk = run("lookahead", PROBLEM, g, prm, SearchConfig(n=4, m=2, k=1, seed=1, max_rounds=4))
        assert any(n.status == "rollout" for n in lk.nodes[1:]) or lk.leaves("finished")


def test_best_of_n_through_the_server():
    with FakeOpenAI() as fake:
        tree = run("best_of_n", PROBLEM, gen(fake), load_verifier("symbolic"), SearchConfig(n=16, seed=0))
        answers = [n.answer for n in tree.leaves("finished")]
        assert len(answers) == 16 and answers.count("5") > answers.count("7")


# -- errors -------------------------------------------------------------------------------

def test_unreachable_server_is_one_clear_line():
    url = f"http://127.0.0.1:{free_port()}/v1"
    t0 = time.perf_counter()
    with pytest.raises(GeneratorError, match="cannot reach the server") as e:
        load_remote(f"openai:{url}#m")
    assert "\n" not in str(e.value) and time.perf_counter() - t0 < 10
    g = RemoteGenerator(url, "m", client_config=ClientConfig(retries=1, backoff_s=0.01))
    with pytest.raises(GeneratorError, match="is it running"):
        g.next_steps("q", [[]], 2, temperature=0.8, seed=0)


def test_a_model_the_server_does_not_serve_lists_what_it_serves():
    with FakeOpenAI(models=("a-model", "b-model")) as fake:
        with pytest.raises(GeneratorError, match="does not serve a model named 'nope'; it serves: a-model, b-model"):
            load_remote(f"openai:{fake.url}#nope")
        g = RemoteGenerator(fake.url, "nope", client_config=FAST)  # not checked at load: found on use
        with pytest.raises(GeneratorError, match="no model 'nope'.*it serves: a-model, b-model"):
            g.next_steps("q", [[]], 1, temperature=0.8, seed=0)
        assert load_remote(f"openai:{fake.url}#b-model;prompt=text").model == "b-model"


def test_rate_limits_and_server_errors_are_retried_with_backoff():
    with FakeOpenAI(fail=[429, 503, 502], retry_after=0) as fake:
        out = gen(fake).next_steps("q", [[]], 2, temperature=0.8, seed=0)
        assert len(out[0]) == 2 and len(fake.requests) == 4
    with FakeOpenAI(fail=[500] * 10) as fake:
        with pytest.raises(GeneratorError, match="HTTP 500.*scripted failure"):
            gen(fake).next_steps("q", [[]], 2, temperature=0.8, seed=0)
        assert len(fake.requests) == FAST.retries + 1


def test_a_server_too_slow_times_out_with_advice():
    with FakeOpenAI(delay_s=1.0) as fake:
        g = gen(fake, client_config=ClientConfig(timeout_s=0.2, retries=1, backoff_s=0.01))
        with pytest.raises(GeneratorError, match="did not answer.*lower the concurrency or raise the timeout"):
            g.next_steps("q", [[]], 1, temperature=0.8, seed=0)


def test_concurrency_is_capped_across_threads_and_nested_fan_out_does_not_starve():
    import threading

    with FakeOpenAI(delay_s=0.05, n_mode="refuse") as fake:
        live, peak, lock = [0], [0], threading.Lock()
        client = OpenAIClient(fake.url, ClientConfig(concurrency=3, timeout_s=5), error_cls=GeneratorError)
        orig = client._client.request

        def counting(*a, **kw):
            with lock:
                live[0] += 1
                peak[0] = max(peak[0], live[0])
            try:
                return orig(*a, **kw)
            finally:
                with lock:
                    live[0] -= 1

        client._client.request = counting
        g = RemoteGenerator(fake.url, "fake-model", client=client)
        g._n_ok = False  # n separate requests per prefix: a fan-out inside the fan-out over prefixes
        threads = [threading.Thread(target=g.next_steps, args=("q", [[]] * 4, 3),
                                    kwargs=dict(temperature=0.8, seed=i)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads)
        assert len(fake.requests) == 3 * 4 * 3 and peak[0] == 3


def test_one_request_in_flight_sends_them_in_order_from_the_calling_thread():
    import threading

    with FakeOpenAI(n_mode="ignore") as fake:
        g = gen(fake, client=OpenAIClient(fake.url, ClientConfig(concurrency=1, timeout_s=5), error_cls=GeneratorError))
        seen = []
        orig = g._post

        def post(prompt, n, **kw):
            seen.append((threading.current_thread(), kw["seed"]))
            return orig(prompt, n, **kw)

        g._post = post
        g._n_ok = False
        g.next_steps(PROBLEM.text, [[], ["Step 1: 4."]], 3, temperature=0.8, seed=2)
        assert {t for t, _ in seen} == {threading.current_thread()} and len(seen) == 6
        first = [s for _, s in seen]
        seen.clear()
        g.next_steps(PROBLEM.text, [[], ["Step 1: 4."]], 3, temperature=0.8, seed=2)
        assert [s for _, s in seen] == first


def test_an_error_mid_search_keeps_the_partial_tree(monkeypatch):
    from ttc_viz.jobs import SearchJob

    with FakeOpenAI() as fake:
        g = gen(fake)
        calls = [0]
        orig = g.next_steps

        def flaky(*a, **kw):
            calls[0] += 1
            if calls[0] == 3:
                raise GeneratorError("the server at http://x/v1 refused a completions request (HTTP 500): boom")
            return orig(*a, **kw)

        g.next_steps = flaky
        job = SearchJob([("beam", PROBLEM, SearchConfig(n=4, m=2, seed=0, max_rounds=8))], g,
                        load_verifier("symbolic")).start()
        job._thread.join(30)
        assert job.error.startswith("GeneratorError: the server") and "\n" not in job.error
        trees, partial = job.results() if hasattr(job, "results") else (job.trees, job.partial)
        kept = trees[0] or partial
        assert kept is not None and kept.iterations == 2 and kept.stopped


# -- the remote PRM -----------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["math-shepherd", "rlhflow"])
def test_remote_prm_reads_plus_minus_from_logprobs(fmt):
    with FakeOpenAI() as fake:
        prm = RemotePRM(fake.url, "fake-model", fmt, client_config=FAST)
        sols = [["Step 1: 4.", "Step 2: 5 bad.", "The answer is 5."], ["Step 1: 4 bad."], []]
        got = prm.score_batch(PROBLEM.text, sols)
        assert [[round(x, 6) for x in r] for r in got] == [[GOOD, BAD, GOOD], [BAD], []]
        n = len(fake.requests)
        assert prm.score_batch(PROBLEM.text, sols[:1]) == got[:1] and len(fake.requests) == n  # cached
        assert prm.tokens_read > 0 and prm.num_params is None
        body = min((b for _, b in fake.requests), key=lambda b: len(json.dumps(b)))
        if fmt == "math-shepherd":
            assert body["echo"] is True and body["logprobs"] == 20 and body["max_tokens"] == 1
            assert body["prompt"] == PROBLEM.text + " Step 1: 4 bad. ки\n"
        else:
            assert body["logprobs"] is True and body["top_logprobs"] == 20
            assert body["messages"] == [{"role": "user", "content": f"{PROBLEM.text} Step 1: 4."}]


def test_remote_prm_asks_for_fewer_logprobs_when_the_engine_caps_them():
    with FakeOpenAI(max_logprobs=5) as fake:
        prm = RemotePRM(fake.url, "fake-model", "rlhflow", client_config=FAST)
        assert prm.score(PROBLEM.text, ["Step 1: 4."]) == pytest.approx([GOOD])
        assert prm.top == 5


def test_plus_minus_with_one_side_missing_or_both():
    from ttc_viz.verifiers.remote_prm import _plus_minus

    assert _plus_minus({"+": -0.1, "x": -3.0}, "here") > 0.9
    with pytest.raises(VerifierError, match="neither"):
        _plus_minus({"x": -0.1}, "step 1")


def test_remote_prm_wrong_model_is_one_line():
    with FakeOpenAI() as fake:
        with pytest.raises(VerifierError, match="does not serve a model named 'x'; it serves: fake-model"):
            load_verifier(f"openai:{fake.url}#x:math-shepherd")


# -- CLI, sweep, settings ----------------------------------------------------------------

def test_cli_solve_and_sweep_against_the_server(tmp_path, capsys):
    from ttc_viz.cli import main

    with FakeOpenAI() as fake:
        spec = f"openai:{fake.url}#fake-model;prompt=text"
        assert main(["solve", "--dataset", "synthetic", "--model", spec, "--verifier", f"openai:{fake.url}#fake-model:math-shepherd",
                     "--strategy", "beam", "--n", "4", "--m", "2", "--quiet", "--out", str(tmp_path / "t.json")]) == 0
        assert "selected" in capsys.readouterr().out
        out = tmp_path / "sw"
        args = ["sweep", "--model", spec, "--verifier", "symbolic", "--levels", "1", "--problems", "2",
                "--strategies", "best_of_n,beam", "--budgets", "2,4", "--m", "2", "--out", str(out), "--quiet"]
        assert main(args + ["--concurrency", "4"]) == 0
        cells = sorted(p.name for p in (out / "cells").glob("*.json"))
        assert len(cells) == 2 * 3
        first = {p.name: json.loads(p.read_text())["summary"]["correct"] for p in (out / "cells").glob("*.json")}
        (out / "cells" / cells[0]).unlink()   # as if killed before that cell ended, so before the summary
        (out / "summary.json").unlink()          # (a summary's cells count as done: see test_sweep)
        capsys.readouterr()
        assert main(args + ["--concurrency", "2"]) == 0  # resumes: one cell run again
        assert "5 already done, 1 run now" in capsys.readouterr().out
        again = {p.name: json.loads(p.read_text())["summary"]["correct"] for p in (out / "cells").glob("*.json")}
        assert again == first
        one = tmp_path / "one"
        assert main(args[:-3] + ["--out", str(one), "--quiet", "--concurrency", "1"]) == 0
        assert {p.name: json.loads(p.read_text())["summary"]["correct"] for p in (one / "cells").glob("*.json")} == first


def test_cli_reports_an_unreachable_server_in_one_line(capsys):
    from ttc_viz.cli import main

    url = f"http://127.0.0.1:{free_port()}/v1"
    assert main(["solve", "--dataset", "synthetic", "--model", f"openai:{url}#m", "--verifier", "symbolic", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("ttc-viz: error: cannot reach the server") and "\n" not in err


def test_cli_solve_keeps_the_partial_tree_when_the_server_fails_mid_search(tmp_path, capsys, monkeypatch):
    from ttc_viz.cli import main
    from ttc_viz.tree import SearchTree

    with FakeOpenAI() as fake:
        spec = f"openai:{fake.url}#fake-model;prompt=text;retries=1"
        # round 1 (one request: the root's N first steps, none final) passes; then the server fails
        real_post = OpenAIClient.post

        def post(self, path, body, **kw):
            if path == "/completions" and sum(p == "/v1/completions" for p in fake.paths()) >= 1:
                fake.fail.extend([500] * 10)
            return real_post(self, path, body, **kw)

        monkeypatch.setattr(OpenAIClient, "post", post)
        out = tmp_path / "t.json"
        code = main(["solve", "--dataset", "synthetic", "--model", spec, "--verifier", "symbolic", "--strategy", "beam", "--n", "4",
                     "--m", "2", "--max-rounds", "8", "--quiet", "--out", str(out)])
        err = capsys.readouterr().err
        assert code == 2 and "HTTP 500" in err and "partial tree" in err
        tree = SearchTree.load(out)
        assert tree.stopped and tree.iterations >= 1


def test_operator_allows_remote_models_and_visitors_pick_only_those():
    from ttc_viz.settings import SettingsError, load

    spec = "openai:http://gpu:8000/v1#Qwen/Qwen2.5-Math-1.5B-Instruct"
    s = load({}, ["--models", spec, "--verifiers", "openai:http://gpu:8001/v1#prm:math-shepherd"])
    assert s.model_spec(spec) == spec
    with pytest.raises(SettingsError):
        s.model_spec("openai:http://evil:80/v1#Qwen/Qwen2.5-Math-1.5B-Instruct")
    with pytest.raises(SettingsError, match="allowed model"):
        load({}, ["--models", "openai:ftp://x#m"])
