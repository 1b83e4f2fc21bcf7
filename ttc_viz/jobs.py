"""Run a search in a background thread, watch it grow, stop it cleanly.

The UI polls ``snapshot()`` (a copy of the tree after the latest round) while the search
runs, and ``stop()`` asks it to end after the current round: the partial tree is kept,
marked ``stopped``, and picked from like any other.
"""
from __future__ import annotations

import threading
import time
import traceback

from .search import Hooks, run
from .tree import SearchTree


class SearchJob:
    def __init__(self, runs: list[tuple], generator, verifier):
        """``runs``: (strategy, problem, config) triples, run one after another."""
        self.runs = runs
        self.generator, self.verifier = generator, verifier
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.version = 0  # bumped after every round and at the end
        self.trees: list[SearchTree | None] = [None] * len(runs)
        self.partial: SearchTree | None = None
        self.current = 0
        self.error: str | None = None
        self.done = False
        self.started = time.time()
        self._thread = threading.Thread(target=self._work, daemon=True, name="ttc-viz-search")

    def start(self) -> "SearchJob":
        self._thread.start()
        return self

    def _work(self) -> None:
        try:
            for i, (strategy, problem, config) in enumerate(self.runs):
                self.current = i
                hooks = Hooks(on_round=self._on_round, should_stop=self._stop.is_set)
                tree = run(strategy, problem, self.generator, self.verifier, config, hooks)
                with self._lock:
                    self.trees[i] = tree
                    self.partial = None
                    self._bump()
                if self._stop.is_set():
                    break
        except Exception as e:  # noqa: BLE001 - reported to the user, the app keeps working
            self.error = f"{type(e).__name__}: {e}"
            self.trace = traceback.format_exc()
        finally:
            with self._lock:
                self.done = True
                self._bump()

    def _bump(self) -> None:
        self.version += 1
        self._changed.notify_all()

    def wait_update(self, seen: int, timeout: float = 1.0) -> int:
        """Block (without using CPU) until something changed after version ``seen``."""
        with self._lock:
            self._changed.wait_for(lambda: self.version != seen or self.done, timeout)
            return self.version

    def _on_round(self, tree: SearchTree, r: int) -> None:
        snap = SearchTree.from_dict(tree.to_dict())
        with self._lock:
            self.partial = snap
            self._bump()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set() and not self.done

    def snapshot(self) -> tuple[list[SearchTree | None], SearchTree | None]:
        with self._lock:
            return list(self.trees), self.partial

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done
