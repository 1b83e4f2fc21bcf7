"""The symbolic worker: its guard against eval, its protocol, its soft time-out."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code: str, limit: float = 60.0, **kw) -> subprocess.CompletedProcess:
    try:
        return subprocess.run([sys.executable, *code], capture_output=True, text=True, timeout=limit, cwd=ROOT, **kw)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {limit} s")


def test_guard_refuses_string_evaluation_but_reads_number_literals(tmp_path):
    marker = tmp_path / "pwned"
    code = (
        "import sympy\nfrom ttc_viz.grading import worker\nworker._forbid_eval()\n"
        "refused = 0\n"
        f"for s in ['1+1', \"__import__('os').system('touch {marker}')\", 'x']:\n"
        "    try:\n        sympy.sympify(s)\n    except (ValueError, sympy.SympifyError):\n        refused += 1\n"
        "from sympy.parsing.sympy_parser import parse_expr\n"
        "try:\n    parse_expr('2*3')\nexcept ValueError:\n    refused += 1\n"
        "print(refused, sympy.Number('12'), sympy.Number('2.5'),"
        f" worker.judge(\"__import__('os').system('touch {marker}')\", '1'), worker.judge('\\\\frac{{1}}{{2}}', '0.5'))"
    )
    out = _run(["-c", code])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["4", "12", "2.50000000000000", "False", "True"]
    assert not marker.exists()


def test_protocol_and_soft_timeout():
    env = {**os.environ, "TTC_VIZ_GRADING_SOFT_S": "0.5"}
    reqs = [{"pred": "x+1", "gold": "1+x"}, {"pred": "9^{9^{9^{9}}}", "gold": "1"}, {"pred": "]]]", "gold": "1"},
            {"pred": "\\frac13", "gold": "1/3"}]
    out = _run(["-m", "ttc_viz.grading.worker"], input="".join(json.dumps(r) + "\n" for r in reqs) + "not json\n",
               env=env)
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert lines[0] == {"ready": True}
    # equal; out of time (null, not cached by the caller); unreadable (False); equal; a bad line
    assert [x["verdict"] for x in lines[1:]] == [True, None, False, True, None]
