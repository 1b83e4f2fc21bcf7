"""Real process reward models from Hugging Face, behind the Verifier protocol.

Three input formats, each scoring every step prefix in one forward pass per solution:

* ``math-shepherd`` (peiyi9979/math-shepherd-mistral-7b-prm): ``question + " " + steps``,
  each step followed by the tag " ки"; at each tag the causal LM's logits for "+" and "-"
  are soft-maxed and P("+") is the score.
* ``rlhflow`` (RLHFlow/Llama3.1-8B-PRM-Deepseek-Data): a chat where each step is a user
  turn (the first prefixed by the question) and the assistant answers "+"; the score is
  softmax("+", "-") at the position that predicts each assistant answer.
* ``qwen`` (Qwen/Qwen2.5-Math-PRM-7B): system prompt + question, then the steps joined by
  ``<extra_0>`` (one also at the end) as the assistant turn; a 2-class head, softmax,
  class 1 at each ``<extra_0>``. Its model code lives on the hub: it loads only when the
  caller passes ``trust_remote_code=True`` (the CLI's ``--trust-remote-code``).

A step that itself contains the format's separator text has it removed first, so every
separator position belongs to exactly one step.

Incremental scoring (``incremental.py``, as the learned PRM does): all three are causal
decoders whose score at a step depends on nothing after it, so the KV of every scored prefix
is kept (``kv_bytes``) and a candidate that extends one feeds only its new tokens; the prefix
the call's solutions share (problem, template) is read once. A cached prefix is found by its
exact token ids, so what a format's tokenizer or template does decides how much is reused,
never the scores:

* ``math-shepherd``: the input is tokenized as one text, and a SentencePiece/BPE tokenizer may
  merge across a step bound (" ки\n" + the next step); where the ids up to a tag differ from a
  prefix's, that solution is read whole.
* ``rlhflow``: chat templates of the Llama-3 kind render each turn on its own, so the ids up to
  each step's generation prompt are the same in every extension: reused fully.
* ``qwen``: the steps sit in one assistant message joined by ``<extra_0>``; reused as far as
  the ids up to each ``<extra_0>`` agree. Only for the token-classification model transformers
  ships (it takes a cache); a hub model's own code whose forward takes no cache is read whole.
"""
from __future__ import annotations

import threading
from typing import Sequence

from .base import CachingVerifier, VerifierError

DEFAULT_KV_BYTES = 1 << 30  # the scored prefixes' KV kept across calls; 0: read every solution whole
FORMATS = ("math-shepherd", "rlhflow", "qwen")
QWEN_SYSTEM = "Please reason step by step, and put your final answer within \\boxed{}."


def _single_token(tok, text: str, fmt: str) -> int:
    ids = tok.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise VerifierError(
            f"the tokenizer of this PRM has no single token for {text!r} (it splits into {len(ids)}), "
            f"which the {fmt!r} format needs; is this really a {fmt} PRM? Pick the format that matches "
            f"the model (one of {', '.join(FORMATS)})")
    return ids[0]


class HFPRM(CachingVerifier):
    def __init__(self, model, tokenizer, fmt: str, name: str = "hf-prm", batch_size: int = 8,
                 kv_bytes: int = DEFAULT_KV_BYTES):
        if fmt not in FORMATS:
            raise VerifierError(f"unknown PRM format {fmt!r}; choose one of {', '.join(FORMATS)}")
        self.model, self.tok, self.fmt, self.name = model, tokenizer, fmt, name
        self.batch_size = batch_size
        self._lock = threading.Lock()
        self.device = next(model.parameters()).device
        if fmt == "math-shepherd":
            self.tag = "ки"
            self.tag_id = _single_token(tokenizer, self.tag, fmt)
            self.plus, self.minus = (_single_token(tokenizer, t, fmt) for t in ("+", "-"))
        elif fmt == "rlhflow":
            if not getattr(tokenizer, "chat_template", None):
                raise VerifierError("the rlhflow format needs a tokenizer with a chat template")
            self.plus, self.minus = (_single_token(tokenizer, t, fmt) for t in ("+", "-"))
        else:
            self.tag = "<extra_0>"
            self.tag_id = _single_token(tokenizer, self.tag, fmt)
        import inspect

        from .incremental import IncrementalScorer

        params = inspect.signature(model.forward).parameters
        self._cache_kw = "cache" if "cache" in params else "past_key_values" if "past_key_values" in params else None
        self.pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
        self.scorer = IncrementalScorer(kv_bytes if self._cache_kw and _plain_cache(model) else 0, self._forward,
                                        self._read, pad=self.pad, device=self.device, config=model.config,
                                        batch_size=batch_size)
        self.kv = self.scorer.kv
        self._local = threading.local()

    # -- building one input ---------------------------------------------------------------
    def encode(self, problem: str, steps: Sequence[str]) -> tuple[list[int], list[int]]:
        """Token ids and, per step, the position whose logits give that step's score."""
        steps = [s.replace(getattr(self, "tag", "\0"), " ").strip() for s in steps]
        if self.fmt == "math-shepherd":
            text = problem + " " + "".join(f"{s} {self.tag}\n" for s in steps)
            ids = self.tok.encode(text, add_special_tokens=True)
            pos = [i for i, t in enumerate(ids) if t == self.tag_id]
        elif self.fmt == "qwen":
            msgs = [{"role": "system", "content": QWEN_SYSTEM}, {"role": "user", "content": problem},
                    {"role": "assistant", "content": self.tag.join(steps) + self.tag}]
            text = self.tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=False)
            ids = self.tok.encode(text, add_special_tokens=False)
            pos = [i for i, t in enumerate(ids) if t == self.tag_id]
        else:
            conv, pos = [], []
            for k, s in enumerate(steps):
                conv.append({"role": "user", "content": f"{problem} {s}" if k == 0 else s})
                head = self._chat_ids(conv, add_generation_prompt=True)
                pos.append(len(head) - 1)  # the logits here predict the assistant's "+"/"-"
                conv.append({"role": "assistant", "content": "+"})
            ids = self._chat_ids(conv, add_generation_prompt=False) if conv else []
        if len(pos) != len(steps):
            raise VerifierError(f"found {len(pos)} score positions for {len(steps)} steps; the input "
                                f"does not look like the {self.fmt} format")
        return ids, pos

    @property
    def num_params(self) -> int:
        return int(sum(p.numel() for p in self.model.parameters()))

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int:
        return sum(len(self.encode(problem, s)[0]) for s in solutions if s)

    def _chat_ids(self, conv, add_generation_prompt: bool) -> list[int]:
        out = self.tok.apply_chat_template(conv, tokenize=True, add_generation_prompt=add_generation_prompt)
        if isinstance(out, dict) or hasattr(out, "keys"):
            out = out["input_ids"]
        return list(out)

    # -- scoring --------------------------------------------------------------------------
    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        import torch

        from .incremental import common_prefix

        enc = [self.encode(problem, s) if s else ([], []) for s in solutions]
        out: list[list[float]] = [[] for _ in solutions]
        todo = [i for i, (ids, _) in enumerate(enc) if ids]
        reads = {"read": 0, "reencoded": 0}
        with self._lock, torch.inference_mode():
            try:
                if todo and self.kv.max_bytes:
                    # the prefix all these solutions share before their first score (problem, template)
                    head = min(common_prefix([enc[i][0] for i in todo]), min(enc[i][1][0] for i in todo))
                    for i, sc in zip(todo, self.scorer.score([enc[i] for i in todo], head, reads)):
                        out[i] = [float(x) for x in sc]
                elif todo:
                    self._score_whole(enc, todo, out, reads)
            except torch.OutOfMemoryError:
                self.kv.clear()
                raise VerifierError("out of memory while scoring; lower the PRM batch size") from None
        self._local.reads = reads
        return out

    def _score_whole(self, enc, todo, out, reads) -> None:
        """Every solution read whole, in batches (no prefix cache)."""
        from .incremental import batch_tensors

        for i in todo:
            self.scorer.count_whole(enc[i][0], [p + 1 for p in enc[i][1]], len(enc[i][0]), reads)
        for c in range(0, len(todo), self.batch_size):
            rows = todo[c:c + self.batch_size]
            ids, mask, _, _ = batch_tensors([enc[i] for i in rows], self.pad, self.device)
            res = self.model(input_ids=ids, attention_mask=mask)
            logits = (res.logits if hasattr(res, "logits") else res[0]).float()
            for r, i in enumerate(rows):
                out[i] = self._read(logits, [r] * len(enc[i][1]), list(enc[i][1]))

    def _forward(self, ids, mask, pos, cache):
        res = self.model(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                         **{self._cache_kw: cache})
        return (res.logits if hasattr(res, "logits") else res[0]).float()

    def _read(self, logits, rows, cols) -> list[float]:
        """The format's score at each (row, column): P("+") or the 2-class head's class 1."""
        import torch

        at = logits[rows, cols]
        if self.fmt == "qwen":
            p = torch.softmax(at[:, :2], dim=-1)[:, 1]
        else:
            p = torch.softmax(at[:, [self.plus, self.minus]], dim=-1)[:, 0]
        return [float(x) for x in p.tolist()]


def _plain_cache(model) -> bool:
    """Whether the model's KV cache is the plain full-attention kind (its layers can be cut
    and joined); a sliding-window layer's cannot."""
    from transformers import DynamicCache

    try:
        probe = DynamicCache(config=model.config)
    except Exception:  # noqa: BLE001 - a config transformers cannot read: no reuse
        return False
    return all(type(layer).__name__ == "DynamicLayer" for layer in getattr(probe, "layers", []))


def load_hf_prm(model_id: str, fmt: str, *, device: str = "auto", trust_remote_code: bool = False,
                batch_size: int = 8) -> HFPRM:
    """Load a PRM (hub id or local folder) for one of FORMATS."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoModelForCausalLM, AutoModelForTokenClassification, AutoTokenizer

    from ..lm.devices import pick_device, pick_dtype

    if fmt not in FORMATS:
        raise VerifierError(f"unknown PRM format {fmt!r}; choose one of {', '.join(FORMATS)}")
    try:
        cfg = AutoConfig.from_pretrained(model_id, trust_remote_code=trust_remote_code)
        tok = AutoTokenizer.from_pretrained(model_id, trust_remote_code=trust_remote_code)
    except ValueError as e:
        if "trust_remote_code" in str(e):
            raise VerifierError(f"{model_id} ships its own model code; load it only if you trust it, "
                                "with --trust-remote-code") from None
        raise VerifierError(f"could not load PRM {model_id!r}: {str(e).splitlines()[0]}") from None
    except OSError as e:
        raise VerifierError(f"could not load PRM {model_id!r}: {str(e).splitlines()[0]}") from None
    dev = pick_device(device)
    dtype = pick_dtype(dev)
    archs = " ".join(cfg.architectures or [])
    try:
        if fmt == "qwen":
            if "TokenClassification" in archs:
                model = AutoModelForTokenClassification.from_pretrained(model_id, dtype=dtype)
            elif not trust_remote_code:
                raise VerifierError(f"{model_id} ({archs or 'custom head'}) needs its own model code; "
                                    "rerun with --trust-remote-code if you trust it")
            else:
                model = AutoModel.from_pretrained(model_id, dtype=dtype, trust_remote_code=True)
        else:
            model = AutoModelForCausalLM.from_pretrained(model_id, dtype=dtype, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as e:
        raise VerifierError(f"could not load PRM weights {model_id!r}: {str(e).splitlines()[0]}") from None
    model.to(dev).eval()
    return HFPRM(model, tok, fmt, name=f"{model_id}:{fmt}", batch_size=batch_size)
