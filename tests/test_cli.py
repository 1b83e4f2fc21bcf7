"""Bad input: one line on stderr, exit code 2, no traceback, before any model loads."""
import json
import subprocess
import sys

import pytest


def cli(*args):
    return subprocess.run([sys.executable, "-m", "ttc_viz.cli", *args], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args,msg", [
    (["solve", ""], "empty"),
    (["solve", "x", "--n", "0"], "positive"),
    (["solve", "x", "--n", "8", "--m", "3"], "divide"),
    (["solve", "x", "--n", "4", "--m", "8"], "larger"),
    (["solve", "x", "--strategy", "no_such_strategy"], "unknown strategy"),
    (["solve", "x", "--strategy", "mcts", "--explore", "-1"], "exploration constant"),
    (["solve", "x", "--strategy", "mcts", "--explore", "nan"], "exploration constant"),
    (["solve", "x", "--strategy", "mcts", "--children", "65"], "children per expansion"),
    (["solve", "x", "--strategy", "mcts", "--children", "0"], "positive"),
    (["solve", "x", "--strategy", "mcts", "--puct", "yes"], "unrecognized arguments"),
    (["solve", "x", "--strategy", "particle_filter", "--n", "0"], "positive"),
    (["solve", "--dataset", "/no/such.jsonl"], "not found"),
    (["solve", "--dataset", "synthetic", "--level", "7"], "level"),
    (["solve", "x", "--n", "many"], "whole number"),
    (["solve", "x", "--agg", "mean"], "invalid choice"),
    (["solve", "x", "--verifier", "oracle"], "unknown verifier"),
    (["solve", "x", "--out", "/no/such/dir/t.json"], "does not exist"),
])
def test_bad_input(args, msg):
    r = cli(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr


def test_corrupt_dataset_and_index(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{oops")
    r = cli("solve", "--dataset", str(bad))
    assert r.returncode == 2 and "not valid JSON" in r.stderr and "Traceback" not in r.stderr
    good = tmp_path / "g.jsonl"
    good.write_text(json.dumps({"problem": "1+1?", "answer": "2"}))
    r = cli("solve", "--dataset", str(good), "--index", "5")
    assert r.returncode == 2 and "out of range" in r.stderr


def test_help_explains_strategies():
    r = cli("solve", "--help")
    assert r.returncode == 0
    for word in ("best_of_n", "beam", "lookahead", "dvts", "--n", "--m", "--k", "examples"):
        assert word in r.stdout


def test_models_lists_the_embedded_model():
    r = cli("models")
    assert r.returncode == 0 and "smollm2-135m-embedded" in r.stdout and " available" in r.stdout


def test_presets_are_valid_and_listed(tmp_path):
    from ttc_viz.presets import PresetError, available, load_presets

    presets = load_presets()
    names = [p["name"] for p in presets]
    assert "smollm2-135m-embedded" in names
    emb = next(p for p in presets if p["generator"] == "embedded")
    assert available(emb)[0] is True
    (tmp_path / "bad.json").write_text("{nope")
    with pytest.raises(PresetError, match="not valid JSON"):
        load_presets(tmp_path)
    (tmp_path / "bad.json").write_text('{"name": "x"}')
    with pytest.raises(PresetError, match="lacks"):
        load_presets(tmp_path)


@pytest.mark.parametrize("args,msg", [
    (["solve", "x", "--verifier", "prm:/no/such/adapter.safetensors"], "PRM adapter not found"),
    (["solve", "x", "--verifier", "hf:some/prm:vibes"], "unknown PRM format"),
    (["sweep", "--out", "/tmp/x-sweep-never", "--strategies", "beam,no_such_strategy"], "unknown strategies"),
    (["sweep", "--out", "/tmp/x-sweep-never", "--budgets", "1,two"], "comma-separated whole numbers"),
    (["sweep", "--out", "/tmp/x-sweep-never", "--budgets", "2", "--strategies", "beam"], "no cell fits"),
    (["sweep", "--out", "/tmp/x-sweep-never", "--dataset", "/no/such.jsonl"], "not found"),
    (["report", "/no/such/sweep"], "no sweep results"),
    (["eval-prm", "--n", "0"], "positive"),
    (["eval-prm", "--verifiers", "prm:/no/such.safetensors"], "PRM adapter not found"),
    (["eval-prm", "--json", "/no/such/dir/e.json"], "does not exist"),
    (["train-prm", "--batch-size", "0"], "positive"),
    (["train-prm", "--out", "/tmp/x-train-never", "--data", "/no/such/data"], "no labelled samples"),
])
def test_bad_input_for_the_other_commands(args, msg):
    r = cli(*args)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr


@pytest.mark.parametrize("cmd,words", [("sweep", ["--budgets", "--strategies", "resume", "example"]),
                                       ("report", ["--bins", "oracle", "predicted"]),
                                       ("eval-prm", ["AUROC", "--problems", "example"]),
                                       ("train-prm", ["--synthetic-steps", "resume", "example"])])
def test_help_for_every_command(cmd, words):
    r = cli(cmd, "--help")
    assert r.returncode == 0
    for w in words:
        assert w in r.stdout


def test_report_on_a_small_sweep(tmp_path):
    from fakes import FakeGenerator
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep
    from ttc_viz.verifiers import SymbolicVerifier

    run_sweep(FakeGenerator(), SymbolicVerifier(), SweepConfig(levels=(1, 2), problems=3, strategies=("best_of_n", "beam"),
                                                              budgets=(1, 2, 4), ms=(2,), resamples=4), tmp_path)
    r = cli("report", str(tmp_path), "--no-figures")
    assert r.returncode == 0 and "efficiency multiple" in r.stdout and "best_of_n weighted" in r.stdout
    r = cli("report", str(tmp_path), "--json", "--no-figures")
    assert json.loads(r.stdout)["problems"] == 6
    assert (tmp_path / "summary.json").exists()


# ---------------------------------------------------------------------------------------
# Numbers, devices, levels and output paths are refused up front, in bounded time

@pytest.mark.parametrize("args,msg", [
    (["solve", "x", "--batch-size", "0"], "positive"),
    (["solve", "x", "--batch-size", "-1"], "positive"),
    (["solve", "x", "--n", "-4"], "positive"),
    (["solve", "x", "--seed", "-1"], "non-negative"),
    (["solve", "--dataset", "synthetic", "--index", "-2"], "non-negative"),
    (["solve", "x", "--max-rounds", "-3"], "positive"),
    (["solve", "x", "--n", "9" * 5000], "whole number"),
    (["solve", "x", "--device", "bogus"], "unknown device"),
    (["solve", "x", "--device", "cuda:x"], "unknown device"),
    (["sweep", "--out", "o", "--batch-size", "0"], "positive"),
    (["sweep", "--out", "o", "--levels", "1-100000000"], "levels"),
    (["sweep", "--out", "o", "--levels", "3-1"], "levels"),
    (["sweep", "--out", "o", "--budgets", ",".join(["1"] * 10_000)], "budgets"),
    (["prm-data", "--out", "o", "--levels", "0-2"], "levels"),
    (["prm-data", "--out", "o", "--batch-size", "-1"], "positive"),
    (["eval-prm", "--levels", "1-99999999", "--problems", "3"], "levels"),
    (["train-prm", "--batch-size", "0"], "positive"),
    (["train-prm", "--device", "gpu0"], "unknown device"),
])
def test_bad_numbers_and_devices_fail_fast_in_one_short_line(args, msg):
    r = cli(*args)
    assert r.returncode == 2, r.stderr[-500:]
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and msg in lines[0], r.stderr[:500]
    assert len(r.stderr) < 500


def test_out_is_checked_before_the_search(tmp_path):
    folder = tmp_path / "a_folder"
    folder.mkdir()
    r = cli("solve", "x", "--out", str(folder))
    assert r.returncode == 2 and "is a folder" in r.stderr
    r = cli("solve", "x", "--out", str(tmp_path / ("n" * 300 + ".json")))
    assert r.returncode == 2 and "longer than" in r.stderr and "Traceback" not in r.stderr
    data = tmp_path / "d.jsonl"
    data.write_text(json.dumps({"problem": "1+1?", "answer": "2"}) + "\n")
    before = data.read_text()
    r = cli("solve", "--dataset", str(data), "--out", str(data))
    assert r.returncode == 2 and "input file" in r.stderr
    assert data.read_text() == before


@pytest.mark.skipif(not hasattr(__import__("os"), "geteuid") or __import__("os").geteuid() == 0,
                    reason="root can write anywhere")
def test_out_in_a_read_only_folder_is_refused(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        r = cli("solve", "x", "--out", str(ro / "t.json"))
        assert r.returncode == 2 and "permission" in r.stderr
    finally:
        ro.chmod(0o700)


def test_a_tree_that_cannot_be_written_at_the_end_is_kept_elsewhere(tmp_path, monkeypatch, capsys):
    from ttc_viz.cli.solve import save_tree
    from ttc_viz.tree import SearchTree

    t = SearchTree.new("beam", {"n": 1}, "1+1?", "2")
    gone = tmp_path / "gone"
    rc = save_tree(t, str(gone / "t.json"))  # the folder vanished during the search
    err = capsys.readouterr().err
    assert rc == 1 and "saved to" in err
    spare = err.rsplit("saved to ", 1)[1].strip()
    assert SearchTree.load(spare).problem["text"] == "1+1?"
    __import__("os").unlink(spare)


def test_levels_parse():
    from ttc_viz.cli.common import levels

    assert levels("1-3") == (1, 2, 3) and levels("1,2,5") == (1, 2, 5) and levels("2") == (2,)
    for bad in ("1-100000000", "0-2", "6", "a", "1-", "", "1,,2"):
        with pytest.raises(ValueError):
            levels(bad)


def test_output_folders_are_checked_before_any_model_loads(tmp_path):
    f = tmp_path / "afile"
    f.write_text("x")
    for cmd in (["sweep", "--out", str(f)], ["prm-data", "--out", str(f)]):
        r = cli(*cmd)
        assert r.returncode == 2 and "is a file" in r.stderr and "Traceback" not in r.stderr


def test_every_commands_help_reads_as_printed_text():
    """argparse %-formats help strings but not descriptions: a description's "95%%" printed as
    is. Every command's --help, formatted in-process, shows no doubled percent sign."""
    import argparse

    from ttc_viz.cli import build_parser

    p = build_parser()
    subs = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))
    assert len(subs.choices) >= 10
    for name, sp in subs.choices.items():
        text = sp.format_help()
        assert "%%" not in text and "%(" not in text, name


def test_hostile_inputs_are_one_line_before_any_model_loads(tmp_path):
    """Each of these used to print a traceback, hang, or fail only after the model loaded."""
    import os
    import time
    deep = tmp_path / "deep.jsonl"
    deep.write_text("[" * 100_000 + "\n")
    surrogate = tmp_path / "s.jsonl"
    surrogate.write_text('{"problem": "What \\ud800 is 1+1?", "answer": "2"}\n')
    fifo = tmp_path / "fifo.jsonl"
    os.mkfifo(fifo)
    sweep = tmp_path / "sweep"
    sweep.mkdir()
    (sweep / "sweep.json").write_text("{}")
    cases = [
        (["solve", "--dataset", str(deep)], "nested too deeply"),
        (["solve", "--dataset", "/dev/zero"], "not an ordinary file"),
        (["solve", "--dataset", str(fifo)], "not an ordinary file"),
        (["solve", "--dataset", str(surrogate)], "surrogate"),
        (["solve", "x", "--temperature", "nan"], "temperature"),
        (["sweep", "--temperature", "nan", "--out", str(tmp_path / "o")], "temperature"),
        (["prm-data", "--temperature", "nan", "--out", str(tmp_path / "p")], "temperature"),
        (["sweep", "--out", str(sweep), "--budgets", "1"], "not a sweep's record"),
        (["solve", "x", "--out", ""], "empty"),
        (["solve", "x", "--out", "/proc/x.json"], "cannot write"),
    ]
    for args, msg in cases:
        t0 = time.monotonic()
        r = cli(*args, "--model", "/no/such/model")  # a model load would fail with another message
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and msg in lines[0], (args, r.stderr[-500:])
        assert time.monotonic() - t0 < 60


def test_report_of_an_unchanged_sweep_leaves_its_files_as_they_were(tmp_path, capsys):
    """``ttc-viz report data/sweep-smollm2`` (a README command) must not rewrite what it
    reads: run twice, the second run writes no PNG and no summary."""
    import shutil
    from pathlib import Path

    from ttc_viz.cli import main
    from ttc_viz.cli.report import png_fingerprint, tag_png
    d = tmp_path / "sweep"
    shipped = Path(__file__).parent.parent / "data" / "sweep-smollm2"
    shutil.copytree(shipped, d)
    assert main(["report", str(d), "--resamples", "0"]) == 0
    # the shipped summary is what the current code writes: a fresh checkout's report leaves git clean
    assert (d / "summary.json").read_bytes() == (shipped / "summary.json").read_bytes()
    kept = sorted(d.glob("figures/*.png")) + [d / "summary.json"]
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in kept}
    assert main(["report", str(d), "--resamples", "0"]) == 0
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in kept} == before
    # the fingerprint a written PNG carries is read back; a PNG without one has none
    png = (b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x0dIHDR" + bytes(13) + b"\x00\x00\x00\x00"
           + b"\x00\x00\x00\x00IDAT\x00\x00\x00\x00")
    (tmp_path / "a.png").write_bytes(png)
    (tmp_path / "b.png").write_bytes(tag_png(png, "abc123"))
    assert png_fingerprint(tmp_path / "a.png") is None and png_fingerprint(tmp_path / "b.png") == "abc123"


def test_settings_that_would_fail_after_loading_models_are_refused_first(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    cases = [
        (["eval-prm", "--records", str(a_file)], "--records"),
        (["eval-revise", "--reviser", "embedded:/no/such/adapter.safetensors"], "adapter not found"),
        (["train-prm", "--data", str(a_file), "--out", str(tmp_path / "t")], "is a file"),
        (["prm-data", "--problems", "100000000", "--out", str(tmp_path / "p")], "at most"),
        (["train-gen", "--rank", "100000", "--out", str(tmp_path / "g")], "at most"),
    ]
    for args, msg in cases:
        r = cli(*args, "--quiet")
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert r.returncode == 2 and len(lines) == 1 and msg in lines[0], (args, r.stderr[-500:])
