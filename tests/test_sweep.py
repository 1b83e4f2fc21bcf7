import json

import pytest

from fakes import FakeGenerator
from ttc_viz.problems import Problem
from ttc_viz.experiments.cells import load_cells, load_tree, rows_from_cells
from ttc_viz.experiments.sweep import SweepConfig, run_sweep
from ttc_viz.verifiers import SymbolicVerifier


def small(**kw):
    base = dict(levels=(1, 2), problems=2, strategies=("best_of_n", "beam", "lookahead", "dvts"),
                budgets=(1, 2, 4, 8, 16), ms=(2, 4), ks=(1,), resamples=8, seed=3)
    base.update(kw)
    return SweepConfig(**base)


def test_cells_follow_the_budget_rules():
    cells = small().cells_for(Problem("q", "1", id="p"))
    bon = [c for c in cells if c["strategy"] == "best_of_n"]
    assert len(bon) == 1 and bon[0]["n"] == 16  # one pool of the largest budget
    for c in cells:
        if c["strategy"] in ("beam", "dvts"):
            assert c["n"] == c["budget"] and c["n"] % c["m"] == 0
        if c["strategy"] == "lookahead":
            assert c["n"] * (c["k"] + 1) == c["budget"]  # rollouts are paid for
        if c["strategy"] == "dvts":
            assert c["n"] // c["m"] >= 2
    assert len({c["id"] for c in cells}) == len(cells)


def test_rows_cover_every_budget_from_one_pool(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",)), tmp_path)
    meta, cells = load_cells(tmp_path)
    assert len(cells) == 4
    rows = rows_from_cells(meta, cells)
    assert sorted({r["budget"] for r in rows}) == [1, 2, 4, 8, 16]
    assert {r["rule"] for r in rows} == {"naive", "weighted", "majority"}
    pool = cells[0]["summary"]["pool"]
    assert len(pool) == 16
    one = [r for r in rows if r["cell"] == cells[0]["cell"]["id"] and r["budget"] == 1 and r["rule"] == "naive"][0]
    assert one["tokens"] == pytest.approx(cells[0]["summary"]["tokens"] / 16)


def test_killed_sweep_resumes_to_the_same_results(tmp_path):
    cfg = small()
    full = tmp_path / "full"
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, full)

    class Dies(FakeGenerator):
        left = 6

        def next_steps(self, *a, **kw):
            Dies.left -= 1
            if Dies.left < 0:
                raise KeyboardInterrupt
            return super().next_steps(*a, **kw)

    part = tmp_path / "part"
    with pytest.raises(KeyboardInterrupt):
        run_sweep(Dies(), SymbolicVerifier(), cfg, part)
    done = len(list((part / "cells").glob("*.json")))
    assert 0 < done < len(list((full / "cells").glob("*.json")))
    assert not list((part / "cells").glob("*.tmp"))
    res = run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, part)
    assert res["skipped"] == done and res["ran"] == res["cells"] - done

    def strip(folder):
        out = {}
        for f in sorted((folder / "cells").glob("*.json")):
            rec = json.loads(f.read_text())
            rec["summary"].pop("wall_s")
            rec["summary"].pop("seconds")      # the one thing that is not a function of the inputs
            rec["tree"]["cost"].pop("wall_s")
            out[f.name] = rec
        return out

    assert strip(part) == strip(full)


def test_same_folder_other_settings_is_refused(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1), tmp_path)
    with pytest.raises(ValueError, match="other settings"):
        run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1, seed=9), tmp_path)
    # more problems or budgets with the same settings extend the sweep
    res = run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=2), tmp_path)
    assert res["skipped"] == 2 and res["ran"] == 2


def test_trees_are_kept_and_cost_is_counted(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("beam",), budgets=(4,), ms=(2,), problems=1), tmp_path)
    meta, cells = load_cells(tmp_path)
    tree = load_tree(tmp_path, cells[0]["cell"]["id"])
    assert tree.strategy == "beam" and len(tree.nodes) > 1
    s = cells[0]["summary"]
    assert s["generations"] == tree.cost.generations and s["tokens"] > 0
    # the fake generator cannot say its parameter count: FLOPs are unknown, not 0
    assert s["flops"] is None and meta["params"] == {"generator": None, "verifier": 0}
    with pytest.raises(ValueError, match="no cell"):
        load_tree(tmp_path, "nope")


def test_flops_come_from_the_protocols_and_unknown_stays_unknown(tmp_path):
    from ttc_viz.experiments.report import build

    class Sized(FakeGenerator):
        num_params = 1000

    cfg = small(strategies=("best_of_n", "beam"), budgets=(2, 4), ms=(2,), problems=1, levels=(1,))
    run_sweep(Sized(), SymbolicVerifier(), cfg, tmp_path / "known")
    meta, cells = load_cells(tmp_path / "known")
    assert meta["params"] == {"generator": 1000, "verifier": 0}
    for c in cells:  # the symbolic checker reads no tokens with a model: 2·P_gen·tokens only
        assert c["summary"]["prm_tokens"] == 0 and c["summary"]["flops"] == 2 * 1000 * c["summary"]["tokens"]
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path / "unknown")
    rep = build(tmp_path / "unknown")
    points = [p for curve in rep["curves"]["all"].values() for p in curve.values()]
    assert points and all(p["flops"] is None and p["tokens"] > 0 for p in points)
    assert all(p["flops"] is None for p in rep["compute_optimal"]["all"].values())


@pytest.mark.parametrize("kw,msg", [
    ({"strategies": ("no_such_strategy",)}, "unknown strategies"),
    ({"budgets": (0, 4)}, "budgets"),
    ({"budgets": (2,), "strategies": ("beam",), "ms": (4,)}, "no cell fits"),
    ({"ks": (0,)}, "lookahead depths"),
    ({"levels": (9,)}, "levels"),
])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        small(**kw).check()


def test_damaged_cell_is_reported(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1), tmp_path)
    f = next((tmp_path / "cells").glob("*.json"))
    f.write_text("{not json")
    with pytest.raises(ValueError, match="damaged.*; delete it and rerun"):
        load_cells(tmp_path)


@pytest.mark.real
def test_real_model_sweep(embedded, tmp_path):
    from ttc_viz.experiments.report import build, text_report

    cfg = SweepConfig(levels=(1,), problems=1, strategies=("best_of_n", "beam"), budgets=(1, 2, 4), ms=(2,),
                      max_rounds=3, resamples=4)
    res = run_sweep(embedded, SymbolicVerifier(), cfg, tmp_path)
    assert res == {"cells": 3, "skipped": 0, "ran": 3}
    meta, cells = load_cells(tmp_path)
    assert meta["params"]["generator"] > 100_000_000
    import hashlib

    from ttc_viz.assets import gen_adapter, revise_adapter
    from ttc_viz.lm.embedded import gguf_path

    # the exact weights are on record: a folder's cells and later ones are of one model
    # (the reviser's only once revisions are swept)
    assert meta["weights"] == {"gguf_sha256": hashlib.sha256(gguf_path().read_bytes()).hexdigest(),
                               "adapter_sha256": hashlib.sha256(gen_adapter().read_bytes()).hexdigest()}
    assert embedded.weights["reviser_sha256"] == hashlib.sha256(revise_adapter().read_bytes()).hexdigest()
    assert all(c["summary"]["flops"] > 0 and c["summary"]["tokens"] > 0 for c in cells)
    rep = build(tmp_path)
    assert "beam M=2" in rep["curves"]["all"] and 4 in rep["curves"]["all"]["beam M=2"]
    assert "compute-optimal" in text_report(rep)


def test_search_budgets_can_stop_below_the_best_of_n_pool():
    cfg = small(budgets=(1, 2, 4, 8, 16, 32, 64), search_budgets=(4, 8, 16), ms=(4,))
    cells = cfg.cells_for(Problem("q", "1", id="p"))
    assert max(c["budget"] for c in cells if c["strategy"] != "best_of_n") == 16
    assert [c["n"] for c in cells if c["strategy"] == "best_of_n"] == [64]


def test_load_tree_cannot_leave_the_cells_folder(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1, levels=(1,)), tmp_path)
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"tree": {}}))
    for bad in ("../secret", "../../etc/passwd", "/etc/passwd", "a/b", "..", "", None, 5):
        with pytest.raises(ValueError):
            load_tree(tmp_path, bad)


def test_cell_ids_from_file_names_are_safe(tmp_path):
    from ttc_viz.experiments.cells import safe_cell_id
    from ttc_viz.experiments.sweep import _cell

    c = _cell(Problem("x", "1", id="../../my data-3"), "beam", 4, 4, 2, 0)
    assert safe_cell_id(c["id"]) == c["id"] and "/" not in c["id"] and ".." not in c["id"]


@pytest.mark.parametrize("mutate", [
    lambda r: r["summary"].__setitem__("pool", "many"),
    lambda r: r["summary"]["pool"][0].__setitem__("value", "0.5"),
    lambda r: r["summary"]["pool"][0].__setitem__("value", float("nan")),
    lambda r: r["summary"].pop("tokens"),
    lambda r: r["cell"].__setitem__("budget", "4"),
    lambda r: r["cell"].__setitem__("id", "../../x"),
    lambda r: r["cell"].__setitem__("strategy", "no_such_strategy"),
    lambda r: r.__setitem__("summary", []),
    lambda r: r.__setitem__("cell", None),
])
def test_malformed_cells_are_clear_errors(tmp_path, mutate):
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1, levels=(1,)), tmp_path)
    f = next((tmp_path / "cells").glob("*.json"))
    rec = json.loads(f.read_text())
    mutate(rec)
    f.write_text(json.dumps(rec))
    with pytest.raises(ValueError, match="damaged"):
        load_cells(tmp_path)


def test_cells_are_written_through_the_shared_atomic_writer(tmp_path):
    import ttc_viz.experiments.sweep as sweep

    seen = []
    orig = sweep.write_atomic
    sweep.write_atomic = lambda p, d: (seen.append(p.name), orig(p, d))[1]
    try:
        run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1, levels=(1,)),
                  tmp_path)
    finally:
        sweep.write_atomic = orig
    assert "sweep.json" in seen and any(n.endswith("--best_of_n-b16.json") for n in seen)
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_folder_run_again_with_more_records_the_union_of_both_runs(tmp_path):
    run_sweep(FakeGenerator(), SymbolicVerifier(),
              small(strategies=("best_of_n", "beam"), budgets=(1, 2, 4), search_budgets=(4,), ms=(2,), problems=2), tmp_path)
    run_sweep(FakeGenerator(), SymbolicVerifier(),
              small(strategies=("lookahead",), budgets=(1, 2, 4), search_budgets=(2,), ms=(1,), problems=1), tmp_path)
    cfg = json.loads((tmp_path / "sweep.json").read_text())["config"]
    assert cfg["strategies"] == ["best_of_n", "beam", "lookahead"] and cfg["problems"] == 2
    assert cfg["search_budgets"] == [2, 4] and cfg["ms"] == [1, 2] and cfg["budgets"] == [1, 2, 4]
    meta, cells = load_cells(tmp_path)
    assert {c["cell"]["strategy"] for c in cells} == {"best_of_n", "beam", "lookahead"}


def test_a_cell_another_sweep_wrote_meanwhile_is_not_run_again(tmp_path):
    """Two sweeps may work on one folder (say, one per level range): a cell whose file
    appeared after this sweep listed its work is skipped, not redone."""
    import shutil

    cfg = small(strategies=("best_of_n",), problems=2)
    other = tmp_path / "other"
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, other)
    calls = []

    class Counting(FakeGenerator):
        def solutions(self, *a, **kw):
            if not calls:  # while this sweep runs its first cell, the other one lands the rest
                (tmp_path / "here" / "cells").mkdir(parents=True, exist_ok=True)
                for f in (other / "cells").glob("*.json"):
                    shutil.copy(f, tmp_path / "here" / "cells" / f.name)
            calls.append(1)
            return super().solutions(*a, **kw)

    res = run_sweep(Counting(), SymbolicVerifier(), cfg, tmp_path / "here")
    assert len(calls) == 1 and res["cells"] == 4 and res["skipped"] == 0
    assert len(list((tmp_path / "here" / "cells").glob("*.json"))) == 4


def test_a_second_verifier_rescores_the_same_pools_instead_of_sampling_again(tmp_path):
    """--pools-from: another verifier's sweep of the same generator and seed takes the first
    sweep's best-of-N and difficulty pools, the same samples scored its own way."""
    from ttc_viz.verifiers.base import ModelFreeVerifier

    class Half(ModelFreeVerifier):
        name = "half"

        def score_batch(self, problem, solutions):
            return [[0.5] * len(s) for s in solutions]

    cfg = small(strategies=("best_of_n",), problems=2, levels=(1,), difficulty_pool=4)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path / "a")
    gen = FakeGenerator()
    run_sweep(gen, Half(), small(strategies=("best_of_n",), problems=2, levels=(1,), difficulty_pool=4,
                                 pools_from=str(tmp_path / "a")), tmp_path / "b")
    assert gen.calls == []                       # nothing sampled again
    _, a = load_cells(tmp_path / "a")
    _, b = load_cells(tmp_path / "b")
    pa = {c["cell"]["id"]: c["summary"]["pool"] for c in a}
    pb = {c["cell"]["id"]: c["summary"]["pool"] for c in b}
    assert pa.keys() == pb.keys() and len(pa) == 4
    for cid in pa:
        assert [x["answer"] for x in pa[cid]] == [x["answer"] for x in pb[cid]]
        assert all(x["value"] == 0.5 for x in pb[cid])
    with pytest.raises(ValueError, match="other settings"):
        run_sweep(FakeGenerator(), Half(), small(strategies=("best_of_n",), problems=2, levels=(1,), seed=5,
                                                 pools_from=str(tmp_path / "a")), tmp_path / "c")


def test_a_strategy_may_have_budgets_of_its_own():
    from ttc_viz.problems import Problem

    cfg = small(strategies=("best_of_n", "beam", "lookahead"), budgets=(1, 2, 4, 8, 16), search_budgets=(4, 8, 16),
                ms=(4,), budgets_for={"lookahead": (8,)})
    cells = cfg.cells_for(Problem("x", "1", level=1, id="x"))
    assert sorted(c["budget"] for c in cells if c["strategy"] == "beam") == [4, 8, 16]
    assert [c["budget"] for c in cells if c["strategy"] == "lookahead"] == [8]
    with pytest.raises(ValueError, match="'dvt', which is no strategy"):
        small(strategies=("beam",), budgets_for={"dvt": (8,)}).check()
    # two workers of one folder, each with some strategies and the folder's whole --budgets-for
    small(strategies=("beam",), budgets_for={"dvts": (8,)}).check()


def test_two_workers_with_other_strategies_share_one_folder(tmp_path):
    kw = dict(problems=1, levels=(1,), budgets=(1, 2, 4, 8), search_budgets=(4, 8), ms=(4,),
              budgets_for={"lookahead": (8,)})
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), **kw), tmp_path)
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("beam", "lookahead"), **kw), tmp_path)
    meta, cells = load_cells(tmp_path)
    assert meta["config"]["strategies"] == ["best_of_n", "beam", "lookahead"]
    assert sorted({c["cell"]["strategy"] for c in cells}) == ["beam", "best_of_n", "lookahead"]
    # a strategy added at a later sitting, with budgets of its own: the folder's record grows
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("dvts",), **{**kw, "budgets_for": {"dvts": (8,)}}),
              tmp_path)
    meta, cells = load_cells(tmp_path)
    assert meta["config"]["budgets_for"] == {"lookahead": [8], "dvts": [8]}
    assert [c["cell"]["budget"] for c in cells if c["cell"]["strategy"] == "dvts"] == [8]


def test_two_workers_may_share_one_strategy_and_run_each_cell_once(tmp_path):
    import threading

    import time

    class Slow(FakeGenerator):   # cells long enough for the two workers to meet on one
        def next_steps(self, *a, **kw):
            time.sleep(0.005)
            return super().next_steps(*a, **kw)

    cfg = dict(strategies=("beam",), problems=2, levels=(1, 2), budgets=(4, 8), ms=(2,), seeds=2)
    done, start = {}, threading.Barrier(2)

    def worker(name):
        start.wait()
        done[name] = run_sweep(Slow(), SymbolicVerifier(), small(**cfg), tmp_path)

    first = threading.Thread(target=worker, args=("a",))
    first.start()
    worker("b")
    first.join()
    total = done["a"]["cells"]
    assert done["a"]["ran"] + done["b"]["ran"] == total   # every cell once, none twice
    assert len(list((tmp_path / "cells").glob("*.json"))) == total
    assert not list((tmp_path / "cells").glob("*.claim"))  # claims go with their cells


def test_a_cell_claimed_by_a_live_worker_is_left_and_a_dead_workers_claim_taken_over(tmp_path):
    import os
    import socket
    import subprocess
    import sys

    from ttc_viz.experiments.sweep import CLAIM

    cfg = small(strategies=("beam",), problems=1, levels=(1,), budgets=(4, 8), ms=(2,))
    ids = [c["id"] for c in cfg.cells_for(cfg.problem_list()[0])]
    (tmp_path / "cells").mkdir()
    held = tmp_path / "cells" / f"{ids[0]}{CLAIM}"
    held.write_text(f"{socket.gethostname()} {os.getpid()}\n")   # a live process holds it
    res = run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    assert res["ran"] == len(ids) - 1 and not (tmp_path / "cells" / f"{ids[0]}.json").exists()
    assert held.exists()                                         # not ours to remove
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    held.write_text(f"{socket.gethostname()} {int(gone.stdout)}\n")   # its worker was killed
    res = run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    assert res["ran"] == 1 and (tmp_path / "cells" / f"{ids[0]}.json").exists() and not held.exists()


@pytest.mark.parametrize("seeds", [1, 3])
def test_a_sweep_carried_without_its_trees_resumes_from_its_summary(tmp_path, seeds):
    """A sweep carried from one sitting to the next as summary.json alone (trees deleted to
    save space): a rerun with more problems runs only the new ones' cells, and the summary
    keeps every result, the carried ones included. With repeated runs (``seeds``), a summary
    row stands for its cell's every run (its ``runs``): none is run again."""
    from ttc_viz.experiments.summary import results, write_summary

    cfg = small(strategies=("best_of_n", "beam"), problems=1, difficulty_pool=4, seeds=seeds)
    run_sweep(FakeGenerator(), SymbolicVerifier(), cfg, tmp_path)
    write_summary(tmp_path)
    first = {f.name for f in (tmp_path / "cells").glob("*.json")}
    _, rows1, diff1, n1 = results(tmp_path)
    for f in (tmp_path / "cells").glob("*.json"):
        f.unlink()
    gen = FakeGenerator()
    res = run_sweep(gen, SymbolicVerifier(), small(strategies=("best_of_n", "beam"), problems=2, difficulty_pool=4,
                                                   seeds=seeds), tmp_path)
    made = {f.name for f in (tmp_path / "cells").glob("*.json")}
    assert seeds == 1 or any("-r2.json" in name for name in first)
    assert res["skipped"] == len(first) and res["cells"] == 2 * len(first)
    assert made and not made & first                      # the carried cells were not run again
    assert all("-1--" in name for name in made)          # only the new problem's (index 1)
    write_summary(tmp_path)
    _, rows2, diff2, n2 = results(tmp_path)
    assert n2 == 2 * n1 and set(diff1) < set(diff2)  # every cell counted, difficulty pools (no rows) too
    assert {json.dumps(r, sort_keys=True) for r in rows1} <= {json.dumps(r, sort_keys=True) for r in rows2}


def test_a_summary_of_other_weights_is_not_taken_for_done_cells(tmp_path):
    from ttc_viz.experiments.summary import write_summary

    class Weighed(FakeGenerator):
        weights = {"adapter_sha256": "a" * 64}

    cfg = small(strategies=("best_of_n",), problems=1)
    run_sweep(Weighed(), SymbolicVerifier(), cfg, tmp_path)
    assert json.loads((tmp_path / "sweep.json").read_text())["weights"] == {"adapter_sha256": "a" * 64}
    Weighed.weights = {"adapter_sha256": "a" * 64, "reviser_sha256": "r" * 64}  # recorded once revisions are swept
    run_sweep(Weighed(), SymbolicVerifier(), small(strategies=("best_of_n", "revisions"), problems=1, seqs=(1, 2)),
              tmp_path)
    assert json.loads((tmp_path / "sweep.json").read_text())["weights"]["reviser_sha256"] == "r" * 64
    write_summary(tmp_path)
    Weighed.weights = {"adapter_sha256": "b" * 64}
    with pytest.raises(ValueError, match="other weights.*adapter_sha256"):
        run_sweep(Weighed(), SymbolicVerifier(), cfg, tmp_path)
    Weighed.weights = {"adapter_sha256": "a" * 64, "reviser_sha256": "s" * 64}
    run_sweep(Weighed(), SymbolicVerifier(), cfg, tmp_path)   # no revisions cell to mix: allowed
    with pytest.raises(ValueError, match="other weights.*reviser_sha256"):
        run_sweep(Weighed(), SymbolicVerifier(), small(strategies=("best_of_n", "revisions"), problems=2, seqs=(1, 2)),
                  tmp_path)


def test_pools_from_a_sweep_without_the_same_pool_is_refused_before_sampling(tmp_path):
    """Re-scoring needs the source's pool of the same id (named after the largest budget): a
    PRM sweep asking for budgets up to 8 of a sweep pooled at 16 is refused, not sampled afresh."""
    run_sweep(FakeGenerator(), SymbolicVerifier(), small(strategies=("best_of_n",), problems=1), tmp_path / "a")
    gen = FakeGenerator()
    with pytest.raises(ValueError, match="no tree for 2 pooled cell.*same --budgets"):
        run_sweep(gen, SymbolicVerifier(), small(strategies=("best_of_n",), problems=1, budgets=(1, 2, 4, 8),
                                                 pools_from=str(tmp_path / "a")), tmp_path / "b")
    assert gen.calls == []
