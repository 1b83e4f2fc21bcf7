"""Problems: a seeded synthetic curriculum of classroom word problems, and JSONL loaders.

One entry point per source:
  * ``synthetic(level, index, split="test")`` -> Problem, deterministic for (level, index, split);
  * ``load_jsonl(path)`` -> list[Problem], MATH-style (``problem``/``answer``) or GSM8K-style
    (``question``/``answer`` ending in ``#### N``), detected per line;
  * ``make_problem(text, answer)``: a problem someone typed, checked.

The synthetic curriculum (this package's other modules) writes the arithmetic word problems a
teacher types, in many families and phrasings (``families.py``, ``measures.py``,
``stories.py``), each with the calculation behind it (``calc.Calculation`` in
``Problem.meta``), so that every step of a solution can be checked exactly
(``verifiers/oracle.py``). Levels are the difficulty axis: 1 = one step on times-table and
two-digit numbers, 2 = two steps, 3 = two or three steps on larger numbers, 4 = three steps,
5 = four steps on numbers in the hundreds. The "train" and "test" splits draw from disjoint
seed streams, so a model trained on "train" problems is never evaluated on problems it has
seen.
"""
from __future__ import annotations

import functools
import json
import random
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import measures, stories
from .calc import Calculation, calculation, expression_steps
from .families import FAMILIES
from .numbers import Numbers
from .stories import story
from .words import Words

LEVELS = (1, 2, 3, 4, 5)
# How the synthetic problem indices are shared out. Evaluations (sweeps, eval-prm,
# eval-revise) draw test-split indices below EVAL_RESERVE; training draws train-split
# indices from TRAIN_INDEX_START (MC-labelled data below it), and the PRM's validation set a
# disjoint block from VALID_INDEX_START. Texts of the easiest level come from a smaller space,
# so a training problem whose text equals an evaluation problem's is skipped (``reserved_texts``).
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
# The synthetic curriculum

_SPLIT_SEED = {"test": 1_000_003, "train": 7_777_777}
FAMILY_MODULES = (measures, stories)  # imported for their families (``families.FAMILIES``)
ONE_STEP = tuple(sorted(f.name for f in FAMILIES.values() if f.steps == 1))
MULTI_STEP = tuple(sorted(f.name for f in FAMILIES.values() if f.steps > 1))


def _rng(level: int, index: int, split: str) -> random.Random:
    if level not in LEVELS:
        raise ProblemError(f"level must be one of 1-5, got {level}")
    if not isinstance(index, int) or index < 0:
        raise ProblemError(f"index must be a whole number 0 or more, got {index!r}")
    if split not in _SPLIT_SEED:
        raise ProblemError(f"split must be 'train' or 'test', got {split!r}")
    return random.Random(_SPLIT_SEED[split] * 1_000_000 + level * 100_003 + index)


def _draft(level: int, rng: random.Random):
    """(family name, Draft) of one problem at ``level``."""
    w, n = Words(rng), Numbers(rng, level)
    if level == 1:
        name = rng.choice(ONE_STEP)
    elif level == 2:
        name = rng.choice(MULTI_STEP) if rng.random() < 0.5 else None
    elif level == 3:
        name = rng.choice(MULTI_STEP) if rng.random() < 0.35 else None
    else:
        name = None
    if name is not None:
        return name, FAMILIES[name].write(w, n)
    moves = {2: 2, 3: rng.choice((2, 3)), 4: 3, 5: 4}[level]
    return "story", story(w, n, moves, allow_mul=level >= 3)


def _numbers_in(text: str) -> list[int]:
    """The whole numbers a text states (digits only; "1/4" states 1 and 4)."""
    out, cur = [], ""
    for ch in text + " ":
        if ch.isdigit():
            cur += ch
        elif cur:
            out.append(int(cur))
            cur = ""
    return out


_KNOWN: OrderedDict = OrderedDict()   # text -> meta of the synthetic problems made in this process
_KNOWN_MAX = 50_000
_KNOWN_LOCK = threading.Lock()


def synthetic(level: int, index: int, split: str = "test") -> Problem:
    """The index-th synthetic problem of a level; same arguments -> same problem."""
    rng = _rng(level, index, split)
    name, d = _draft(level, rng)
    calc = calculation(d.steps, stated=_numbers_in(d.text) + list(d.constants), family=name, unit=d.unit,
                       alternatives=d.alternatives)
    meta = calc.to_meta()
    with _KNOWN_LOCK:
        _KNOWN[d.text] = meta
        _KNOWN.move_to_end(d.text)
        while len(_KNOWN) > _KNOWN_MAX:
            _KNOWN.popitem(last=False)
    return Problem(text=d.text, answer=str(calc.answer), level=level, source=f"synthetic-{split}",
                   id=f"synthetic-{split}-L{level}-{index}", meta=meta)


@functools.lru_cache(maxsize=1)
def _evaluation_set() -> dict:
    """text -> meta of every problem evaluations use: the synthetic test problems (~5,000),
    the hand-written classroom set and the app's examples (built once)."""
    out = {p.text: p.meta for lv in LEVELS for i in range(EVAL_RESERVE) for p in (synthetic(lv, i, split="test"),)}
    out.update({p.text: p.meta for p in classroom() + examples()})
    return out


def reserved_texts() -> frozenset:
    """Texts of the problems evaluations use (synthetic test problems, the classroom set and the
    app's examples).
    A train-split seed can write the same text as a short test problem (the easiest level
    comes from a smaller space, and a classroom question may be short and plain); such problems
    are never trained on."""
    return frozenset(_evaluation_set())


def calculation_of(text: str) -> Calculation | None:
    """The calculation behind a synthetic or classroom problem's text, if this process made it or
    it is one of the evaluation problems; None for any other text (nothing is parsed)."""
    with _KNOWN_LOCK:
        meta = _KNOWN.get(text)
    if meta is None:
        meta = _evaluation_set().get(text)
    return Calculation.from_meta(meta) if meta is not None else None


CLASSROOM = "classroom/problems.jsonl"
EXAMPLES = "classroom/examples.jsonl"


@functools.lru_cache(maxsize=1)
def classroom() -> tuple:
    """The hand-written classroom problems (``data/classroom``: held out, never trained on), each
    with the calculation behind it read from its ``check`` expression (so the answer key can label
    a solution's steps). Empty if the file is not installed."""
    return _hand_written(CLASSROOM, "classroom")


@functools.lru_cache(maxsize=1)
def examples() -> tuple:
    """The few hand-written problems the app offers to start from ("Type your own"): classroom
    style, one or two operations, chosen because the embedded generator solves them (each one's
    greedy solution is right, held by a test on the real model; rates in ``data/classroom``'s card).
    Written after the generator was trained, never trained on. Empty if not installed."""
    return _hand_written(EXAMPLES, "example")


def _hand_written(name: str, source: str) -> tuple:
    from ..assets import data_dir

    f = data_dir() / name
    if not f.is_file():
        return ()
    out = []
    for line in f.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        r = json.loads(line)
        steps = expression_steps(r["check"])
        calc = calculation(steps, stated=_numbers_in(r["problem"]), family=r["kind"])
        if str(calc.answer) != r["answer"]:
            raise ProblemError(f"{f}: {r['id']}'s check {r['check']} does not give its answer {r['answer']}")
        out.append(Problem(text=r["problem"], answer=r["answer"], source=source, id=r["id"],
                           meta={**calc.to_meta(), "kind": r["kind"]}))
    return tuple(out)


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
