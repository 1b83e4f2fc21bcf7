"""Test doubles for unit tests only: a scripted generator and a scripted verifier.

The fake generator writes arithmetic steps whose correctness and length depend on the
seed, so the symbolic checker has something to score and searches have real choices.
Its randomness is seeded from a stable hash of the request (``stable_seed``: CRC-32 of the
problem, prefix and seed), never from Python's ``hash()`` of strings, which is salted per
process: the same request gives the same steps in every process (the golden trees rely on it).
"""
from __future__ import annotations

import json
import random
import zlib

from ttc_viz.lm.base import Step, step_text


def stable_seed(*parts) -> int:
    """A 32-bit seed from plain values (text, numbers, lists of them), equal in every process."""
    return zlib.crc32(json.dumps(parts, ensure_ascii=False).encode("utf-8"))


class FakeGenerator:
    name = "fake"
    num_params = None  # no model behind it: a sweep reports its FLOPs as unknown

    def __init__(self, steps_to_finish: int = 3, answers=("5", "6", "7")):
        self.steps_to_finish = steps_to_finish
        self.answers = answers
        self.calls = []

    def _step(self, prefix, rng) -> Step:
        depth = len(prefix) + 1
        if depth >= self.steps_to_finish:
            return Step(f"The answer is {rng.choice(self.answers)}.", 6, 10 + depth, True)
        a, b = rng.randint(1, 9), rng.randint(1, 9)
        c = a + b if rng.random() < 0.6 else a + b + 1
        return Step(f"{a} + {b} = {c}.", 8, 10 + depth, False)

    def next_steps(self, problem, prefixes, n, *, temperature, seed):
        self.calls.append(("next_steps", len(prefixes), n))
        out = []
        for i, p in enumerate(prefixes):
            rng = random.Random(stable_seed(problem, [step_text(x) for x in p], seed, i))
            out.append([self._step(p, rng) for _ in range(n)])
        return out

    def rollout(self, problem, prefixes, k):
        self.calls.append(("rollout", len(prefixes), k))
        out = []
        for p in prefixes:
            rng = random.Random(stable_seed(problem, [step_text(x) for x in p]))
            out.append(self._until_finished([step_text(x) for x in p], rng, k))
        return out

    def _until_finished(self, cur, rng, limit):
        steps = []
        for _ in range(limit):
            s = self._step(cur, rng)
            steps.append(s)
            cur.append(s.text)
            if s.finished:
                break
        return steps

    def solutions(self, problem, n, *, temperature, seed):
        self.calls.append(("solutions", n))
        rng = random.Random(seed)
        return [self._until_finished([], rng, 1000) for _ in range(n)]
