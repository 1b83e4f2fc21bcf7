"""A bounded store of the KV cache of token-id prefixes, kept across calls.

A search asks its models about the same prefixes again and again: each round, every kept
node's prefix is continued (the generator) and every candidate is that prefix plus one new
step (the PRM). Whoever encodes a prefix once can keep its keys and values and feed only
the tokens that follow.

``PrefixKV`` holds those KV tensors as a tree of entries keyed by the prefix's token ids
(a tuple). An entry holds the KV of its own tokens only, those after its parent's, so a
prefix costs memory once however many children continue it; ``kv(entry)`` concatenates the
chain from the root. ``covered`` says how many tokens of the key the chain's KV holds: all
of them for a scorer; all but the last for a generator (the last sampled token of a step is
only fed to the model when the step is continued).

Memory is bounded by ``max_bytes``: entries are evicted least recently used first, and an
ancestor is always more recent than its descendants (using an entry touches its chain), so
leaves go first; an evicted entry takes its descendants with it (their KV alone is useless).
``retain(keys)`` drops at once everything that is not on the chain of one of ``keys``
(what a search no longer needs: its pruned candidates). ``max_bytes = 0`` keeps nothing.

Independent of the KV, ``mark``/``seen`` remember which prefixes were encoded at all, so a
caller can count the tokens it encodes *again* (the cost that KV reuse removes), whether
the cache is on or off.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

MAX_SEEN = 200_000   # prefixes remembered for counting; forgotten all at once beyond this


@dataclass
class Entry:
    key: tuple                 # the prefix's token ids
    parent: tuple | None       # the key of the entry whose KV precedes this one's (None: the root)
    start: int                 # the first covered token this entry holds (= the parent's covered)
    covered: int               # tokens of the key whose KV the chain holds, from the root
    kv: list                   # per layer (keys, values), each [heads, covered - start, head_dim]
    nbytes: int
    extra: Any = None          # what the owner keeps with the prefix (a PRM: the step's score)
    children: set = field(default_factory=set)


def kv_nbytes(kv: Sequence) -> int:
    return sum(t.numel() * t.element_size() for layer in kv for t in layer[:2])


class PrefixKV:
    def __init__(self, max_bytes: int):
        if max_bytes < 0:
            raise ValueError(f"the KV cache budget must be 0 or more bytes, got {max_bytes}")
        self.max_bytes = int(max_bytes)
        self.bytes = 0
        self._entries: OrderedDict[tuple, Entry] = OrderedDict()
        self._seen: set[tuple] = set()
        self.hits = self.misses = self.evicted = 0

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key) -> bool:
        return tuple(key) in self._entries

    def clear(self) -> None:
        self._entries.clear()
        self._seen.clear()
        self.bytes = 0

    # -- looking up -------------------------------------------------------------------------
    def longest(self, ids: Sequence[int], lengths: Iterable[int]) -> Entry | None:
        """The entry of the longest ``ids[:n]`` (n among ``lengths``) held, or None; touches it."""
        for n in sorted(set(lengths), reverse=True):
            if n <= 0:
                continue
            e = self._entries.get(tuple(ids[:n]))
            if e is not None:
                self.hits += 1
                self._touch(e)
                return e
        self.misses += 1
        return None

    def chain(self, entry: Entry) -> list[Entry]:
        """Root-to-entry list of entries."""
        out = []
        cur: Entry | None = entry
        while cur is not None:
            out.append(cur)
            cur = self._entries.get(cur.parent) if cur.parent is not None else None
        return out[::-1]

    def kv(self, entry: Entry) -> list[tuple]:
        """Per layer (keys, values) of all ``entry.covered`` tokens, [heads, covered, head_dim]."""
        import torch

        parts = [e.kv for e in self.chain(entry)]
        if len(parts) == 1:
            return [(k, v) for k, v in parts[0]]
        return [(torch.cat([p[i][0] for p in parts], dim=-2), torch.cat([p[i][1] for p in parts], dim=-2))
                for i in range(len(parts[0]))]

    # -- storing ----------------------------------------------------------------------------
    def put(self, key: Sequence[int], parent: Entry | None, covered: int, kv: list,
            extra: Any = None) -> Entry | None:
        """Store the KV of tokens ``[parent.covered, covered)`` of ``key`` (per layer,
        [heads, n, head_dim]; the caller passes tensors it owns, e.g. clones). Returns the
        entry, or None when the budget cannot hold it."""
        key = tuple(key)
        start = parent.covered if parent is not None else 0
        if parent is not None and parent.key not in self._entries:
            return None  # its parent was evicted meanwhile: the chain would be incomplete
        if key in self._entries:  # the same prefix's KV again: keep the one held (and its descendants)
            self._touch(self._entries[key])
            return self._entries[key]
        nbytes = kv_nbytes(kv)
        if nbytes > self.max_bytes:
            return None
        e = Entry(key, parent.key if parent is not None else None, start, covered, kv, nbytes, extra)
        self._entries[key] = e
        self.bytes += nbytes
        if parent is not None:
            parent.children.add(key)
        self._touch(e)
        while self.bytes > self.max_bytes and self._entries:
            oldest = next(iter(self._entries))
            self.evicted += 1
            self._drop(oldest)
        return self._entries.get(key)

    def retain(self, keys: Iterable[Sequence[int]]) -> None:
        """Keep only the entries on the chains of ``keys`` (keys not held are ignored)."""
        keep: set[tuple] = set()
        for k in keys:
            e = self._entries.get(tuple(k))
            while e is not None and e.key not in keep:
                keep.add(e.key)
                e = self._entries.get(e.parent) if e.parent is not None else None
        for k in [k for k in self._entries if k not in keep]:
            if k in self._entries:
                self._drop(k)

    def _touch(self, e: Entry) -> None:
        # leaf first, root last: the root ends up the most recently used
        cur: Entry | None = e
        while cur is not None:
            self._entries.move_to_end(cur.key)
            cur = self._entries.get(cur.parent) if cur.parent is not None else None

    def _drop(self, key: tuple) -> None:
        e = self._entries.pop(key, None)
        if e is None:
            return
        self.bytes -= e.nbytes
        if e.parent is not None and e.parent in self._entries:
            self._entries[e.parent].children.discard(key)
        for c in list(e.children):
            self._drop(c)

    # -- counting what is encoded again ---------------------------------------------------------
    def mark(self, ids: Sequence[int]) -> None:
        """Remember that the model has encoded ``ids`` (a prefix), cache or no cache."""
        if len(self._seen) >= MAX_SEEN:
            self._seen.clear()
        self._seen.add(tuple(ids))

    def seen(self, ids: Sequence[int], lengths: Iterable[int]) -> int:
        """The longest ``n`` among ``lengths`` such that ``ids[:n]`` was encoded before (0: none)."""
        for n in sorted(set(lengths), reverse=True):
            if n > 0 and tuple(ids[:n]) in self._seen:
                return n
        return 0


__all__ = ["Entry", "PrefixKV", "kv_nbytes"]
