"""The revision adapter (``ttc-viz train-revise``): the embedded generator taught to revise.

Trained as Snell et al. (2024) trained theirs: a chain of 0-4 wrong attempts at a problem
followed by a right one (``revision.training_chain``: the last wrong attempt is the one
closest to the right one by edit distance), and the model learns to write the right
attempt with the wrong ones in context (``revision.revision_problem``). Loss on the right
attempt's tokens only, encoded token for token as search continues them
(``gen_train.encode_example``).

Where the attempts come from, half and half per batch:
  * **the generator's own samples** on training problems (``data/prm-oracle-smollm2``:
    1,304 samples of 163 problems, levels 1-4, each graded by the answer key): its real
    mistakes as context; the right attempt is one of its right samples of that problem, or
    the problem's reference solution where it never got it right;
  * **synthetic chains** on fresh training problems: wrong attempts are reference solutions
    spoiled with the generator's own mistake kinds (``prm_train.write_solution``), the right
    one the clean reference solution. They add volume and harder levels.

The adapter is a LoRA on top of the generator adapter (``models/smollm2-gen``, merged
first), so it starts from a model that already writes the format; it ships in
``models/smollm2-revise`` and a backend offers it as ``generator.reviser()``.
"""
from __future__ import annotations

import functools
import json
import random
from pathlib import Path

from .assets import GEN_ADAPTER, data_dir
from .gen_train import AdapterTask
from .problems import LEVELS, synthetic
from .revision import MAX_WRONG, REVISION_SYSTEM_PROMPT, revision_problem, training_chain
from .seeds import derive

REVISE_LEVELS = (1, 2, 3, 4)   # level 5: the generator never solves one, its chains would be all synthetic
ATTEMPTS_DATA = "prm-oracle-smollm2"
REAL_SHARE = 0.5


def revision_prompt() -> dict:
    return {"system_prompt": REVISION_SYSTEM_PROMPT, "examples": []}


@functools.lru_cache(maxsize=2)
def generator_attempts(folder: str | None = None) -> tuple:
    """The generator's graded samples on training problems, grouped by problem:
    ((level, index, problem text, (wrong attempts), (right attempts)), ...). Empty if the
    data folder is absent (then every chain is synthetic). A problem whose text is also an
    evaluation problem's (level 1 comes from a small space of texts) is left out."""
    from .prm_train import reserved_texts

    reserved = reserved_texts()
    root = Path(folder) if folder else data_dir() / ATTEMPTS_DATA
    by_problem: dict = {}
    for f in sorted((root / "shards").glob("*.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            if not r.get("steps") or r.get("correct") is None or r["problem"] in reserved:
                continue
            key = r["problem_id"]
            entry = by_problem.setdefault(key, {"level": int(r["level"]), "problem": r["problem"],
                                               "wrong": [], "right": []})
            entry["right" if r["correct"] else "wrong"].append(tuple(r["steps"]))
    out = []
    for key, e in sorted(by_problem.items()):
        index = int(key.rsplit("-", 1)[1])
        out.append((e["level"], index, e["problem"], tuple(e["wrong"]), tuple(e["right"])))
    return tuple(out)


def _reference(level: int, index: int, rng: random.Random, spoil: bool = False):
    from .prm_train import write_solution

    p = synthetic(level, index, split="train")
    return p, write_solution(p, rng, spoil=spoil)


def _synthetic_chain(rng: random.Random, levels) -> dict:
    """A fresh training problem: up to 4 spoiled (wrong) solutions, then the clean one."""
    from .prm_train import TRAIN_INDEX_START, VALID_INDEX_START, reserved_texts, validation_texts

    reserved = reserved_texts() | validation_texts()
    lv = rng.choice(levels)
    while True:
        p, (right, _) = _reference(lv, TRAIN_INDEX_START + rng.randrange(VALID_INDEX_START - TRAIN_INDEX_START), rng)
        if p.text not in reserved:
            break
    from .prm_train import write_solution

    from .grading import extract_answer, grade

    wrong = []  # wrong by the final answer, as a grader sees it (a slip that lands on the right number is not)
    for _ in range(3 * MAX_WRONG):
        steps, _ = write_solution(p, rng, spoil=True)
        ans = extract_answer("\n\n".join(steps))
        if ans is None or not grade(ans, p.answer):
            wrong.append(steps)
        if len(wrong) == MAX_WRONG:
            break
    chain = training_chain(wrong, right, rng.randint(0, MAX_WRONG), rng)
    return {"problem": revision_problem(p.text, chain[:-1]), "steps": chain[-1], "source": "synthetic",
            "level": lv, "wrong": len(chain) - 1}


def _real_chain(rng: random.Random, levels, attempts: tuple) -> dict | None:
    pool = [a for a in attempts if a[0] in levels and a[3]]
    if not pool:
        return None
    level, index, text, wrong, right = rng.choice(pool)
    if right:
        target = list(rng.choice(right))
    else:
        p, (target, _) = _reference(level, index, rng)
        if p.text != text:  # the data was made from another problem generator: skip it
            return None
    chain = training_chain(list(wrong), target, rng.randint(0, MAX_WRONG), rng)
    return {"problem": revision_problem(text, chain[:-1]), "steps": chain[-1], "source": "generator",
            "level": level, "wrong": len(chain) - 1}


def revision_batch(seed: int, step: int, size: int, levels=REVISE_LEVELS, attempts: tuple | None = None) -> list[dict]:
    """``size`` training chains, a pure function of (seed, step): {"problem" (the revision
    text), "steps" (the right attempt), "source", "level", "wrong" (attempts in context)}."""
    rng = random.Random(derive(seed, step, modulus=None))
    attempts = generator_attempts() if attempts is None else attempts
    out = []
    while len(out) < size:
        item = _real_chain(rng, levels, attempts) if rng.random() < REAL_SHARE else None
        out.append(item or _synthetic_chain(rng, levels))
    return out


REVISER = AdapterTask("reviser", revision_prompt(), revision_batch, on_top_of=GEN_ADAPTER[0])

__all__ = ["REVISER", "revision_batch", "generator_attempts", "revision_prompt", "REVISE_LEVELS"]
