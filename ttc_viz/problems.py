"""Problems: a seeded synthetic set of graded word problems, and JSONL loaders.

One entry point per source:
  * ``synthetic(level, index, split="test")`` -> Problem, deterministic for (level, index, split).
  * ``load_jsonl(path)`` -> list[Problem], MATH-style (``problem``/``answer``) or
    GSM8K-style (``question``/``answer`` ending in ``#### N``), detected per line.

Levels: 1 = one operation on small numbers ... 5 = several chained operations on
larger numbers. The "train" and "test" splits draw from disjoint seed streams, so a
PRM trained on "train" problems is never evaluated on problems it has seen.
"""
from __future__ import annotations

import functools
import json
import random
from dataclasses import dataclass, field, asdict
from pathlib import Path

LEVELS = (1, 2, 3, 4, 5)
# How the synthetic problem indices are shared out. Evaluations (sweeps, eval-prm,
# eval-revise) draw test-split indices below EVAL_RESERVE; training draws train-split
# indices from TRAIN_INDEX_START (MC-labelled data below it), and the PRM's validation set a
# disjoint block from VALID_INDEX_START. Level-1 texts come from a small space, so a training
# problem whose text equals an evaluation problem's is skipped (``reserved_texts``).
EVAL_RESERVE = 1000            # test-split indices per level that evaluations draw from
TRAIN_INDEX_START = 1000       # train-split problems for synthetic data; MC data uses indices < 1000
VALID_INDEX_START = 900_000    # a disjoint block of train-split problems for the validation AUROC
MAX_PROBLEM_CHARS = 4000  # longer prompts crowd out the solution in a small model's context


class ProblemError(ValueError):
    """A problem or data set that cannot be used; the message says why."""


@dataclass(frozen=True)
class Problem:
    text: str
    answer: str | None = None
    level: int | None = None
    source: str = "user"
    id: str = ""
    meta: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def make_problem(text: str, answer: str | None = None, **kw) -> Problem:
    """A user-typed problem, checked: not empty, not absurdly long."""
    text = (text or "").strip()
    if not text:
        raise ProblemError("the problem is empty: type a question to solve")
    if len(text) > MAX_PROBLEM_CHARS:
        raise ProblemError(
            f"the problem is {len(text)} characters long; the limit is {MAX_PROBLEM_CHARS}"
        )
    answer = answer.strip() if isinstance(answer, str) and answer.strip() else None
    return Problem(text=text, answer=answer, **kw)


# ----------------------------------------------------------------------------------------
# Synthetic grade-school problems

_NAMES = ["Ana", "Ben", "Carla", "Dev", "Ema", "Finn", "Gita", "Hugo", "Ines", "Jon", "Kemal", "Lena"]
_ITEMS = ["apples", "marbles", "stickers", "books", "pencils", "cards", "shells", "coins", "stamps", "eggs"]

# Number ranges per level: small numbers first, larger ones as the level rises.
_RANGE = {1: (1, 9), 2: (2, 20), 3: (5, 40), 4: (10, 100), 5: (20, 500)}
_SPLIT_SEED = {"test": 1_000_003, "train": 7_777_777}


def _rng(level: int, index: int, split: str) -> random.Random:
    if level not in LEVELS:
        raise ProblemError(f"level must be one of 1-5, got {level}")
    if index < 0:
        raise ProblemError(f"index must be 0 or more, got {index}")
    if split not in _SPLIT_SEED:
        raise ProblemError(f"split must be 'train' or 'test', got {split!r}")
    return random.Random(_SPLIT_SEED[split] * 1_000_000 + level * 100_003 + index)


def _op_sentence(rng: random.Random, name: str, item: str, total: int, level: int) -> tuple[str, int, tuple]:
    """One more operation on the running total: (sentence, new total, (op, operand)). Never negative."""
    lo, hi = _RANGE[level]
    ops = ["add", "sub"] + (["mul"] if level >= 3 else []) + (["div"] if level >= 4 else [])
    op = rng.choice(ops)
    if op == "sub" and total <= 1:
        op = "add"
    if op == "add":
        x = rng.randint(lo, hi)
        return f"{name} gets {x} more {item}.", total + x, ("+", x)
    if op == "sub":
        x = rng.randint(1, min(total - 1, hi))
        return f"{name} gives away {x} {item}.", total - x, ("-", x)
    if op == "mul":
        x = rng.randint(2, 3 if level < 4 else 5)
        word = {2: "doubles", 3: "triples"}.get(x, f"grows {x} times")
        return f"Then the number of {item} {name} has {word}.", total * x, ("*", x)
    # div: choose a divisor that divides the total, else fall back to add
    divisors = [d for d in range(2, 7) if total % d == 0]
    if not divisors:
        x = rng.randint(lo, hi)
        return f"{name} gets {x} more {item}.", total + x, ("+", x)
    d = rng.choice(divisors)
    return f"{name} splits the {item} equally into {d} boxes and keeps one box.", total // d, ("/", d)


def synthetic(level: int, index: int, split: str = "test") -> Problem:
    """The index-th synthetic problem of a level; same arguments -> same problem."""
    rng = _rng(level, index, split)
    name, item = rng.choice(_NAMES), rng.choice(_ITEMS)
    lo, hi = _RANGE[level]
    n_ops = {1: 1, 2: 2, 3: 2, 4: 3, 5: 4}[level]
    if level == 1:
        a, b = rng.randint(lo, hi), rng.randint(lo, hi)
        if rng.random() < 0.5:
            text = f"{name} has {a} {item} and gets {b} more. How many {item} does {name} have now?"
            ans, start, ops = a + b, a, [("+", b)]
        else:
            a, b = max(a, b) + 1, min(a, b)
            text = f"{name} has {a} {item} and gives away {b}. How many {item} does {name} have left?"
            ans, start, ops = a - b, a, [("-", b)]
    else:
        total = start = rng.randint(lo, hi)
        parts = [f"{name} has {total} {item}."]
        ops = []
        for _ in range(n_ops):
            sentence, total, op = _op_sentence(rng, name, item, total, level)
            parts.append(sentence)
            ops.append(op)
        parts.append(f"How many {item} does {name} have now?")
        text, ans = " ".join(parts), total
    # meta: the calculation behind the text (who, what, start, [(op, operand), ...]), so
    # reference and deliberately wrong solutions can be written for PRM training.
    meta = {"name": name, "item": item, "start": start, "ops": [list(o) for o in ops]}
    return Problem(text=text, answer=str(ans), level=level, source=f"synthetic-{split}",
                   id=f"synthetic-{split}-L{level}-{index}", meta=meta)


@functools.lru_cache(maxsize=1)
def reserved_texts() -> frozenset:
    """Texts of the test problems evaluations use. Level-1 problems come from a small space,
    so a train-split seed can produce the same text; such problems are never trained on."""
    return frozenset(synthetic(lv, i, split="test").text for lv in LEVELS for i in range(EVAL_RESERVE))


def synthetic_set(levels=LEVELS, per_level: int = 20, split: str = "test", start: int = 0) -> list[Problem]:
    return [synthetic(lv, i, split) for lv in levels for i in range(start, start + per_level)]


# ----------------------------------------------------------------------------------------
# JSONL loaders

def _gsm8k_answer(raw: str) -> str:
    if "####" not in raw:
        raise ProblemError("GSM8K-style answer has no '#### N' line")
    return raw.rsplit("####", 1)[1].strip().replace(",", "")


def _check_fields(text, answer, name: str) -> None:
    """A problem must be text (a null is not the problem "None"); an answer text, a number or null."""
    if not isinstance(text, str):
        raise ProblemError(f"'{name}' must be text, got {type(text).__name__ if text is not None else 'null'}")
    if answer is not None and (isinstance(answer, bool) or not isinstance(answer, (str, int, float))):
        raise ProblemError(f"'answer' must be text or a number, got {type(answer).__name__}")


def load_jsonl(path: str | Path, limit: int | None = None) -> list[Problem]:
    """Read MATH-style or GSM8K-style JSONL. Raises ProblemError naming the file and line."""
    p = Path(path)
    if not p.exists():
        raise ProblemError(f"dataset file not found: {p}")
    if p.is_dir():
        raise ProblemError(f"dataset path is a folder, not a .jsonl file: {p}")
    out: list[Problem] = []
    try:
        fh = p.open(encoding="utf-8-sig")  # a byte-order mark (some editors write one) is fine
        lines = fh.read().splitlines()
        fh.close()
    except UnicodeDecodeError:
        raise ProblemError(f"{p} is not UTF-8 text; expected JSON lines") from None
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise ProblemError(f"{p}:{ln}: not valid JSON ({e.msg})") from None
        if not isinstance(row, dict):
            raise ProblemError(f"{p}:{ln}: each line must be a JSON object")
        try:
            if "problem" in row:
                text, ans = row["problem"], row.get("answer")
                _check_fields(text, ans, "problem")
                level = row.get("level")
                if isinstance(level, str):  # MATH writes "Level 3"
                    digits = "".join(ch for ch in level if ch.isdigit())
                    level = int(digits) if digits else None
                meta = {"subject": row["subject"]} if "subject" in row else {}
                prob = make_problem(str(text), None if ans is None else str(ans), level=level,
                                    source=p.name, id=f"{p.stem}-{len(out)}", meta=meta)
            elif "question" in row:
                _check_fields(row["question"], row.get("answer", ""), "question")
                ans = _gsm8k_answer(str(row.get("answer", "")))
                prob = make_problem(str(row["question"]), ans, source=p.name, id=f"{p.stem}-{len(out)}")
            else:
                raise ProblemError("expected a 'problem' (MATH) or 'question' (GSM8K) field")
        except ProblemError as e:
            raise ProblemError(f"{p}:{ln}: {e}") from None
        out.append(prob)
        if limit is not None and len(out) >= limit:
            break
    if not out:
        raise ProblemError(f"{p} holds no problems")
    return out


def pick(problems: list[Problem], index: int) -> Problem:
    if not 0 <= index < len(problems):
        raise ProblemError(f"index {index} is out of range: the data set has {len(problems)} problems (0-{len(problems) - 1})")
    return problems[index]
