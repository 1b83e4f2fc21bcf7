"""The symbolic worker pool: hard deadline, respawn, threads, shutdown."""
import os
import subprocess
import sys
import threading
import time

import pytest

from ttc_viz.grading import equivalent, equivalent_many, warm_up
from ttc_viz.grading.pool import get_pool

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code: str, env: dict, limit: float = 60.0) -> str:
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=limit,
                             cwd=ROOT, env={**os.environ, **env})
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running after {limit} s")
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_overrunning_worker_is_killed_at_the_deadline_and_replaced():
    # The worker's own soft timer is pushed out of the way, so only the parent's hard
    # deadline can stop a comparison that sympy would spend minutes on.
    out = _run(
        "import time\nfrom ttc_viz.grading import equivalent, warm_up\nfrom ttc_viz.grading.pool import get_pool\n"
        "warm_up()\nt = time.perf_counter()\nslow = equivalent('9^{9^{9}}', '1')\nt_slow = time.perf_counter() - t\n"
        "kills = get_pool().kills\nafter = equivalent('x+1', '1+x')\n"
        "print(slow, round(t_slow, 2), kills, after)",
        {"TTC_VIZ_GRADING_SOFT_S": "60", "TTC_VIZ_GRADING_DEADLINE_S": "1.0", "TTC_VIZ_GRADING_WORKERS": "1"},
    )
    slow, t_slow, kills, after = out.split()
    assert slow == "False" and float(t_slow) < 1.8
    assert kills == "1" and after == "True"


def test_soft_timer_answers_without_a_kill():
    warm_up()
    pool = get_pool()
    kills = pool.kills
    t = time.perf_counter()
    assert equivalent("9^{9^{9^{9}}}", "2") is False
    assert time.perf_counter() - t < 2.0
    assert pool.kills == kills


def test_symbolic_path_can_be_turned_off():
    out = _run("from ttc_viz.grading import equivalent\nprint(equivalent('x+1', '1+x'), equivalent('0.5', '1/2'))",
               {"TTC_VIZ_GRADING_WORKERS": "0"})
    assert out.split() == ["False", "True"]   # numbers still graded, expressions not


def test_many_threads_at_once_get_the_same_verdicts():
    pairs = [("x+1", "1+x", True), ("\\frac13", "1/3", True), ("[0,9)", "(0,9)", False),
             ("(x+1)^2", "x^2+2x+1", True), ("x>5", "x<5", False), ("0.5", "1/2", True), ("2", "3", False),
             ("\\{1,2\\}", "\\{2,1\\}", True), ("y=2x", "2x=y", True), ("\\sqrt{2}/2", "\\frac{1}{\\sqrt2}", True)]
    errors, results = [], []

    def work(k):
        try:
            for i in range(3):
                for a, b, want in pairs[(k + i) % 3:]:
                    # distinct spellings per thread, so the cache does not answer for the workers
                    got = equivalent(a + " " * k, b)
                    results.append(got == want)
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors and all(results) and len(results) > 100
    assert not any(t.is_alive() for t in threads)


def test_batch_matches_single_calls():
    pairs = [("x+1", "1+x"), ("3", "3.0"), ("[0,1]", "[0,1)"), (None, "1"), ("\\pm 1", "\\{1,-1\\}"), ("7", "8")]
    assert equivalent_many(pairs) == [equivalent(a, b) for a, b in pairs] == [True, True, False, False, True, False]


def test_workers_stop_when_the_program_exits():
    out = _run(
        "from ttc_viz.grading import equivalent\nfrom ttc_viz.grading.pool import get_pool\n"
        "equivalent('x+1', '1+x')\nprint(' '.join(str(w.proc.pid) for w in get_pool()._all))", {})
    pids = [int(p) for p in out.split()]
    assert pids
    time.sleep(0.5)
    for pid in pids:
        assert not os.path.exists(f"/proc/{pid}") or open(f"/proc/{pid}/stat").read().split()[2] == "Z"


def test_works_after_fork():
    if not hasattr(os, "fork"):
        pytest.skip("no fork")
    out = _run(
        "import os\nfrom ttc_viz.grading import equivalent\nequivalent('x+1', '1+x')\n"
        "pid = os.fork()\nif pid == 0:\n    os._exit(0 if equivalent('x+2', '2+x') else 1)\n"
        "_, status = os.waitpid(pid, 0)\nprint(os.WEXITSTATUS(status), equivalent('x+3', '3+x'))", {})
    assert out.split() == ["0", "True"]


def test_a_pool_whose_workers_cannot_start_answers_at_once(monkeypatch):
    from ttc_viz.grading import pool as pool_mod

    def broken(self):
        raise RuntimeError("grading worker did not start")

    monkeypatch.setattr(pool_mod._Worker, "__init__", broken)
    p = pool_mod.Pool(2, 1.0)
    t = time.perf_counter()
    assert p.compare("x+1", "1+x") is None
    assert p.compare("x+2", "2+x") is None
    assert p.compare_many([("x", "x+0"), ("y", "y+0")]) == [None, None]
    assert time.perf_counter() - t < 1.0


def test_pool_started_from_a_non_main_thread():
    # Streamlit runs each page in a script thread: the first symbolic comparison may come from there.
    out = _run(
        "import threading\nfrom ttc_viz.grading import equivalent\nres = []\n"
        "t = threading.Thread(target=lambda: res.append((equivalent('x+1', '1+x'), equivalent('[0,1)', '[0,1]'))))\n"
        "t.start(); t.join(60)\nprint(res)", {})
    assert out.strip() == "[(True, False)]"
