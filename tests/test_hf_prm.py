"""The real PRM formats on tiny random-init models built here (no downloads): one score
per step, batched equals unbatched, separator text inside a step, missing tokens."""
import pytest
import torch

from ttc_viz.verifiers import VerifierError, load_verifier
from ttc_viz.verifiers.hf_prm import HFPRM, load_hf_prm

PROBLEM = "Ana has 2 apples and gets 3 more. How many?"
SOLS = [["2 + 3 = 5.", "The answer is 5."], ["2 + 3 = 6.", "So 6 apples.", "The answer is 6."], ["Hmm."]]


def _tokenizer(extra=()):
    from transformers import AutoTokenizer

    from ttc_viz.lm.embedded import converted_dir, load_embedded

    if not (converted_dir() / "tokenizer.json").exists():
        load_embedded(device="cpu")
    tok = AutoTokenizer.from_pretrained(converted_dir())
    if extra:
        tok.add_tokens(list(extra), special_tokens=True)
    return tok


def _save(model, tok, path):
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return str(path)


@pytest.fixture(scope="module")
def causal_dir(tmp_path_factory):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = _tokenizer(["ки"])
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, pad_token_id=tok.pad_token_id)
    return _save(LlamaForCausalLM(cfg), tok, tmp_path_factory.mktemp("causal"))


@pytest.fixture(scope="module")
def qwen_dir(tmp_path_factory):
    from transformers import Qwen2Config, Qwen2ForTokenClassification

    tok = _tokenizer(["<extra_0>"])
    torch.manual_seed(0)
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, num_labels=2, pad_token_id=tok.pad_token_id)
    return _save(Qwen2ForTokenClassification(cfg), tok, tmp_path_factory.mktemp("qwen"))


@pytest.mark.parametrize("fmt", ["math-shepherd", "rlhflow", "qwen"])
def test_scores_per_step_and_batching(fmt, causal_dir, qwen_dir):
    prm = load_verifier(f"hf:{qwen_dir if fmt == 'qwen' else causal_dir}:{fmt}", device="cpu")
    assert isinstance(prm, HFPRM)
    batched = prm.score_batch(PROBLEM, SOLS)
    assert [len(b) for b in batched] == [len(s) for s in SOLS]
    assert all(0.0 <= x <= 1.0 for b in batched for x in b)
    for sol, b in zip(SOLS, batched):
        assert prm.score(PROBLEM, sol) == pytest.approx(b, abs=1e-5)
    # a prefix's score does not depend on what follows it (causal models read left to right)
    if fmt != "qwen":
        assert prm.score(PROBLEM, SOLS[1][:2]) == pytest.approx(batched[1][:2], abs=1e-5)
    assert prm.score_batch(PROBLEM, [[]]) == [[]]


@pytest.mark.parametrize("fmt,sep", [("math-shepherd", "ки"), ("qwen", "<extra_0>")])
def test_step_containing_the_separator(fmt, sep, causal_dir, qwen_dir):
    prm = load_hf_prm(qwen_dir if fmt == "qwen" else causal_dir, fmt, device="cpu")
    steps = [f"2 + 3 = 5 {sep} really.", "The answer is 5."]
    ids, pos = prm.encode(PROBLEM, steps)
    assert len(pos) == 2
    assert len(prm.score(PROBLEM, steps)) == 2


def test_rlhflow_reads_the_assistant_position(causal_dir):
    prm = load_hf_prm(causal_dir, "rlhflow", device="cpu")
    ids, pos = prm.encode(PROBLEM, SOLS[1])
    assert all(ids[p + 1] == prm.plus for p in pos)  # the next token is the assistant's "+"


def test_tokenizer_without_the_needed_tokens(tmp_path):
    from transformers import LlamaConfig, LlamaForCausalLM

    tok = _tokenizer()  # no "ки", no "<extra_0>"
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=16, intermediate_size=32, num_hidden_layers=1,
                      num_attention_heads=2, num_key_value_heads=1)
    path = _save(LlamaForCausalLM(cfg), tok, tmp_path / "plain")
    with pytest.raises(VerifierError, match="no single token for 'ки'"):
        load_hf_prm(path, "math-shepherd", device="cpu")
    with pytest.raises(VerifierError, match="--trust-remote-code"):
        load_hf_prm(path, "qwen", device="cpu")  # a causal LM is no 2-class PRM head


@pytest.mark.parametrize("spec,msg", [
    ("hf:some/model:nonsense", "unknown PRM format"),
    ("hf:just-a-name", "hf:<model id or folder>:<format>"),
    ("oracle", "unknown verifier"),
])
def test_bad_specs(spec, msg):
    with pytest.raises(VerifierError, match=msg):
        load_verifier(spec)


def test_missing_model_folder(tmp_path):
    with pytest.raises(VerifierError, match="could not load PRM"):
        load_hf_prm(str(tmp_path / "nowhere"), "rlhflow", device="cpu")


@pytest.mark.parametrize("fmt", ["math-shepherd", "rlhflow", "qwen"])
def test_incremental_scoring_equals_whole_reads(fmt, causal_dir, qwen_dir):
    """Each prefix's KV kept: a search's rounds (one more step each) read the new step only
    where the format's ids allow, and the scores are those of reading every solution whole."""
    prm = load_hf_prm(qwen_dir if fmt == "qwen" else causal_dir, fmt, device="cpu")
    sols = SOLS + [SOLS[1]]  # a duplicate is read once
    budget, prm.kv.max_bytes = prm.kv.max_bytes, 0
    whole = prm.score_batch(PROBLEM, sols)
    prm.kv.max_bytes = budget
    prm.clear_cache()
    again = []
    for depth in (1, 2, 3):
        got = prm.score_batch(PROBLEM, [s[:depth] for s in sols])
        for g, w in zip(got, whole):
            assert g == pytest.approx(w[:depth], abs=1e-5)
        again.append(prm.last_reads()["reencoded"])
    if fmt == "rlhflow":  # chat turns: every extension's ids start with its prefix's
        assert again == [0, 0, 0]
    assert len(prm.kv) > 0
    # nothing new: nothing read
    prm.score_batch(PROBLEM, [s[:3] for s in sols])
    assert prm.last_reads()["read"] == 0
