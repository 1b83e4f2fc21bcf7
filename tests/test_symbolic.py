import pytest

from ttc_viz.verifiers import SymbolicVerifier, VerifierError, load_verifier
from ttc_viz.verifiers.symbolic import check_step


@pytest.mark.parametrize("step,expected", [
    ("17 + 25 = 42", (1, 0)),
    ("So 3 * 4 = 12 apples.", (1, 0)),
    ("48 / 6 = 9 left", (0, 1)),
    ("5 + 3 = 8 = 2*4", (2, 0)),
    ("He has 5 apples", (0, 0)),
    ("$\\frac{1}{2} + 1 = 1.5$", (1, 0)),
    ("3 x 4 = 12", (1, 0)),
    ("12 - 5 = 7. Then 7 + 10 = 18.", (1, 1)),
    ("5 = 5", (0, 0)),
    ("__import__('os').system('x') = 3", (0, 0)),
])
def test_check_step(step, expected):
    assert check_step(step) == expected


def test_prefix_scores():
    v = SymbolicVerifier()
    scores = v.score("q", ["Start.", "2 + 2 = 4.", "4 * 2 = 9.", "The answer is 9."])
    assert scores == [0.5, 0.9, 0.1, 0.1]  # one wrong step sinks every later prefix
    batch = v.score_batch("q", [["1 + 1 = 2"], ["1 + 1 = 3"], []])
    assert batch == [[0.9], [0.1], []]
    assert all(0 <= s <= 1 for s in scores)


def test_huge_step_is_bounded():
    assert check_step("1 + " * 50_000 + "1 = 2") == check_step("1 + " * 50_000 + "1 = 2")


def test_unknown_verifier():
    with pytest.raises(VerifierError, match="unknown verifier"):
        load_verifier("oracle")


def _bounded(code: str, limit: float = 10.0) -> str:
    """Run ``code`` in a fresh interpreter; a hang fails the test instead of stalling CI."""
    import subprocess
    import sys
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {limit} s")
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.parametrize("n", [13, 60])
def test_products_of_fractions_without_equals_are_fast(n):
    # A nested regex took 122 s on 13 fractions joined by \cdot, holding the interpreter lock.
    step = "\\\\frac{12}{7}\\\\cdot" * (n - 1) + "\\\\frac{1}{2}"
    out = _bounded(
        "import time\nfrom ttc_viz.verifiers.symbolic import check_step\n"
        f"s = '{step}'\nt = time.perf_counter()\nr = check_step(s)\nr2 = check_step(s + ' = 3')\n"
        "print(time.perf_counter() - t, r)"
    )
    assert float(out.split()[0]) < 0.5


def test_fraction_products_still_checked():
    assert check_step("\\frac{1}{2}\\cdot\\frac{4}{3} = \\frac{2}{3}") == (1, 0)
    assert check_step("\\frac{1}{2}\\cdot\\frac{4}{3} = \\frac{3}{4}") == (0, 1)
    assert check_step("2x + 3 = 7") == (0, 0)   # a side glued to a variable is not a number
    assert check_step("12 - 5 = 7. 8 + 1 = 9") == (2, 0)


@pytest.mark.parametrize("step,expected", [
    ("30 birds - 12 birds = 18 birds.", (1, 0)),
    ("30 birds - 12 birds = 19 birds.", (0, 1)),
    ("3 bags × 4 apples = 12 apples.", (1, 0)),
    ("3 bags × 4 apples = 13 apples.", (0, 1)),
    ("12 red apples + 3 green apples = 15 apples.", (1, 0)),
    ("45 km ÷ 3 hours = 15 km an hour.", (1, 0)),
    ("Tom had 6 dollars + 4 dollars = 11 dollars.", (0, 1)),
    ("2 hours - 30 min = 90 min.", (0, 0)),        # different units added: not read as 2 - 30
    ("2 hours - 30 min = 90 min. 5 cm + 2 cm = 7 cm.", (1, 0)),  # clause by clause
    ("2 x + 3 = 7", (0, 0)),                       # a lone letter is a variable, not a unit
    ("5 times 3 = 15", (0, 0)),                    # words of an operation are not units
])
def test_units_written_inside_equations_are_read_past(step, expected):
    assert check_step(step) == expected


def test_units_reader_is_linear_on_hostile_steps():
    out = _bounded(
        "import time\nfrom ttc_viz.verifiers.symbolic import check_step\n"
        "steps = ['1 ab cd ' * 300, '1 ' + 'ab ' * 700 + '= 1', ('9 ' + 'z' * 20 + ' ') * 90 + '+ 1 = 2']\n"
        "t = time.perf_counter()\nfor s in steps: check_step(s)\nprint(time.perf_counter() - t)"
    )
    assert float(out.split()[0]) < 0.5
