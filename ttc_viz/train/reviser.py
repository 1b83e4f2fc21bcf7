"""The revision adapter (``ttc-viz train-revise``): the embedded generator taught to revise.

Trained as Snell et al. (2024) trained theirs: a chain of 0-4 wrong attempts at a problem
followed by a right one (``training_chain``: the last wrong attempt is the one closest to the
right one by edit distance, ``closeness``; the others in random order), and the model learns
to write the right attempt with the wrong ones in context (what the revisions strategy shows
a reviser: ``search/revisions.revision_problem``). Loss on the right attempt's tokens only,
encoded token for token as search continues them (``generator.encode_example``).

Where the attempts come from, half and half per batch:
  * **the generator's own samples** on training problems (``data/prm-oracle-smollm2``:
    1,304 samples of 163 problems, levels 1-4, each graded by the answer key): its real
    mistakes as context; the right attempt is one of its right samples of that problem, or
    the problem's reference solution where it never got it right;
  * **synthetic chains** on fresh training problems: wrong attempts are reference solutions
    spoiled with the generator's own mistake kinds (``synthetic.write_solution``), the right
    one the clean reference solution. They add volume and harder levels.

The adapter is a LoRA on top of the generator adapter (``models/smollm2-gen``, merged
first), so it starts from a model that already writes the format; it ships in
``models/smollm2-revise`` and a backend offers it as ``generator.reviser()``.
"""
from __future__ import annotations

import difflib
import functools
import json
import random
from pathlib import Path
from typing import Sequence

from ..assets import GEN_ADAPTER, data_dir
from ..grading import extract_answer, grade
from ..problems import TRAIN_INDEX_START, VALID_INDEX_START, reserved_texts, synthetic
from ..search.revisions import REVISION_SYSTEM_PROMPT, attempt_text, revision_problem
from ..seeds import derive
from .generator import AdapterTask
from .synthetic import validation_texts, write_solution

MAX_WRONG = 4          # training chains hold 0-4 wrong attempts before the right one
REVISE_LEVELS = (1, 2, 3, 4)   # level 5: the generator never solves one, its chains would be all synthetic
ATTEMPTS_DATA = "prm-oracle-smollm2"
REAL_SHARE = 0.5


def closeness(a: Sequence[str], b: Sequence[str]) -> float:
    """Similarity of two attempts in [0, 1] (1: the same text), from the edit script of
    their texts (difflib's ratio: 2 * matched characters / total characters)."""
    return difflib.SequenceMatcher(None, attempt_text(a), attempt_text(b), autojunk=False).ratio()


def training_chain(wrong: Sequence[Sequence[str]], right: Sequence[str], k: int,
                   rng: random.Random) -> list[list[str]]:
    """``k`` of the ``wrong`` attempts (fewer if there are fewer), then ``right``: the last
    wrong one is the closest to ``right``, the others drawn at random in random order."""
    k = max(0, min(k, len(wrong), MAX_WRONG))
    if k == 0:
        return [list(right)]
    pool = [list(w) for w in wrong]
    last = max(range(len(pool)), key=lambda i: (closeness(pool[i], right), -i))
    rest = [w for i, w in enumerate(pool) if i != last]
    rng.shuffle(rest)
    return rest[:k - 1] + [pool[last], list(right)]


def revision_prompt() -> dict:
    return {"system_prompt": REVISION_SYSTEM_PROMPT, "examples": []}


@functools.lru_cache(maxsize=2)
def generator_attempts(folder: str | None = None) -> tuple:
    """The generator's graded samples on training problems, grouped by problem:
    ((level, index, problem text, (wrong attempts), (right attempts)), ...). Empty if the
    data folder is absent (then every chain is synthetic). A problem whose text is also an
    evaluation problem's (level 1 comes from a small space of texts) is left out."""
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
    p = synthetic(level, index, split="train")
    return p, write_solution(p, rng, spoil=spoil)


def _show_right(chain: list, right: list, rng: random.Random) -> list:
    """The chain with a right attempt put among its earlier attempts (at most 4 shown)."""
    shown = chain[:-1][-(MAX_WRONG - 1):] if len(chain) > MAX_WRONG else chain[:-1]
    shown.insert(rng.randint(0, len(shown)), list(right))
    return shown + chain[-1:]


def _item(text: str, chain: list, source: str, level: int, shown_right: bool) -> dict:
    return {"problem": revision_problem(text, chain[:-1]), "steps": chain[-1], "source": source,
            "level": level, "wrong": len(chain) - 1 - shown_right, "right_shown": shown_right}


def _synthetic_chain(rng: random.Random, levels, keep_right: float = 0.0) -> dict:
    """A fresh training problem: up to 4 spoiled (wrong) solutions, then the clean one."""
    reserved = reserved_texts() | validation_texts()
    lv = rng.choice(levels)
    while True:
        p, (right, _) = _reference(lv, TRAIN_INDEX_START + rng.randrange(VALID_INDEX_START - TRAIN_INDEX_START), rng)
        if p.text not in reserved:
            break
    wrong = []  # wrong by the final answer, as a grader sees it (a slip that lands on the right number is not)
    for _ in range(3 * MAX_WRONG):
        steps, _ = write_solution(p, rng, spoil=True)
        ans = extract_answer("\n\n".join(steps))
        if ans is None or not grade(ans, p.answer):
            wrong.append(steps)
        if len(wrong) == MAX_WRONG:
            break
    chain = training_chain(wrong, right, rng.randint(0, MAX_WRONG), rng)
    show = rng.random() < keep_right
    if show:  # the same calculation worded afresh
        chain = _show_right(chain, write_solution(p, rng, spoil=False)[0], rng)
    return _item(p.text, chain, "synthetic", lv, show)


def _real_chain(rng: random.Random, levels, attempts: tuple, keep_right: float = 0.0) -> dict | None:
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
    show = rng.random() < keep_right
    if show:  # one of its own right samples (the target itself if it has only one)
        chain = _show_right(chain, list(rng.choice(right)) if right else target, rng)
    return _item(text, chain, "generator", level, show)


def revision_batch(seed: int, step: int, size: int, levels=REVISE_LEVELS, attempts: tuple | None = None,
                   keep_right: float = 0.0) -> list[dict]:
    """``size`` training chains, a pure function of (seed, step): {"problem" (the revision
    text), "steps" (the right attempt), "source", "level", "wrong" (wrong attempts in
    context), "right_shown"}. ``keep_right``: the share of chains that also show a right
    attempt in context (0: the paper's recipe, only wrong ones)."""
    rng = random.Random(derive(seed, step, modulus=None))
    attempts = generator_attempts() if attempts is None else attempts
    out = []
    while len(out) < size:
        item = _real_chain(rng, levels, attempts, keep_right) if rng.random() < REAL_SHARE else None
        out.append(item or _synthetic_chain(rng, levels, keep_right))
    return out


def reviser_task(keep_right: float = 0.0, data: str | None = None) -> AdapterTask:
    """The revision adapter's training task; ``keep_right`` as in ``revision_batch``;
    ``data``: a ``prm-data`` folder of the generator's graded samples (default: the shipped
    ``data/prm-oracle-smollm2``), e.g. one made with the generator the reviser sits on."""
    if not 0.0 <= keep_right <= 1.0:
        raise ValueError(f"keep-right must be a share between 0 and 1, got {keep_right!r}")
    name, batch = f"reviser keep_right={keep_right:g}", functools.partial(revision_batch, keep_right=keep_right)
    if data is not None:
        if not (Path(data) / "shards").is_dir():
            raise ValueError(f"--data {data} holds no shards/ folder: make one with `ttc-viz prm-data --out {data}`")
        attempts = generator_attempts(data)
        if not attempts:
            raise ValueError(f"--data {data} holds no graded samples of levels {REVISE_LEVELS[0]}-{REVISE_LEVELS[-1]}")
        name, batch = f"{name} data={Path(data).name}", functools.partial(batch, attempts=attempts)
    return AdapterTask(name, revision_prompt(), batch, on_top_of=GEN_ADAPTER[0])


REVISER = reviser_task()

__all__ = ["REVISER", "reviser_task", "revision_batch", "generator_attempts", "revision_prompt", "REVISE_LEVELS",
           "MAX_WRONG", "closeness", "training_chain"]
