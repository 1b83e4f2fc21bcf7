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
2. **The generator's own samples** (``prm_data``): solutions sampled by the embedded model
   on training problems, labelled by the answer key (``--labels oracle``, exact) or by Monte
   Carlo rollouts (``--labels mc``, Math-Shepherd's soft labels).

Stage 1 trains on (1) alone; stage 2 mixes (2) into each batch. Loss: binary cross-entropy
with logits against the labels at every step boundary. A checkpoint (adapter + optimizer +
step) is written atomically every ``save_every`` steps and at the time limit, so an
interrupted run resumes where it stopped.

One module, over 300 lines on purpose: the synthetic solutions and their mistake kinds are
written for this training, and the problem sets kept out of it (evaluation, validation), the
batches drawn from them and the loop that consumes them change together. The schedule, the
optimiser step and the checkpoint shared with the generator's training are in ``training.py``.
"""
from __future__ import annotations

import functools
import random
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .metrics import auroc  # noqa: F401  (re-exported: older callers import it from here)
from .problems import LEVELS, Problem, synthetic
from .seeds import derive
from .training import descend, resume, save_checkpoint, warmup_cosine

TRAIN_INDEX_START = 1000       # train-split problems for synthetic data; MC data uses indices < 1000
VALID_INDEX_START = 900_000    # a disjoint block of train-split problems for the validation AUROC


# ---------------------------------------------------------------------------------------
# Synthetic step-verification solutions

_SYM = {"+": "+", "-": "-", "*": "*", "/": "/"}


def _apply(a: int, op: str, x: int) -> int:
    return {"+": a + x, "-": a - x, "*": a * x, "/": a // x if x else a}[op]


def _step_text(rng: random.Random, p: Problem, a: int, op: str, x: int, c: int, first: bool) -> str:
    name, item = p.meta["name"], p.meta["item"]
    eq = _equation(a, op, x, c, rng)
    verb = {"+": f"gets {x} more", "-": f"gives away {x}", "*": f"has {x} times as many",
            "/": f"keeps one of {x} equal boxes"}[op]
    forms = [f"{eq}.", f"{name} {verb}: {eq}.", f"{name} {verb} {item}, so {eq}.",
             f"Then {name} {verb}: {eq} {item}."]
    if first:
        forms += [f"{name} has {a} {item} and {verb}: {eq}.", f"{name} starts with {a} {item}: {eq}."]
    return rng.choice(forms)


def _slip(rng: random.Random, c: int) -> int:
    if rng.random() < 0.25 and abs(c) >= 10:  # swap two digits
        s = list(str(abs(c)))
        i = rng.randrange(len(s) - 1)
        s[i], s[i + 1] = s[i + 1], s[i]
        w = int("".join(s)) * (1 if c >= 0 else -1)
        if w != c:
            return w
    return c + rng.choice([-10, -3, -2, -1, 1, 2, 3, 10, 100, -100])


# The mistakes a spoiled solution makes. The first three are textbook slips; the others are
# what the fine-tuned generator itself gets wrong (read off its samples): an operation the
# problem never had (often the last one repeated, or "x k"), a right sentence over a wrong
# equation, a wrong quantity stated in prose and carried on, and stopping after some of the
# operations with that value announced as the answer.
MISTAKES = ("slip", "copy", "operation", "extra", "verb", "prose", "stop", "final")
_MISTAKE_WEIGHTS = (0.2, 0.12, 0.1, 0.18, 0.1, 0.1, 0.12, 0.08)
_WRONG_OP = {"+": "-", "-": "+", "*": "+", "/": "*"}


def _equation(a: int, op: str, x: int, c: int, rng: random.Random) -> str:
    sym = rng.choice(["*", "×", "x"]) if op == "*" else _SYM[op]
    return f"{a} {sym} {x} = {c}"


def write_solution(p: Problem, rng: random.Random, spoil: bool) -> tuple[list[str], list[float]]:
    """A step-by-step solution of a synthetic problem and exact per-step labels.

    A clean solution follows the problem's calculation. A spoiled one (``spoil``) makes one
    of ``MISTAKES`` at one place and carries on from the wrong value, as the model does.
    Labels come from the answer key (``verifiers/oracle.step_labels``): 1 while every step so
    far is on track, 0 from the first step that is not; the final "The answer is N" step is 1
    only for the right answer. No label depends on the step's position."""
    from .verifiers.oracle import chain_of, step_labels

    name, item = p.meta["name"], p.meta["item"]
    a = p.meta["start"]
    ops = [tuple(o) for o in p.meta["ops"]]
    kind = rng.choices(MISTAKES, _MISTAKE_WEIGHTS)[0] if spoil else None
    bad_at = rng.randrange(len(ops)) if spoil else -1
    steps: list[str] = []
    if rng.random() < 0.2:
        steps.append(f"{name} starts with {a} {item}.")
    for j, (op, x) in enumerate(ops):
        if kind == "stop" and j == bad_at:
            break  # stops early: the value so far is announced as the answer
        c = _apply(a, op, x)
        if j != bad_at or kind in ("stop", "final", "extra", "prose"):
            steps.append(_step_text(rng, p, a, op, x, c, first=(j == 0)))
        elif kind == "slip":
            steps.append(_step_text(rng, p, a, op, x, c := _slip(rng, c), first=(j == 0)))
        elif kind == "copy":
            wx = max(1, x + rng.choice([-3, -2, -1, 1, 2, 5]))
            c = _apply(a, op, wx)
            steps.append(_step_text(rng, p, a, op, wx, c, first=(j == 0)))
        elif kind == "operation":
            wop = _WRONG_OP[op]
            c = _apply(a, wop, x)
            steps.append(_step_text(rng, p, a, wop, x, c, first=(j == 0)))
        else:  # "verb": the sentence names the right operation, the equation does another
            wop, wx = (op, max(1, x + rng.choice([-2, -1, 1, 2]))) if rng.random() < 0.5 else (_WRONG_OP[op], x)
            c = _apply(a, wop, wx)
            verb = {"+": f"gets {x} more", "-": f"gives away {x}", "*": f"has {x} times as many",
                    "/": f"keeps one of {x} equal boxes"}[op]
            eq = _equation(a, wop, wx, c, rng)
            steps.append(rng.choice([f"{name} {verb}: {eq}.", f"{name} {verb} {item}, so {eq}."]))
        a = c
        if j == bad_at and kind == "extra":      # an operation the problem does not have
            xop, xx = (op, x) if rng.random() < 0.5 else ("*", rng.randint(2, 5))
            a = _apply(a, xop, xx)
            steps.append(_step_text(rng, p, c, xop, xx, a, first=False))
        elif j == bad_at and kind == "prose":    # a wrong quantity stated, then carried on
            a = max(1, c + rng.choice([-10, -3, -2, -1, 1, 2, 3, 10]))
            steps.append(rng.choice([f"Now {name} has {a} {item}.", f"So {name} has {a} {item}."]))
    final = _slip(rng, a) if kind == "final" else a
    steps.append(rng.choice([f"The answer is {final}.", f"So {name} has {final} {item}. The answer is {final}."]))
    chain = chain_of(p)
    labels = [1.0 if ok else 0.0 for ok in step_labels(chain, steps)]
    return steps, labels


EVAL_RESERVE = 1000  # test-split indices per level that evaluations draw from


@functools.lru_cache(maxsize=1)
def reserved_texts() -> frozenset:
    """Texts of the test problems evaluations use. Level-1 problems come from a small space,
    so a train-split seed can produce the same text; such problems are never trained on."""
    return frozenset(synthetic(lv, i, split="test").text for lv in LEVELS for i in range(EVAL_RESERVE))


def synthetic_batch(seed: int, step: int, size: int, levels=LEVELS,
                    start: int = TRAIN_INDEX_START) -> list[dict]:
    """``size`` fresh labelled solutions, a pure function of (seed, step). One level per
    batch when training (similar lengths: less padding); mixed for validation sets."""
    rng = random.Random(derive(seed, step, modulus=None))
    out = []
    training = start < VALID_INDEX_START
    one = rng.choice(levels) if training else None
    # training never sees an evaluation problem, nor (levels 1-2 come from a small space of
    # texts) a problem of the validation set
    reserved = reserved_texts() | validation_texts() if training else reserved_texts()
    for _ in range(size):
        lv = one or rng.choice(levels)
        p = synthetic(lv, start + rng.randrange(800_000 if training else 50_000), split="train")
        while p.text in reserved:
            p = synthetic(lv, start + rng.randrange(800_000 if training else 50_000), split="train")
        steps, labels = write_solution(p, rng, spoil=rng.random() < 0.5)
        out.append({"problem": p.text, "steps": steps, "labels": labels})
    return out


VALID_SEED, VALID_MAX = 12345, 1024


def validation_set(n: int = 256, seed: int = VALID_SEED) -> list[dict]:
    """Held-out synthetic solutions; ``validation_set(n)`` is the first n of any larger one."""
    return synthetic_batch(seed, 0, n, start=VALID_INDEX_START)


@functools.lru_cache(maxsize=1)
def validation_texts() -> frozenset:
    return frozenset(b["problem"] for b in validation_set(VALID_MAX))


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

    from .lm.devices import autocast, bf16_available
    from .verifiers.learned import (AdapterConfig, LearnedPRM, batch_tensors, build_net, encode, read_adapter,
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
