"""Fine-tuning the embedded generator (``ttc-viz train-gen``): a LoRA adapter on SmolLM2-135M.

The base model writes the search format poorly (about 1 in 4 right at level 1, almost none
above; 30% never state an answer). The adapter teaches it the format search uses, token for
token: the chat prompt the generator builds (system prompt, no worked example: the adapter
replaces it, and every prefill gets ~60 tokens shorter), then steps as the model writes them
in running text (each step's ids followed by the delimiter as two newline tokens), a final
"The answer is N." and EOS. Loss: cross-entropy on the solution tokens only.

Data: correct step-by-step solutions of synthetic *training* problems written from each
problem's own calculation (``prm_train.write_solution``), all five levels; problems whose
text equals an evaluation problem's are skipped. A fresh batch is drawn per step from a
seed that depends only on (seed, step), so a resumed run sees what an uninterrupted one
would. A checkpoint (adapter + optimizer + state) is written atomically every
``save_every`` steps and at the time limit.

The adapter file (safetensors) holds the LoRA tensors; its metadata holds the format, the
LoRA settings, the prompt it was trained with and how it was trained. ``lm.embedded``
loads it onto the base model and merges it, so decoding costs the same as the base model.
"""
from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from typing import Callable

from .io import recover_dir, replace_dir, write_atomic
from .lm.base import GeneratorError
from .problems import LEVELS, synthetic
from .seeds import derive
from .prm_train import TRAIN_INDEX_START, VALID_INDEX_START, reserved_texts, write_solution

FORMAT = "ttc-viz-generator-adapter-v1"
BASE = "smollm2-135m-instruct"


@dataclass
class LoraSettings:
    rank: int = 16
    alpha: int = 32
    layers: int = 12              # LoRA on the top `layers` of 30: the backward pass stops there (2x cheaper)
    targets: tuple = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


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


TUNED_SYSTEM_PROMPT = "Solve the math word problem step by step."


def training_prompt() -> dict:
    """The prompt the adapter is trained with (and used with): a one-line system prompt and
    no worked example (84 prompt tokens on a level-5 problem instead of 210)."""
    return {"system_prompt": TUNED_SYSTEM_PROMPT, "examples": []}


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
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    frac = (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup)
    return cfg.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac))))


def _peft_model(model, lora: LoraSettings):
    from peft import LoraConfig, get_peft_model

    n = model.config.num_hidden_layers
    if not 1 <= lora.layers <= n:
        raise GeneratorError(f"the adapter asks for LoRA on {lora.layers} layers; the base model has {n}")
    return get_peft_model(model, LoraConfig(r=lora.rank, lora_alpha=lora.alpha, lora_dropout=0.0, bias="none",
                                            target_modules=list(lora.targets), layers_pattern="layers",
                                            layers_to_transform=list(range(n - lora.layers, n))))


@dataclass(frozen=True)
class AdapterTask:
    """What an adapter is trained to do: the prompt it is trained (and used) with, the
    examples of a step (``batch(seed, step, size, levels)`` -> [{"problem", "steps"}], pure
    in its arguments so a resumed run sees what an uninterrupted one would), and the
    adapter of ``models/`` it is trained on top of (merged first; None: the base model).
    The generator adapter is ``GENERATOR``; the revision adapter (``revise_train``) is another."""
    name: str
    prompt: dict
    batch: Callable
    on_top_of: str | None = None


def save_gen_adapter(peft_model, path: Path, lora: LoraSettings, info: dict, prompt: dict | None = None) -> Path:
    from peft import get_peft_model_state_dict
    from safetensors.torch import save

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").contiguous() for k, v in get_peft_model_state_dict(peft_model).items()}
    meta = {"format": FORMAT, "base": BASE, "lora": json.dumps(asdict(lora)),
            "prompt": json.dumps(prompt or training_prompt()), "info": json.dumps(info)}
    return write_atomic(path, save(state, metadata=meta))


def read_gen_adapter(path) -> tuple[dict, LoraSettings, dict, dict]:
    """(tensors, lora settings, prompt, info); GeneratorError naming the fix otherwise."""
    from safetensors import safe_open

    path = Path(path)
    fix = "restore it (git checkout models/smollm2-gen), train one with `ttc-viz train-gen`, or use the base model"
    if not path.is_file():
        raise GeneratorError(f"generator adapter not found: {path}; {fix}")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # noqa: BLE001 - any damage: one clear line
        raise GeneratorError(f"{path} is not a readable adapter file ({str(e).splitlines()[0][:120]}); {fix}") from None
    if meta.get("format") != FORMAT:
        raise GeneratorError(f"{path} is not a generator adapter (format {meta.get('format')!r}); {fix}")
    if meta.get("base") != BASE:
        raise GeneratorError(f"{path} was trained for base model {meta.get('base')!r}, not {BASE}")
    try:
        lora = json.loads(meta["lora"])
        lora = LoraSettings(rank=int(lora["rank"]), alpha=int(lora["alpha"]), layers=int(lora["layers"]),
                            targets=tuple(map(str, lora["targets"])))
        prompt = json.loads(meta["prompt"])
        prompt = {"system_prompt": str(prompt["system_prompt"]),
                  "examples": [tuple(map(str, e)) for e in prompt["examples"]]}
        info = json.loads(meta.get("info", "{}"))
    except (KeyError, TypeError, ValueError) as e:
        raise GeneratorError(f"{path} has damaged metadata ({e}); {fix}") from None
    if not 1 <= lora.rank <= 512 or not tensors:
        raise GeneratorError(f"{path} has an implausible LoRA rank ({lora.rank}) or no tensors; {fix}")
    return tensors, lora, prompt, info


def base_adapter(info: dict) -> Path | None:
    """The adapter an adapter was trained on top of (its info's ``on_top_of``, a folder of
    ``models/``), or None. GeneratorError if it names something else or is missing."""
    name = info.get("on_top_of")
    if not name:
        return None
    from .assets import models_dir

    if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
        raise GeneratorError(f"an adapter names an implausible base adapter {name!r}")
    path = models_dir() / name / "adapter.safetensors"
    if not path.is_file():
        raise GeneratorError(f"this adapter is trained on top of models/{name}, which is missing ({path})")
    return path


def apply_adapter(model, path, _depth: int = 0) -> tuple[object, dict, dict]:
    """Load a generator adapter onto ``model`` and merge it in: (merged model, prompt, info).
    An adapter trained on top of another (the revision adapter on the generator's) has that
    one merged first."""
    from peft import set_peft_model_state_dict

    tensors, lora, prompt, info = read_gen_adapter(path)
    below = base_adapter(info)
    if below is not None:
        if _depth >= 2:
            raise GeneratorError(f"{path}: adapters stacked more than 2 deep")
        model, _, _ = apply_adapter(model, below, _depth + 1)
    pm = _peft_model(model, lora)
    missing = set_peft_model_state_dict(pm, tensors)
    unexpected = getattr(missing, "unexpected_keys", [])
    if unexpected:
        raise GeneratorError(f"{path} does not match the base model (unexpected tensors, e.g. {unexpected[0]})")
    return pm.merge_and_unload(), prompt, info


def train_generator(out_dir, cfg: GenTrainConfig, *, device: str = "auto", minutes: float | None = None,
                    progress=None, log=print, task: AdapterTask | None = None) -> dict:
    """Train (or resume) into ``out_dir``: ``adapter.safetensors`` + ``training.json``.
    ``task``: what to train (default: the generator adapter)."""
    import dataclasses

    import torch

    from .lm.embedded import load_embedded
    from .lm.hf import HFConfig

    cfg.check()
    task = task or GENERATOR
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ckpt = out / "checkpoint"
    prompt = task.prompt
    config = HFConfig(system_prompt=prompt["system_prompt"], examples=tuple(prompt["examples"]))
    below = base_adapter({"on_top_of": task.on_top_of})
    gen = load_embedded(device=device, dtype="float32", config=config, adapter=below)
    gen.cfg = dataclasses.replace(gen.cfg, system_prompt=config.system_prompt, examples=config.examples)
    model = _peft_model(gen.model, cfg.lora)
    dev = gen.device
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=0.0)
    state = {"step": 0, "seconds": 0.0, "history": [], "config": json.loads(json.dumps(asdict(cfg)))}
    recover_dir(ckpt)  # a swap killed half-way leaves the previous checkpoint aside
    if (ckpt / "state.json").exists():
        from peft import set_peft_model_state_dict

        old = json.loads((ckpt / "state.json").read_text())
        same = {k: v for k, v in old["config"].items() if k not in ("steps", "save_every")}
        if same != {k: v for k, v in state["config"].items() if k not in ("steps", "save_every")}:
            raise ValueError(f"{ckpt} holds a run with other settings ({old['config']}); use another --out "
                             "or the same settings")
        tensors, _, _, _ = read_gen_adapter(ckpt / "adapter.safetensors")
        set_peft_model_state_dict(model, tensors)
        opt.load_state_dict(torch.load(ckpt / "optimizer.pt", weights_only=True))
        state.update({k: old[k] for k in ("step", "seconds", "history")})
        log(f"resuming at step {state['step']} of {cfg.steps}")
    use_bf16 = cfg.bf16 and (str(dev).startswith("cuda")
                             or torch.backends.cpu.get_cpu_capability() in ("AVX512", "AMX"))
    pad = gen.tok.pad_token_id
    body, head = model.get_base_model().model, model.get_base_model().lm_head

    def save(final: bool = False) -> None:
        info = {"steps": state["step"], "examples": state["step"] * cfg.batch_size,
                "seconds": round(state["seconds"], 1), "config": state["config"], "task": task.name}
        if task.on_top_of:
            info["on_top_of"] = task.on_top_of
        tmp = out / f".checkpoint.{time.time_ns()}.tmp"
        tmp.mkdir()
        save_gen_adapter(model, tmp / "adapter.safetensors", cfg.lora, info, prompt)
        torch.save(opt.state_dict(), tmp / "optimizer.pt")
        write_atomic(tmp / "state.json", json.dumps(state))
        # swap in the new checkpoint; the old one stays until the new one is complete
        replace_dir(tmp, ckpt)
        if final:
            save_gen_adapter(model, out / "adapter.safetensors", cfg.lora, info, prompt)
            write_atomic(out / "training.json", json.dumps({**info, "history": state["history"]}, indent=1))

    model.train()
    t0, base_seconds = time.perf_counter(), state["seconds"]
    while state["step"] < cfg.steps:
        step = state["step"]
        for g in opt.param_groups:
            g["lr"] = _lr_at(cfg, step)
        enc = [encode_example(gen, b["problem"], b["steps"])
               for b in task.batch(cfg.seed, step, cfg.batch_size, cfg.levels)]
        width = max(len(i) for i, _ in enc)
        ids = torch.tensor([i + [pad] * (width - len(i)) for i, _ in enc], device=dev)
        tgt = torch.tensor([t + [-100] * (width - len(t)) for _, t in enc], device=dev)
        mask = torch.tensor([[1] * len(i) + [0] * (width - len(i)) for i, _ in enc], device=dev)
        with torch.autocast("cuda" if str(dev).startswith("cuda") else "cpu", dtype=torch.bfloat16,
                            enabled=use_bf16):
            hidden = body(input_ids=ids, attention_mask=mask).last_hidden_state
            # the LM head only where there is a target (the solution): a third of the positions
            y = tgt[:, 1:]
            sel = y != -100
            logits = head(hidden[:, :-1][sel])
        loss = torch.nn.functional.cross_entropy(logits.float(), y[sel])
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        state["step"] += 1
        state["seconds"] = base_seconds + time.perf_counter() - t0
        state["history"].append({"step": state["step"], "loss": round(loss.item(), 4),
                                 "seconds": round(state["seconds"], 1)})
        if progress:
            progress(state["step"], cfg.steps, loss.item())
        out_of_time = minutes is not None and (time.perf_counter() - t0) / 60 >= minutes
        if state["step"] % cfg.save_every == 0 or out_of_time:
            save()
        if out_of_time and state["step"] < cfg.steps:
            log(f"time limit reached at step {state['step']} of {cfg.steps}; rerun the same command to continue")
            return {"finished": False, **state}
    save(final=True)
    return {"finished": True, **state}


GENERATOR = AdapterTask("generator", training_prompt(), solutions_batch)
