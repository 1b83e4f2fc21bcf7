"""Seeds derived from a run's seed: each part of a run (a search round, a problem, a sweep
cell, a training step) gets its own stream, and a rerun repeats every one of them.

``derive(seed, salt)`` = (seed · 1,000,003 + salt) mod a modulus. Recorded results depend on
the exact numbers (the shipped sweep and example trees, data sets, golden tests), so each
caller keeps the modulus (and multiplier) its results were made with:

* ``RNG_MODULUS`` (2³¹ − 1): search rounds, per-problem seeds of MC labels and eval-prm;
* ``CELL_MODULUS`` (2³¹ − 2): sweep cells (the shipped sweep was made with it);
* ``None`` (no reduction): ``random.Random`` streams of training batches and pool subsets,
  which take any integer, and the MC labels' rollouts, which multiply by smaller primes:
  ``SAMPLE_PRIME`` for each sampled solution's rollouts, ``ROUND_PRIME`` for each of their
  rounds (``ROUND_PRIME`` also spaces a search's round salts).

``hash_id(text)`` turns an id (a problem's, a cell's) into a salt that is the same in every
process (Python's ``hash`` of a string is salted per process).
"""
from __future__ import annotations

SEED_PRIME = 1_000_003
ROUND_PRIME = 7919
SAMPLE_PRIME = 31
RNG_MODULUS = 2**31 - 1
CELL_MODULUS = 2**31 - 2


def derive(seed: int, salt: int, modulus: int | None = RNG_MODULUS, prime: int = SEED_PRIME) -> int:
    """The seed of one part of a run: ``(seed * prime + salt) % modulus`` (prime 1,000,003
    unless the recorded results were made with another)."""
    v = int(seed) * prime + int(salt)
    return v % modulus if modulus else v


def hash_id(s: str) -> int:
    """A stable (process-independent) hash for seeding."""
    h = 0
    for ch in s.encode():
        h = (h * 131 + ch) % 2_147_483_629
    return h
