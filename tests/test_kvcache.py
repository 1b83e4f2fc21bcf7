"""The prefix KV store: a byte budget, least recently used evicted first (leaves before
their ancestors), an evicted entry's descendants gone with it, pruned prefixes dropped."""
import pytest
import torch

from ttc_viz.lm.kvcache import PrefixKV


def kv(n, layers=2):
    """Per layer (keys, values) of n tokens: 2 layers x 2 tensors x n x 4 floats = 64n bytes."""
    return [(torch.full((1, n, 4), float(n)), torch.zeros(1, n, 4)) for _ in range(layers)]


def test_chain_concatenates_the_kv_from_the_root():
    c = PrefixKV(10_000)
    root = c.put((1, 2, 3), None, 3, kv(3))
    child = c.put((1, 2, 3, 4, 5), root, 5, kv(2))
    assert (child.start, child.covered) == (3, 5)
    keys, values = c.kv(child)[0]
    assert keys.shape == (1, 5, 4) and keys[0, :, 0].tolist() == [3, 3, 3, 2, 2]
    # the longest held prefix among the given lengths
    assert c.longest([1, 2, 3, 4, 5, 6, 7], [3, 5, 7]) is child
    assert c.longest([1, 2, 3, 9], [3, 4]) is root
    assert c.longest([9], [1]) is None


def test_the_budget_holds_and_leaves_go_before_their_ancestors():
    c = PrefixKV(64 * 10)  # ten tokens
    root = c.put((0,) * 4, None, 4, kv(4))
    a = c.put((0,) * 4 + (1, 1), root, 6, kv(2))
    b = c.put((0,) * 4 + (2, 2), root, 6, kv(2))
    assert c.bytes == 64 * 8 and len(c) == 3
    c.longest(list(a.key), [6])  # a is used again: b is now the least recently used leaf
    d = c.put((0,) * 4 + (1, 1, 3, 3, 3), a, 9, kv(3))
    assert c.bytes <= c.max_bytes
    assert b.key not in c and root.key in c and a.key in c and d.key in c
    assert c.evicted == 1


def test_an_evicted_entry_takes_its_descendants():
    c = PrefixKV(64 * 6)
    root = c.put((0, 0), None, 2, kv(2))
    a = c.put((0, 0, 1), root, 3, kv(1))
    c.put((0, 0, 1, 1), a, 4, kv(1))
    c._drop(a.key)
    assert len(c) == 1 and c.bytes == 64 * 2


def test_entries_larger_than_the_budget_are_not_kept_and_zero_keeps_nothing():
    c = PrefixKV(64 * 3)
    assert c.put((1, 2, 3, 4), None, 4, kv(4)) is None and len(c) == 0 and c.bytes == 0
    off = PrefixKV(0)
    assert off.put((1,), None, 1, kv(1)) is None and off.bytes == 0
    with pytest.raises(ValueError):
        PrefixKV(-1)


def test_retain_drops_what_no_kept_prefix_needs():
    c = PrefixKV(10_000)
    root = c.put((0,), None, 1, kv(1))
    kept = c.put((0, 1), root, 2, kv(1))
    c.put((0, 2), root, 2, kv(1))  # pruned
    c.put((0, 1, 5), kept, 3, kv(1))  # a child of the kept one, not asked for
    c.retain([(0, 1), (7, 7)])
    assert sorted(c._entries) == [(0,), (0, 1)]
    assert c.bytes == 2 * 64


def test_seen_counts_what_was_encoded_before_with_or_without_kv():
    c = PrefixKV(0)
    assert c.seen([1, 2, 3], [1, 3]) == 0
    c.mark([1, 2])
    assert c.seen([1, 2, 3], [2, 3]) == 2
    c.mark([1, 2, 3])
    assert c.seen([1, 2, 3, 4], [2, 3, 4]) == 3
