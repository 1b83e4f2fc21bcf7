"""The project's own PRM: adapter file handling (no model needed) and scoring on the real base model."""
import json

import pytest

from ttc_viz.verifiers import VerifierError, load_verifier
from ttc_viz.verifiers.learned import DEFAULT_ADAPTER, FORMAT, encode, read_adapter

FIX = "train-prm"


def test_missing_adapter_names_the_fix(tmp_path):
    with pytest.raises(VerifierError, match="not found.*" + FIX):
        read_adapter(tmp_path / "nope.safetensors")
    with pytest.raises(VerifierError, match="not found"):
        load_verifier(f"prm:{tmp_path / 'nope.safetensors'}")


def test_corrupt_adapter_names_the_fix(tmp_path):
    bad = tmp_path / "adapter.safetensors"
    bad.write_bytes(b"\x00\x01garbage" * 100)
    with pytest.raises(VerifierError, match="damaged or not a safetensors file.*" + FIX):
        read_adapter(bad)
    with pytest.raises(VerifierError, match="folder"):
        read_adapter(tmp_path)


def test_foreign_safetensors_is_refused(tmp_path):
    import torch
    from safetensors.torch import save_file

    f = tmp_path / "other.safetensors"
    save_file({"w": torch.zeros(2)}, str(f), metadata={"format": "pt"})
    with pytest.raises(VerifierError, match="not a ttc-viz PRM adapter"):
        read_adapter(f)
    save_file({"w": torch.zeros(2)}, str(f), metadata={"format": FORMAT, "base": "llama-70b"})
    with pytest.raises(VerifierError, match="trained for base model"):
        read_adapter(f)


def test_unknown_verifier_lists_the_choices():
    with pytest.raises(VerifierError, match="symbolic, prm, answer-key"):
        load_verifier("oracle")


class _Tok:
    """Characters as tokens (enough to check positions)."""

    def encode(self, text, add_special_tokens=False):
        return [ord(c) for c in text]


def test_encode_reads_each_step_at_its_closing_newline():
    ids, ends = encode(_Tok(), "Q?", ["a = 1", "b\n\nc"])
    text = "".join(chr(i) for i in ids)
    assert text == "Problem: Q?\nSolution: a = 1\n b c\n"
    assert [text[e] for e in ends] == ["\n", "\n"] and ends[0] < ends[1] == len(ids) - 1


def test_long_inputs_keep_the_steps():
    ids, ends = encode(_Tok(), "x" * 5000, ["step one", "step two"], max_tokens=100)
    assert len(ids) == 100 and ends[-1] == 99 and 0 < ends[0] < 99


@pytest.mark.real
def test_a_fresh_adapter_round_trips_and_scores_consistently(tmp_path):
    from ttc_viz.verifiers.learned import AdapterConfig, build_net, load_learned_prm, save_adapter

    net, _, _ = build_net("cpu", AdapterConfig(rank=4, layers=2))
    f = save_adapter(net, tmp_path / "a.safetensors", {"note": "test"})
    tensors, cfg, info = read_adapter(f)
    assert cfg.rank == 4 and cfg.layers == 2 and info == {"note": "test"}
    assert f.stat().st_size < 5_000_000
    prm = load_learned_prm(f, device="cpu")
    sols = [["Ana has 2 apples and gets 3 more: 2 + 3 = 5.", "The answer is 5."], ["2 + 3 = 6."], []]
    batched = prm.score_batch("Ana has 2 apples and gets 3 more. How many?", sols)
    single = [prm.score("Ana has 2 apples and gets 3 more. How many?", s) for s in sols]
    assert [len(s) for s in batched] == [2, 1, 0]
    for b, s in zip(batched, single):  # bf16 (where the CPU has it) rounds batches differently
        assert b == pytest.approx(s, abs=TOLERANCE[prm.bf16])
    assert all(0.0 <= x <= 1.0 for s in batched for x in s)
    # a damaged tensor set is caught before the base model is loaded
    from safetensors.torch import save_file

    bad = tmp_path / "b.safetensors"
    meta = {"format": FORMAT, "base": "smollm2-135m-instruct", "config": json.dumps({"rank": 4, "layers": 2})}
    save_file({k: v for k, v in list(tensors.items())[:3]}, str(bad), metadata=meta)
    with pytest.raises(VerifierError, match="not match"):
        load_learned_prm(bad, device="cpu")


@pytest.mark.real
def test_the_shipped_prm_is_small_and_selectable_but_not_the_default():
    from ttc_viz.presets import find

    assert DEFAULT_ADAPTER.exists(), "models/smollm2-prm/adapter.safetensors is shipped with the project"
    assert DEFAULT_ADAPTER.stat().st_size < 50_000_000
    # default only once its within-problem AUROC beats the symbolic checker's (eval-prm)
    assert find("smollm2-135m-embedded")["verifier"] == "symbolic"
    _, cfg, info = read_adapter(DEFAULT_ADAPTER)
    assert info["steps"] > 0 and info["examples"] > 0


def _adapter_with(tmp_path, config=None, info=None, tensors=None):
    from safetensors.torch import save_file

    src, cfg, _ = read_adapter(DEFAULT_ADAPTER)
    meta = {"format": FORMAT, "base": "smollm2-135m-instruct",
            "config": json.dumps(config if config is not None else {
                "rank": cfg.rank, "alpha": cfg.alpha, "layers": cfg.layers, "targets": list(cfg.targets),
                "dropout": cfg.dropout}),
            "info": json.dumps(info if info is not None else {})}
    f = tmp_path / "a.safetensors"
    save_file(tensors if tensors is not None else src, str(f), metadata=meta)
    return f


@pytest.mark.parametrize("config", [
    {"rank": "16", "layers": 12},
    {"rank": 16, "layers": 99},
    {"rank": 0},
    {"rank": 16, "layers": 12, "targets": "q_proj"},
    {"rank": 16, "layers": 12, "targets": ["q_proj", "evil_proj"]},
    {"rank": 16, "layers": 12, "dropout": "none"},
    {"rank": 16, "layers": 12, "alpha": None},
    [1, 2],
])
def test_adapter_metadata_of_wrong_types_fails_before_the_base_model_loads(tmp_path, config, monkeypatch):
    import ttc_viz.verifiers.learned as learned

    monkeypatch.setattr(learned, "build_net", lambda *a, **k: pytest.fail("the base model was loaded"))
    f = _adapter_with(tmp_path, config=config)
    with pytest.raises(VerifierError, match="damaged metadata|cannot use"):
        learned.load_learned_prm(f)


def test_adapter_info_must_be_an_object(tmp_path):
    with pytest.raises(VerifierError, match="damaged metadata"):
        read_adapter(_adapter_with(tmp_path, info=[1]))


def test_adapter_tensors_of_wrong_shapes_fail_before_the_base_model_loads(tmp_path, monkeypatch):
    import torch

    import ttc_viz.verifiers.learned as learned

    monkeypatch.setattr(learned, "build_net", lambda *a, **k: pytest.fail("the base model was loaded"))
    src, _, _ = read_adapter(DEFAULT_ADAPTER)
    for change in ({"head.weight": torch.zeros(1, 100)}, {"head.bias": torch.zeros(3)}):
        with pytest.raises(VerifierError, match="does not match"):
            learned.load_learned_prm(_adapter_with(tmp_path, tensors={**src, **change}))
    fewer = dict(list(src.items())[:-1])
    with pytest.raises(VerifierError, match="does not match"):
        learned.load_learned_prm(_adapter_with(tmp_path, tensors=fewer))
    k = next(k for k in src if k.endswith("lora_A.weight"))
    with pytest.raises(VerifierError, match="does not match"):
        learned.load_learned_prm(_adapter_with(tmp_path, tensors={**src, k: torch.zeros(8, 576)}))


def test_the_shipped_adapter_passes_the_shape_check():
    from ttc_viz.verifiers.learned import check_shapes

    t, cfg, _ = read_adapter(DEFAULT_ADAPTER)
    assert check_shapes(t, cfg) is None


# -- incremental scoring: a candidate costs its new step; the numbers stay the same -------------

PROBLEM = "Ana has 2 apples and gets 3 more. Then she eats 1. How many apples does she have?"
SOLUTIONS = [["Ana has 2 apples and gets 3 more: 2 + 3 = 5.", "She eats 1: 5 - 1 = 4.", "The answer is 4."],
             ["2 + 3 = 6.", "6 - 1 = 5.", "The answer is 5."],
             ["Ana has 2 apples and gets 3 more: 2 + 3 = 5.", "She eats 1: 5 - 1 = 3."],
             ["2 + 3 = 6.", "6 - 1 = 5.", "The answer is 5."],  # a duplicate is read once
             []]
# what the cache may change: fp32 only float rounding; bf16 its own rounding of the cached
# keys/values (the uncached bf16 path already moves scores ~1e-2 against fp32)
TOLERANCE = {False: 1e-4, True: 3e-2}


@pytest.fixture(scope="module")
def shipped_prm():
    return load_verifier("prm", device="cpu")


@pytest.mark.real
@pytest.mark.parametrize("bf16", [False, True])
def test_incremental_scores_equal_whole_reads_and_batched_equal_single(shipped_prm, bf16):
    prm = shipped_prm
    prm.bf16 = bf16
    prm.kv.max_bytes = 0  # no cache: every solution read whole, as before
    prm.clear_cache()
    whole = prm.score_batch(PROBLEM, SOLUTIONS)
    assert [len(s) for s in whole] == [3, 3, 2, 3, 0]
    prm.kv.max_bytes = 1 << 30
    prm.clear_cache()
    tol = TOLERANCE[bf16]
    # a beam search's calls: every candidate is a scored prefix plus one step
    for depth in (1, 2, 3):
        cut = [s[:depth] for s in SOLUTIONS]
        got = prm.score_batch(PROBLEM, cut)
        for g, w in zip(got, whole):
            assert g == pytest.approx(w[:depth], abs=tol)
        reads = prm.last_reads()
        new_steps = {tuple(s[:depth]) for s in SOLUTIONS if len(s) >= depth}
        new_tokens = sum(len(prm.encode(PROBLEM, list(s))[0]) - len(prm.encode(PROBLEM, list(s[:-1]))[0])
                         for s in new_steps)
        head = len(prm.encode(PROBLEM, [])[0])
        assert reads["reencoded"] == 0
        assert reads["read"] == new_tokens + (head if depth == 1 else 0)  # the head once per problem
    # scored again: nothing read, same numbers
    again = prm.score_batch(PROBLEM, SOLUTIONS)
    assert prm.last_reads()["read"] == 0 and again == got
    # batched equals one at a time, cached or not
    prm.clear_cache()
    batched = prm.score_batch(PROBLEM, SOLUTIONS)
    prm.clear_cache()
    single = [prm.score(PROBLEM, s) for s in SOLUTIONS]
    for b, s, w in zip(batched, single, whole):
        assert b == pytest.approx(s, abs=tol) and b == pytest.approx(w, abs=tol)
    # a pruned candidate's prefixes are dropped by the next call that does not continue them
    prm.score_batch(PROBLEM, [SOLUTIONS[0][:2]])
    assert all(e.key[:len(e.key)] for e in prm.kv._entries.values())
    assert len(prm.kv) == 3  # head, step 1, step 2 of the one continued solution
