"""Hugging Face transformers backend for the Generator protocol (CPU or GPU).

Works with any causal LM that has a chat template (or none: a plain prompt is used).
Batched: all requests of a call are padded on the left and decoded together in chunks
of ``batch_size``. Token-faithful: a prefix step that this backend generated is fed back
as the exact ids the model wrote (``Step.ids``), never re-encoded from its text; a whole
solution is cut into steps by the same rule that ends a step in step-by-step decoding, so
greedy step-by-step search writes the same tokens as one greedy whole solution. Seeded: each
call samples from its own seeded ``torch.Generator``, under a lock, so the same call with
the same seed gives the same text even when two threads share the model.

No prefix encoded twice (``kv_cache_bytes``): when a row ends a step, the KV of what it fed
(its prefix and the step, all but the step's last token, which was sampled and never fed)
is kept, keyed by the ids of the prefix the next round will ask to continue (``PrefixKV``,
a byte-bounded LRU). A child then prefills only that last token on top of its parent's KV,
not the whole prefix again; ``next_steps`` drops the KV of prefixes it is not asked to
continue (a search's pruned nodes). What is encoded again anyway (a cache miss, the cache
off) is counted per step (``Step.reencoded``). Greedy output is the same with the cache on
or off (tests/test_real.py).

Adding a backend? The decoding engine below (``_decode`` and its named steps) is the part a
backend replaces; the protocol methods at the end only turn its rows into ``Step``s.

One module, over 300 lines on purpose: it is one class, the batched decoder, whose prefill,
fan-out, token loop and kept KV all work on one batch layout (head columns, padded prefix
columns, masks, positions); split over files, that layout would have to be followed across
them. What stands on its own already lives apart: the KV store (``kvcache.py``), device and
dtype choice (``devices.py``), the protocol and the step loop (``base.py``).
"""
from __future__ import annotations

import contextlib
import copy
import dataclasses
import inspect
import itertools
import threading
from dataclasses import dataclass
from typing import Iterator, Sequence

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

from ..grading import states_final_answer
from .base import (EXAMPLES, STEP_DELIMITER, SYSTEM_PROMPT, GeneratorError, Step, check_stop, prompt_head,
                   step_by_step, step_text)
from .devices import pick_device, pick_dtype
from .kvcache import Entry, PrefixKV


@dataclass
class HFConfig:
    max_step_tokens: int = 64        # one step; most are 10-30 tokens, and in a round every row waits for the longest
    max_solution_tokens: int = 384   # a whole solution (best-of-N)
    max_steps: int = 12              # a solution with more steps than this is cut
    batch_size: int = 64             # sequences decoded together; 64 is near the CPU optimum
    system_prompt: str = SYSTEM_PROMPT
    examples: tuple = EXAMPLES       # worked examples shown before the problem (chat turns)
    kv_cache_bytes: int = 1 << 30    # KV of generated prefixes kept across calls, so a kept node's
                                     # children continue from it (0: off, every prefix re-encoded);
                                     # a beam round of 16 on the embedded model keeps ~20 MB
    check_every: int = 4             # tokens between two looks at the caller's stop check (``base.stop_check``)


def pack_rows(items: list[tuple[int, int]], cap: int) -> Iterator[list[tuple[int, int]]]:
    """Consecutive (prefix index, rows) items grouped, in order, into chunks of at most ``cap``
    rows (no item has more than ``cap`` rows)."""
    chunk: list[tuple[int, int]] = []
    size = 0
    for it in items:
        if chunk and size + it[1] > cap:
            yield chunk
            chunk, size = [], 0
        chunk.append(it)
        size += it[1]
    if chunk:
        yield chunk


def sample(logits: torch.Tensor, temperature: float, gen: torch.Generator) -> torch.Tensor:
    """One token id per row: the argmax at temperature 0, else a draw from softmax(logits / T)."""
    if temperature > 0:
        probs = torch.softmax(logits / temperature, dim=-1)
        return torch.multinomial(probs, 1, generator=gen).squeeze(1)
    return logits.argmax(dim=-1)


class HFGenerator:
    """A transformers causal LM speaking the Generator protocol."""

    def __init__(self, model, tokenizer, name: str = "hf", config: HFConfig | None = None):
        self.model = model
        self.tok = tokenizer
        self.name = name
        self.cfg = config or HFConfig()
        if self.tok.pad_token is None:  # some tokenizers ship without one; EOS is safe with left padding
            self.tok.pad_token = self.tok.eos_token
        self.tok.padding_side = "left"
        self._lock = threading.Lock()
        self.device = next(model.parameters()).device
        self.num_params = int(sum(p.numel() for p in model.parameters()))  # the Generator protocol's
        self._heads: dict = {}
        self._head_fed = 0  # head tokens prefilled during the current call (see _head)
        eos = self.tok.eos_token_id
        self._eos_ids = set(eos if isinstance(eos, list) else [eos])
        if getattr(model, "generation_config", None) is not None:
            extra = model.generation_config.eos_token_id
            self._eos_ids |= set(extra if isinstance(extra, list) else [extra] if extra is not None else [])
        # tokens whose text holds a newline: only after one of these can a step end
        vocab = self.tok.convert_ids_to_tokens(list(range(len(self.tok))))
        self._newline_ids = {i for i, t in enumerate(vocab)
                             if t is not None and ("\n" in self.tok.convert_tokens_to_string([t]))}
        params = inspect.signature(model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values"
        # the KV of generated prefixes, kept across calls (``_prefill``); only for plain
        # full-attention caches (a sliding-window layer's cache cannot be cut and joined so)
        self.kv = PrefixKV(self.cfg.kv_cache_bytes)
        probe = self._new_cache()
        if any(type(layer).__name__ != "DynamicLayer" for layer in getattr(probe, "layers", [])):
            self.kv.max_bytes = 0

    # -- prompts -------------------------------------------------------------------------
    def prompt(self, problem: str, steps: Sequence = ()) -> str:
        """The text the model continues: chat-formatted problem + steps written so far."""
        partial = "".join(step_text(s) + STEP_DELIMITER for s in steps)
        return prompt_head(self.tok, self.cfg.system_prompt, self.cfg.examples, problem) + partial

    # -- the decoding engine ---------------------------------------------------------------
    # A call (next_steps, rollout, solutions) asks for ``n`` continuations of each of several
    # prefixes. ``_decode`` packs those rows into chunks of at most ``batch_size``
    # (``pack_rows``); ``_decode_chunk`` decodes one chunk in three steps: prefill each
    # distinct prefix once on top of the shared head's KV (``_prefill``), fan each prefix out
    # to its rows, then the token loop (``_decode_rows``): sample a token per row, record it,
    # drop the rows that ended, feed the rest back.

    def _head(self, problem: str) -> tuple[list[int], object, torch.Tensor]:
        """Token ids, KV cache and last logits of the shared prompt head (system, example,
        problem). Computed once per problem and reused by every call: on 2 CPU cores the
        prefill of a 200-token head for 16 rows costs seconds, the decode of a step less."""
        key = (problem, self.cfg.system_prompt, self.cfg.examples)
        hit = self._heads.get(key)
        if hit is None:
            ids = self.tok(self.prompt(problem), add_special_tokens=False)["input_ids"]
            ids_t = torch.tensor([ids], device=self.device)
            cache = self._new_cache()
            out = self.model(input_ids=ids_t, attention_mask=torch.ones_like(ids_t),
                             use_cache=True, logits_to_keep=1, **{self._cache_kw: cache})
            hit = (ids, cache, out.logits[:, -1, :].float())
            self._head_fed += len(ids)  # prefilled in this call (charged to its first row)
            self._heads = {key: hit}  # one problem at a time is what searches need
            self.kv.clear()  # its prefixes were continuations of another head
        return hit

    def forget(self) -> None:
        """Drop the cached head and every kept prefix's KV: the next call pays what a first
        call pays (benchmarks that run several searches on one problem start each cold)."""
        with self._lock:
            self._heads = {}
            self.kv.clear()

    def _new_cache(self) -> DynamicCache:
        return DynamicCache(config=self.model.config)

    def _decode(self, problem: str, prefixes: Sequence[Sequence], n: int, *,
                temperature: float, seed: int, max_new_tokens: int,
                stop_at_step: bool, new_round: bool = False) -> list[tuple[list[int], int, int, bool, int, int]]:
        """Continue problem + each prefix ``n`` times; rows come back prefix-major.

        Returns (generated ids, generated tokens, prompt tokens, hit EOS, prompt tokens encoded
        again, prompt tokens fed to the model in this call) per row; a prefill shared by a
        prefix's rows is charged to its first row, the head's (when not cached) to its chunk's.
        ``new_round``: the prefixes are a search's kept nodes, so the cached KV of any other
        prefix (a pruned node) is dropped now. The shared head is prefilled once; each
        distinct prefix once; its ``n`` rows then share that KV.
        Rows leave the batch as soon as they finish, so one long step does not hold
        a whole batch hostage for long. The model is held one chunk at a time: between chunks
        another thread's call may run, and a caller's stop check (``base.stop_check``), asked
        every ``check_every`` tokens and while waiting, ends the call with ``Interrupted``.
        """
        # split each prefix's n rows into items of at most batch_size rows
        items: list[tuple[int, int]] = []  # (prefix index, rows)
        for i in range(len(prefixes)):
            left = n
            while left > 0:
                items.append((i, min(left, self.cfg.batch_size)))
                left -= items[-1][1]
        results: dict[int, list] = {i: [] for i in range(len(prefixes))}
        # one generator per call, seeded: the same call gives the same rows on any thread
        gen = torch.Generator(device=self.device).manual_seed(int(seed))
        spent = 0  # tokens generated by this call's earlier chunks
        first = True
        for chunk in pack_rows(items, self.cfg.batch_size):
            with self._held(spent), torch.inference_mode():
                # asked again each chunk: a call for another problem between two chunks
                # replaced the head and dropped the kept KV that belonged to ours
                self._head_fed = 0
                head = self._head(problem)
                if first and new_round:
                    self.kv.retain(tuple(self.prefix_ids(p)) for p in prefixes)
                first = False
                try:
                    rows = self._decode_chunk(head, [list(prefixes[i]) for i, _ in chunk],
                                              [c for _, c in chunk], temperature, gen,
                                              max_new_tokens, stop_at_step, spent)
                except torch.OutOfMemoryError:
                    raise GeneratorError(
                        f"out of memory decoding {sum(c for _, c in chunk)} sequences; lower "
                        "the batch size (--batch-size) or the budget N") from None
                if self._head_fed and rows:  # the head's prefill goes to the chunk's first row
                    r0 = rows[0]
                    rows[0] = (*r0[:5], r0[5] + self._head_fed)
                    self._head_fed = 0
            # hand the chunk's rows back to their prefixes, in order
            k = 0
            for i, c in chunk:
                results[i].extend(rows[k:k + c])
                k += c
            spent += sum(r[1] for r in rows)
        return [r for i in range(len(prefixes)) for r in results[i]]

    @contextlib.contextmanager
    def _held(self, spent: int):
        """The model, for one chunk; waiting for it (another call's chunk) still answers the
        caller's stop check."""
        check_stop(spent)
        while not self._lock.acquire(timeout=0.25):
            check_stop(spent)
        try:
            yield
        finally:
            self._lock.release()

    def _decode_chunk(self, head, prefixes: list[list], counts: list[int], temperature: float,
                      gen: torch.Generator, max_new_tokens: int,
                      stop_at_step: bool, spent: int = 0) -> list[tuple[list[int], int, int, bool, int, int]]:
        """Decode ``counts[i]`` rows continuing ``prefixes[i]``, for every i, as one batch."""
        head_ids = head[0]
        # 1. prefill: each prefix's own ids, once, after the longest of its prefixes whose KV
        #    is kept (usually all but its last token), on top of the head's KV
        parts = [self._prefix_parts(p) for p in prefixes]
        suffixes = [[t for part in ps for t in part] for ps in parts]
        bounds = [list(itertools.accumulate(len(part) for part in ps)) for ps in parts]
        found = self._kept(suffixes, bounds)
        again = self._count_again(suffixes, bounds, found)
        fed = [len(s) - (e.covered if e is not None else 0) for s, e in zip(suffixes, found)]
        cache, logits, mask, pos = self._prefill(head, suffixes, found)
        for s in suffixes:
            self.kv.mark(s)
        # 2. fan out: a prefix's cache, logits, mask and position are repeated for its rows
        owner = [i for i, c in enumerate(counts) for _ in range(c)]
        index = torch.tensor(owner, device=self.device)
        cache.batch_select_indices(index)
        logits, mask, pos = logits[index], mask[index], pos[index]
        prompt_tokens = [len(head_ids) + len(suffixes[i]) for i in owner]
        # 3. decode: a token per row per forward step, until every row has ended; a row that
        #    ends a step leaves its KV behind for the round that continues it
        keep_kv = None
        if stop_at_step:
            def keep_kv(cache, mask, j, row, ids):
                self._keep_row(cache, mask, j, len(head_ids), suffixes[owner[row]], found[owner[row]], ids)
        generated, eos_hit = self._decode_rows(cache, logits, mask, pos, temperature, gen,
                                               max_new_tokens, stop_at_step, keep_kv, spent)
        first = {}  # what the prefix re-encoded, and fed, is charged to its first row
        for row, i in enumerate(owner):
            first.setdefault(i, row)
        return [(generated[row], len(generated[row]), prompt_tokens[row], eos_hit[row],
                 again[owner[row]] if first[owner[row]] == row else 0,
                 fed[owner[row]] if first[owner[row]] == row else 0)
                for row in range(len(generated))]

    def _kept(self, suffixes: list[list[int]], bounds: list[list[int]]) -> list[Entry | None]:
        """For each suffix, the entry of its longest prefix (at a step bound) whose KV is kept."""
        if not self.kv.max_bytes:
            return [None] * len(suffixes)
        return [self.kv.longest(s, b) if s else None for s, b in zip(suffixes, bounds)]

    def _count_again(self, suffixes: list[list[int]], bounds: list[list[int]],
                     found: list[Entry | None]) -> list[int]:
        """Per prefix, the tokens this call will feed the model that it had fed before: those
        after the cached part that were already encoded (with no KV kept: all but the step's
        last sampled token, which was never fed)."""
        out = []
        for s, bs, e in zip(suffixes, bounds, found):
            lengths = bs + [b - 1 for b in bs]
            out.append(max(0, self.kv.seen(s, lengths) - (e.covered if e else 0)) if s else 0)
        return out

    def _keep_row(self, cache, mask, j: int, lh: int, suffix: list[int], parent: Entry | None,
                  ids: list[int]) -> None:
        """Keep the KV of batch row ``j``, which continued ``suffix`` (from ``parent``'s KV)
        and wrote ``ids``: its own positions after the parent's (pads skipped), keyed by the
        prefix the next round will ask for, ``suffix + ids``. The last id was never fed, so
        the KV covers all but it."""
        covered = len(suffix) + len(ids) - 1
        start = parent.covered if parent is not None else 0
        self.kv.mark(suffix + ids[:-1])
        if not self.kv.max_bytes or covered <= start:
            return
        cols = (mask[j, lh:].nonzero().squeeze(1) + lh)[start:]
        if len(cols) != covered - start:  # never expected; a wrong KV must not be kept
            return
        kv = [(layer.keys[j].index_select(1, cols), layer.values[j].index_select(1, cols))
              for layer in cache.layers]
        self.kv.put(suffix + ids, parent, covered, kv)

    def _prefill(self, head, suffixes: list[list[int]], found: list[Entry | None] | None = None):
        """(cache, last logits, attention mask, next position) for each suffix after the head.
        A suffix with a kept prefix (``found``, see ``_kept``) feeds only the tokens after it;
        the others are fed whole."""
        head_ids, head_cache, head_logits = head
        dev, lh, u = self.device, len(head_ids), len(suffixes)
        found = found or [None] * u
        if any(e is not None for e in found):
            return self._prefill_cached(head, suffixes, found)
        cache = copy.deepcopy(head_cache)
        width = max(len(s) for s in suffixes)
        if width == 0:  # nothing after the head: every row continues from the head itself
            cache.batch_repeat_interleave(u)
            logits = head_logits.expand(u, -1)
            mask = torch.ones(u, lh, dtype=torch.long, device=dev)
            pos = torch.full((u,), lh, dtype=torch.long, device=dev)
            return cache, logits, mask, pos
        # left-pad each suffix so the last column is real; pads are masked out and
        # positions skip them, so every row sees head + its own suffix, contiguous.
        ids, smask = self._left_padded(suffixes)
        mask = torch.cat([torch.ones(u, lh, dtype=torch.long, device=dev), smask], dim=1)
        positions = (lh + smask.cumsum(dim=1) - 1).clamp(min=lh)
        cache.batch_repeat_interleave(u)
        logits = self._feed(head_logits, suffixes, cache, ids, mask, positions)
        pos = lh + smask.sum(dim=1)
        return cache, logits, mask, pos

    def _prefill_cached(self, head, suffixes: list[list[int]], found: list[Entry | None]):
        """``_prefill`` where some rows continue a kept prefix. Each row's columns are
        [head][pads, its kept KV][pads, the tokens still to feed]: the kept parts, of different
        lengths, are right-aligned, then the rest is fed left-padded, so the last column is
        real for every row; masks hide the pads and positions count only real tokens."""
        head_ids, head_cache, head_logits = head
        dev, lh, u = self.device, len(head_ids), len(suffixes)
        cs = [e.covered if e is not None else 0 for e in found]
        rest = [s[c:] for s, c in zip(suffixes, cs)]
        wc = max(cs)
        kept = [self.kv.kv(e) if e is not None else None for e in found]
        layers = []
        for li, layer in enumerate(head_cache.layers):
            hk, hv = layer.keys, layer.values  # [1, heads, lh, head_dim]
            k = hk.new_zeros((u, hk.shape[1], lh + wc, hk.shape[3]))
            v = hv.new_zeros((u, hv.shape[1], lh + wc, hv.shape[3]))
            k[:, :, :lh], v[:, :, :lh] = hk, hv
            for r, x in enumerate(kept):
                if x is not None:
                    k[r, :, lh + wc - cs[r]:] = x[li][0]
                    v[r, :, lh + wc - cs[r]:] = x[li][1]
            layers.append((k, v))
        cache = DynamicCache(ddp_cache_data=layers, config=self.model.config)
        ids, rmask = self._left_padded(rest)
        cmask = torch.tensor([[0] * (wc - c) + [1] * c for c in cs], device=dev, dtype=torch.long)
        mask = torch.cat([torch.ones(u, lh, dtype=torch.long, device=dev), cmask, rmask], dim=1)
        start = lh + torch.tensor(cs, device=dev)
        positions = (start[:, None] + rmask.cumsum(dim=1) - 1).clamp(min=lh)
        logits = self._feed(head_logits, suffixes, cache, ids, mask, positions)
        pos = start + rmask.sum(dim=1)
        return cache, logits, mask, pos

    def _left_padded(self, seqs: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
        """(ids, mask) of ``seqs`` padded on the left to one width; the mask is 0 on pads."""
        width, pad = max(len(s) for s in seqs), self.tok.pad_token_id
        ids = torch.tensor([[pad] * (width - len(s)) + s for s in seqs], device=self.device, dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(s)) + [1] * len(s) for s in seqs], device=self.device,
                            dtype=torch.long)
        return ids, mask

    def _feed(self, head_logits: torch.Tensor, suffixes: list[list[int]], cache, ids: torch.Tensor,
              mask: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        """Prefill ``ids`` on top of ``cache`` (extended in place); each row's last logits."""
        out = self.model(input_ids=ids, attention_mask=mask, position_ids=positions,
                         use_cache=True, logits_to_keep=1, **{self._cache_kw: cache})
        logits = out.logits[:, -1, :].float()
        empty = torch.tensor([not sfx for sfx in suffixes], device=self.device)
        if empty.any():  # a row with no steps yet continues from the head itself
            logits = torch.where(empty[:, None], head_logits.expand(len(suffixes), -1), logits)
        return logits

    def _decode_rows(self, cache, logits: torch.Tensor, mask: torch.Tensor, pos: torch.Tensor,
                     temperature: float, gen: torch.Generator, max_new_tokens: int,
                     stop_at_step: bool, keep_kv=None, spent: int = 0) -> tuple[list[list[int]], list[bool]]:
        """The token loop. Returns each row's generated ids and whether it hit EOS. A row
        leaves the batch when it ends (EOS, or the end of a step when ``stop_at_step``).
        ``keep_kv(cache, mask, j, row, ids)`` is called for each row that ends a step (or
        reaches the token cap) while its KV is still at batch position ``j``. Every
        ``check_every`` tokens the caller's stop check is asked (``spent``: tokens of the
        call's earlier chunks)."""
        dev = self.device
        b = logits.shape[0]
        generated: list[list[int]] = [[] for _ in range(b)]
        eos_hit = [False] * b
        live = list(range(b))  # row ids still decoding, aligned with the batch dimension
        every = max(1, int(self.cfg.check_every))
        for step in range(max_new_tokens):
            if step and step % every == 0:
                check_stop(spent + sum(len(g) for g in generated))
            # sample: one token per live row (greedy at temperature 0)
            nxt = sample(logits, temperature, gen)
            # record: append each row's token; keep the rows that go on
            keep = self._record(nxt.tolist(), live, generated, eos_hit, stop_at_step)
            last = not keep or step == max_new_tokens - 1
            if keep_kv is not None:  # before the rows that ended leave the batch
                going_on = set(keep)
                for j, row in enumerate(live):
                    if not eos_hit[row] and (last or j not in going_on):
                        keep_kv(cache, mask, j, row, generated[row])
            if last:
                break
            # shrink: rows that ended leave the batch (cache, mask, positions, tokens)
            if len(keep) < len(live):
                sel = torch.tensor(keep, device=dev)
                cache.batch_select_indices(sel)
                mask, pos, nxt = mask[sel], pos[sel], nxt[sel]
                live = [live[j] for j in keep]
            # feed: the sampled tokens go in, one forward step, the next logits come out
            mask = torch.cat([mask, torch.ones(len(live), 1, dtype=mask.dtype, device=dev)], dim=1)
            out = self.model(input_ids=nxt[:, None], attention_mask=mask, position_ids=pos[:, None],
                             use_cache=True, **{self._cache_kw: cache})
            logits = out.logits[:, -1, :].float()
            pos = pos + 1
        return generated, eos_hit

    def _record(self, toks: list[int], live: list[int], generated: list[list[int]],
                eos_hit: list[bool], stop_at_step: bool) -> list[int]:
        """Append each live row's new token to what it generated; return the batch positions
        of the rows that go on. A row ends at EOS (kept in its ids, flagged) or, decoding step
        by step, once its text holds the step delimiter (``_ends_step``)."""
        keep = []
        for j, row in enumerate(live):
            t = toks[j]
            generated[row].append(t)
            if t in self._eos_ids:
                eos_hit[row] = True
                continue
            if stop_at_step and t in self._newline_ids and self._ends_step(generated[row]):
                continue
            keep.append(j)
        return keep

    # -- what the model wrote, as ids -----------------------------------------------------
    def _prefix_parts(self, prefix: Sequence) -> list[list[int]]:
        """``prefix_ids``, one list per step (a step's ids end at a step bound)."""
        return [[int(t) for t in s.ids] if isinstance(s, Step) and s.ids else self.text_ids(step_text(s))
                for s in prefix]

    def prefix_ids(self, prefix: Sequence) -> list[int]:
        """The ids to feed back for a prefix of steps: each generated step's own ids; a plain
        text step encoded as running text followed by the delimiter as the model writes it."""
        return [t for part in self._prefix_parts(prefix) for t in part]

    def text_ids(self, text: str) -> list[int]:
        """``text`` + delimiter encoded as in the middle of a solution. Encoded alone, a
        trailing "\n\n" can merge into one token that the model only writes at the very end of
        a text (SmolLM2: id 1116 instead of 198 198); a following character keeps the split
        the model uses, and its own tokens are then dropped."""
        probe = "x"
        full = self.tok(text + STEP_DELIMITER + probe, add_special_tokens=False)["input_ids"]
        tail = self.tok(probe, add_special_tokens=False)["input_ids"]
        if full[-len(tail):] == tail:
            return full[:-len(tail)]
        return self.tok(text + STEP_DELIMITER, add_special_tokens=False)["input_ids"]

    def _ends_step(self, ids: list[int]) -> bool:
        """A step ends once its text holds the delimiter after some content (leading
        newlines belong to the step, so no step is empty)."""
        return STEP_DELIMITER in self.tok.decode(ids).lstrip()

    def _as_step(self, ids: list[int], n_tok: int, p_tok: int, hit_eos: bool, again: int = 0,
                 fed: int | None = None) -> Step:
        body = [t for t in ids if t not in self._eos_ids]
        text = self.tok.decode(body, skip_special_tokens=True)
        cut = text.lstrip().find(STEP_DELIMITER)
        if cut >= 0:  # the delimiter can end inside a token; the text is what precedes it
            text = text.lstrip()[:cut]
            hit_eos = False
        text = text.strip()
        return Step(text=text, tokens=n_tok, prompt_tokens=p_tok,
                    finished=hit_eos or states_final_answer(text), ids=tuple(body), reencoded=again,
                    prefilled=fed)

    # -- protocol -------------------------------------------------------------------------
    def next_steps(self, problem, prefixes, n, *, temperature, seed):
        raw = self._decode(problem, prefixes, n, temperature=temperature, seed=seed,
                           max_new_tokens=self.cfg.max_step_tokens, stop_at_step=True, new_round=True)
        steps = [self._as_step(*r) for r in raw]
        steps = [self._cap(prefixes[i // n], s) for i, s in enumerate(steps)]
        return [steps[i * n:(i + 1) * n] for i in range(len(prefixes))]

    def _cap(self, prefix: Sequence, step: Step) -> Step:
        """A solution that reaches max_steps ends there."""
        if not step.finished and len(prefix) + 1 >= self.cfg.max_steps:
            return dataclasses.replace(step, finished=True)
        return step

    def rollout(self, problem, prefixes, k):
        def greedy_step(_, cur):
            raw = self._decode(problem, cur, 1, temperature=0.0, seed=0,
                               max_new_tokens=self.cfg.max_step_tokens, stop_at_step=True)
            return [self._cap(c, self._as_step(*r)) for c, r in zip(cur, raw)]

        return step_by_step(greedy_step, prefixes, k)

    def solutions(self, problem, n, *, temperature, seed):
        raw = self._decode(problem, [[]], n, temperature=temperature, seed=seed,
                           max_new_tokens=self.cfg.max_solution_tokens, stop_at_step=False)
        return [self._split(*r) for r in raw]

    def _split(self, ids: list[int], n_tok: int, p_tok: int, hit_eos: bool, again: int = 0,
               fed: int | None = None) -> list[Step]:
        """Cut a whole solution into steps by the rule that ends a step when decoding step by
        step (``_ends_step``), so both ways give the same steps and ids. The solution ends
        at the first step stating an answer (or at ``max_steps``)."""
        body = [t for t in ids if t not in self._eos_ids]
        pieces: list[list[int]] = [[]]
        for t in body:
            pieces[-1].append(t)
            if t in self._newline_ids and self._ends_step(pieces[-1]):
                pieces.append([])
        if not pieces[-1] and len(pieces) > 1:
            pieces.pop()
        steps: list[Step] = []
        for j, piece in enumerate(pieces):
            last_piece = j == len(pieces) - 1
            step = self._cap(steps, self._as_step(piece, len(piece), p_tok if j == 0 else 0,
                                                  hit_eos and last_piece, again if j == 0 else 0,
                                                  fed if j == 0 else 0))
            steps.append(step)
            if step.finished:
                break
        # exact total: the remainder of the generated tokens (what followed the answer,
        # EOS) goes to the last step
        used = sum(s.tokens for s in steps[:-1])
        last = steps[-1]
        steps[-1] = dataclasses.replace(last, tokens=max(1, n_tok - used), finished=last.finished or hit_eos)
        return steps


def load_hf(model_id: str, *, device: str = "auto", dtype: str = "auto",
            trust_remote_code: bool = False, config: HFConfig | None = None) -> HFGenerator:
    """Load any Hugging Face causal LM (hub id or local folder) as a Generator."""
    dev = pick_device(device)
    tdtype = pick_dtype(dev, dtype)
    try:
        tok = AutoTokenizer.from_pretrained(model_id, trust_remote_code=trust_remote_code)
        model = AutoModelForCausalLM.from_pretrained(model_id, dtype=tdtype,
                                                     trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as e:
        raise GeneratorError(f"could not load model {model_id!r}: {str(e).splitlines()[0]}") from None
    model.to(dev).eval()
    return HFGenerator(model, tok, name=model_id, config=config)
