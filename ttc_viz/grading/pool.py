"""A small pool of symbolic grading worker processes with a hard deadline per comparison.

Why processes: sympy can run for minutes on a short expression and holds the interpreter
lock while it does; SIGALRM time-outs only work in the main thread (Streamlit runs pages in
other threads). A worker that runs past ``deadline`` seconds is killed and replaced, and the
comparison counts as not equal. The pool starts lazily on the first symbolic comparison,
is shared by every thread of the process (a call waits for a free worker), restarts itself
in a forked child, and is shut down at interpreter exit.

Workers are plain subprocesses (``python -m ttc_viz.grading.worker``) talking JSON lines over
pipes, so they work the same from any thread and never re-import the caller's ``__main__``.

Settings (environment): ``TTC_VIZ_GRADING_WORKERS`` (default 2; 0 turns the symbolic path
off), ``TTC_VIZ_GRADING_DEADLINE_S`` (hard deadline, default 1.5 s; workers stop
themselves at 1.0 s first).
"""
from __future__ import annotations

import atexit
import json
import os
import queue
import select
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Sequence

STARTUP_S = 60.0  # importing sympy on a loaded machine can be slow; not counted in the deadline
RETRY_S = 30.0    # after a worker fails to start, calls answer None at once for this long


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class _Worker:
    def __init__(self):
        env = dict(os.environ)
        env.setdefault("TTC_VIZ_GRADING_SOFT_S", "1.0")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ttc_viz.grading.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, close_fds=True, start_new_session=True,
        )
        self._buf = b""
        if self._read(STARTUP_S) is None:
            self.kill()
            raise RuntimeError("grading worker did not start")

    def _read(self, timeout: float) -> dict | None:
        fd = self.proc.stdout.fileno()
        end = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                return None  # the worker died
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        try:
            return json.loads(line)
        except ValueError:
            return None

    def ask(self, pred: str, gold: str, deadline: float) -> tuple[bool | None, bool]:
        """(verdict, healthy). An unhealthy worker must be killed."""
        try:
            self.proc.stdin.write((json.dumps({"pred": pred, "gold": gold}) + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            return None, False
        reply = self._read(deadline)
        if reply is None:
            return None, False
        return reply.get("verdict"), True

    def kill(self) -> None:
        try:
            self.proc.kill()
        except OSError:
            pass
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        try:
            self.proc.stdin.close()  # EOF: the worker's loop ends
            self.proc.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()


class Pool:
    def __init__(self, size: int, deadline: float):
        self.size, self.deadline = size, deadline
        self.pid = os.getpid()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._started = 0       # workers alive or being started
        self._all: set[_Worker] = set()
        self.kills = 0          # workers killed at the deadline (for tests and benchmarks)
        self.closed = False
        self._failed_at = -RETRY_S  # when a worker last failed to start

    def _spawn(self) -> bool:
        try:
            w = _Worker()
        except (RuntimeError, OSError):
            with self._lock:
                self._started -= 1
                self._failed_at = time.monotonic()
            return False
        with self._lock:
            if self.closed:
                w.close()
                return False
            self._all.add(w)
        self._idle.put(w)
        return True

    def _acquire(self) -> _Worker | None:
        with self._lock:
            if not self._all and time.monotonic() - self._failed_at < RETRY_S:
                return None  # workers cannot start here (broken install?): do not wait for one
            grow = self._idle.empty() and self._started < self.size
            if grow:
                self._started += 1
        if grow and not self._spawn():
            with self._lock:
                if not self._all:
                    return None
        try:
            return self._idle.get(timeout=STARTUP_S)
        except queue.Empty:
            return None

    def _retire(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
            self._started -= 1
            self.kills += 1
            replace = not self.closed and self._started < self.size
            if replace:
                self._started += 1
        if replace:  # start the replacement now, so the next caller does not wait for it
            threading.Thread(target=self._spawn, daemon=True).start()

    def compare(self, pred: str, gold: str, deadline: float | None = None) -> bool | None:
        """The worker's verdict; None when it ran out of time (``deadline`` seconds, the
        pool's own when not given) or no worker could be had."""
        if self.closed:
            return None
        w = self._acquire()
        if w is None:
            return None
        verdict, healthy = w.ask(pred, gold, self.deadline if deadline is None else deadline)
        if healthy:
            self._idle.put(w)
        else:
            self._retire(w)
        return verdict

    def compare_many(self, pairs: Sequence[tuple[str, str]]) -> list[bool | None]:
        if len(pairs) <= 1:
            return [self.compare(p, g) for p, g in pairs]
        with ThreadPoolExecutor(max_workers=self.size) as ex:
            return list(ex.map(lambda pg: self.compare(*pg), pairs))

    def compare_until(self, pairs: Sequence[tuple[str, str]], until: float) -> list[tuple[bool | None, bool]]:
        """(verdict, timed_out) per pair, all work over by ``until`` (``time.monotonic()``):
        a comparison never runs past it (its deadline is cut to what is left), and a pair
        not reached in time is (None, False). ``timed_out`` is True only for a pair that had
        the pool's full deadline and still ran out (a property of the pair, worth keeping)."""
        def one(pg):
            left = until - time.monotonic()
            if left <= 0.05:
                return None, False
            d = min(self.deadline, left)
            t0 = time.monotonic()
            v = self.compare(pg[0], pg[1], d)
            # the worker's own soft timer answers before the hard deadline: both are a miss
            return v, (v is None and d >= self.deadline and time.monotonic() - t0 >= self.deadline / 2)
        if len(pairs) <= 1:
            return [one(pg) for pg in pairs]
        with ThreadPoolExecutor(max_workers=self.size) as ex:
            return list(ex.map(one, pairs))

    def warm(self) -> None:
        """Start every worker now (the first comparison would otherwise wait for them)."""
        while True:
            with self._lock:
                if self._started >= self.size:
                    break
                self._started += 1
            self._spawn()

    def close(self) -> None:
        with self._lock:
            self.closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.close()


_POOL: Pool | None = None
_POOL_LOCK = threading.Lock()


def get_pool() -> Pool | None:
    """The process's pool, started on first use; None when the symbolic path is turned off."""
    global _POOL
    size = int(_env_float("TTC_VIZ_GRADING_WORKERS", 2))
    if size <= 0:
        return None
    with _POOL_LOCK:
        if _POOL is None or _POOL.pid != os.getpid() or _POOL.closed:
            # after a fork the parent's pipes are not ours: start a fresh pool
            _POOL = Pool(size, _env_float("TTC_VIZ_GRADING_DEADLINE_S", 1.5))
        return _POOL


def shutdown() -> None:
    """Stop the worker processes (also done at exit). The next comparison restarts them."""
    global _POOL
    with _POOL_LOCK:
        pool, _POOL = _POOL, None
    if pool is not None and pool.pid == os.getpid():
        pool.close()


atexit.register(shutdown)
