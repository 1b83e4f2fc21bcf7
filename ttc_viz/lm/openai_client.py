"""A small, thread-safe client for OpenAI-compatible servers (vLLM, SGLang, llama.cpp).

Shared by the remote generator (lm/remote.py) and the remote PRM (verifiers/remote_prm.py).
What it adds to ``httpx``:

* **one cap on requests in flight per client**, across every thread that uses it (a
  semaphore around each HTTP exchange): the Generator protocol is synchronous and is called
  from many threads at once (the app's search jobs, ``ttc-viz sweep --concurrency K``), so
  requests fan out on threads over one ``httpx.Client`` (thread-safe, one connection pool)
  rather than an asyncio loop per call, which could share neither the pool nor the cap;
* **retries with exponential backoff and jitter** on 429, 5xx, timeouts and dropped
  connections (``Retry-After`` honoured);
* **one-line errors** (``error_cls``, GeneratorError or VerifierError) for an unreachable
  server, a model name it does not serve (the message lists what it does serve), and
  any other refusal (the server's own message).

``httpx`` is an optional dependency: ``pip install 'ttc-viz[remote]'``.
"""
from __future__ import annotations

import random
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Sequence
from urllib.parse import urlsplit

RETRY_STATUS = (408, 409, 425, 429, 500, 502, 503, 504)
# A server that validates request bodies with pydantic but reports every exception as HTTP 500
# (llama-cpp-python's server) says "<n> validation error(s)" for a body it refuses: a 422 in all
# but name, not worth retrying, and the cue for the fallbacks (token ids -> text, n -> n requests).
_VALIDATION = re.compile(r"\bvalidation errors?\b", re.IGNORECASE)


@dataclass(frozen=True)
class ClientConfig:
    concurrency: int = 16      # requests in flight at once (vLLM batches them; more only queues)
    timeout_s: float = 120.0   # one request; a long step on a busy server can take a while
    retries: int = 4           # extra tries on 429 / 5xx / timeouts / dropped connections
    backoff_s: float = 0.5     # first wait; doubles each try (with jitter), capped at 20 s


class ServerError(RuntimeError):
    """The server answered with an error; ``status`` and the server's own ``message``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def check_base_url(url: str) -> str:
    """The base URL, normalised (no trailing slash); ValueError unless http(s)://host[:port][/path]."""
    u = (url or "").strip().rstrip("/")
    parts = urlsplit(u)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"not a server URL: {url[:80]!r}; write it as http://host:port/v1")
    if parts.query or parts.fragment:
        raise ValueError(f"the server URL must not carry a query or fragment: {url[:80]!r}")
    return u


SPEC_PREFIX = "openai:"
# the client settings a spec may set, with their bounds: option -> (ClientConfig field, type, low, high)
CLIENT_OPTIONS = {"concurrency": ("concurrency", int, 1, 1024), "timeout": ("timeout_s", float, 1e-9, 3600),
                  "retries": ("retries", int, 0, 20)}


def split_spec(spec: str, what: str, usage: str, options: Sequence[str], error_cls) -> tuple[str, str, dict]:
    """``openai:<base-url>#<head>[;option=value...]`` -> (base url, head, {option: value}).
    The head is what follows "#" (a model, or a model and a format); ``error_cls`` with a
    message naming ``what`` and showing ``usage`` when the spec is malformed, the URL is not a
    server's or an option is not among ``options``. Reads nothing and contacts nobody."""
    body = spec[len(SPEC_PREFIX):] if spec.startswith(SPEC_PREFIX) else spec
    url, sep, frag = body.partition("#")
    head, *rest = [p.strip() for p in frag.split(";")]
    if not sep or not head:
        raise error_cls(f"write a {what} as {usage}; got {spec[:100]!r}")
    try:
        url = check_base_url(url)
    except ValueError as e:
        raise error_cls(str(e)) from None
    opts: dict = {}
    for p in rest:
        if not p:
            continue
        k, eq, v = p.partition("=")
        k, v = k.strip(), v.strip()
        if not eq or k not in options or not v:
            raise error_cls(f"unknown {what} option {p[:40]!r}; options: {', '.join(o + '=...' for o in options)}")
        opts[k] = v
    return url, head, opts


def client_config(opts: dict, error_cls) -> ClientConfig:
    """The ClientConfig a spec's options set (``CLIENT_OPTIONS``; the rest keep their defaults);
    ``error_cls`` naming the bounds for a value out of them."""
    kw = {}
    for name, (field, kind, lo, hi) in CLIENT_OPTIONS.items():
        if name not in opts:
            continue
        try:
            v = kind(opts[name])
        except ValueError:
            v = None
        if v is None or not lo <= v <= hi:
            raise error_cls(f"{name}= must be {'a number of seconds up to 3600' if kind is float else f'{lo}-{hi}'}, "
                            f"got {opts[name][:20]!r}")
        kw[field] = v
    return ClientConfig(**kw)


def _server_message(resp) -> str:
    try:
        body = resp.json()
    except ValueError:
        return (resp.text or "").strip().splitlines()[0][:300] if (resp.text or "").strip() else resp.reason_phrase
    err = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(err, dict):
        msg = err.get("message") or err.get("detail") or str(err)
    else:
        msg = str(err)
    if isinstance(body, dict) and isinstance(body.get("detail"), (str, list)) and not isinstance(err, dict):
        msg = str(body["detail"])
    return " ".join(str(msg).split())[:300]


def _gather(calls) -> list:
    """Every call's result in order; the first exception is raised after all have ended."""
    out, first = [], None
    for call in calls:
        try:
            out.append(call())
        except Exception as e:  # noqa: BLE001 - re-raised below, after the others end (not Ctrl-C)
            first = first or e
            out.append(None)
    if first is not None:
        raise first
    return out


class OpenAIClient:
    """POST/GET JSON to ``base_url`` (e.g. ``http://127.0.0.1:8000/v1``) with the limits above."""

    def __init__(self, base_url: str, config: ClientConfig | None = None, *, error_cls=RuntimeError,
                 transport=None):
        try:
            import httpx
        except ImportError:
            raise error_cls("remote models need the httpx package: pip install 'ttc-viz[remote]'") from None
        self._httpx = httpx
        self.base_url = check_base_url(base_url)
        self.cfg = config or ClientConfig()
        if self.cfg.concurrency < 1:
            raise ValueError(f"concurrency must be at least 1, got {self.cfg.concurrency}")
        self.error_cls = error_cls
        limits = httpx.Limits(max_connections=self.cfg.concurrency, max_keepalive_connections=self.cfg.concurrency)
        self._client = httpx.Client(base_url=self.base_url, timeout=self.cfg.timeout_s, limits=limits,
                                    transport=transport)
        self._slots = threading.BoundedSemaphore(self.cfg.concurrency)
        self._lock = threading.Lock()
        self.requests = 0  # sent, retries included (for benchmarks)

    def close(self) -> None:
        self._client.close()

    # -- one request ------------------------------------------------------------------------
    def request(self, method: str, path: str, body: dict | None = None, *, retries: int | None = None) -> dict:
        """The JSON answer; ServerError for a 4xx (not retried) or the last 5xx; ``error_cls``
        for a server that cannot be reached or keeps timing out."""
        httpx = self._httpx
        tries = (self.cfg.retries if retries is None else retries) + 1
        for attempt in range(tries):
            wait = None
            try:
                with self._lock:
                    self.requests += 1
                with self._slots:
                    resp = self._client.request(method, path, json=body)
            except httpx.TimeoutException:
                if attempt + 1 == tries:
                    raise self.error_cls(f"the server at {self.base_url} did not answer {path} within "
                                         f"{self.cfg.timeout_s:g} s ({tries} tries); it may be overloaded: "
                                         "lower the concurrency or raise the timeout") from None
            except httpx.TransportError as e:
                if attempt + 1 == tries:
                    raise self.error_cls(f"cannot reach the server at {self.base_url} ({type(e).__name__}: "
                                         f"{str(e)[:120] or 'no answer'}); is it running, and is the URL right?") from None
            else:
                if resp.status_code < 400:
                    try:
                        return resp.json()
                    except ValueError:
                        raise self.error_cls(f"the server at {self.base_url} answered {path} with something "
                                             "that is not JSON; is this an OpenAI-compatible server?") from None
                status, message = resp.status_code, _server_message(resp)
                if status == 500 and _VALIDATION.search(message):
                    status = 422
                if status not in RETRY_STATUS or attempt + 1 == tries:
                    raise ServerError(status, message)
                ra = resp.headers.get("retry-after")
                if ra and ra.replace(".", "", 1).isdigit():
                    wait = min(float(ra), 30.0)
            if wait is None:
                wait = min(20.0, self.cfg.backoff_s * (2 ** attempt)) * (0.5 + random.random() / 2)
            time.sleep(wait)
        raise AssertionError("unreachable")

    def post(self, path: str, body: dict, **kw) -> dict:
        return self.request("POST", path, body, **kw)

    def get(self, path: str, **kw) -> dict:
        return self.request("GET", path, **kw)

    def map(self, fn, items) -> list:
        """``[fn(x) for x in items]`` on threads of their own (the cap on requests in flight
        is the semaphore in ``request``, so a ``fn`` may call ``map`` again without starving
        a shared pool); the first exception, after every call has ended, is raised. With
        ``concurrency=1`` the calls run in order on the calling thread, so the server sees
        the same sequence of requests every time (an engine whose answers depend on the
        requests before them, as llama-cpp-python's do, then repeats itself)."""
        items = list(items)
        if len(items) <= 1:
            return [fn(x) for x in items]
        if self.cfg.concurrency == 1:  # one request in flight: in order, on this thread (repeatable)
            return _gather(lambda x=x: fn(x) for x in items)
        with ThreadPoolExecutor(min(len(items), 2 * self.cfg.concurrency, 256),
                                thread_name_prefix="ttc-viz-remote") as pool:
            futs = [pool.submit(fn, x) for x in items]
            return _gather(f.result for f in futs)

    # -- what the server serves --------------------------------------------------------------
    def models(self) -> list[str]:
        """Model ids from ``/models``; [] when the server has no such endpoint."""
        try:
            body = self.get("/models", retries=1)
        except ServerError as e:
            if e.status in (404, 405, 501):
                return []
            raise self.error_cls(f"the server at {self.base_url} refused /models: {e.message}") from None
        data = body.get("data", []) if isinstance(body, dict) else []
        return [str(m.get("id")) for m in data if isinstance(m, dict) and m.get("id") is not None]

    def check_model(self, model: str) -> list[str]:
        """Fail with the list of served models unless ``model`` is one of them."""
        served = self.models()
        if served and model not in served:
            raise self.error_cls(f"the server at {self.base_url} does not serve a model named {model!r}; "
                                 f"it serves: {', '.join(served[:20])}")
        return served

    def refused(self, e: ServerError, what: str, model: str):
        """An error_cls for a refused request, with the served models on a 404."""
        if e.status == 404 or "does not exist" in e.message or "not found" in e.message.lower():
            try:
                served = self.models()
            except Exception:  # noqa: BLE001 - the message is what matters here
                served = []
            listing = f"; it serves: {', '.join(served[:20])}" if served else ""
            return self.error_cls(f"the server at {self.base_url} has no model {model!r} or no {what} "
                                  f"endpoint (HTTP {e.status}: {e.message[:160]}){listing}")
        return self.error_cls(f"the server at {self.base_url} refused a {what} request (HTTP {e.status}): "
                              f"{e.message[:240]}")
