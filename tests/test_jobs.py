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


# ---------------------------------------------------------------------------------------
# Limits: Stop inside a round, token budgets, owners that go away, the process-wide queue

import threading  # noqa: E402

from ttc_viz.jobs import JobQueue, JobRefused, Limits  # noqa: E402


class Gate(FakeGenerator):
    """Blocks inside each generator call until released: a search we can hold mid-round."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.entered = threading.Event()
        self.release = threading.Event()

    def _hold(self):
        self.entered.set()
        assert self.release.wait(30)

    def next_steps(self, *a, **kw):
        self._hold()
        return super().next_steps(*a, **kw)

    def solutions(self, *a, **kw):
        self._hold()
        return super().solutions(*a, **kw)


def test_stop_is_honoured_within_a_round_before_the_next_model_call():
    gen = Gate(steps_to_finish=100)
    calls = []

    class CountingVerifier(SymbolicVerifier):
        def score_batch(self, problem, solutions):
            calls.append(len(solutions))
            return super().score_batch(problem, solutions)

    job = SearchJob([("lookahead", P, SearchConfig(n=4, m=2, k=2, seed=1, max_rounds=50))], gen,
                    CountingVerifier()).start()
    assert gen.entered.wait(10)     # round 1's proposals are being decoded
    job.stop()
    gen.release.set()
    assert job.wait(10)
    assert job.error is None
    # neither the rollout nor the scoring of the interrupted round ran
    assert not any(c[0] == "rollout" for c in gen.calls) and calls == []
    assert job.trees[0] is None  # no complete round to keep


def test_stop_in_a_later_round_keeps_the_last_complete_round():
    gen = SlowFake(steps_to_finish=100)
    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1, max_rounds=50))], gen, SymbolicVerifier()).start()
    assert job.wait_update(0, timeout=10) > 0
    job.stop()
    assert job.wait(30) and job.error is None
    tree = job.trees[0]
    assert tree.stopped and tree.leaves("finished")
    SearchTree_ = type(tree)
    SearchTree_.from_json(tree.to_json())  # loads back


def test_best_of_n_honours_stop_and_keeps_its_samples_unscored():
    gen = Gate()
    job = SearchJob([("best_of_n", P, SearchConfig(n=8, seed=1))], gen, SymbolicVerifier()).start()
    assert gen.entered.wait(10)
    job.stop()
    gen.release.set()
    assert job.wait(10) and job.error is None
    tree = job.trees[0]
    assert tree.stopped and len(tree.leaves("finished")) == 8
    assert all(n.score is None for n in tree.nodes[1:]) and tree.cost.verifier_calls == 0


def test_token_budget_ends_a_job():
    job = SearchJob([("beam", P, SearchConfig(n=8, m=2, seed=1, max_rounds=50))], FakeGenerator(steps_to_finish=100),
                    SymbolicVerifier(), max_tokens=100).start()
    assert job.wait(30) and job.error is None
    tree = job.trees[0]
    assert tree.stopped and "token budget" in job.limit
    assert tree.cost.tokens_generated < 100 + 8 * 8 * 2  # at most one round past the budget


def test_a_job_whose_owner_went_away_is_cancelled():
    owner = {"alive": True}
    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1, max_rounds=100))], SlowFake(steps_to_finish=1000),
                    SymbolicVerifier(), alive=lambda: owner["alive"], owner_grace_s=0.3).start()
    assert job.wait_update(0, timeout=10) > 0
    owner["alive"] = False
    assert job.wait(10)
    assert "closed" in job.limit and job.trees[0].stopped and job.trees[0].iterations < 100


@pytest.mark.parametrize("exc", [KeyboardInterrupt, SystemExit, GeneratorExit])
def test_base_exceptions_are_errors_not_successes(exc):
    class Dies(FakeGenerator):
        def next_steps(self, *a, **kw):
            raise exc()

    job = SearchJob([("beam", P, SearchConfig(n=4, m=2))], Dies(), SymbolicVerifier()).start()
    assert job.wait(10)
    assert job.error and exc.__name__ in job.error and job.trees == [None]


def test_a_nan_score_neither_fails_the_job_nor_reaches_the_json():
    class NaNVerifier(SymbolicVerifier):
        def score_batch(self, problem, solutions):
            return [[float("nan")] * len(s) for s in solutions]

    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1))], FakeGenerator(), NaNVerifier()).start()
    assert job.wait(30) and job.error is None
    tree = job.trees[0]
    assert all(n.score == 0.0 for n in tree.nodes[1:] if n.score is not None)
    from ttc_viz.tree import SearchTree

    assert "NaN" not in tree.to_json()
    SearchTree.from_json(tree.to_json())


def _held_job(gen, session):
    return SearchJob([("best_of_n", P, SearchConfig(n=2, seed=1))], gen, SymbolicVerifier(), session=session)


def test_queue_limits_running_waiting_and_per_session():
    q = JobQueue(Limits(max_running=2, max_queued=1, per_session=1))
    gen = Gate()
    a = q.submit(_held_job(gen, "a"), "a")
    b = q.submit(_held_job(gen, "b"), "b")
    with pytest.raises(JobRefused, match="already has a search"):
        q.submit(_held_job(gen, "a"), "a")
    c = q.submit(_held_job(gen, "c"), "c")
    deadline = time.time() + 10
    while q.counts() != {"running": 2, "waiting": 1} and time.time() < deadline:
        time.sleep(0.05)
    assert q.counts() == {"running": 2, "waiting": 1}
    assert c.position == 1 and a.position == 0
    with pytest.raises(JobRefused, match="busy"):
        q.submit(_held_job(gen, "d"), "d")
    gen.release.set()
    for j in (a, b, c):
        assert j.wait(30) and j.error is None and j.trees[0] is not None
    assert q.counts() == {"running": 0, "waiting": 0}


def test_a_queued_job_can_be_stopped_or_abandoned_before_it_starts():
    q = JobQueue(Limits(max_running=1, max_queued=4))
    gen = Gate()
    a = q.submit(_held_job(gen, "a"), "a")
    owner = {"alive": True}
    b = _held_job(gen, "b")
    b.alive = lambda: owner["alive"]
    b.owner_grace_s = 0.0
    q.submit(b, "b")
    c = q.submit(_held_job(gen, "c"), "c")
    assert gen.entered.wait(10)
    c.stop()
    owner["alive"] = False
    assert b.wait(10) and c.wait(10)
    assert b.trees == [None] and c.trees == [None] and b.error is None and c.error is None
    gen.release.set()
    assert a.wait(30) and a.trees[0] is not None
    assert q.counts() == {"running": 0, "waiting": 0}


def test_queue_applies_its_token_budget():
    q = JobQueue(Limits(max_tokens=50))
    j = q.submit(SearchJob([("beam", P, SearchConfig(n=8, m=2, seed=1, max_rounds=50))],
                           FakeGenerator(steps_to_finish=100), SymbolicVerifier()), "s")
    assert j.wait(30) and j.max_tokens == 50 and j.trees[0].stopped


def test_a_tab_that_reconnects_within_the_grace_period_keeps_its_job():
    owner = {"alive": True}
    job = SearchJob([("beam", P, SearchConfig(n=4, m=2, seed=1, max_rounds=6))], SlowFake(steps_to_finish=1000),
                    SymbolicVerifier(), alive=lambda: owner["alive"], owner_grace_s=30).start()
    assert job.wait_update(0, timeout=10) > 0
    owner["alive"] = False
    time.sleep(0.3)
    owner["alive"] = True
    assert job.wait(30) and job.limit is None and job.trees[0].iterations == 6


@pytest.mark.real
def test_stop_ends_a_long_best_of_n_call_on_the_real_model_within_seconds(embedded):
    """Stop inside the decoder: a best-of-N whose one sampling call would run for minutes
    (no end-of-text, a long cap) ends within 2 s of Stop, and the search waiting for the
    model behind it gets it."""
    import dataclasses

    from ttc_viz.lm.hf import HFGenerator
    gen = HFGenerator(embedded.model, embedded.tok, name="long",
                      config=dataclasses.replace(embedded.cfg, max_solution_tokens=3000, kv_cache_bytes=0))
    gen._eos_ids = set()          # never ends early: the call runs to its cap
    cfg = SearchConfig(n=4, seed=1)
    first = SearchJob([("best_of_n", P, cfg)], gen, SymbolicVerifier()).start()
    time.sleep(4.0)               # decoding by now
    second = SearchJob([("best_of_n", P, cfg)], gen, SymbolicVerifier()).start()
    time.sleep(1.0)
    assert not first.done and not second.done
    t0 = time.monotonic()
    first.stop()
    assert first.wait(10)
    assert time.monotonic() - t0 < 2.0
    assert first.error is None and first.trees[0] is None   # stopped in its only round
    deadline = time.monotonic() + 5
    while not gen._lock.locked() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gen._lock.locked() and not second.done   # the waiting search has the model now
    t1 = time.monotonic()
    second.stop()
    assert second.wait(10) and time.monotonic() - t1 < 2.0


def test_a_token_budget_ends_a_call_that_would_overrun_it(embedded):
    import dataclasses

    from ttc_viz.lm.hf import HFGenerator
    gen = HFGenerator(embedded.model, embedded.tok, name="long",
                      config=dataclasses.replace(embedded.cfg, max_solution_tokens=3000, kv_cache_bytes=0))
    gen._eos_ids = set()
    t0 = time.monotonic()
    job = SearchJob([("best_of_n", P, SearchConfig(n=2, seed=1))], gen, SymbolicVerifier(), max_tokens=60).start()
    assert job.wait(60) and job.error is None
    assert "token budget" in job.limit and time.monotonic() - t0 < 30
