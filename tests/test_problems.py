import json

import pytest

from ttc_viz.grading import equivalent
from ttc_viz.problems import LEVELS, ProblemError, load_jsonl, make_problem, pick, synthetic, synthetic_set


def test_synthetic_is_deterministic_and_graded():
    for lv in LEVELS:
        a, b = synthetic(lv, 3), synthetic(lv, 3)
        assert a == b
        assert a.level == lv and a.answer.lstrip("-").isdigit()
    assert synthetic(1, 0) != synthetic(1, 1)


def test_levels_grow_harder():
    # more sentences (operations) and larger numbers as the level rises
    def size(lv):
        probs = synthetic_set([lv], per_level=30)
        return sum(p.text.count(".") for p in probs), max(int(p.answer) for p in probs)
    sizes = [size(lv) for lv in LEVELS]
    assert sizes[0][0] < sizes[-1][0]
    assert sizes[0][1] < sizes[-1][1]


def test_answers_are_non_negative_and_right_for_level1():
    for i in range(50):
        p = synthetic(1, i)
        nums = [int(t) for t in p.text.replace("?", " ").replace(".", " ").split() if t.isdigit()]
        assert int(p.answer) in (nums[0] + nums[1], nums[0] - nums[1])
        assert int(p.answer) >= 0


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
