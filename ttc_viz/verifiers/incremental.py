"""Incremental scoring: a causal PRM reads only what follows the longest prefix it has scored.

A PRM that reads left to right scores the step ending at position p from ids[:p + 1] alone.
So the KV cache of a scored prefix (and the scores in it) stays valid for every solution that
extends it: a beam candidate, a scored prefix plus one new step, costs the new step's tokens.

``IncrementalScorer`` keeps that KV in a ``PrefixKV`` (byte-bounded, LRU), one entry per
*bound*: the problem head (no score), then the end of each step (the score read at the step's
last position). A cached prefix is found by its exact token ids, so a format whose tokenizer
merges across a step bound simply misses and reads the solution whole: never a wrong score.
It serves any model given two functions:

  forward(ids, mask, positions, cache) -> outputs   one forward pass over new tokens, cache
                                                    (a transformers ``DynamicCache``) extended
  read(outputs, rows, cols) -> list[float]          the scores at those (row, column) positions

Each call first drops the prefixes it does not continue (a search's pruned candidates) and
counts what it feeds the model (``read``) and what of that it had fed before (``reencoded``).
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch

from ..lm.kvcache import Entry, PrefixKV


class IncrementalScorer:
    def __init__(self, kv_bytes: int, forward: Callable, read: Callable, *, pad: int, device, config,
                 batch_size: int = 16):
        self.kv = PrefixKV(kv_bytes)
        self.forward, self.read = forward, read
        self.pad, self.device, self.config, self.batch_size = pad, device, config, batch_size

    # -- counting, for the whole-read path too --------------------------------------------------
    def count_whole(self, ids: list[int], bounds: list[int], fed: int, reads: dict) -> None:
        """Count a solution read whole (``fed`` tokens) and remember its prefixes as read."""
        reads["read"] += fed
        reads["reencoded"] += min(self.kv.seen(ids, bounds), fed)
        for b in bounds:
            self.kv.mark(ids[:b])

    # -- scoring ----------------------------------------------------------------------------
    def score(self, encoded: list[tuple[list[int], list[int]]], head: int, reads: dict) -> list[list[float]]:
        """Scores at ``ends`` for each (ids, ends); ``head``: the length of the prefix all rows
        share before their first step (0: none), encoded once and kept as the root."""
        # what follows the last score position cannot change a score (a causal model): not read
        encoded = [(list(ids[:ends[-1] + 1]) if ends else list(ids), list(ends)) for ids, ends in encoded]
        bounds = [([head] if 0 < head <= (ends[0] if ends else len(ids)) else []) + [e + 1 for e in ends]
                  for ids, ends in encoded]
        found = [self.kv.longest(ids, bs) for (ids, _), bs in zip(encoded, bounds)]
        self.kv.retain([e.key for e in found if e is not None])  # the pruned ones go now
        if head and any(e is None for e in found):  # the shared head, once
            ids = encoded[0][0][:head]
            entry = self._extend([(ids, None)], [[head]], heads={head})[0]
            reads["read"] += head
            reads["reencoded"] += self.kv.seen(ids, [head])
            self.kv.mark(ids)
            found = [e if e is not None else entry for e in found]
        # identical solutions are read once
        unique: dict[tuple, list[int]] = {}
        for i, (ids, _) in enumerate(encoded):
            unique.setdefault(tuple(ids), []).append(i)
        todo = []
        for rows in unique.values():
            i = rows[0]
            ids, c = encoded[i][0], found[i].covered if found[i] is not None else 0
            if len(ids) > c:
                todo.append(i)
                reads["read"] += len(ids) - c
                reads["reencoded"] += max(0, self.kv.seen(ids, bounds[i]) - c)
                for b in bounds[i]:
                    self.kv.mark(ids[:b])
        todo.sort(key=lambda i: len(encoded[i][0]) - (found[i].covered if found[i] is not None else 0))
        for c in range(0, len(todo), self.batch_size):
            rows = todo[c:c + self.batch_size]
            cov = {i: found[i].covered if found[i] is not None else 0 for i in rows}
            self._extend([(encoded[i][0], found[i]) for i in rows],
                         [[b for b in bounds[i] if b > cov[i]] for i in rows], heads={head})
        out: list[list[float]] = [[] for _ in encoded]
        for rows in unique.values():
            i = rows[0]
            ids, ends = encoded[i]
            scores = self._cached_scores(ids, bounds[i], len(ends))
            if scores is None:  # the budget could not hold it: read it whole, keep nothing
                scores = self._uncached(ids, ends)
            for j in rows:
                out[j] = scores
        return out

    def _cached_scores(self, ids, bounds, n) -> list[float] | None:
        e = self.kv.longest(ids, bounds[-1:]) if bounds else None
        if e is None:
            return None if n else []
        scores = [x.extra for x in self.kv.chain(e) if x.extra is not None]
        return scores if len(scores) == n else None

    def _uncached(self, ids, ends) -> list[float]:
        from transformers import DynamicCache

        dev = self.device
        t = torch.tensor([ids], device=dev)
        out = self.forward(t, torch.ones_like(t), torch.arange(len(ids), device=dev)[None],
                           DynamicCache(config=self.config))
        return self.read(out, [0] * len(ends), list(ends))

    def _extend(self, items: list[tuple[list[int], Entry | None]], new_bounds: list[list[int]],
                heads: set = frozenset()) -> list:
        """Feed each (ids, cached entry or None) row's tokens after its cached prefix, in one
        batch; store an entry (KV, and the score before the bound) at each of its
        ``new_bounds``; a bound in ``heads`` ends the shared head, not a step: no score.
        Returns the entry of each row's last bound (None where not held)."""
        from transformers import DynamicCache

        dev = self.device
        cs = [e.covered if e is not None else 0 for _, e in items]
        rs = [len(ids) - c for (ids, _), c in zip(items, cs)]
        b, wc, wr = len(items), max(cs), max(rs)
        cache = DynamicCache(config=self.config)
        if wc:  # the cached prefixes, right-aligned: [pads, cached] then [pads, new tokens]
            cached = [self.kv.kv(e) if e is not None else None for _, e in items]
            ref = next(x for x in cached if x is not None)
            layers = []
            for li, (k0, v0) in enumerate(ref):
                k = k0.new_zeros((b, k0.shape[0], wc, k0.shape[-1]))
                v = v0.new_zeros((b, v0.shape[0], wc, v0.shape[-1]))
                for r, x in enumerate(cached):
                    if x is not None:
                        k[r, :, wc - cs[r]:] = x[li][0]
                        v[r, :, wc - cs[r]:] = x[li][1]
                layers.append((k, v))
            cache = DynamicCache(ddp_cache_data=layers, config=self.config)
        ids = torch.tensor([[self.pad] * (wr - r) + list(x[c:]) for (x, _), c, r in zip(items, cs, rs)], device=dev)
        mask = torch.tensor([[0] * (wc - c) + [1] * c + [0] * (wr - r) + [1] * r for c, r in zip(cs, rs)],
                            device=dev)
        pos = torch.tensor([[c] * (wr - r) + list(range(c, c + r)) for c, r in zip(cs, rs)], device=dev)
        out = self.forward(ids, mask, pos, cache)
        # the score before every new bound (a step's last position; the head's is not used)
        which = [(r, bd) for r in range(b) for bd in new_bounds[r]]
        vals = self.read(out, [r for r, _ in which], [wr - rs[r] + (bd - 1 - cs[r]) for r, bd in which]) \
            if which else []
        score = dict(zip(which, vals))
        last: list = []
        for r, ((x, parent), c) in enumerate(zip(items, cs)):
            prev, ent = c, parent
            for bd in new_bounds[r]:
                lo, hi = wc + wr - rs[r] + (prev - c), wc + wr - rs[r] + (bd - c)
                kv = [(layer.keys[r, :, lo:hi].clone(), layer.values[r, :, lo:hi].clone()) for layer in cache.layers]
                ent = self.kv.put(x[:bd], ent, bd, kv, extra=None if bd in heads else score[(r, bd)])
                prev = bd
                if ent is None:
                    break
            last.append(ent)
        return last


def batch_tensors(encoded: list[tuple[list[int], list[int]]], pad: int, device):
    """Solutions read whole, as one batch: right-padded ids and mask, and the (row, col) of
    every score position (``encoded``: each solution's ids and score positions)."""
    width = max(len(ids) for ids, _ in encoded)
    ids = torch.full((len(encoded), width), pad, dtype=torch.long)
    mask = torch.zeros((len(encoded), width), dtype=torch.long)
    rows, cols = [], []
    for r, (x, ends) in enumerate(encoded):
        ids[r, :len(x)] = torch.tensor(x)
        mask[r, :len(x)] = 1
        rows += [r] * len(ends)
        cols += ends
    return (ids.to(device), mask.to(device), torch.tensor(rows, device=device), torch.tensor(cols, device=device))


def common_prefix(seqs: Sequence[Sequence[int]]) -> int:
    """The length of the longest prefix all of ``seqs`` share."""
    if not seqs:
        return 0
    n = min(len(s) for s in seqs)
    first = seqs[0]
    for i in range(n):
        t = first[i]
        if any(s[i] != t for s in seqs):
            return i
    return n


__all__ = ["IncrementalScorer", "batch_tensors", "common_prefix"]
