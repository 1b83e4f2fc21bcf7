import time

import pytest

from fakes import FakeGenerator
from ttc_viz.jobs import SearchJob
from ttc_viz.problems import Problem, synthetic
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


class SlowFake(FakeGenerator):
    def next_steps(self, *a, **kw):
        time.sleep(0.05)
        return super().next_steps(*a, **kw)


def test_job_runs_and_reports_rounds():
    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1))], FakeGenerator(), SymbolicVerifier()).start()
    assert job.wait(30)
    trees, partial = job.snapshot()
    assert trees[0] is not None and partial is None and job.error is None
    assert job.version >= trees[0].iterations


def test_stop_keeps_the_partial_tree():
    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1, max_rounds=50))],
                    SlowFake(steps_to_finish=100), SymbolicVerifier()).start()
    seen = job.wait_update(0, timeout=10)
    assert seen > 0
    job.stop()
    assert job.wait(30)
    tree = job.snapshot()[0][0]
    assert tree.stopped and 1 <= tree.iterations < 50
    assert tree.leaves("finished")  # open beams end as leaves and are voted on
    tree.validate()


def test_errors_are_reported_not_raised():
    class Broken(FakeGenerator):
        def next_steps(self, *a, **kw):
            raise RuntimeError("model fell over")

    job = SearchJob([("beam", P, SearchConfig(n=4, m=2))], Broken(), SymbolicVerifier()).start()
    assert job.wait(30)
    assert "model fell over" in job.error


@pytest.mark.real
def test_two_searches_at_once_share_the_model_and_stay_reproducible(embedded):
    """Two browser tabs = two jobs on the one cached generator, concurrently."""
    v = SymbolicVerifier()
    a_cfg, b_cfg = SearchConfig(n=4, m=2, seed=3, max_rounds=3), SearchConfig(n=4, seed=5)
    pa, pb = synthetic(1, 3), synthetic(2, 4)
    ja = SearchJob([("beam", pa, a_cfg)], embedded, v).start()
    jb = SearchJob([("best_of_n", pb, b_cfg)], embedded, v).start()
    assert ja.wait(300) and jb.wait(300)
    assert ja.error is None and jb.error is None
    alone_a = run("beam", pa, embedded, v, a_cfg)
    alone_b = run("best_of_n", pb, embedded, v, b_cfg)
    assert ja.trees[0].to_dict()["nodes"] == alone_a.to_dict()["nodes"]
    assert jb.trees[0].to_dict()["nodes"] == alone_b.to_dict()["nodes"]
