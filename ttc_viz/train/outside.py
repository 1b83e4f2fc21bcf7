"""Outside training data for the generator (``ttc-viz train-gen --data FILE.jsonl``).

GSM8K's format: one JSON object a line with ``question`` and ``answer``, the answer a few
lines of working with calculator annotations (``48/2 = <<48/2=24>>24``) and a last line
``#### N``. Each working line becomes one step with the annotation removed (``48/2 = 24``: the
equation stays in the text, as our steps write it), and the last becomes "The answer is N.",
so the examples have the step format the embedded generator is trained on.

Checked strictly, one clear line for the first bad line (file and line number), nothing
half-read: a line that is not JSON or lacks a field, an answer with no ``#### N``, a text over
the size limits. Problems the project evaluates on are never trained on: a line whose question
is one of the held-out classroom problems (``data/classroom``) or a synthetic evaluation problem
is refused. (GSM8K's own test split cannot be recognised here: hand in only its train split.)
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from ..assets import data_dir
from ..problems import ProblemError, reserved_texts

MAX_FILE_BYTES = 64 * 1024 * 1024
# Longer examples are left out: they crowd a small model's context, and on a CPU a batch's cost
# (and the activations a backward pass keeps) grows with its longest example.
MAX_QUESTION_CHARS = 350
MAX_STEPS = 5                # "The answer is N." included
MAX_STEP_CHARS = 160
_ANNOTATION = re.compile(r"<<[^<>\n]{0,200}>>")   # bounded, no nested repetition: linear
CLASSROOM = "classroom/problems.jsonl"


def heldout_texts() -> frozenset:
    """Texts no training data may hold: the classroom set and the synthetic evaluation problems."""
    texts = set(reserved_texts())
    f = data_dir() / CLASSROOM
    if f.is_file():
        for line in f.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.add(" ".join(json.loads(line)["problem"].split()))
    return frozenset(texts)


def gsm8k_steps(answer: str) -> list[str]:
    """A GSM8K answer as steps: each working line without its annotations, then "The answer is N."."""
    if "####" not in answer:
        raise ProblemError("the answer has no '#### N' line")
    work, final = answer.rsplit("####", 1)
    final = final.strip().replace(",", "")
    if not final or len(final) > 40:
        raise ProblemError("the '#### N' line holds no answer")
    steps = [" ".join(_ANNOTATION.sub("", line).split()) for line in work.splitlines()]
    steps = [s for s in steps if s]
    return steps + [f"The answer is {final}."]


def read_gsm8k(path: str | Path) -> list[dict]:
    """[{"problem", "steps"}] from a GSM8K-format file; ProblemError naming the first bad line.
    Examples over the length limits are left out (counted in the log, not an error)."""
    p = Path(path)
    if not p.is_file():
        raise ProblemError(f"training data not found (or not a file): {p}")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise ProblemError(f"{p} is larger than {MAX_FILE_BYTES // 2**20} MB")
    try:
        lines = p.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise ProblemError(f"{p} is not UTF-8 text") from None
    held = heldout_texts()
    out = []
    for ln, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (ValueError, RecursionError):
            raise ProblemError(f"{p}:{ln}: not valid JSON") from None
        if not isinstance(row, dict) or not isinstance(row.get("question"), str) \
                or not isinstance(row.get("answer"), str):
            raise ProblemError(f"{p}:{ln}: expected GSM8K's 'question' and 'answer' text fields")
        q = " ".join(row["question"].split())
        if q in held:
            raise ProblemError(f"{p}:{ln}: this problem is held out for evaluation (classroom set or synthetic "
                               "test problems); it may not be trained on")
        try:
            steps = gsm8k_steps(row["answer"])
        except ProblemError as e:
            raise ProblemError(f"{p}:{ln}: {e}") from None
        if len(q) > MAX_QUESTION_CHARS or len(steps) > MAX_STEPS or any(len(s) > MAX_STEP_CHARS for s in steps):
            continue
        out.append({"problem": q, "steps": steps})
    if not out:
        raise ProblemError(f"{p} holds no usable problems")
    return out


__all__ = ["read_gsm8k", "gsm8k_steps", "heldout_texts"]
