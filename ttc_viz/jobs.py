"""Run searches in background threads, watch them grow, stop them, and keep a server fair.

``SearchJob`` runs (strategy, problem, config) triples one after another in a thread. The
UI polls ``snapshot()`` (a copy of the tree after the latest round) and ``stop()`` ends it:

* Stop is honoured inside a model call, within a few tokens: the generator and verifier
  are wrapped so that, once Stop is pressed, the next ``next_steps`` / ``rollout`` /
  ``solutions`` / ``score_batch`` call ends the search instead of running, and a generator
  call under way is told through ``lm.base.stop_check`` (a decoder that asks, as the
  in-process one does every few tokens, ends it with ``Interrupted``; it also gives the
  model to the next search between its chunks). The tree kept is the one after the last
  complete round, its open branches closed as finished leaves, marked ``stopped`` and
  picked from like any other; a search stopped in its first round (best-of-N's one
  sampling call) keeps none. Best-of-N stopped after its sampling call (a backend that
  does not ask) keeps the samples unscored.
* A job may have a token budget (``max_tokens``, generated tokens over all its runs):
  once spent, even inside a call, the job ends like Stop, with ``limit`` saying why.
* A job may have an owner (``alive``: a function saying whether the browser session that
  started it still exists); when the owner has been gone for ``owner_grace_s`` seconds
  (a reconnecting tab comes back sooner) the job is cancelled.
* Any failure, ``BaseException`` included, ends the job with ``error`` set; only a job
  that finished every run or was stopped counts as done without error.

``JobQueue`` is the process-wide limit: at most ``max_running`` jobs search at once, at
most ``max_queued`` wait (in order) for a slot, and one session may have ``per_session``
jobs running or waiting. ``submit`` refuses the rest with ``JobRefused`` and a message
for the page; a waiting job reports its place in line.

One module, over 300 lines on purpose: ``SearchJob`` and ``JobQueue`` call into each other
(a job waits for its slot, gives it back and reports its place through the queue's private
methods, under the queue's condition), so the two are read together.
"""
from __future__ import annotations

import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

from .lm.base import Generator, Interrupted, stop_check
from .problems import Problem
from .search import Hooks, SearchConfig, run
from .search.base import finalize
from .tree import SearchTree
from .verifiers.base import Verifier


class JobRefused(RuntimeError):
    """The queue is full, or the session already has its share; the message says which."""


class _Cancelled(Exception):
    """Raised by the guarded models to end a search between two model calls."""


@dataclass
class Limits:
    max_running: int = 4        # searches at once; decoding is serialised in the model anyway
    max_queued: int = 8         # waiting for a slot; more are refused, not piled up
    per_session: int = 1        # jobs one browser session may have running or waiting
    max_tokens: int = 200_000   # generated tokens per job (0: no limit); ~N=256 beam on a 135M model

    def check(self) -> None:
        for k in ("max_running", "per_session"):
            if not isinstance(getattr(self, k), int) or getattr(self, k) < 1:
                raise ValueError(f"{k} must be a positive whole number, got {getattr(self, k)!r}")
        for k in ("max_queued", "max_tokens"):
            if not isinstance(getattr(self, k), int) or getattr(self, k) < 0:
                raise ValueError(f"{k} must be a whole number >= 0, got {getattr(self, k)!r}")


class _GuardedGenerator:
    """The job's view of the shared generator: checks Stop before every call, counts tokens."""

    def __init__(self, inner: Generator, job: "SearchJob"):
        self.inner, self.job = inner, job
        self.name = getattr(inner, "name", type(inner).__name__)

    def __getattr__(self, attr):  # anything else (model, tokenizer, config) reads through
        return getattr(self.inner, attr)

    def _call(self, fn, *a, **kw):
        self.job._check(generating=True)
        try:
            with stop_check(self.job._interrupts):
                out = fn(*a, **kw)
        except Interrupted:
            raise _Cancelled() from None
        self.job._count(sum(s.tokens for seq in out for s in seq))
        return out

    def next_steps(self, *a, **kw):
        return self._call(self.inner.next_steps, *a, **kw)

    def rollout(self, *a, **kw):
        return self._call(self.inner.rollout, *a, **kw)

    def solutions(self, *a, **kw):
        return self._call(self.inner.solutions, *a, **kw)

    def reviser(self):
        """The inner generator's trained reviser (``search.revisions.reviser_for``), guarded like it,
        so Stop and the token budget hold for revisions too; None if it has none."""
        get = getattr(self.inner, "reviser", None)
        rev = get() if callable(get) else None
        return None if rev is None else _GuardedGenerator(rev, self.job)


class _GuardedVerifier:
    """The job's view of the shared verifier: checks Stop before every call."""

    def __init__(self, inner: Verifier, job: "SearchJob"):
        self.inner, self.job = inner, job
        self.name = getattr(inner, "name", type(inner).__name__)

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        self.job._check(generating=False)
        return self.inner.score_batch(problem, solutions)

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        return self.score_batch(problem, [list(steps)])[0]


def close_partial(tree: SearchTree) -> SearchTree:
    """A tree interrupted after a complete round, as the search loop would have ended it:
    open branches become finished leaves, ``stopped`` is set, the picks are made."""
    has_child = {n.parent for n in tree.nodes[1:] if n.status != "rollout"}
    for n in tree.nodes[1:]:
        if n.status == "kept" and n.id not in has_child:
            n.status = "finished"
    tree.stopped = True
    return finalize(tree)


class SearchJob:
    def __init__(self, runs: list[tuple[str, Problem, SearchConfig]], generator: Generator,
                 verifier: Verifier, *, max_tokens: int = 0, alive: Callable[[], bool] | None = None,
                 session: str | None = None, owner_grace_s: float = 10.0):
        """``runs``: (strategy, problem, config) triples, run one after another.
        ``max_tokens``: generated-token budget for the whole job (0: none).
        ``alive``: returns False once the job's owner (a browser session) has gone."""
        self.runs = runs
        self.generator = _GuardedGenerator(generator, self)
        self.verifier = _GuardedVerifier(verifier, self)
        self.max_tokens = int(max_tokens)
        self.alive = alive
        self.session = session
        self.owner_grace_s = owner_grace_s
        self._gone_since: float | None = None
        self._owner_asked = 0.0
        self._stop = threading.Event()
        self._budget_spent = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.version = 0  # bumped after every round and at the end
        self.trees: list[SearchTree | None] = [None] * len(runs)
        self.partial: SearchTree | None = None
        self.current = 0
        self.tokens = 0
        self.error: str | None = None
        self.trace: str | None = None
        self.limit: str | None = None   # why the job ended early, when not by Stop
        self.done = False
        self.started = time.time()
        self.queue: JobQueue | None = None
        self._thread = threading.Thread(target=self._work, daemon=True, name="ttc-viz-search")

    def start(self) -> "SearchJob":
        self._thread.start()
        return self

    # -- inside the job's thread ----------------------------------------------------------
    def _owner_gone(self) -> bool:
        if self.alive is None:
            return False
        try:
            here = bool(self.alive())
        except Exception:  # noqa: BLE001 - a failing check must not kill the job
            here = True
        if here:
            self._gone_since = None
            return False
        now = time.monotonic()
        if self._gone_since is None:
            self._gone_since = now
        return now - self._gone_since >= self.owner_grace_s

    def _check(self, generating: bool) -> None:
        if self._owner_gone() and not self._stop.is_set():
            self.limit = "the page that started it was closed"
            self._stop.set()
        if self._stop.is_set() or (generating and self._budget_spent):
            raise _Cancelled()

    def _interrupts(self, tokens: int) -> bool:
        """Asked by a decoder every few tokens of a call (``tokens``: generated so far in
        it): end the call now? On Stop, a closed tab (looked up at most every 0.5 s) or a
        token budget the call would overrun."""
        now = time.monotonic()
        if now - self._owner_asked >= 0.5:
            self._owner_asked = now
            if self._owner_gone() and not self._stop.is_set():
                self.limit = "the page that started it was closed"
                self._stop.set()
        if self._stop.is_set():
            return True
        if self.max_tokens and self.tokens + tokens >= self.max_tokens:
            self._budget_spent = True
            self.limit = self.limit or f"the token budget of {self.max_tokens:,} generated tokens was reached"
            return True
        return False

    def _count(self, tokens: int) -> None:
        self.tokens += int(tokens)
        if self.max_tokens and self.tokens >= self.max_tokens and not self._budget_spent:
            self._budget_spent = True
            self.limit = f"the token budget of {self.max_tokens:,} generated tokens was reached"

    def _should_stop(self) -> bool:
        return self._stop.is_set() or self._budget_spent or self._owner_gone()

    def _work(self) -> None:
        try:
            if self.queue is not None and not self.queue._acquire(self):
                return  # cancelled while waiting for a slot
            self.started = time.time()
            for i, (strategy, problem, config) in enumerate(self.runs):
                self.current = i
                hooks = Hooks(on_round=self._on_round, should_stop=self._should_stop)
                try:
                    tree = run(strategy, problem, self.generator, self.verifier, config, hooks)
                except _Cancelled:
                    with self._lock:
                        tree = close_partial(self.partial) if self.partial is not None else None
                        self.trees[i] = tree
                        self.partial = None
                        self._bump()
                    break
                with self._lock:
                    self.trees[i] = tree
                    self.partial = None
                    self._bump()
                if self._should_stop():
                    break
        except BaseException as e:  # noqa: BLE001 - reported to the user; never a silent success
            self.error = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
            self.trace = traceback.format_exc()
            # a model or server failing mid-search (a remote engine going away): the rounds
            # finished before it are kept, closed as a stopped tree, next to the error
            with self._lock:
                if self.partial is not None and self.trees[self.current] is None:
                    try:
                        self.trees[self.current] = close_partial(self.partial)
                    except Exception:  # noqa: BLE001 - the error above is what the user needs
                        pass
                    self.partial = None
        finally:
            if self.queue is not None:
                self.queue._release(self)
            with self._lock:
                self.done = True
                self._bump()

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def _on_round(self, tree: SearchTree, r: int) -> None:
        snap = tree.copy()
        with self._lock:
            self.partial = snap
            self._bump()

    # -- from the UI ----------------------------------------------------------------------
    def wait_update(self, seen: int, timeout: float = 1.0) -> int:
        """Block (without using CPU) until something changed after version ``seen``."""
        with self._lock:
            self._changed.wait_for(lambda: self.version != seen or self.done, timeout)
            return self.version

    def stop(self) -> None:
        self._stop.set()
        if self.queue is not None:
            self.queue._wake()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and not self.done

    @property
    def position(self) -> int:
        """0 while running (or done); n >= 1 while n-th in line for a slot."""
        return self.queue.position(self) if self.queue is not None else 0

    def snapshot(self) -> tuple[list[SearchTree | None], SearchTree | None]:
        with self._lock:
            return list(self.trees), self.partial

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done


class JobQueue:
    """Process-wide: how many searches run at once, wait, and belong to one session."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.limits.check()
        self._cond = threading.Condition()
        self._running: set[SearchJob] = set()
        self._waiting: deque[SearchJob] = deque()

    def submit(self, job: SearchJob, session: str | None = None) -> SearchJob:
        """Queue ``job`` (it starts when a slot is free) or raise JobRefused."""
        lim = self.limits
        with self._cond:
            mine = [j for j in (*self._running, *self._waiting) if session is not None and j.session == session]
            if len(mine) >= lim.per_session:
                raise JobRefused("This page already has a search running or waiting; stop it or let it "
                                 "finish first.")
            if len(self._running) >= lim.max_running and len(self._waiting) >= lim.max_queued:
                raise JobRefused(f"The server is busy ({len(self._running)} searches running, "
                                 f"{len(self._waiting)} waiting); try again in a minute.")
            job.session, job.queue = session, self
            if lim.max_tokens and (not job.max_tokens or job.max_tokens > lim.max_tokens):
                job.max_tokens = lim.max_tokens
            self._waiting.append(job)
        return job.start()

    def _acquire(self, job: SearchJob) -> bool:
        with self._cond:
            while True:
                if job._stop.is_set() or job._owner_gone():
                    if job in self._waiting:
                        self._waiting.remove(job)
                    self._cond.notify_all()
                    return False
                if self._waiting and self._waiting[0] is job and len(self._running) < self.limits.max_running:
                    self._waiting.popleft()
                    self._running.add(job)
                    self._cond.notify_all()
                    return True
                self._cond.wait(0.5)  # wakes on release/stop; the timeout re-checks the owner

    def _release(self, job: SearchJob) -> None:
        with self._cond:
            self._running.discard(job)
            if job in self._waiting:
                self._waiting.remove(job)
            self._cond.notify_all()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def position(self, job: SearchJob) -> int:
        with self._cond:
            try:
                return list(self._waiting).index(job) + 1
            except ValueError:
                return 0

    def counts(self) -> dict:
        with self._cond:
            return {"running": len(self._running), "waiting": len(self._waiting)}
