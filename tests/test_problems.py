import json

import pytest

from ttc_viz.grading import equivalent
from ttc_viz.problems import (LEVELS, MULTI_STEP, ONE_STEP, ProblemError, calculation_of, classroom, load_jsonl,
                              make_problem, pick, reserved_texts, synthetic, synthetic_set)
from ttc_viz.problems.calc import Calculation
from ttc_viz.problems.families import FAMILIES


def test_synthetic_is_deterministic_and_graded():
    for lv in LEVELS:
        a, b = synthetic(lv, 3), synthetic(lv, 3)
        assert a == b
        assert a.level == lv and a.answer.lstrip("-").isdigit()
    assert synthetic(1, 0) != synthetic(1, 1)


def test_levels_grow_harder():
    # more operations and larger numbers as the level rises
    def size(lv):
        probs = synthetic_set([lv], per_level=200)
        steps = sum(len(p.meta["paths"][0]) for p in probs) / len(probs)
        return steps, sorted(int(p.answer) for p in probs)[len(probs) // 2]
    sizes = [size(lv) for lv in LEVELS]
    assert [s for s, _ in sizes] == sorted(s for s, _ in sizes)
    assert sizes[0][0] < 1.1 and sizes[-1][0] >= 4  # level 1: one equation (a percent is two operations in one)
    assert sizes[0][1] < sizes[2][1] < sizes[-1][1]


def test_every_answer_is_a_whole_number_reached_by_every_path():
    for lv in LEVELS:
        for i in range(200):
            p = synthetic(lv, i)
            calc = Calculation.from_meta(p.meta)
            assert int(p.answer) == calc.answer >= 0
            for path in calc.paths:
                assert path[-1].c == calc.answer
                made = set()
                for op in path:   # every operand is known from the start or made earlier on the path
                    assert all(v in calc.known or v in made for v in (op.a, op.b)), (p.text, path)
                    made.add(op.c)


def test_the_curriculum_covers_the_classroom_kinds():
    kinds = {f.kind for f in FAMILIES.values()}
    assert len(FAMILIES) >= 25
    assert {"groups", "sharing", "take-away", "add-on", "compare", "money", "rates", "time", "measurement",
            "percent", "fractions", "ages", "equations"} <= kinds
    seen = {synthetic(1, i).meta["family"] for i in range(1000)}
    assert seen == set(ONE_STEP)   # every one-step family appears at level 1
    seen = {synthetic(lv, i).meta["family"] for lv in (2, 3) for i in range(1000)}
    assert set(MULTI_STEP) | {"story"} <= seen


def test_classroom_set_is_whole_and_held_out():
    probs = classroom()
    assert len(probs) >= 120 and len({p.meta["kind"] for p in probs}) >= 12
    assert len({p.text for p in probs}) == len(probs)
    for p in probs:   # the answer is what its arithmetic gives, read without eval
        assert str(Calculation.from_meta(p.meta).answer) == p.answer
        assert calculation_of(p.text) is not None
    assert {p.text for p in probs} <= reserved_texts()


def test_app_examples_are_checked_and_held_out():
    from ttc_viz.problems import examples

    ex = examples()
    assert 4 <= len(ex) <= 12 and len({p.text for p in ex}) == len(ex)
    assert not {p.text for p in ex} & {p.text for p in classroom()}
    for p in ex:
        assert str(Calculation.from_meta(p.meta).answer) == p.answer
        assert calculation_of(p.text) is not None   # the answer key labels their steps in the app
    assert {p.text for p in ex} <= reserved_texts()


def test_train_and_test_splits_differ():
    train = {synthetic(2, i, "train").text for i in range(200)}
    test = {synthetic(2, i, "test").text for i in range(200)}
    assert len(train & test) < 5  # disjoint seed streams; identical texts only by chance


def test_bad_synthetic_args():
    with pytest.raises(ProblemError, match="level"):
        synthetic(6, 0)
    with pytest.raises(ProblemError, match="index"):
        synthetic(1, -1)


def test_make_problem_checks_input():
    with pytest.raises(ProblemError, match="empty"):
        make_problem("   ")
    with pytest.raises(ProblemError, match="limit"):
        make_problem("x" * 5000)
    assert make_problem(" 1+1? ", " 2 ").answer == "2"


def test_load_math_and_gsm8k(tmp_path):
    f = tmp_path / "mixed.jsonl"
    f.write_text("\n".join([
        json.dumps({"problem": "What is $1/2 + 1/2$?", "answer": "1", "level": "Level 2", "subject": "Algebra"}),
        json.dumps({"question": "Tom has 3 cats and 2 dogs. Pets?", "answer": "3 + 2 = 5\n#### 5"}),
        "",
    ]))
    probs = load_jsonl(f)
    assert [p.answer for p in probs] == ["1", "5"]
    assert probs[0].level == 2 and probs[0].meta["subject"] == "Algebra"
    assert pick(probs, 1).text.startswith("Tom")
    with pytest.raises(ProblemError, match="out of range"):
        pick(probs, 2)


@pytest.mark.parametrize("content,msg", [
    ("{not json", "not valid JSON"),
    ('{"foo": 1}', "expected a 'problem'"),
    ('{"question": "q", "answer": "no hashes"}', "####"),
    ("[1, 2]", "JSON object"),
    ("", "no problems"),
])
def test_corrupt_files_get_clear_errors(tmp_path, content, msg):
    f = tmp_path / "bad.jsonl"
    f.write_text(content)
    with pytest.raises(ProblemError, match=msg):
        load_jsonl(f)


def test_missing_and_binary_files(tmp_path):
    with pytest.raises(ProblemError, match="not found"):
        load_jsonl(tmp_path / "nope.jsonl")
    b = tmp_path / "bin.jsonl"
    b.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ProblemError, match="UTF-8"):
        load_jsonl(b)


def test_gsm8k_answer_with_commas(tmp_path):
    f = tmp_path / "g.jsonl"
    f.write_text(json.dumps({"question": "q?", "answer": "lots\n#### 1,200"}))
    assert equivalent(load_jsonl(f)[0].answer, "1200")


@pytest.mark.parametrize("row,msg", [
    ({"problem": None, "answer": "2"}, "must be text"),
    ({"problem": ["1+1"], "answer": "2"}, "must be text"),
    ({"question": None, "answer": "#### 2"}, "must be text"),
    ({"problem": "1+1?", "answer": {"x": 2}}, "answer"),
])
def test_null_or_non_text_problems_are_refused(tmp_path, row, msg):
    import json

    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps(row) + "\n")
    with pytest.raises(ProblemError, match=msg):
        load_jsonl(f)


def test_utf8_byte_order_mark_is_accepted_in_jsonl(tmp_path):
    f = tmp_path / "bom.jsonl"
    f.write_bytes(b"\xef\xbb\xbf" + b'{"problem": "1+1?", "answer": 2}\n')
    (p,) = load_jsonl(f)
    assert p.text == "1+1?" and p.answer == "2"
