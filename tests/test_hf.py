"""The transformers backend's decoding engine, checked against transformers' own
``generate`` on a tiny random-init Llama (built here, no downloads) with the embedded
model's tokenizer."""
import pytest
import torch

from ttc_viz.lm import GeneratorError
from ttc_viz.lm.hf import HFConfig, HFGenerator, load_hf


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from ttc_viz.lm.embedded import converted_dir, load_embedded

    load_embedded(device="cpu")  # make sure the converted cache (with tokenizer) exists
    tok = AutoTokenizer.from_pretrained(converted_dir())
    torch.manual_seed(0)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                      eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
    model = LlamaForCausalLM(cfg).eval()
    with torch.no_grad():  # spread the logits: a random model's near-ties would make greedy fragile
        model.lm_head.weight.mul_(200.0)
    path = tmp_path_factory.mktemp("tiny")
    model.save_pretrained(path)
    tok.save_pretrained(path)
    return path


def reference_greedy(gen, problem, steps, max_new):
    """transformers' own greedy ``generate`` from the same ids our engine continues:
    the prompt head, then each step's own ids (or its text encoded as running text)."""
    tok = gen.tok
    head = tok(gen.prompt(problem), add_special_tokens=False)["input_ids"]
    ids = torch.tensor([head + gen.prefix_ids(steps)])
    out = gen.model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new,
                             do_sample=False, stop_strings=["\n\n"], tokenizer=tok,
                             pad_token_id=tok.pad_token_id)
    text = tok.decode(out[0, ids.shape[1]:], skip_special_tokens=True)
    return text.lstrip().split("\n\n")[0].strip()


def test_engine_matches_generate_greedy(tiny):
    gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=12))
    first = gen.rollout("What is 2 + 3?", [[]], 2)[0]  # generated steps, ids kept
    prefixes = [[], ["one step."], ["a longer first step here.", "and a second"], first[:1], first]
    ours = gen.rollout("What is 2 + 3?", prefixes, 1)
    for p, o in zip(prefixes, ours):
        assert o[0].text == reference_greedy(gen, "What is 2 + 3?", p, 12)


def test_text_steps_encode_the_delimiter_as_running_text(tiny):
    """A trailing blank line alone encodes as one merged token that the model writes only
    at the very end of a text; a prefix step must end with the delimiter as written mid-text."""
    gen = load_hf(str(tiny), device="cpu")
    tok = gen.tok
    merged = tok("7 + 1 = 8.\n\n", add_special_tokens=False)["input_ids"]
    running = tok("7 + 1 = 8.\n\nThe", add_special_tokens=False)["input_ids"]
    assert gen.text_ids("7 + 1 = 8.") == running[:len(gen.text_ids("7 + 1 = 8."))]
    assert gen.text_ids("7 + 1 = 8.") != merged  # the tokenizer does merge at the end
    assert gen.prefix_ids(["a.", "b."]) == gen.text_ids("a.") + gen.text_ids("b.")


def test_sampling_is_seeded_and_batched(tiny):
    gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=8, batch_size=3))
    a = gen.next_steps("q", [[], ["x"]], 4, temperature=1.0, seed=7)
    b = gen.next_steps("q", [[], ["x"]], 4, temperature=1.0, seed=7)
    c = gen.next_steps("q", [[], ["x"]], 4, temperature=1.0, seed=8)
    texts = lambda r: [[s.text for s in row] for row in r]  # noqa: E731
    assert texts(a) == texts(b) and texts(a) != texts(c)
    assert [len(r) for r in a] == [4, 4]
    assert all(s.tokens >= 1 and s.prompt_tokens > 0 for r in a for s in r)


def test_solutions_split_into_steps(tiny):
    gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_solution_tokens=24))
    sols = gen.solutions("q", 3, temperature=1.0, seed=1)
    assert len(sols) == 3
    for sol in sols:
        assert sol and all("\n\n" not in s.text for s in sol)
        assert sum(s.tokens for s in sol) <= 24 + 1


def test_missing_model_is_a_clear_error(tmp_path):
    with pytest.raises(GeneratorError, match="could not load model"):
        load_hf(str(tmp_path / "nowhere"), device="cpu")


def test_cuda_request_without_gpu():
    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    from ttc_viz.lm.hf import pick_device

    with pytest.raises(GeneratorError, match="no CUDA GPU"):
        pick_device("cuda")


def test_protocol_conformance(tiny):
    from ttc_viz.lm import Generator

    gen = load_hf(str(tiny), device="cpu")
    assert isinstance(gen, Generator) and isinstance(gen, HFGenerator)


# -- KV reuse across rounds: same trees, nothing encoded twice, memory bounded ----------------

def _search(gen, strategy, **kw):
    from ttc_viz.problems import synthetic
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.verifiers import SymbolicVerifier

    cfg = dict(n=8, m=4, k=1, temperature=0.8, max_rounds=4, seed=3)
    cfg.update(kw)
    return run(strategy, synthetic(2, 0), gen, SymbolicVerifier(), SearchConfig(**cfg))


@pytest.mark.parametrize("strategy,temperature", [("beam", 0.0), ("beam", 0.8), ("lookahead", 0.8), ("dvts", 0.8)])
def test_kv_reuse_gives_the_same_tree_and_encodes_no_prefix_twice(tiny, strategy, temperature):
    trees = {}
    for kv in (0, 1 << 30):
        gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=10, max_steps=6, kv_cache_bytes=kv))
        trees[kv] = _search(gen, strategy, temperature=temperature)
    off, on = trees[0], trees[1 << 30]
    assert [(n.text, n.token_ids, n.status, n.parent) for n in on.nodes] == \
        [(n.text, n.token_ids, n.status, n.parent) for n in off.nodes]
    assert off.cost.tokens_reencoded > 0  # without the cache every round re-encodes the kept prefixes
    # with it, at most the one token a lookahead rollout fed per kept node
    assert on.cost.tokens_reencoded <= len(on.nodes) * 0.1 * (strategy == "lookahead")


def test_prefilled_counts_what_the_model_ran_the_head_once_and_a_kept_prefix_by_its_last_token(tiny):
    gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=10, max_steps=6))
    q = "What is 4 + 5?"
    head = len(gen.tok(gen.prompt(q), add_special_tokens=False)["input_ids"])
    first = gen.next_steps(q, [[]], 4, temperature=1.0, seed=1)[0]
    # the head is run once for the four rows, and charged to the first; nothing follows it yet
    assert [s.prefilled for s in first] == [head, 0, 0, 0]
    kept = first[0]
    second = gen.next_steps(q, [[kept]], 3, temperature=1.0, seed=2)[0]
    # the head is cached; the kept step's KV covers all but its last sampled token, fed once
    assert [s.prefilled for s in second] == [1, 0, 0]
    # without the cache the whole prefix is run again, once for its rows
    off = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=10, max_steps=6, kv_cache_bytes=0))
    off.next_steps(q, [[]], 1, temperature=1.0, seed=1)
    again = off.next_steps(q, [[kept]], 3, temperature=1.0, seed=2)[0]
    assert [s.prefilled for s in again] == [len(kept.ids), 0, 0]
    # a search's cost adds them up: far below the prompt tokens it would re-read
    tree = _search(gen, "beam")
    assert 0 < tree.cost.tokens_prefilled < tree.cost.tokens_prompt / 3
    # whole solutions: the head's prefill on the first step of the first row only
    sols = gen.solutions("What is 7 + 1?", 2, temperature=1.0, seed=0)
    fed = [s.prefilled for sol in sols for s in sol]
    assert fed[0] == len(gen.tok(gen.prompt("What is 7 + 1?"), add_special_tokens=False)["input_ids"])
    assert sum(fed[1:]) == 0
    # forgotten, the same call pays for the head again
    gen.forget()
    assert gen.solutions("What is 7 + 1?", 2, temperature=1.0, seed=0)[0][0].prefilled == fed[0]


def test_kv_cache_keeps_within_its_budget_and_drops_pruned_prefixes(tiny):
    gen = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=10, max_steps=6))
    q = "What is 2 + 3?"
    first = gen.next_steps(q, [[]], 4, temperature=1.0, seed=1)[0]
    held = set(gen.kv._entries)
    assert held and held <= {tuple(s.ids) for s in first}  # one entry per step written (distinct ids)
    # the next round continues one of them: the KV of the others goes at once
    kept = first[0]
    second = gen.next_steps(q, [[kept]], 2, temperature=1.0, seed=2)[0]
    held = set(gen.kv._entries)
    assert tuple(kept.ids) in held
    assert all(k[:len(kept.ids)] == tuple(kept.ids) for k in held)  # the parent and its children only
    assert all(s.reencoded == 0 for s in second)  # a child fed only its parent's last token
    # a budget smaller than one step's KV keeps nothing; the tree is the same
    small = load_hf(str(tiny), device="cpu", config=HFConfig(max_step_tokens=10, max_steps=6, kv_cache_bytes=1000))
    assert _search(small, "beam").nodes == _search(gen, "beam").nodes
    assert small.kv.bytes == 0 and len(small.kv) == 0
    # a new problem: the other problem's prefixes are gone
    assert len(gen.kv) > 0
    gen.next_steps("Another problem?", [[]], 1, temperature=1.0, seed=0)
    assert len(gen.kv) <= 1
