"""Training the project's own PRM (``ttc-viz train-prm``).

Two kinds of training data, both without human labels and both labelled exactly:

1. **Synthetic step-verification solutions** (free, exact, unlimited): for a synthetic
   *training* problem, write a step-by-step solution in the generator's style from the
   problem's own calculation (``Problem.meta``), and spoil about half of them at one place —
   textbook slips (arithmetic, a wrong number copied, the wrong operation) and the mistakes
   the fine-tuned generator makes itself (an invented operation, a right sentence over a
   wrong equation, a wrong quantity in prose, stopping early, a wrong final answer). The
   answer key labels every step (1 while on track). A fresh batch is drawn for every
   training step from a seed that depends only on (seed, step), so the data never repeats
   and a resumed run sees exactly what an uninterrupted one would.
2. **The generator's own samples** (``prm_data.py``): solutions sampled by the embedded model
   on training problems, labelled by the answer key (``--labels oracle``, exact) or by Monte
   Carlo rollouts (``--labels mc``, Math-Shepherd's soft labels).

Stage 1 trains on (1) alone; stage 2 mixes (2) into each batch. Loss: binary cross-entropy
with logits against the labels at every step boundary. A checkpoint (adapter + optimizer +
step) is written atomically every ``save_every`` steps and at the time limit, so an
interrupted run resumes where it stopped.

The synthetic solutions and their mistake kinds are written in ``synthetic.py``; the
schedule, the optimiser step and the checkpoint shared with the generator's training are in
``loop.py``.
"""
from __future__ import annotations

import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from ..metrics import auroc
from ..problems import reserved_texts
from .loop import descend, resume, save_checkpoint, warmup_cosine
from .synthetic import VALID_MAX, synthetic_batch, validation_set

# ---------------------------------------------------------------------------------------
# Metrics

def step_auroc(verifier, examples: list[dict], threshold: float = 0.5) -> float | None:
    """AUROC of a verifier's step scores against (binarised) step labels."""
    ys, ss = [], []
    by_problem: dict[str, list[dict]] = {}
    for ex in examples:
        by_problem.setdefault(ex["problem"], []).append(ex)
    for prob, exs in by_problem.items():
        scores = verifier.score_batch(prob, [e["steps"] for e in exs])
        for e, sc in zip(exs, scores):
            ys += [int(y >= threshold) for y in e["labels"]]
            ss += sc
    return auroc(ys, ss)


# ---------------------------------------------------------------------------------------
# Training

@dataclass
class TrainConfig:
    synthetic_steps: int = 600     # stage 1: synthetic solutions only
    mc_steps: int = 100            # stage 2: MC-labelled samples mixed in
    batch_size: int = 32
    mc_fraction: float = 0.5       # share of each stage-2 batch taken from the MC data
    lr: float = 3e-4
    warmup: int = 30
    seed: int = 0
    save_every: int = 50
    eval_every: int = 100
    bf16: bool = True              # autocast matmuls to bfloat16 (CPU with AVX512-BF16, or GPU)
    valid_size: int = 256          # held-out synthetic solutions for the validation AUROC

    def check(self) -> None:
        for k in ("synthetic_steps", "mc_steps", "save_every", "eval_every"):
            if getattr(self, k) < 0 or not isinstance(getattr(self, k), int):
                raise ValueError(f"{k} must be a whole number 0 or more, got {getattr(self, k)!r}")
        if self.save_every < 1:
            raise ValueError(f"save_every must be 1 or more, got {self.save_every}")
        if self.total < 1:
            raise ValueError("nothing to train: give --synthetic-steps or --mc-steps above 0")
        if not 2 <= self.valid_size <= VALID_MAX:
            raise ValueError(f"the validation set takes 2-{VALID_MAX} solutions, got {self.valid_size}")
        if self.batch_size < 1 or self.batch_size > 1024:
            raise ValueError(f"batch size must be 1-1024, got {self.batch_size}")
        if not 0 <= self.mc_fraction <= 1:
            raise ValueError(f"mc_fraction must be within 0-1, got {self.mc_fraction}")
        if not 0 < self.lr < 1:
            raise ValueError(f"learning rate must be within (0, 1), got {self.lr}")

    @property
    def total(self) -> int:
        return self.synthetic_steps + self.mc_steps


def _lr_at(cfg: TrainConfig, step: int) -> float:
    return warmup_cosine(cfg.lr, cfg.warmup, cfg.total, step)


def batch_for(cfg: TrainConfig, step: int, mc: list[dict]) -> list[dict]:
    if step < cfg.synthetic_steps or not mc:
        return synthetic_batch(cfg.seed, step, cfg.batch_size)
    rng = random.Random(cfg.seed * 7_919 + step)
    k = round(cfg.batch_size * cfg.mc_fraction)
    return [rng.choice(mc) for _ in range(k)] + synthetic_batch(cfg.seed, step, cfg.batch_size - k)


def train(out_dir: str | Path, cfg: TrainConfig, mc_records: list[dict], *, device: str = "auto",
          minutes: float | None = None, adapter=None, progress=None, log=print) -> dict:
    """Train (or resume) into ``out_dir``: ``adapter.safetensors`` + ``training.json``.
    Returns the training summary. ``minutes`` stops early (checkpointed) when reached."""
    import torch

    from ..lm.devices import autocast, bf16_available
    from ..verifiers.learned import (AdapterConfig, LearnedPRM, batch_tensors, build_net, encode, read_adapter,
                                    save_adapter)

    cfg.check()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt_dir = out / "checkpoint"
    net, tok, dev = build_net(device, adapter or AdapterConfig())
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    state = {"step": 0, "seconds": 0.0, "history": [], "config": asdict(cfg)}
    if resume(ckpt_dir, state, opt, lambda path: net.load_adapter_state(read_adapter(path)[0]),
              free=("synthetic_steps", "mc_steps", "save_every", "eval_every", "valid_size")):
        log(f"resuming at step {state['step']} of {cfg.total}")
    mc = [{"problem": r["problem"], "steps": r["steps"], "labels": r["labels"]} for r in mc_records
          if r["problem"] not in reserved_texts()]
    valid = validation_set(cfg.valid_size)
    use_bf16 = cfg.bf16 and bf16_available(dev)

    def evaluate() -> float | None:
        net.eval()
        v = step_auroc(LearnedPRM(net, tok, dev, batch_size=32, bf16=use_bf16), valid)
        net.train()
        return v

    def save(final: bool = False) -> None:
        info = {"steps": state["step"], "examples": state["step"] * cfg.batch_size, "seconds": round(state["seconds"], 1),
                "mc_records": len(mc), "config": asdict(cfg)}
        save_checkpoint(out, ckpt_dir, lambda path: save_adapter(net, path, info), opt, state, info, final)

    net.train()
    t_start = time.perf_counter()
    base_seconds = state["seconds"]
    while state["step"] < cfg.total:
        step = state["step"]
        for g in opt.param_groups:
            g["lr"] = _lr_at(cfg, step)
        batch = batch_for(cfg, step, mc)
        enc = [encode(tok, b["problem"], b["steps"]) for b in batch]
        y = torch.tensor([v for b in batch for v in b["labels"]], dtype=torch.float32, device=dev)
        with autocast(dev, use_bf16):
            logits = net(*batch_tensors(enc, pad, dev))
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logits.float(), y)
        descend(opt, params, loss)
        state["step"] += 1
        state["seconds"] = base_seconds + time.perf_counter() - t_start
        rec = {"step": state["step"], "loss": round(loss.item(), 4), "seconds": round(state["seconds"], 1)}
        if cfg.eval_every and state["step"] % cfg.eval_every == 0:
            rec["valid_auroc"] = evaluate()
            log(f"step {state['step']}: loss {rec['loss']:.3f}, validation AUROC {rec['valid_auroc']:.3f}")
        state["history"].append(rec)
        if progress:
            progress(state["step"], cfg.total, loss.item())
        out_of_time = minutes is not None and (time.perf_counter() - t_start) / 60 >= minutes
        if state["step"] % cfg.save_every == 0 or out_of_time:
            save()
        if out_of_time:
            log(f"time limit reached at step {state['step']} of {cfg.total}; rerun the same command to continue")
            return {"finished": False, **state}
    final_auroc = evaluate()
    state["history"].append({"step": state["step"], "valid_auroc": final_auroc, "seconds": round(state["seconds"], 1)})
    save(final=True)
    return {"finished": True, "valid_auroc": final_auroc, **state}
