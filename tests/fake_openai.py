"""A tiny OpenAI-compatible server for tests: real HTTP on 127.0.0.1, a scripted "model".

It speaks the parts of the API that ttc-viz uses - ``/v1/models``, ``/v1/completions``
(text or token-id prompts, ``n``, ``stop``, ``seed``, ``echo`` + ``logprobs``) and
``/v1/chat/completions`` (``logprobs`` + ``top_logprobs``) - with switches for what real
engines differ in or get wrong: ``n`` ignored or refused, token-id prompts refused, no
``stop_reason`` field, a refused body answered as HTTP 500 "validation error"
(llama-cpp-python's server), failures (429/5xx) before answering, slow answers.

The "model": a solution is up to three steps "Step k: <number>." then "The answer is A."
with A drawn from ANSWERS (weights WEIGHTS), all from an RNG seeded by (seed, choice, prompt);
greedy (temperature 0) seeds by the prompt alone. After a prompt that ends a step with one
newline it first writes the second (as a model given half the delimiter does), but for a
share ``skip_newline`` of the sampled answers. Token ids are characters (``ord``).
As a PRM, a step whose text holds "bad" scores P(+) = 0.2, any other 0.9.
This checks request/response shapes and the client's behaviour, not any engine's numbers.
"""
from __future__ import annotations

import hashlib
import json
import math
import random
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = ("5", "6", "7")
WEIGHTS = (0.6, 0.3, 0.1)
GOOD, BAD = 0.9, 0.2


class CharTokenizer:
    """Characters as token ids, with a chat template: enough for the remote generator's
    prompt building (``tok(text)["input_ids"]``, ``apply_chat_template``)."""

    chat_template = "fake"

    def __call__(self, text, add_special_tokens=False):
        return {"input_ids": [ord(c) for c in text]}

    def apply_chat_template(self, msgs, tokenize=False, add_generation_prompt=True):
        text = "".join(f"<|{m['role']}|>{m['content']}<|end|>" for m in msgs)
        return text + ("<|assistant|>" if add_generation_prompt else "")


def _rng(*parts) -> random.Random:
    h = hashlib.sha256(repr(parts).encode()).hexdigest()
    return random.Random(int(h[:16], 16))


def write(prompt: str, seed, j: int, temperature: float, whole: bool) -> tuple[str, bool]:
    """(text, ended with EOS) the fake model writes after ``prompt``."""
    done = prompt.count("Step ")
    rng = _rng(prompt, seed, j) if temperature > 0 else _rng(prompt)
    steps = []
    while True:
        if done >= 3 or (done >= 1 and rng.random() < 0.3):
            ans = rng.choices(ANSWERS, WEIGHTS)[0]
            steps.append(f"The answer is {ans}.")
            return "\n\n".join(steps), True
        steps.append(f"Step {done + 1}: {rng.randint(1, 99)}" + (" bad." if rng.random() < 0.3 else "."))
        done += 1
        if not whole:
            return steps[0] + "\n\nStep", False  # what follows the stop string is cut by the server


class FakeOpenAI:
    def __init__(self, models=("fake-model",), *, accept_ids=True, n_mode="ok", stop_reason=True,
                 fail=(), delay_s=0.0, retry_after=None, max_logprobs=20, refuse_as_500=False,
                 skip_newline=0.0, refuse_top_k_zero=False):
        self.models = list(models)
        self.accept_ids, self.n_mode, self.stop_reason = accept_ids, n_mode, stop_reason
        self.fail = list(fail)          # statuses to answer, one per request, before working
        self.delay_s, self.retry_after, self.max_logprobs = delay_s, retry_after, max_logprobs
        self.refuse_as_500 = refuse_as_500  # a refused body: HTTP 500 + pydantic's wording
        self.skip_newline = skip_newline
        self.refuse_top_k_zero = refuse_top_k_zero  # as older vLLM: -1 means off, 0 is refused
        self.requests: list[tuple[str, dict]] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, status, obj, headers=()):
                data = json.dumps(obj).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers:
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/v1/models":
                    return self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]})
                self._send(404, {"error": {"message": "Not Found"}})

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with fake.lock:
                    fake.requests.append((self.path, body))
                    status = fake.fail.pop(0) if fake.fail else None
                if fake.delay_s:
                    time.sleep(fake.delay_s)
                if status:
                    hdr = [("Retry-After", str(fake.retry_after))] if fake.retry_after is not None else []
                    return self._send(status, {"error": {"message": f"scripted failure {status}"}}, hdr)
                if body.get("model") not in fake.models:
                    return self._send(404, {"error": {"message": f"The model `{body.get('model')}` does not exist.",
                                                      "type": "NotFoundError", "code": 404}})
                try:
                    if self.path == "/v1/completions":
                        return self._send(200, fake.completions(body))
                    if self.path == "/v1/chat/completions":
                        return self._send(200, fake.chat(body))
                except ValueError as e:
                    if fake.refuse_as_500:
                        return self._send(500, {"error": {"message": f"1 validation error: {{'type': 'string_type', "
                                                                      f"'loc': ('body', 'prompt'), 'msg': '{e}'}}",
                                                          "type": "internal_server_error"}})
                    return self._send(400, {"error": {"message": str(e)}})
                self._send(404, {"error": {"message": "Not Found"}})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def paths(self):
        return [p for p, _ in self.requests]

    # -- the API ----------------------------------------------------------------------------
    def completions(self, b: dict) -> dict:
        prompt = b["prompt"]
        if isinstance(prompt, list):
            if not self.accept_ids:
                raise ValueError("prompt must be a string")
            prompt = "".join(chr(i) for i in prompt)
        if self.refuse_top_k_zero and b.get("top_k") == 0:
            raise ValueError("top_k must be -1 (disable), or at least 1, got 0.")
        n = int(b.get("n", 1))
        if n > 1 and self.n_mode == "refuse":
            raise ValueError("Only one completion choice is allowed")
        if self.n_mode == "ignore":
            n = 1
        if int(b.get("logprobs") or 0) > self.max_logprobs:
            raise ValueError(f"logprobs must be at most {self.max_logprobs}")
        if b.get("echo"):
            return self.echo(prompt, b)
        stop = b.get("stop") or []
        choices, total = [], 0
        for j in range(n):
            text, eos = write(prompt, b.get("seed"), j, float(b.get("temperature", 1.0)), whole=not stop)
            temp = float(b.get("temperature", 1.0))
            if prompt.endswith(".\n") and (temp == 0 or _rng(prompt, b.get("seed"), j, "nl").random() >= self.skip_newline):
                text = "\n" + text
            reason, stop_reason = "stop", None
            for s in stop:
                if s in text:
                    text, eos, stop_reason = text[:text.index(s)], False, s
            cap = int(b.get("max_tokens", 16))
            if len(text) > cap:
                text, reason, stop_reason = text[:cap], "length", None
            c = {"index": j, "text": text, "finish_reason": reason, "logprobs": None}
            if self.stop_reason:
                c["stop_reason"] = stop_reason
            choices.append(c)
            total += len(text) + (1 if reason == "stop" else 0)
        return {"object": "text_completion", "model": b["model"], "choices": choices,
                "usage": {"prompt_tokens": len(prompt), "completion_tokens": total,
                          "total_tokens": len(prompt) + total}}

    def echo(self, prompt: str, b: dict) -> dict:
        tokens = re.findall(r"ки|.", prompt, re.S) + ["\n"]
        top, offsets, pos = [None], [], 0
        for i, t in enumerate(tokens):
            offsets.append(pos)
            pos += len(t)
            if i + 1 < len(tokens):
                if t == "ки":
                    line = "".join(tokens[:i]).rsplit("\n", 1)[-1]
                    p = BAD if "bad" in line else GOOD
                    top.append({" +": math.log(p), " -": math.log(1 - p), "x": math.log(1e-4)})
                else:
                    top.append({"a": -0.1})
        return {"object": "text_completion", "model": b["model"],
                "choices": [{"index": 0, "text": prompt + "\n", "finish_reason": "length",
                             "logprobs": {"tokens": tokens, "token_logprobs": [None] + [-0.1] * (len(tokens) - 1),
                                          "top_logprobs": top, "text_offset": offsets}}],
                "usage": {"prompt_tokens": len(tokens) - 1, "completion_tokens": 1, "total_tokens": len(tokens)}}

    def chat(self, b: dict) -> dict:
        last = b["messages"][-1]["content"]
        p = BAD if "bad" in last else GOOD
        k = min(int(b.get("top_logprobs") or 0), self.max_logprobs)
        if int(b.get("top_logprobs") or 0) > self.max_logprobs:
            raise ValueError(f"top_logprobs must be at most {self.max_logprobs}")
        entries = [{"token": "+", "logprob": math.log(p)}, {"token": "-", "logprob": math.log(1 - p)},
                   {"token": "x", "logprob": math.log(1e-4)}][:max(k, 1)]
        tok = entries[0]
        return {"object": "chat.completion", "model": b["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": tok["token"]},
                             "finish_reason": "length",
                             "logprobs": {"content": [{**tok, "top_logprobs": entries}]}}],
                "usage": {"prompt_tokens": sum(len(m["content"]) for m in b["messages"]), "completion_tokens": 1}}
