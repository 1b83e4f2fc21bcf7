"""School-sized numbers for each difficulty level.

Level 1 keeps to the times tables and sums below 100; each level up allows larger numbers
(level 5: sums in the hundreds, products of two-digit numbers). A writer asks for the kind of
number it needs (``term``, ``factor``, ``divide``...) and the level decides how large.
"""
from __future__ import annotations

import random

# per level: (smallest term, largest term), largest factor, largest "times as many" / count
_TERMS = {1: (2, 50), 2: (4, 90), 3: (10, 200), 4: (20, 400), 5: (40, 900)}
_FACTOR = {1: 10, 2: 12, 3: 15, 4: 20, 5: 25}
_COUNT = {1: 9, 2: 12, 3: 20, 4: 25, 5: 30}


class Numbers:
    def __init__(self, rng: random.Random, level: int):
        self.rng, self.level = rng, level

    def term(self, lo: int | None = None, hi: int | None = None) -> int:
        """A number to add or take away: within the level's range, or within [lo, hi] where given."""
        a, b = _TERMS[self.level]
        lo, hi = (a if lo is None else lo), (b if hi is None else hi)
        return self.rng.randint(lo, max(lo, hi))

    def pair_sum(self) -> tuple[int, int]:
        """Two terms whose sum stays in range."""
        a, b = _TERMS[self.level]
        x = self.rng.randint(a, max(a, b // 2))
        return x, self.rng.randint(a, max(a, b - x))

    def minus(self) -> tuple[int, int]:
        """(a, b) with a > b: a take-away that leaves something."""
        a, b = _TERMS[self.level]
        big = self.rng.randint(a + 3, b)
        return big, self.rng.randint(1 if self.level == 1 else a // 2, big - 1)

    def factor(self, lo: int = 2, hi: int | None = None) -> int:
        return self.rng.randint(lo, min(hi, _FACTOR[self.level]) if hi else _FACTOR[self.level])

    def count(self, lo: int = 2) -> int:
        """How many groups, days, hours..."""
        return self.rng.randint(lo, _COUNT[self.level])

    def divide(self, lo: int = 2) -> tuple[int, int, int]:
        """(dividend, divisor, quotient), exact."""
        d, q = self.factor(lo), self.factor(lo)
        return d * q, d, q

    def price(self) -> int:
        return self.rng.randint(2, {1: 9, 2: 12, 3: 20, 4: 30, 5: 45}[self.level])

    def pick(self, options):
        return self.rng.choice(options)


__all__ = ["Numbers"]
