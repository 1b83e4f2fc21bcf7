"""The step-error bench (ProcessBench's metric): predictions, thresholds chosen on another
split, intervals, reading files in ProcessBench's format, the CLI, and real verifiers."""
import json
import math

import pytest

from ttc_viz.experiments import bench_verifier as bv
from ttc_viz.experiments.bench_verifier import BenchConfig, BenchDataError, Item

P1 = "Ana has 2 apples and gets 3 more. How many?"
P2 = "Bo has 9 pens and gives away 4. How many?"


def items():
    return [Item("a", P1, ["a0", "a1", "a2"], -1), Item("b", P1, ["b0", "b1", "b2"], 1),
            Item("c", P2, ["c0", "c1"], 0), Item("d", P2, ["d0", "d1"], -1)]


class Table:
    """A verifier that returns fixed scores for each (problem, steps) it was given."""
    name = "table"

    def __init__(self, by_id, its):
        self.map = {(it.problem, tuple(it.steps)): by_id[it.id] for it in its}

    def score_batch(self, problem, sols):
        return [self.map[(problem, tuple(s))] for s in sols]


def test_prediction_is_the_first_step_below_the_threshold():
    assert bv.predict([0.9, 0.4, 0.1], 0.5) == 1
    assert bv.predict([0.9, 0.8], 0.5) == -1
    assert bv.predict([0.2], 0.5) == 0
    assert bv.predict([0.5], 0.5) == -1  # at the threshold is not below it


def test_accuracies_and_f1_by_hand():
    its = items()
    scores = [[0.9, 0.9, 0.9],   # correct, predicted -1: hit
              [0.9, 0.2, 0.1],   # error at 1, predicted 1: hit
              [0.8, 0.3],        # error at 0, predicted 1: miss
              [0.9, 0.1]]        # correct, predicted 1: miss
    r = bv.measure(its, scores, 0.5, BenchConfig(bootstrap=50))
    assert r["acc_erroneous"]["value"] == pytest.approx(0.5)
    assert r["acc_correct"]["value"] == pytest.approx(0.5)
    assert r["f1"]["value"] == pytest.approx(0.5)
    assert bv.f1_of(1.0, 0.5) == pytest.approx(2 / 3)
    # within-problem: P1 ranks right above wrong (last-step 0.9 vs 0.1); P2 ranks them wrongly
    assert r["within_auroc"]["value"] == pytest.approx(0.5)
    assert r["pick_accuracy"]["value"] == pytest.approx(0.5)
    assert r["problems_with_both"] == 2
    lo, hi = r["f1"]["lo"], r["f1"]["hi"]
    assert lo <= r["f1"]["value"] <= hi and lo < hi  # two problems resampled: the interval is not a point


def test_the_curve_agrees_with_predictions_at_every_threshold():
    its = items()
    scores = [[0.9, 0.7, 0.6], [0.9, 0.2, 0.1], [0.8, 0.3], [0.9, 0.4]]
    c = bv.threshold_curve(its, scores, [0.0, 0.35, 0.5, 0.65, 0.85, 1.0])
    for tau, f1 in zip(c["tau"], c["f1"]):
        e, k = bv._accuracies(its, bv.hits(its, scores, tau))
        assert f1 == pytest.approx(bv.f1_of(e, k))


def test_threshold_is_chosen_on_the_split_it_is_given():
    dev = [Item(f"d{i}", P1, [f"x{i}", "y"], lab) for i, lab in enumerate((-1, -1, 0, 1))]
    dsc = [[0.9, 0.7], [0.8, 0.65], [0.3, 0.2], [0.9, 0.35]]
    tau = bv.choose_threshold(dev, dsc)
    assert 0.35 < tau <= 0.65
    assert bv.threshold_curve(dev, dsc, [tau])["f1"] == [1.0]
    # bench never looks at the scored pool's labels for the threshold
    test = [Item("t0", P2, ["x", "y"], 0), Item("t1", P2, ["x", "z"], -1)]
    scores = {"d0": dsc[0], "d1": dsc[1], "d2": dsc[2], "d3": dsc[3], "t0": [0.6, 0.1], "t1": [0.9, 0.9]}
    v = Table(scores, dev + test)
    r = bv.bench({"t": v}, test, dev, BenchConfig(bootstrap=20))
    assert r["results"]["t"]["threshold"] == pytest.approx(tau)
    assert r["results"]["t"]["acc_erroneous"]["value"] == 0.0  # 0.6 is above the dev threshold: a miss
    with pytest.raises(ValueError, match="separate split"):
        bv.bench({"t": v}, test, None, BenchConfig())
    with pytest.raises(BenchDataError, match="shares 1 problem"):
        bv.bench({"t": v}, test, dev + test[:1], BenchConfig())


def test_split_by_problem_keeps_problems_whole_and_apart():
    its = [Item(f"{p}-{j}", f"problem {p}", ["s"], -1) for p in range(40) for j in range(3)]
    cal, test = bv.split_by_problem(its)
    assert cal and test
    assert not {i.problem for i in cal} & {i.problem for i in test}
    assert len(cal) + len(test) == len(its)


def _write(path, lines):
    path.write_text("".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines))
    return path


GOOD = {"id": "x1", "problem": P1, "steps": ["2 + 3 = 5.", "The answer is 5."], "label": -1,
        "final_answer_correct": True}


def test_reads_processbench_format(tmp_path):
    f = _write(tmp_path / "pb.jsonl", [GOOD, dict(GOOD, id="x2", label=1, final_answer_correct=False), "",
                                        {"id": 7, "problem": P2, "steps": ["9 - 4 = 6."], "label": 0}])
    its = bv.load_items(f)
    assert [i.id for i in its] == ["x1", "x2", "7"]
    assert [i.correct for i in its] == [True, False, False]


@pytest.mark.parametrize("line,msg", [
    ("{not json", "line 2: not valid JSON"),
    ({k: v for k, v in GOOD.items() if k != "label"}, "line 2: no 'label' field"),
    (dict(GOOD, label=2), "line 2: 'label' must be -1"),
    (dict(GOOD, label=True), "line 2: 'label' must be -1"),
    (dict(GOOD, steps="one step"), "line 2: 'steps' must be a non-empty list"),
    (dict(GOOD, label=0), "line 2: a solution with a wrong step"),
    (dict(GOOD, id="x1"), "line 2: id 'x1' appears twice"),
    (dict(GOOD, id="y", steps=["a" * 30_000]), "line 2: step 0 is 30,000 characters"),
    (dict(GOOD, id="y", steps=["a" * (10 * 2**20)]), "line 2: longer than 1 MB"),
])
def test_a_bad_line_is_refused_with_one_line(tmp_path, line, msg):
    f = _write(tmp_path / "bad.jsonl", [GOOD, line])
    with pytest.raises(BenchDataError) as e:
        bv.load_items(f)
    assert msg in str(e.value) and "\n" not in str(e.value)
    assert str(e.value).startswith("bad.jsonl line 2") or "bad.jsonl" in str(e.value)


def test_subsample_keeps_whole_problems():
    its = [Item(f"{p}-{j}", f"problem {p}", ["s"], -1) for p in range(10) for j in range(4)]
    sub = bv.subsample(its, 10)
    assert len(sub) == 8
    assert all(sum(1 for i in sub if i.problem == p) == 4 for p in {i.problem for i in sub})


def test_shipped_set_is_labelled_by_the_answer_key():
    from ttc_viz.assets import data_dir
    from ttc_viz.verifiers.oracle import chain_of, step_labels

    folder = data_dir() / bv.SHIPPED
    dev, test = bv.load_items(folder / "dev.jsonl"), bv.load_items(folder / "test.jsonl")
    assert {i.meta["split"] for i in dev} == {"train"} and {i.meta["split"] for i in test} == {"test"}
    scored, _ = bv.load_shipped(with_dev=False)
    assert len(scored) > len(test) and {i.meta["split"] for i in scored} == {"test"}  # with the classroom's
    assert not {i.problem for i in dev} & {i.problem for i in scored}
    for it in scored[::37]:
        labels = step_labels(chain_of(it.problem), it.steps)
        assert it.label == (labels.index(False) if False in labels else -1)
    # the answer key scores the label exactly: F1 = 1 by construction
    from ttc_viz.verifiers import load_verifier

    r = bv.bench({"answer-key": load_verifier("answer-key")}, test[:120], dev[:200], BenchConfig(bootstrap=20))
    assert r["results"]["answer-key"]["f1"]["value"] == 1.0
    assert 0 < r["results"]["answer-key"]["threshold"] < 1


def test_the_table_and_figure_show_every_verifier():
    its = items()
    scores = {"a": [0.9, 0.9, 0.9], "b": [0.9, 0.2, 0.1], "c": [0.8, 0.3], "d": [0.9, 0.1]}
    r = bv.bench({"t": Table(scores, its)}, its, None, BenchConfig(bootstrap=20, threshold=0.5))
    text = bv.table(r)
    assert "t " in text and "50% [" in text and "fixed at 0.5" in text
    fig = bv.figure(r, "t")
    assert [t.name for t in fig.data][:3] == ["accuracy on erroneous", "accuracy on correct", "F1"]
    view = bv.solution_view(r, 1)
    assert view["item"]["label"] == 1 and view["verifiers"]["t"]["flagged"] == 1
    json.dumps(r)  # the result is plain JSON
    assert not any(isinstance(x, float) and math.isnan(x) for x in r["results"]["t"]["curve"]["f1"])


# -- the command ------------------------------------------------------------------------

def run_cli(capsys, *args):
    from ttc_viz.cli import main

    try:
        rc = main(["bench-verifier", "--quiet", *args])
    except SystemExit as e:  # argparse's own errors
        rc = e.code
    out = capsys.readouterr()
    return rc, out.out, out.err


@pytest.mark.parametrize("args,msg", [
    (["--verifiers", "vibes"], "unknown verifier 'vibes'"),
    (["--verifiers", ","], "at least one verifier"),
    (["--verifiers", "symbolic,symbolic"], "twice"),
    (["--verifiers", "prm:/no/such.safetensors"], "PRM adapter not found"),
    (["--data", "/no/such.jsonl"], "no such file"),
    (["--json", "/no/such/dir/b.json"], "does not exist"),
    (["--threshold", "nan"], "--threshold must be a number"),
    (["--bootstrap", "0"], "positive"),
    (["--limit", "x"], "whole number"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, args, msg):
    rc, out, err = run_cli(capsys, "--verifiers", "symbolic", *args)
    assert rc == 2
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and msg in lines[0], err


def test_a_bad_file_writes_nothing(capsys, tmp_path):
    f = _write(tmp_path / "pb.jsonl", [GOOD, {k: v for k, v in GOOD.items() if k != "label"}])
    out = tmp_path / "b.json"
    rc, _, err = run_cli(capsys, "--verifiers", "symbolic", "--data", str(f), "--json", str(out))
    assert rc == 2 and "pb.jsonl line 2: no 'label' field" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
    rc, _, err = run_cli(capsys, "--verifiers", "symbolic", "--data", str(f), "--json", str(f))
    assert rc == 2 and "input file" in err


def test_the_shipped_set_on_the_model_free_verifiers(capsys, tmp_path):
    out = tmp_path / "b.json"
    rc, text, err = run_cli(capsys, "--verifiers", "symbolic,answer-key", "--limit", "150", "--bootstrap", "30",
                            "--json", str(out))
    assert rc == 0, err
    assert "answer-key" in text and "100% [100, 100]" in text and "separate split" in text
    res = json.loads(out.read_text())
    assert res["verifiers"] == ["symbolic", "answer-key"]
    assert res["results"]["answer-key"]["f1"]["value"] == 1.0
    assert 0 < res["results"]["symbolic"]["f1"]["value"] <= 1
    assert res["dev"]["solutions"] <= 150 and res["data"]["solutions"] <= 150
    assert len(res["scores"]["symbolic"]) == len(res["items"]) == res["data"]["solutions"]


def _synthetic_file(path, n_problems=8):
    """Solutions of generated problems, labelled by the answer key: some right, some wrong at a step."""
    from ttc_viz.problems import synthetic
    from ttc_viz.verifiers.oracle import chain_of

    lines = []
    for i in range(n_problems):
        p = synthetic(1, i, split="test")
        calc = chain_of(p)
        right = [f"The answer is {p.answer}."]
        wrong = ["1 + 1 = 3.", f"The answer is {int(p.answer) + 1}."]
        for j, steps in enumerate((right, wrong, ["Let me think.", f"The answer is {int(p.answer) + 2}."])):
            lab = bv.label_of(calc, steps)
            lines.append({"id": f"{i}-{j}", "problem": p.text, "steps": steps, "label": lab})
    return _write(path, lines)


def test_a_users_file_without_a_dev_split_is_halved(capsys, tmp_path):
    f = _synthetic_file(tmp_path / "mine.jsonl", 12)
    out = tmp_path / "b.json"
    rc, text, err = run_cli(capsys, "--verifiers", "answer-key", "--data", str(f), "--bootstrap", "20",
                            "--json", str(out))
    assert rc == 0, err
    res = json.loads(out.read_text())
    assert res["dev"]["problems"] + res["data"]["problems"] == 12  # halves, no problem in both
    assert res["dev"]["solutions"] + res["data"]["solutions"] == 36 and res["data"]["solutions"] < 36
    assert res["results"]["answer-key"]["f1"]["value"] == 1.0


def test_a_remote_prm_against_the_fake_server(capsys, tmp_path):
    from fake_openai import FakeOpenAI

    # the fake PRM scores a step holding "bad" 0.2, any other 0.9
    lines = []
    for i in range(6):
        lines += [{"id": f"{i}r", "problem": f"problem {i}", "steps": ["Step 1: 4.", "The answer is 5."], "label": -1},
                  {"id": f"{i}w", "problem": f"problem {i}", "steps": ["Step 1: 4.", "Step 2: bad.", "no"],
                   "label": 1}]
    f = _write(tmp_path / "pb.jsonl", lines)
    with FakeOpenAI() as fake:
        rc, text, err = run_cli(capsys, "--verifiers", f"openai:{fake.url}#fake-model:math-shepherd", "--data", str(f),
                                "--threshold", "0.5", "--bootstrap", "20")
    assert rc == 0, err
    assert "100% [100, 100]" in text  # F1 = 1 at the fixed threshold


@pytest.fixture(scope="module")
def tiny_prm_dirs(tmp_path_factory):
    """A random-init model of each hf: format, built here (no download)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForTokenClassification

    from test_hf_prm import _save, _tokenizer

    tok = _tokenizer(["ки"])
    torch.manual_seed(0)
    causal = _save(LlamaForCausalLM(LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64,
                                                num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                                pad_token_id=tok.pad_token_id)), tok, tmp_path_factory.mktemp("c"))
    qtok = _tokenizer(["<extra_0>"])
    qwen = _save(Qwen2ForTokenClassification(Qwen2Config(vocab_size=len(qtok), hidden_size=32, intermediate_size=64,
                                                         num_hidden_layers=2, num_attention_heads=4,
                                                         num_key_value_heads=2, num_labels=2,
                                                         pad_token_id=qtok.pad_token_id)), qtok,
                 tmp_path_factory.mktemp("q"))
    return {"math-shepherd": causal, "rlhflow": causal, "qwen": qwen}


@pytest.mark.parametrize("fmt", ["math-shepherd", "rlhflow", "qwen"])
def test_hf_prms_of_every_format_run_through_the_bench(capsys, tmp_path, tiny_prm_dirs, fmt):
    f = _synthetic_file(tmp_path / "mine.jsonl", 6)
    out = tmp_path / "b.json"
    rc, text, err = run_cli(capsys, "--verifiers", f"hf:{tiny_prm_dirs[fmt]}:{fmt}", "--data", str(f), "--device",
                            "cpu", "--bootstrap", "20", "--json", str(out))
    assert rc == 0, err
    res = json.loads(out.read_text())
    (name,) = res["verifiers"]
    sc = res["scores"][name]
    assert [len(s) for s in sc] == [len(it["steps"]) for it in res["items"]]
    assert all(0 <= x <= 1 for s in sc for x in s)
    assert res["results"][name]["f1"]["value"] is not None  # meaningless, but computed


@pytest.mark.real
def test_the_learned_prm_on_the_shipped_set(capsys, tmp_path):
    """The shipped PRM (the embedded model with its adapter) through the whole command, on a few
    problems: every step scored, the threshold inside the scores' range, and the scores those the
    shipped results hold for the same solutions (the shipped table is what the command gives)."""
    out = tmp_path / "b.json"
    rc, text, err = run_cli(capsys, "--verifiers", "prm", "--device", "cpu", "--limit", "40", "--bootstrap", "20",
                            "--json", str(out))
    assert rc == 0, err
    res = json.loads(out.read_text())
    sc = res["scores"]["prm"]
    assert [len(s) for s in sc] == [len(it["steps"]) for it in res["items"]]
    r = res["results"]["prm"]
    assert min(min(s) for s in sc) < r["threshold"] < max(max(s) for s in sc)
    from ttc_viz.experiments.bench_verifier import load_result, shipped_result

    shipped = load_result(shipped_result())
    by_id = {it["id"]: s for it, s in zip(shipped["items"], shipped["scores"]["prm"])}
    assert all(it["id"] in by_id for it in res["items"])
    for it, s in zip(res["items"], sc):
        assert s == pytest.approx(by_id[it["id"]], abs=0.02)


class Counting:
    """The symbolic checker, counting the problems it is asked to score."""
    name = "counting"

    def __init__(self):
        from ttc_viz.verifiers import SymbolicVerifier

        self.inner, self.calls = SymbolicVerifier(), 0

    def score_batch(self, problem, sols):
        self.calls += 1
        return self.inner.score_batch(problem, sols)


def test_records_let_a_rerun_score_only_what_is_missing(tmp_path):
    f = _synthetic_file(tmp_path / "mine.jsonl", 6)
    its = bv.load_items(f)
    rec = tmp_path / "rec.jsonl"
    v = Counting()
    first = bv.bench({"s": v}, its[:9], None, BenchConfig(bootstrap=10, threshold=0.5), records=rec)
    assert v.calls == 3
    v2 = Counting()
    again = bv.bench({"s": v2}, its, None, BenchConfig(bootstrap=10, threshold=0.5), records=rec)
    assert v2.calls == 3  # the first three problems were read back
    assert again["scores"]["s"][:9] == first["scores"]["s"]
    # a solution that changed is scored afresh, not read back under its old id
    changed = [Item(i.id, i.problem, i.steps + ["The answer is 0."], i.label) for i in its[:3]]
    v3 = Counting()
    bv.bench({"s": v3}, changed, None, BenchConfig(bootstrap=10, threshold=0.5), records=rec)
    assert v3.calls == 1
    # an interrupted last line is scored again; a damaged line elsewhere is refused
    rec.write_text(rec.read_text() + '{"verifier": "s", "ke')
    assert bv.Records(rec).get("s", its[0]) is not None
    rec.write_text('garbage\n' + rec.read_text())
    with pytest.raises(BenchDataError, match="rec.jsonl line 1: not a records line"):
        bv.Records(rec)


def test_records_through_the_command(capsys, tmp_path):
    f = _synthetic_file(tmp_path / "mine.jsonl", 6)
    rec = tmp_path / "rec.jsonl"
    args = ("--verifiers", "symbolic", "--data", str(f), "--threshold", "0.5", "--bootstrap", "10", "--records", str(rec))
    rc, first, err = run_cli(capsys, *args)
    assert rc == 0, err
    assert rec.exists()
    assert len(rec.read_text().splitlines()) == 6
    rc, again, _ = run_cli(capsys, *args)
    assert rc == 0 and again == first and len(rec.read_text().splitlines()) == 6
    rc, _, err = run_cli(capsys, *args, "--json", str(rec))
    assert rc == 2 and "same file" in err
