"""A PRM served by an OpenAI-compatible engine, scored from log-probabilities.

Spec: ``openai:<base-url>#<model>:<format>[;concurrency=N;timeout=S]``; formats:

* ``math-shepherd``: one ``/completions`` request per solution, the text in the format of
  hf_prm.py (``question + " " + steps``, each step followed by " ки" and a newline), with
  ``echo: true``, ``logprobs: 20`` and ``max_tokens: 1``: the engine returns, for every
  prompt token, the top log-probabilities of the token that follows it. After each tag, the
  "+" and "-" entries are soft-maxed, as in-process. If only one of the two is among the
  top entries, the other is given the smallest listed log-probability (an upper bound on
  its true value, so the score leans towards the listed one less than the truth does); if
  neither is, the model is not a Math-Shepherd PRM and scoring fails with that message.
* ``rlhflow``: the chat of hf_prm.py sent to ``/chat/completions`` (the engine applies
  the model's own chat template), one request per step prefix with ``max_tokens: 1``,
  ``logprobs: true`` and ``top_logprobs: 20``; softmax("+", "-") of the first answer token.
  With prefix caching on, each request only prefills its new step.

Classification-head PRMs (Qwen2.5-Math-PRM) have no log-probabilities to read: vLLM serves
them on its pooling API (README, "Serving engines"); they are not implemented here.

Scores are cached per (problem, step prefix) - beam search re-scores the same prefixes
round after round - and ``tokens_read`` adds up the prompt tokens the engine reports.
Parameter count: unknown (``num_params = None``).
"""
from __future__ import annotations

import math
import threading
from typing import Sequence

from ..lm.openai_client import SPEC_PREFIX as PREFIX, ClientConfig, OpenAIClient, ServerError, client_config, split_spec
from .base import BatchVerifier, VerifierError

FORMATS = ("math-shepherd", "rlhflow")
TAG = "ки"
TOP = 20  # vLLM's default cap on logprobs; an engine that allows fewer is asked for 5


def parse_spec(spec: str):
    """(base_url, model, fmt, ClientConfig) from ``openai:<base-url>#<model>:<format>[;opts]``."""
    usage = f"openai:<base-url>#<model>:<format>, format one of {', '.join(FORMATS)}"
    url, head, opts = split_spec(spec, "remote PRM", usage, ("concurrency", "timeout"), VerifierError)
    model, colon, fmt = head.rpartition(":")
    if not colon or not model:
        raise VerifierError(f"write a remote PRM as {usage}; got {spec[:100]!r}")
    if fmt not in FORMATS:
        raise VerifierError(f"remote PRM format {fmt!r} is not one of {', '.join(FORMATS)} (a Qwen-style "
                            "classification-head PRM needs the engine's pooling API; see the README)")
    return url, model, fmt, client_config(opts, VerifierError)


def _plus_minus(entries: dict[str, float], where: str) -> float:
    """P("+") from the top log-probabilities at one position (token text -> logprob)."""
    plus = [lp for t, lp in entries.items() if t.strip() == "+"]
    minus = [lp for t, lp in entries.items() if t.strip() == "-"]
    if not plus and not minus:
        raise VerifierError(f"neither '+' nor '-' is among the top {len(entries)} tokens at {where}; "
                            "is this model really a PRM of this format?")
    floor = min(entries.values())
    a = max(plus) if plus else floor
    b = max(minus) if minus else floor
    m = max(a, b)
    return math.exp(a - m) / (math.exp(a - m) + math.exp(b - m))


class RemotePRM(BatchVerifier):
    num_params = None  # unknown: a remote engine does not say

    def __init__(self, base_url: str, model: str, fmt: str, *, client: OpenAIClient | None = None,
                 client_config: ClientConfig | None = None, cache_size: int = 50_000):
        if fmt not in FORMATS:
            raise VerifierError(f"unknown remote PRM format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.client = client or OpenAIClient(base_url, client_config, error_cls=VerifierError)
        self.base_url, self.model, self.fmt = self.client.base_url, model, fmt
        self.name = f"{PREFIX}{self.base_url}#{model}:{fmt}"
        self.top = TOP
        self.tokens_read = 0
        self._cache: dict = {}
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def close(self) -> None:
        self.client.close()

    def _post(self, path: str, body: dict) -> dict:
        key = "top_logprobs" if path == "/chat/completions" else "logprobs"
        while True:
            try:
                ans = self.client.post(path, {**body, key: self.top})
            except ServerError as e:
                if e.status in (400, 422) and self.top > 5 and "logprob" in e.message.lower():
                    self.top = 5  # an engine with a lower cap (OpenAI's own is 5)
                    continue
                raise self.client.refused(e, path.strip("/"), self.model) from None
            with self._lock:
                self.tokens_read += int((ans.get("usage") or {}).get("prompt_tokens") or 0)
            return ans

    # -- math-shepherd: one echo request per solution ---------------------------------------
    def shepherd_text(self, problem: str, steps: Sequence[str]) -> str:
        steps = [s.replace(TAG, " ").strip() for s in steps]
        return problem + " " + "".join(f"{s} {TAG}\n" for s in steps)

    def _shepherd(self, problem: str, steps: Sequence[str]) -> list[float]:
        ans = self._post("/completions", {"model": self.model, "prompt": self.shepherd_text(problem, steps),
                                          "max_tokens": 1, "temperature": 0.0, "echo": True})
        lp = ((ans.get("choices") or [{}])[0]).get("logprobs") or {}
        tokens, tops = lp.get("tokens") or [], lp.get("top_logprobs") or []
        if not tokens or len(tops) != len(tokens):
            raise VerifierError(f"the server at {self.base_url} returned no prompt log-probabilities for an "
                                "echo request; the math-shepherd format needs echo with logprobs")
        ends, pos = [], 0
        for t in tokens:
            pos += len(t)
            ends.append(pos)
        joined = "".join(tokens)
        tag_ends, at = [], joined.find(TAG)
        while at >= 0:
            tag_ends.append(at + len(TAG))
            at = joined.find(TAG, at + 1)
        tag_ends = tag_ends[-len(steps):] if len(tag_ends) >= len(steps) else tag_ends
        index = {e: i for i, e in enumerate(ends)}
        scores = []
        for k, e in enumerate(tag_ends):
            i = index.get(e)
            if i is None or i + 1 >= len(tops) or not tops[i + 1]:
                raise VerifierError(f"the step tag {TAG!r} does not end a token in this server's answer; "
                                    "is this a Math-Shepherd PRM?")
            scores.append(_plus_minus(tops[i + 1], f"step {k + 1}'s tag"))
        if len(scores) != len(steps):
            raise VerifierError(f"found {len(scores)} step tags for {len(steps)} steps in the server's answer")
        return scores

    # -- rlhflow: one chat request per step prefix ------------------------------------------
    def _rlhflow_one(self, problem: str, steps: Sequence[str]) -> float:
        conv = []
        for k, s in enumerate(steps):
            if k:
                conv.append({"role": "assistant", "content": "+"})
            conv.append({"role": "user", "content": f"{problem} {s}" if k == 0 else s})
        ans = self._post("/chat/completions", {"model": self.model, "messages": conv, "max_tokens": 1,
                                               "temperature": 0.0, "logprobs": True})
        content = (((ans.get("choices") or [{}])[0]).get("logprobs") or {}).get("content") or []
        if not content:
            raise VerifierError(f"the server at {self.base_url} returned no log-probabilities for a chat "
                                "request; the rlhflow format needs logprobs with top_logprobs")
        entries = {e["token"]: float(e["logprob"]) for e in content[0].get("top_logprobs") or []
                   if isinstance(e, dict) and "token" in e}
        if not entries:
            entries = {content[0].get("token", ""): float(content[0].get("logprob", 0.0))}
        return _plus_minus(entries, f"step {len(steps)}")

    # -- the protocol -----------------------------------------------------------------------
    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        sols = [[str(s) for s in sol] for sol in solutions]
        key = lambda sol, k: (problem, tuple(sol[:k]))  # noqa: E731
        with self._lock:
            known = dict((key(sol, k), self._cache[key(sol, k)]) for sol in sols for k in range(1, len(sol) + 1)
                         if key(sol, k) in self._cache)
        if self.fmt == "math-shepherd":
            todo = list(dict.fromkeys(tuple(sol) for sol in sols
                                      if any(key(sol, k) not in known for k in range(1, len(sol) + 1))))
            for sol, sc in zip(todo, self.client.map(lambda s: self._shepherd(problem, s), todo)):
                for k in range(1, len(sol) + 1):
                    known[key(sol, k)] = sc[k - 1]
        else:
            todo = list({key(sol, k): sol[:k] for sol in sols for k in range(1, len(sol) + 1)
                         if key(sol, k) not in known}.items())
            for (kk, _), sc in zip(todo, self.client.map(lambda t: self._rlhflow_one(problem, t[1]), todo)):
                known[kk] = sc
        with self._lock:
            if len(self._cache) > self._cache_size:
                self._cache.clear()
            self._cache.update(known)
        return [[known[key(sol, k)] for k in range(1, len(sol) + 1)] for sol in sols]


def load_remote_prm(spec: str, *, check: bool = True) -> RemotePRM:
    url, model, fmt, ccfg = parse_spec(spec)
    client = OpenAIClient(url, ccfg, error_cls=VerifierError)
    if check:
        client.check_model(model)
    return RemotePRM(url, model, fmt, client=client)
