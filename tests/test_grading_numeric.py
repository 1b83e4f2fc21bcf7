"""The in-process numeric fast path."""
import pytest

from ttc_viz.grading.numeric import number_key, numeric_verdict, read_number


@pytest.mark.parametrize("pred,gold,verdict", [
    ("0.5", "\\frac{1}{2}", True), ("0.0833333", "\\frac{1}{12}", True), ("0.333", "1/3", False),
    ("3.14", "\\pi", False), ("3.14159265", "\\pi", True), ("2\\sqrt{2}", "\\sqrt{8}", True),
    ("50", "50\\%", True), ("0.5", "50\\%", True), ("42 apples", "42", True), ("x = 5", "5", True),
    ("x = 1", "y = 1", None), ("five", "5", False), ("x+1", "1+x", None), ("1, 2", "2, 1", None),
    ("(10^{60})^{6}", "5", False), ("-(10^{60})^{6}", "5", False), ("(10^{60})^{6}", "10^{360}", None),
    ("1000000000000.5", "1000000000000", False), ("", "1", False),
])
def test_verdicts(pred, gold, verdict):
    assert numeric_verdict(pred, gold) is verdict


def test_read_number_refuses_lists_and_variables():
    assert read_number("(1,234)") is None
    assert read_number("2x") is None
    assert read_number("1.5").decimal and not read_number("3/2").decimal


def test_number_keys_group_equal_values():
    assert number_key("0.5") == number_key("\\frac{1}{2}") == number_key("50\\%") == number_key("x = 1/2")
    assert number_key("x+1") is None
