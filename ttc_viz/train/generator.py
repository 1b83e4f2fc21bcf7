"""Fine-tuning the embedded generator (``ttc-viz train-gen``): a LoRA adapter on SmolLM2-135M.

The base model writes the search format poorly (about 1 in 4 right at level 1, almost none
above; 30% never state an answer). The adapter teaches it the format search uses, token for
token: the chat prompt the generator builds (system prompt, no worked example: the adapter
replaces it, and every prefill gets ~60 tokens shorter), then steps as the model writes them
in running text (each step's ids followed by the delimiter as two newline tokens), a final
"The answer is N." and EOS. Loss: cross-entropy on the solution tokens only.

Data: correct step-by-step solutions of synthetic *training* problems written from each
problem's own calculation (``train/synthetic.write_solution``), all five levels; problems
whose text equals an evaluation problem's are skipped. A fresh batch is drawn per step from a
seed that depends only on (seed, step), so a resumed run sees what an uninterrupted one
would. A checkpoint (adapter + optimizer + state) is written atomically every
``save_every`` steps and at the time limit.

The adapter's file format, its LoRA settings and loading it for serving live in
``lm/adapter.py``; this module only trains one.
"""
from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from ..lm.adapter import (LoraSettings, base_adapter, lora_model, read_gen_adapter, save_gen_adapter,
                          training_prompt)
from ..problems import LEVELS, TRAIN_INDEX_START, VALID_INDEX_START, reserved_texts, synthetic
from ..seeds import derive
from .loop import descend, micro_batches, resume, save_checkpoint, warmup_cosine
from .outside import read_gsm8k
from .synthetic import write_solution

@dataclass
class GenTrainConfig:
    steps: int = 400
    batch_size: int = 16
    lr: float = 1e-3              # LoRA tolerates a high rate; cosine decay to 10% of it
    warmup: int = 20
    seed: int = 0
    save_every: int = 25
    bf16: bool = True             # autocast to bfloat16 where the CPU has it (or a GPU)
    levels: tuple = LEVELS
    lora: LoraSettings = field(default_factory=LoraSettings)
    data: str | None = None       # outside examples in GSM8K's format (``outside.read_gsm8k``), optional
    data_share: float = 0.3       # share of each batch drawn from ``data`` when it is given
    micro_tokens: int = 1536      # padded tokens a micro-batch holds (a batch is split by length; same gradient)

    def check(self) -> None:
        for k in ("steps", "batch_size", "save_every", "warmup"):
            v = getattr(self, k)
            if not isinstance(v, int) or v < (0 if k == "warmup" else 1):
                raise ValueError(f"{k} must be a whole number{' 0 or more' if k == 'warmup' else ' 1 or more'}, "
                                 f"got {v!r}")
        if self.batch_size > 1024:
            raise ValueError(f"batch size must be 1-1024, got {self.batch_size}")
        if not 0 < self.lr < 1:
            raise ValueError(f"learning rate must be within (0, 1), got {self.lr}")
        if not self.levels or any(lv not in LEVELS for lv in self.levels):
            raise ValueError(f"levels must be within 1-5, got {self.levels}")
        if not 0.0 <= self.data_share <= 1.0:
            raise ValueError(f"the share of outside data must be between 0 and 1, got {self.data_share!r}")


def with_outside(batch: list[dict], outside: list[dict], seed: int, step: int, share: float) -> list[dict]:
    """``batch`` with a ``share`` of it replaced by outside examples, drawn by a seed that
    depends only on (seed, step), so a resumed run sees what an uninterrupted one would."""
    if not outside or share <= 0:
        return batch
    rng = random.Random(derive(derive(seed, 7_919, modulus=None), step, modulus=None))
    k = min(len(batch), round(len(batch) * share))
    return batch[:len(batch) - k] + [outside[rng.randrange(len(outside))] for _ in range(k)]


def solutions_batch(seed: int, step: int, size: int, levels=LEVELS, start: int = TRAIN_INDEX_START) -> list[dict]:
    """``size`` correct reference solutions of fresh training problems; pure in (seed, step)."""
    rng = random.Random(derive(seed, step, modulus=None))
    reserved = reserved_texts()
    span = (VALID_INDEX_START - start) if start < VALID_INDEX_START else 50_000
    out = []
    for _ in range(size):
        lv = rng.choice(levels)
        p = synthetic(lv, start + rng.randrange(span), split="train")
        while p.text in reserved:
            p = synthetic(lv, start + rng.randrange(span), split="train")
        steps, _ = write_solution(p, rng, spoil=False)
        out.append({"problem": p.text, "steps": steps})
    return out


def encode_example(gen, problem: str, steps: list[str]) -> tuple[list[int], list[int]]:
    """(ids, targets): the prompt the generator builds, then the solution as the model writes
    it; targets are -100 on the prompt (no loss there)."""
    head = gen.tok(gen.prompt(problem), add_special_tokens=False)["input_ids"]
    body: list[int] = []
    for s in steps[:-1]:
        body += gen.text_ids(s)
    body += gen.tok(steps[-1], add_special_tokens=False)["input_ids"] + [gen.tok.eos_token_id]
    return head + body, [-100] * len(head) + body


def _lr_at(cfg: GenTrainConfig, step: int) -> float:
    return warmup_cosine(cfg.lr, cfg.warmup, cfg.steps, step)


@dataclass(frozen=True)
class AdapterTask:
    """What an adapter is trained to do: the prompt it is trained (and used) with, the
    examples of a step (``batch(seed, step, size, levels)`` -> [{"problem", "steps"}], pure
    in its arguments so a resumed run sees what an uninterrupted one would), and the
    adapter of ``models/`` it is trained on top of (merged first; None: the base model).
    The generator adapter is ``GENERATOR``; the revision adapter (``train/reviser.py``) is another."""
    name: str
    prompt: dict
    batch: Callable
    on_top_of: str | None = None


def train_generator(out_dir, cfg: GenTrainConfig, *, device: str = "auto", minutes: float | None = None,
                    progress=None, log=print, task: AdapterTask | None = None) -> dict:
    """Train (or resume) into ``out_dir``: ``adapter.safetensors`` + ``training.json``.
    ``task``: what to train (default: the generator adapter)."""
    import dataclasses

    import torch

    from ..lm.devices import autocast, bf16_available
    from ..lm.embedded import load_embedded
    from ..lm.hf import HFConfig

    cfg.check()
    task = task or GENERATOR
    outside = read_gsm8k(cfg.data) if cfg.data else []
    if outside:
        log(f"outside data: {len(outside)} examples from {cfg.data}, {cfg.data_share:.0%} of each batch")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint"
    prompt = task.prompt
    config = HFConfig(system_prompt=prompt["system_prompt"], examples=tuple(prompt["examples"]))
    below = base_adapter({"on_top_of": task.on_top_of})
    gen = load_embedded(device=device, dtype="float32", config=config, adapter=below)
    gen.cfg = dataclasses.replace(gen.cfg, system_prompt=config.system_prompt, examples=config.examples)
    model = lora_model(gen.model, cfg.lora)
    dev = gen.device
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    state = {"step": 0, "seconds": 0.0, "history": [], "config": json.loads(json.dumps(asdict(cfg)))}
    if task is not GENERATOR:  # a checkpoint resumes only the task it was made for
        state["config"]["task"] = task.name

    def load_adapter(path: Path) -> None:
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, read_gen_adapter(path)[0])

    if resume(ckpt, state, opt, load_adapter, free=("steps", "save_every")):
        log(f"resuming at step {state['step']} of {cfg.steps}")
    use_bf16 = cfg.bf16 and bf16_available(dev)
    pad = gen.tok.pad_token_id
    body, head = model.get_base_model().model, model.get_base_model().lm_head

    def save(final: bool = False) -> None:
        info = {"steps": state["step"], "examples": state["step"] * cfg.batch_size,
                "seconds": round(state["seconds"], 1), "config": state["config"], "task": task.name}
        if task.on_top_of:
            info["on_top_of"] = task.on_top_of
        if state.get("fresh_optimizer_at"):
            info["fresh_optimizer_at"] = state["fresh_optimizer_at"]
        save_checkpoint(out, ckpt, lambda path: save_gen_adapter(model, path, cfg.lora, info, prompt), opt, state,
                        info, final)

    model.train()
    t0, base_seconds = time.perf_counter(), state["seconds"]
    while state["step"] < cfg.steps:
        step = state["step"]
        for g in opt.param_groups:
            g["lr"] = _lr_at(cfg, step)
        batch = with_outside(task.batch(cfg.seed, step, cfg.batch_size, cfg.levels), outside, cfg.seed, step,
                             cfg.data_share)
        enc = [encode_example(gen, b["problem"], b["steps"]) for b in batch]
        targets = sum(sum(1 for t in tg[1:] if t != -100) for _, tg in enc)

        def micro_losses():
            """The batch's mean cross-entropy as a sum over micro-batches of similar length."""
            for group in micro_batches([len(i) for i, _ in enc], cfg.micro_tokens):
                part = [enc[k] for k in group]
                width = max(len(i) for i, _ in part)
                ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in part], device=dev)
                tgt = torch.tensor([t + [-100] * (width - len(t)) for _, t in part], device=dev)
                mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in part], device=dev)
                with autocast(dev, use_bf16):
                    hidden = body(input_ids=ids, attention_mask=mask).last_hidden_state
                    # the LM head only where there is a target (the solution): a third of the positions
                    y = tgt[:, 1:]
                    sel = y != -100
                    logits = head(hidden[:, :-1][sel])
                yield torch.nn.functional.cross_entropy(logits.float(), y[sel], reduction="sum") / targets

        loss = descend(opt, params, micro_losses())
        state["step"] += 1
        state["seconds"] = base_seconds + time.perf_counter() - t0
        state["history"].append({"step": state["step"], "loss": round(loss, 4),
                                 "seconds": round(state["seconds"], 1)})
        if progress:
            progress(state["step"], cfg.steps, loss)
        out_of_time = minutes is not None and (time.perf_counter() - t0) / 60 >= minutes
        if state["step"] % cfg.save_every == 0 or out_of_time:
            save()
        if out_of_time and state["step"] < cfg.steps:
            log(f"time limit reached at step {state['step']} of {cfg.steps}; rerun the same command to continue")
            return {"finished": False, **state}
    save(final=True)
    return {"finished": True, **state}


GENERATOR = AdapterTask("generator", training_prompt(), solutions_batch)
