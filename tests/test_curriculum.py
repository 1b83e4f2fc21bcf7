"""Every family of the curriculum, checked by both exact checkers: a reference solution is on
track step by step by the answer key and holds no false equation by the symbolic checker; a
spoiled one is caught; the text states its numbers and reads as a question."""
import random

import pytest

from ttc_viz.grading import grade
from ttc_viz.problems import LEVELS, Problem, calculation
from ttc_viz.problems.families import FAMILIES
from ttc_viz.problems.numbers import Numbers
from ttc_viz.problems.stories import story
from ttc_viz.problems.words import Words
from ttc_viz.train.synthetic import write_solution
from ttc_viz.verifiers import load_verifier
from ttc_viz.verifiers.oracle import chain_of, step_labels
from ttc_viz.verifiers.symbolic import check_step


def _problems(write, levels, count=40):
    out = []
    for lv in levels:
        for i in range(count):
            rng = random.Random(i * 7 + lv)
            d = write(Words(rng), Numbers(rng, lv))
            calc = calculation(d.steps, stated=[int(t) for t in __import__("re").findall(r"\d+", d.text)]
                               + list(d.constants), unit=d.unit, alternatives=d.alternatives)
            out.append(Problem(d.text, str(calc.answer), lv, "synthetic-train", f"t-{lv}-{i}", calc.to_meta()))
    return out


WRITERS = {name: f.write for name, f in FAMILIES.items()}
WRITERS.update({f"story-{m}": (lambda w, n, m=m: story(w, n, m, allow_mul=m >= 3)) for m in (2, 3, 4)})


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_each_family_is_checked_exactly_by_both_checkers(name):
    symbolic = load_verifier("symbolic")
    caught = spoiled = 0
    for p in _problems(WRITERS[name], LEVELS, count=12):
        assert p.text[-1] in "?." or p.text.split(":")[-1].strip()[:1].isdigit() or "=" in p.text, p.text
        assert int(p.answer) >= 0
        calc = chain_of(p)
        for seed in range(3):
            steps, labels = write_solution(p, random.Random(seed), spoil=False)
            assert labels == [1.0] * len(steps), (p.text, steps)          # the answer key: on track
            assert grade(steps[-1], p.answer)
            assert all(check_step(s)[1] == 0 for s in steps)             # the symbolic checker: no false equation
            assert sum(check_step(s)[0] for s in steps) >= 1              # ... and something it can check
            assert symbolic.score(p.text, steps)[-1] == 0.9
            bad, bad_labels = write_solution(p, random.Random(100 + seed), spoil=True)
            assert bad_labels == step_labels(calc, bad)
            if not grade(bad[-1], p.answer):
                spoiled += 1
                caught += bad_labels[-1] == 0.0
    assert spoiled >= 20 and caught == spoiled    # every wrong final answer is labelled off track


def _shape(text: str) -> str:
    """A text with its numbers and people's names masked: what a template fixes."""
    import re

    from ttc_viz.problems.words import PEOPLE

    text = re.sub(r"\d+", "#", text)
    for name, *_ in PEOPLE:
        text = re.sub(rf"\b{name}\b", "@", text)
    return text


def test_no_template_writes_a_classroom_problem_even_with_other_numbers_or_names():
    """The classroom set measures text our templates did not write: no classroom problem has the
    shape (numbers and names masked) of any problem the curriculum writes."""
    from ttc_viz.problems import classroom, synthetic

    shapes = {_shape(synthetic(lv, i, split="train").text) for lv in (1, 2, 3) for i in range(6000)}
    shapes |= {_shape(p.text) for name in WRITERS for p in _problems(WRITERS[name], LEVELS, count=40)}
    same = [p.text for p in classroom() if _shape(p.text) in shapes]
    assert same == []
