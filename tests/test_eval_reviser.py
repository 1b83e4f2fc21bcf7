import json

import pytest

from ttc_viz.experiments.eval_reviser import (ReviseEvalConfig, baseline_correct, chain_lengths, split_correct,
                                              summarize, table, transitions)


def test_chain_lengths_cover_every_split_with_3n_attempts():
    assert chain_lengths(16) == [16, 8, 4, 4, 2, 2, 2, 2] + [1] * 8
    assert sum(chain_lengths(16)) == 48 and chain_lengths(1) == [1]
    for n in (2, 4, 8, 16):
        lens = chain_lengths(n)
        for seq in (1, 2, 4, 8, 16):
            if seq <= n:
                assert all(L >= seq for L in lens[: n // seq])


@pytest.mark.parametrize("kw", [{"n": 3}, {"n": 0}, {"problems": 0}, {"levels": (6,)}, {"temperature": 3}])
def test_bad_config(kw):
    with pytest.raises(ValueError):
        ReviseEvalConfig(**kw).check()


def _att(ans, ok, score):
    return {"steps": [f"The answer is {ans}."], "answer": ans, "correct": ok, "score": score}


def _rec(level=1):
    # chain 0: wrong, wrong, right, right (a revision fixes it); chain 1: right, wrong (breaks it)
    return {"id": "p", "level": level, "answer": "5",
            "chains": [[_att("4", False, 0.9), _att("3", False, 0.2), _att("5", True, 0.6), _att("5", True, 0.7)],
                       [_att("5", True, 0.3), _att("6", False, 0.95)],
                       [_att("7", False, 0.5)], [_att("7", False, 0.5)]],
            "baseline": [_att("7", False, 0.4), _att("5", True, 0.2), _att("5", True, 0.3), _att("7", False, 0.1)]}


def test_transitions_count_fixes_and_breaks():
    t = transitions([_rec()])
    assert t["wrong_pairs"] == 2 and t["wrong_to_right"] == 0.5    # 4->3 stays wrong, 3->5 fixed
    assert t["right_pairs"] == 2 and t["right_to_wrong"] == 0.5    # 5->5 kept, 5->6 broken


def test_splits_read_the_first_chains_cut_to_seq():
    r = _rec()
    assert split_correct(r, 4, 4)          # one chain of 4: 5 weighs 1.3 against 0.9 and 0.2
    assert not split_correct(r, 2, 2)      # chain 0 cut to 2: 4 (0.9) vs 3 (0.2) -> 4: wrong
    # 2 chains x 2: chain 0 -> 4 (0.9), chain 1 -> 6 (0.95): 6, wrong
    assert not split_correct(r, 4, 2)
    assert not split_correct(r, 4, 1)      # four first attempts: 4 (0.9), 5 (0.3), 7 (1.0) -> 7
    assert baseline_correct(r, 4) is False and baseline_correct(r, 3) is True and baseline_correct(r, 8) is None


def test_summary_and_table():
    recs = [_rec(1), _rec(2)]
    s = summarize(recs, 4)
    assert set(s["groups"]) == {"level 1", "level 2", "all"}
    g = s["groups"]["all"]
    assert g["attempt_accuracy"][1]["value"] == 0.25     # chains' first attempts: 1 right of 4
    assert g["splits"][4][4]["value"] == 1.0 and g["best_split"][4]["seq"] == 4
    json.dumps(s)
    md = table(s)
    assert "right→wrong" in md and "| all |" in md and "1×4" in md


def test_records_of_another_reviser_are_not_reused_but_the_same_generators_baseline_is(tmp_path):
    from fakes import FakeGenerator
    from ttc_viz.experiments.eval_reviser import run_eval
    from ttc_viz.verifiers import SymbolicVerifier

    class Model(FakeGenerator):
        def __init__(self, sha):
            super().__init__()
            self.weights = {"adapter_sha256": sha}

    cfg = ReviseEvalConfig(levels=(1,), problems=2, n=1)   # first attempts only: no batched decoding
    gen, old = Model("gen"), Model("reviser-1")
    first = run_eval(old, gen, SymbolicVerifier(), cfg, records=tmp_path)
    assert gen.calls and old.calls and all(r["weights"]["reviser"] == {"adapter_sha256": "reviser-1"} for r in first)
    gen2, new = Model("gen"), Model("reviser-2")
    second = run_eval(new, gen2, SymbolicVerifier(), cfg, records=tmp_path)
    assert new.calls, "a retrained reviser's chains were taken from the old one's records"
    assert gen2.calls == [] and [r["baseline"] for r in second] == [r["baseline"] for r in first]
    gen3 = Model("another generator")
    run_eval(Model("reviser-2"), gen3, SymbolicVerifier(), cfg, records=tmp_path)
    assert gen3.calls        # another generator: its baseline is sampled afresh


@pytest.mark.real
def test_a_small_eval_on_the_real_model(embedded, tmp_path):
    from ttc_viz.experiments.eval_reviser import run_eval
    from ttc_viz.verifiers import load_verifier

    cfg = ReviseEvalConfig(levels=(1,), problems=1, n=2, max_tokens=96)
    seen = []
    recs = run_eval(embedded, embedded, load_verifier("symbolic"), cfg, records=tmp_path,
                    progress=lambda d, t, w: seen.append((d, t)))
    (r,) = recs
    assert [len(c) for c in r["chains"]] == [2, 1] and len(r["baseline"]) == 2
    assert all(a["steps"] and 0 <= a["score"] <= 1 for c in r["chains"] for a in c)
    assert seen[-1][0] == seen[-1][1] == 5
    class Refuses:
        weights = embedded.weights    # the same weights: the records are theirs

        def solutions(self, *a, **k):
            raise AssertionError("sampled again")

    again = run_eval(Refuses(), Refuses(), load_verifier("symbolic"), cfg, records=tmp_path)
    assert again == recs  # resumed from the records, nothing sampled again


@pytest.mark.parametrize("argv,msg", [(["--n", "3"], "power of two"), (["--levels", "7"], "level"),
                                      (["--verifier", "nope"], "verifier")])
def test_cli_bad_input_is_one_line_before_any_model_loads(argv, msg, capsys):
    from ttc_viz.cli import main

    assert main(["eval-revise", "--quiet", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttc-viz: error:") and msg in err.lower() and err.count("\n") == 1


def test_the_revision_card_reports_the_shipped_eval():
    """The card's tables are eval.json's numbers (a stale card fails here)."""
    import json
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "models" / "smollm2-revise"
    ev = json.loads((root / "eval.json").read_text())["groups"]
    card = (root / "README.md").read_text()
    pct = lambda v: f"{round(100 * v)}%"  # noqa: E731
    attempts, splits = card.index("The k-th attempt of a chain"), card.index("split into chains × attempts")
    for name, g in ev.items():
        key = name.replace("level ", "")
        row = re.search(rf"^\| {key} \| (.*)$", card[attempts:splits], re.M).group(1)
        cells = [c.strip() for c in row.split("|")]
        for i, k in enumerate(("1", "2", "4", "8", "16")):
            assert cells[i].replace("*", "").startswith(pct(g["attempt_accuracy"][k]["value"])), (name, k, cells[i])
        srow = re.search(rf"^\| {key} \| (.*)$", card[splits:], re.M).group(1)
        scells = [c.strip().replace("*", "") for c in srow.split("|")]
        for i, seq in enumerate(("1", "2", "4", "8", "16")):
            assert scells[i].startswith(pct(g["splits"]["16"][seq]["value"])), (name, seq, scells[i])
        assert scells[5].startswith(pct(g["best_of_n"]["16"]["value"]))
