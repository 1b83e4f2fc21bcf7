"""Fuzz every public grading and checking function with adversarial strings.

The strings (nesting, huge exponents, 100k-character inputs, NUL, unicode, LaTeX macros,
code payloads that would write a marker file or set a global if evaluated) run in a
separate process (``grading_fuzz_run.py``) that times every call and has a watchdog; this
test only reads its summary, so a hang fails the test instead of stalling the run.
"""
import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))


def test_fuzz_grading_and_checking(tmp_path):
    marker = tmp_path / "pwned"
    env = {**os.environ, "PYTHONPATH": os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    try:
        out = subprocess.run([sys.executable, os.path.join(HERE, "grading_fuzz_run.py"), str(marker), "0", "2000"],
                             capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    except subprocess.TimeoutExpired:
        pytest.fail("the fuzz run did not finish in 300 s")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    summary = json.loads(out.stdout.strip().splitlines()[-1])
    assert summary["cases"] >= 2000 and summary["calls"] >= 25_000
    assert summary["n_errors"] == 0, summary["errors"]
    assert summary["n_slow"] == 0, summary["slow"]          # no call over 2 s
    assert not summary["marker"] and not summary["global"]  # nothing was executed
    assert not marker.exists()
