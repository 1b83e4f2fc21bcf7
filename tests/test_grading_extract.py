"""Answer extraction: boxed variants, anchors, ####, $...$, the last number."""
import pytest

from ttc_viz.grading import extract_answer, marked_answer, states_final_answer


@pytest.mark.parametrize("text,ans", [
    ("so the total is \\boxed{42}.", "42"),
    ("\\boxed {7}", "7"),
    ("\\fbox{12}", "12"),
    ("Thus $\\boxed{\\frac{1}{2}}$.", "\\frac{1}{2}"),
    ("\\boxed{\\{1, 2\\}}", "\\{1, 2\\}"),
    ("\\boxed{\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}}", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}"),
    ("\\boxed{a}{b} then \\boxed{x^{2}}", "x^{2}"),
    ("so \\boxed 5.", "5"),
    ("\\boxed{$12$}", "12"),
    ("first \\boxed{3} then an unclosed \\boxed{4", "3"),
    ("The final answer is $\\frac{3}{4}$. I hope it is correct.", "\\frac{3}{4}"),
    ("The final answer is \\(x = 2\\).", "x = 2"),
    ("Final answer: $[0, 1)$", "[0, 1)"),
    ("The answer is: 22", "22"),
    ("The answer is 1,234 apples.", "1234"),
    ("Answer: \\$ 5", "\\$ 5"),
    ("steps\n#### 600", "600"),
    ("#### $1/2$", "1/2"),
    ("#### 5\\sqrt{7}", "5\\sqrt{7}"),
    ("The answer is 2x+1.", "2x+1"),
])
def test_marked_answers(text, ans):
    assert extract_answer(text) == ans


@pytest.mark.parametrize("text,ans", [
    ("He had 5, then 8 apples", "8"),
    ("It costs 1,250 dollars", "1250"),
    ("no numbers here", None),
    ("", None),
    (None, None),
])
def test_fallback_is_the_last_number(text, ans):
    assert extract_answer(text) == ans


def test_marked_answer_needs_an_announcement():
    assert marked_answer("5 + 3 = 8") is None
    assert marked_answer("\\boxed{8}") == "8"


@pytest.mark.parametrize("step,final", [
    ("The answer is 7.", True), ("\\boxed{7}", True), ("\\fbox{7}", True), ("#### 7", True),
    ("The final answer is $7$.", True), ("7 + 3 = 10.", False),
    ("So, no answer is left off, nothing more to say here today", False),
])
def test_final_answer_detection(step, final):
    assert states_final_answer(step) is final


@pytest.mark.parametrize("text,ans", [
    ("\\frac{1}{2}", "\\frac{1}{2}"), ("x = 3", "x = 3"), ("(1, 2)", "(1, 2)"), ("$x+1$", "x+1"),
    ("Monday", "Monday"), ("7 + 1 = 8.", "8"), ("So 3 * 4 = 12 apples.", "12"), ("Then 5 + 3", "3"),
])
def test_bare_answers_are_kept_whole(text, ans):
    assert extract_answer(text) == ans


@pytest.mark.parametrize("text,ans", [
    # the last math span when no box and no plain number after it (Math-Verify's order)
    ("We find that $x \\lt 3$.", "x \\lt 3"),
    ("The identity matrix is $ \\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix} $.",
     "\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}"),
    ("so the set is $[0, 1)$", "[0, 1)"),
    ("Answer $ \\frac{1}{2} \\$ = \\frac{10}{9} $", "\\frac{10}{9}"),     # a calculation: its result
    ("so $7 = 11a+c$", "7 = 11a+c"),                                     # an equation keeps its sides
    # a plain number stated after the last span wins
    ("Final Answer: The largest $n$ is 34.", "34"),
    # plain numbers: a fraction, a decimal comma, thousands
    ("P(A) = 2/3. <|im_start|>user", "2/3"),
    ("Soucis : 2,74 $ a..", "2.74"),
    ("so the total is 1,000 apples and 3,5", "3,5"[-1]),                  # "3,5" is a list, its last number
    # anchors: the last one counts; a "final answer is" after the box restates it
    ("Final Answer: The final answer is $\\frac{10}{27}$. I hope it is correct.", "\\frac{10}{27}"),
    ("so \\boxed{255} dollars. Final Answer: The final answer is $10,455$. I hope", "10,455"),
    # boxes written together are one answer
    ("$\\boxed{1}\\boxed{2}$", "1,2"),
    ("the roots: \\[ \\boxed{-2} \\quad \\text{and} \\quad \\boxed{1}. \\]", "-2,1"),
    ("first \\boxed{3}, then after a long argument the answer is \\boxed{5}", "5"),
])
def test_extraction_follows_math_verify_order(text, ans):
    assert extract_answer(text) == ans


@pytest.mark.parametrize("pred,gold", [
    ("1.22", "1,22"), ("0.111", "0,111"), ("x < 3", "x \\lt 3"), ("x \\le 2", "x <= 2"),
    ("11,\\! 111,\\! 111,\\! 100", "11111111100"), ("14 {, }916", "14916"),
    ("\\left[\\begin{array}{cc}1 & 2 \\\\3 & 4\\end{array}\\right]", "\\begin{pmatrix}1 & 2 \\\\3 & 4\\end{pmatrix}"),
])
def test_spellings_math_verify_reads_alike_normalise_alike(pred, gold):
    from ttc_viz.grading import normalize
    assert normalize(pred) == normalize(gold)


def test_a_comma_and_a_space_is_not_a_thousands_separator():
    from ttc_viz.grading import normalize
    assert normalize("32, 349") != "32349" and normalize("1,2") == "1,2"
