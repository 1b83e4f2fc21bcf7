"""The project's own PRM for the embedded model: SmolLM2-135M + a LoRA adapter + a linear head.

Input: ``"Problem: <problem>\\nSolution:"`` then each step on its own line. The score of a
step prefix is sigmoid(head(h)) where h is the last hidden state at the newline token that
ends the step, so one forward pass scores every prefix of a solution (causal attention: the
score at step j sees nothing after it).

The adapter file (safetensors) holds only the LoRA weights of the top decoder layers and the
head (a few MB); the 135M base weights come from the embedded model, which the project
already installs. Its metadata records the format, the adapter configuration and how it was
trained. ``ttc-viz train-prm`` writes it; ``load_learned_prm(path)`` reads it, with a clear
error for a missing, damaged or foreign file.

One module, over 300 lines on purpose: the adapter's file format, the network it configures
and the verifier that runs it are one artefact (``train-prm`` writes what this module reads);
the incremental scoring they use is shared with the HF PRMs in ``incremental.py``.
"""
from __future__ import annotations

import inspect
import json
import sys
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import torch

from ..assets import prm_adapter
from ..io import write_atomic
from ..lm.devices import autocast, bf16_available
from .base import CachingVerifier, VerifierError
from .incremental import IncrementalScorer, batch_tensors

FORMAT = "ttc-viz-prm-adapter-v1"
BASE = "smollm2-135m-instruct"
DEFAULT_ADAPTER = prm_adapter()
MAX_TOKENS = 1024          # per scored solution; longer inputs lose the start of the problem
MAX_STEP_CHARS = 1500
DEFAULT_KV_BYTES = 1 << 30  # the scored prefixes' KV kept across calls (a beam round of 16 needs ~20 MB)
# The base model's shapes (SmolLM2-135M: 30 layers, hidden 576, MLP 1536, 3 KV heads of 64),
# so an adapter file is checked completely before the base model is loaded.
BASE_LAYERS, BASE_HIDDEN = 30, 576
BASE_PROJ = {"q_proj": ("self_attn", 576, 576), "k_proj": ("self_attn", 576, 192),
             "v_proj": ("self_attn", 576, 192), "o_proj": ("self_attn", 576, 576),
             "gate_proj": ("mlp", 576, 1536), "up_proj": ("mlp", 576, 1536), "down_proj": ("mlp", 1536, 576)}


@dataclass
class AdapterConfig:
    rank: int = 16
    alpha: int = 32
    layers: int = 8            # LoRA on the top `layers` decoder layers; the rest stays frozen
    targets: tuple = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")
    dropout: float = 0.0

    @classmethod
    def from_dict(cls, d: dict) -> "AdapterConfig":
        """From an adapter's metadata; VerifierError for a wrong type or an impossible value."""
        if not isinstance(d, dict):
            raise VerifierError(f"the adapter configuration must be an object, got {type(d).__name__}")
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}

        def whole(v, lo, hi):
            return isinstance(v, int) and not isinstance(v, bool) and lo <= v <= hi

        def num(v, lo, hi):
            return isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi

        checks = {"rank": lambda v: whole(v, 1, 1024), "alpha": lambda v: num(v, 1e-6, 1e6),
                  "layers": lambda v: whole(v, 1, BASE_LAYERS), "dropout": lambda v: num(v, 0.0, 0.99),
                  "targets": lambda v: (isinstance(v, (list, tuple)) and 0 < len(v) <= len(BASE_PROJ)
                                        and len(set(v)) == len(v) and all(t in BASE_PROJ for t in v))}
        for k, ok in checks.items():
            if k in known and not ok(known[k]):
                raise VerifierError(f"the adapter's {k} is {str(known[k])[:60]!r}, which this PRM cannot use")
        if "targets" in known:
            known["targets"] = tuple(known["targets"])
        return cls(**known)


def encode(tok, problem: str, steps: Sequence[str], max_tokens: int = MAX_TOKENS) -> tuple[list[int], list[int]]:
    """Token ids and, per step, the position (its closing newline) where the score is read."""
    nl = tok.encode("\n", add_special_tokens=False)
    ids = tok.encode(f"Problem: {problem.strip()}\nSolution:", add_special_tokens=False)
    ends = []
    for s in steps:
        text = " ".join(str(s)[:MAX_STEP_CHARS].split())  # one line per step
        ids += tok.encode(" " + text, add_special_tokens=False) + nl
        ends.append(len(ids) - 1)
    if len(ids) > max_tokens:  # keep the steps; drop the start of the (long) problem
        cut = len(ids) - max_tokens
        ids = ids[cut:]
        ends = [max(e - cut, 0) for e in ends]
    return ids, ends


class PRMNet(torch.nn.Module):
    """Base model body with LoRA on its top layers, plus a linear head."""

    def __init__(self, body, cfg: AdapterConfig):
        from peft import LoraConfig, get_peft_model

        super().__init__()
        n = body.config.num_hidden_layers
        if not 1 <= cfg.layers <= n:
            raise VerifierError(f"the adapter asks for LoRA on {cfg.layers} layers; the base model has {n}")
        lcfg = LoraConfig(r=cfg.rank, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, bias="none",
                          target_modules=list(cfg.targets), layers_to_transform=list(range(n - cfg.layers, n)),
                          layers_pattern="layers")
        self.body = get_peft_model(body, lcfg)
        self.head = torch.nn.Linear(body.config.hidden_size, 1)
        self.cfg = cfg

    def forward(self, ids, mask, rows, cols):
        h = self.body(input_ids=ids, attention_mask=mask).last_hidden_state
        return self.head(h[rows, cols].float()).squeeze(-1)

    def adapter_state(self) -> dict:
        from peft import get_peft_model_state_dict

        state = {f"lora.{k}": v for k, v in get_peft_model_state_dict(self.body).items()}
        state.update({f"head.{k}": v for k, v in self.head.state_dict().items()})
        return {k: v.detach().float().contiguous().cpu() for k, v in state.items()}

    def load_adapter_state(self, state: dict) -> None:
        from peft import get_peft_model_state_dict, set_peft_model_state_dict

        lora = {k[5:]: v for k, v in state.items() if k.startswith("lora.")}
        head = {k[5:]: v for k, v in state.items() if k.startswith("head.")}
        want = set(get_peft_model_state_dict(self.body))
        if set(lora) != want or set(head) != {"weight", "bias"}:
            raise VerifierError("the adapter's weights do not match its configuration "
                                f"({len(lora)} LoRA tensors, expected {len(want)}); retrain it with `ttc-viz train-prm`")
        set_peft_model_state_dict(self.body, lora)
        self.head.load_state_dict(head)


def save_adapter(net, path: str | Path, info: dict | None = None) -> Path:
    """Write the adapter (LoRA + head) atomically; ``info`` (how it was trained) goes in metadata."""
    from safetensors.torch import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"format": FORMAT, "base": BASE, "config": json.dumps(asdict(net.cfg)),
            "info": json.dumps(info or {})}
    return write_atomic(path, save(net.adapter_state(), metadata=meta))


def read_adapter(path: str | Path) -> tuple[dict, AdapterConfig, dict]:
    """(tensors, config, info) from an adapter file; VerifierError naming the fix otherwise."""
    from safetensors import safe_open

    path = Path(path)
    fix = ("restore it (git checkout models/smollm2-prm) or train a new one with `ttc-viz train-prm`, "
           "or use --verifier symbolic")
    if not path.exists():
        raise VerifierError(f"PRM adapter not found: {path}; {fix}")
    if path.is_dir():
        raise VerifierError(f"PRM adapter path is a folder, expected a .safetensors file: {path}")
    try:
        with safe_open(str(path), framework="pt") as fh:
            meta = fh.metadata() or {}
            tensors = {k: fh.get_tensor(k) for k in fh.keys()}
    except Exception as e:  # noqa: BLE001 - safetensors raises several kinds for damaged files
        raise VerifierError(f"PRM adapter {path} is damaged or not a safetensors file ({e}); {fix}") from None
    if meta.get("format") != FORMAT:
        raise VerifierError(f"{path} is not a ttc-viz PRM adapter (format {meta.get('format')!r}, "
                            f"expected {FORMAT!r}); {fix}")
    if meta.get("base") != BASE:
        raise VerifierError(f"{path} was trained for base model {meta.get('base')!r}; this PRM runs on {BASE}")
    try:
        cfg = AdapterConfig.from_dict(json.loads(meta.get("config", "{}")))
        info = json.loads(meta.get("info", "{}"))
        if not isinstance(info, dict):
            raise TypeError(f"info must be an object, got {type(info).__name__}")
    except (ValueError, TypeError, RecursionError, VerifierError) as e:  # JSONDecodeError is a ValueError
        raise VerifierError(f"PRM adapter {path} has damaged metadata ({str(e)[:120]}); {fix}") from None
    problem = check_shapes(tensors, cfg)
    if problem:
        raise VerifierError(f"PRM adapter {path} does not match its configuration ({problem}); {fix}")
    return tensors, cfg, info


def expected_shapes(cfg: AdapterConfig) -> dict[str, tuple]:
    """Every tensor an adapter of ``cfg`` holds for the base model, with its shape."""
    out = {"head.weight": (1, BASE_HIDDEN), "head.bias": (1,)}
    for layer in range(BASE_LAYERS - cfg.layers, BASE_LAYERS):
        for t in cfg.targets:
            part, d_in, d_out = BASE_PROJ[t]
            stem = f"lora.base_model.model.layers.{layer}.{part}.{t}"
            out[f"{stem}.lora_A.weight"] = (cfg.rank, d_in)
            out[f"{stem}.lora_B.weight"] = (d_out, cfg.rank)
    return out


def check_shapes(tensors: dict, cfg: AdapterConfig) -> str | None:
    """None if the tensors are exactly what ``cfg`` needs (names, shapes, float types)."""
    want = expected_shapes(cfg)
    missing, extra = set(want) - set(tensors), set(tensors) - set(want)
    if missing or extra:
        return f"{len(tensors)} tensors, {len(want)} expected; e.g. {sorted(missing or extra)[0][:80]!r}"
    for k, shape in want.items():
        t = tensors[k]
        if tuple(t.shape) != shape or not t.is_floating_point():
            return f"{k} has shape {tuple(t.shape)} ({t.dtype}), expected {shape}"
    return None


class LearnedPRM(CachingVerifier):
    """The trained PRM behind the Verifier protocol.

    Scoring is incremental: the KV cache of every scored prefix (problem head, then each step)
    is kept in a bounded store (``kv_bytes``, see ``ttc_viz.lm.kvcache``) with the step's
    score, so a candidate that is a scored prefix plus one new step costs the new step's
    tokens only, and the problem head is encoded once per problem. Each call first drops the
    prefixes it does not continue (a search's pruned candidates). ``kv_bytes=0`` reads every
    solution whole, as before. The cache assumes fixed weights: ``clear_cache()`` after
    changing them. ``last_reads()`` says what the calling thread's last ``score_batch`` read.
    """

    def __init__(self, net, tok, device, name: str = "prm", info: dict | None = None, batch_size: int = 16,
                 bf16: bool | None = None, kv_bytes: int = DEFAULT_KV_BYTES):
        self.net, self.tok, self.device, self.name = net, tok, device, name
        self.info = info or {}
        self.batch_size = batch_size
        # bfloat16 matmuls where the hardware has them (a GPU, or a CPU with AVX512/AMX): about
        # 2-3x faster on 2 CPU cores; scores move by ~1e-2 at most (tests/test_learned.py)
        self.bf16 = bf16_available(device) if bf16 is None else bool(bf16)
        self.pad = tok.pad_token_id if tok.pad_token_id is not None else 0
        self._lock = threading.Lock()
        self._local = threading.local()
        base = net.body.get_base_model() if hasattr(net.body, "get_base_model") else net.body
        self._cache_kw = "cache" if "cache" in inspect.signature(base.forward).parameters else "past_key_values"
        self.scorer = IncrementalScorer(kv_bytes, self._forward, self._read, pad=self.pad, device=device,
                                        config=base.config, batch_size=batch_size)
        self.kv = self.scorer.kv

    def encode(self, problem: str, steps: Sequence[str]) -> tuple[list[int], list[int]]:
        """The token ids this PRM reads for one solution (and its score positions)."""
        return encode(self.tok, problem, steps)

    @property
    def num_params(self) -> int:
        """Parameters of the network that scores (the base model's decoder and the adapter)."""
        return int(sum(p.numel() for p in self.net.parameters()))

    def tokens_read(self, problem: str, solutions: Sequence[Sequence[str]]) -> int:
        """The solutions' tokens as if each were read whole (the paper's accounting); what a
        call actually fed the model, with the prefix cache, is ``last_reads()``."""
        return sum(len(encode(self.tok, problem, s)[0]) for s in solutions if s)

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        full = [encode(self.tok, problem, s, max_tokens=sys.maxsize) for s in solutions]
        head = len(encode(self.tok, problem, [], max_tokens=sys.maxsize)[0])
        out: list[list[float]] = [[] for _ in solutions]
        reads = {"read": 0, "reencoded": 0}
        # a solution longer than MAX_TOKENS loses the start of its problem: not a prefix of
        # anything cached, so it is read whole
        inc = [i for i, s in enumerate(solutions) if s and self.kv.max_bytes and len(full[i][0]) <= MAX_TOKENS]
        whole = [i for i, s in enumerate(solutions) if s and i not in set(inc)]
        with self._lock, torch.inference_mode():
            try:
                with autocast(self.device, self.bf16):
                    if whole:
                        self._score_whole(problem, solutions, full, head, whole, out, reads)
                    if inc:
                        for i, sc in zip(inc, self.scorer.score([full[i] for i in inc], head, reads)):
                            out[i] = sc
            except torch.OutOfMemoryError:
                self.kv.clear()
                raise VerifierError("out of GPU memory while scoring; lower the budget N or run the PRM "
                                    "on the CPU (--device cpu)") from None
        self._local.reads = reads
        return out

    # -- every solution read whole (no cache; too long to cache) ----------------------------------
    def _score_whole(self, problem, solutions, full, head, rows_all, out, reads):
        enc = {i: encode(self.tok, problem, solutions[i]) for i in rows_all}
        for i in rows_all:  # what was read before: counted in the order rows are fed
            ids, ends = full[i]
            self.scorer.count_whole(ids, [head] + [e + 1 for e in ends], len(enc[i][0]), reads)
        todo = sorted(rows_all, key=lambda i: len(enc[i][0]))  # similar lengths together: less padding
        for c in range(0, len(todo), self.batch_size):
            rows = todo[c:c + self.batch_size]
            logits = self.net(*batch_tensors([enc[i] for i in rows], self.pad, self.device))
            vals = torch.sigmoid(logits.float()).cpu().tolist()
            k = 0
            for i in rows:
                n = len(solutions[i])
                out[i] = [round(v, 6) for v in vals[k:k + n]]
                k += n

    # -- incremental: only what follows the longest scored prefix (incremental.py) ---------------
    def _forward(self, ids, mask, pos, cache):
        return self.net.body(input_ids=ids, attention_mask=mask, position_ids=pos, use_cache=True,
                             **{self._cache_kw: cache}).last_hidden_state

    def _read(self, h, rows, cols) -> list[float]:
        return [round(v, 6) for v in torch.sigmoid(self.net.head(h[rows, cols].float()).squeeze(-1).float())
                .cpu().tolist()]


def build_net(device: str = "auto", cfg: AdapterConfig | None = None):
    """(net, tokenizer, device): a fresh adapter on the embedded base model."""
    from ..lm.base import GeneratorError
    from ..lm.embedded import load_embedded_model

    try:
        model, tok, dev = load_embedded_model(device, dtype="float32")
    except GeneratorError as e:
        raise VerifierError(f"the PRM's base model could not be loaded: {e}") from None
    body = model.model  # the decoder without its LM head
    for p in body.parameters():
        p.requires_grad_(False)
    net = PRMNet(body, cfg or AdapterConfig())
    net.to(dev)
    return net, tok, dev


def load_learned_prm(path: str | Path = DEFAULT_ADAPTER, device: str = "auto") -> LearnedPRM:
    tensors, cfg, info = read_adapter(path)  # fail on a bad file before loading any model
    net, tok, dev = build_net(device, cfg)
    net.load_adapter_state(tensors)
    net.eval()
    name = "prm" if Path(path).resolve() == DEFAULT_ADAPTER.resolve() else f"prm:{path}"
    prm = LearnedPRM(net, tok, dev, name=name, info=info)
    from ..lm.embedded import file_sha256, gguf_path

    # which weights exactly (a sweep records them): the base model's GGUF and this adapter
    prm.weights = {"gguf_sha256": file_sha256(gguf_path()), "prm_sha256": file_sha256(Path(path))}
    return prm
