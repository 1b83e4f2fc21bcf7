"""Spelling normalisation."""
import pytest

from ttc_viz.grading.normalize import normalize, split_assignment, split_percent


@pytest.mark.parametrize("raw,norm", [
    ("$\\dfrac{1}{2}$", "\\frac{1}{2}"), ("\\tfrac12", "\\frac{1}{2}"), ("\\frac13", "\\frac{1}{3}"),
    ("\\frac{9}4\\pi", "\\frac{9}{4}\\pi"), ("\\sqrt 2+\\sqrt 5", "\\sqrt{2}+\\sqrt{5}"),
    ("\\left( 1, 2 \\right)", "( 1, 2 )"), ("125\\textnormal{ miles}", "125 miles"), ("90^\\circ", "90"),
    ("30^{\\circ}", "30"), ("1,000,000", "1000000"), ("1 000", "1000"), ("1\\,000", "1000"), ("1{,}000", "1000"),
    ("1000,99", "1000.99"), ("0,5", "0.5"), ("1,2", "1,2"), ("(1,234)", "(1,234)"), ("\\$12.", "12"),
    ("\\begin{pmatrix}1\\\\ 2\\end{pmatrix}", "\\begin{pmatrix}1\\\\ 2\\end{pmatrix}"),
])
def test_normalize(raw, norm):
    assert normalize(raw) == norm


def test_long_answers_only_get_their_spaces_collapsed():
    s = "1,000 " * 1000
    assert normalize(s) == s.strip()


def test_percent_and_assignment():
    assert split_percent("50\\%") == ("50", True)
    assert split_percent("50") == ("50", False)
    assert split_assignment("x = 5") == ("x", "5")
    assert split_assignment("x = y = 5") == (None, "x = y = 5")
    assert split_assignment("2x+4y-3=0") == (None, "2x+4y-3=0")
