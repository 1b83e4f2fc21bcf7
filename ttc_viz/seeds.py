"""Seeds derived from a run's seed: each part of a run (a search round, a problem, a sweep
cell, a training step) gets its own stream, and a rerun repeats every one of them.

``derive(seed, salt)`` = (seed · 1,000,003 + salt) mod a modulus. Recorded results depend on
the exact numbers (the shipped sweep and example trees, data sets, golden tests), so each
caller keeps the modulus its results were made with:

* ``RNG_MODULUS`` (2³¹ − 1): search rounds, per-problem seeds of MC labels and eval-prm;
* ``CELL_MODULUS`` (2³¹ − 2): sweep cells (the shipped sweep was made with it);
* ``None`` (no reduction): ``random.Random`` streams of training batches and pool subsets,
  which take any integer.

``hash_id(text)`` turns an id (a problem's, a cell's) into a salt that is the same in every
process (Python's ``hash`` of a string is salted per process).
"""
from __future__ import annotations

SEED_PRIME = 1_000_003
RNG_MODULUS = 2**31 - 1
CELL_MODULUS = 2**31 - 2


def derive(seed: int, salt: int, modulus: int | None = RNG_MODULUS) -> int:
    """The seed of one part of a run: ``(seed * 1_000_003 + salt) % modulus``."""
    v = int(seed) * SEED_PRIME + int(salt)
    return v % modulus if modulus else v


def hash_id(s: str) -> int:
    """A stable (process-independent) hash for seeding."""
    h = 0
    for ch in s.encode():
        h = (h * 131 + ch) % 2_147_483_629
    return h
