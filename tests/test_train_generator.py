"""Fine-tuning the embedded generator: data, encoding, resumable training, loading."""
import json

import pytest

from ttc_viz.lm import GeneratorError, load_generator
from ttc_viz.lm.adapter import LoraSettings, read_gen_adapter, training_prompt
from ttc_viz.problems import reserved_texts
from ttc_viz.train.generator import GenTrainConfig, encode_example, solutions_batch
from ttc_viz.verifiers.oracle import chain_of, solution_correct


def test_training_solutions_are_fresh_correct_and_never_evaluation_problems():
    a = solutions_batch(0, 3, 40)
    assert a == solutions_batch(0, 3, 40) and a != solutions_batch(0, 4, 40)
    reserved = reserved_texts()
    for ex in a:
        assert ex["problem"] not in reserved
        # every reference solution is on track by the answer key and ends with the answer
        assert solution_correct(chain_of(ex["problem"]), ex["steps"]), ex


@pytest.mark.parametrize("kw,msg", [({"steps": 0}, "steps"), ({"batch_size": 0}, "batch_size"),
                                    ({"lr": 2.0}, "learning rate"), ({"levels": (7,)}, "levels")])
def test_bad_config(kw, msg):
    with pytest.raises(ValueError, match=msg):
        GenTrainConfig(**kw).check()


def test_bad_adapter_files_fail_before_any_model_loads(tmp_path):
    with pytest.raises(GeneratorError, match="not found"):
        read_gen_adapter(tmp_path / "none.safetensors")
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"\x00" * 100)
    with pytest.raises(GeneratorError, match="not a readable adapter"):
        load_generator(f"embedded:{junk}")
    from safetensors.torch import save_file
    import torch

    foreign = tmp_path / "foreign.safetensors"
    save_file({"w": torch.zeros(2)}, str(foreign), metadata={"format": "something-else"})
    with pytest.raises(GeneratorError, match="not a generator adapter"):
        read_gen_adapter(foreign)
    with pytest.raises(GeneratorError, match="embedded:<path"):
        load_generator("embedded: ")


@pytest.mark.real
def test_examples_are_encoded_as_the_model_writes_and_only_the_solution_is_trained(embedded):
    from ttc_viz.lm.hf import HFConfig

    p = training_prompt()
    gen = load_generator("embedded-base", config=HFConfig(system_prompt=p["system_prompt"], examples=()))
    steps = ["Ana gets 3 more: 2 + 3 = 5.", "The answer is 5."]
    ids, tgt = encode_example(gen, "Ana has 2 apples and gets 3 more. How many apples does Ana have now?", steps)
    body = [t for t in tgt if t != -100]
    assert ids[len(ids) - len(body):] == body and len(body) < len(ids)
    assert gen.tok.decode(body) == "Ana gets 3 more: 2 + 3 = 5.\n\nThe answer is 5.<|im_end|>"
    nl = gen.tok("\n", add_special_tokens=False)["input_ids"]
    assert body[len(gen.tok(steps[0], add_special_tokens=False)["input_ids"]):][:2] == nl * 2  # "\n" "\n", not one token


@pytest.mark.real
def test_training_resumes_and_the_adapter_loads_merged(tmp_path):
    from ttc_viz.train.generator import train_generator

    small = dict(batch_size=2, save_every=1, warmup=1, lora=LoraSettings(rank=2, alpha=4, layers=2))
    r1 = train_generator(tmp_path, GenTrainConfig(steps=1, **small), log=lambda m: None)
    assert r1["finished"] and (tmp_path / "adapter.safetensors").exists()
    r2 = train_generator(tmp_path, GenTrainConfig(steps=2, **small), log=lambda m: None)
    assert [h["step"] for h in r2["history"]] == [1, 2]  # resumed: step 1 not repeated
    hist = json.loads((tmp_path / "training.json").read_text())["history"]
    assert [h["step"] for h in hist] == [1, 2]
    with pytest.raises(ValueError, match="other settings"):
        train_generator(tmp_path, GenTrainConfig(steps=3, lr=5e-4, **small), log=lambda m: None)
    gen = load_generator(f"embedded:{tmp_path / 'adapter.safetensors'}", device="cpu")
    assert "adapter" in gen.name and gen.cfg.system_prompt == training_prompt()["system_prompt"]
    assert not any("lora" in n for n, _ in gen.model.named_parameters())  # merged into the weights
    out = gen.next_steps("Ana has 2 apples and gets 3 more. How many apples does Ana have now?", [[]], 2,
                         temperature=0.8, seed=0)
    assert len(out[0]) == 2 and all(s.ids for s in out[0])


def test_gsm8k_format_becomes_one_equation_per_step(tmp_path):
    from ttc_viz.train.outside import read_gsm8k

    f = tmp_path / "train.jsonl"
    rows = [{"question": "Natalia sold clips to 48 friends in April and half as many in May. How many in all?",
             "answer": "In May she sold 48/2 = <<48/2=24>>24 clips.\nIn all 48+24 = <<48+24=72>>72 clips.\n#### 72"},
            {"question": "A very long one? " * 40, "answer": "1+1 = <<1+1=2>>2\n#### 2"}]
    f.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    data = read_gsm8k(f)
    assert data == [{"problem": rows[0]["question"], "steps": ["In May she sold 48/2 = 24 clips.",
                                                                "In all 48+24 = 72 clips.", "The answer is 72."]}]


@pytest.mark.parametrize("line, says", [
    ("not json", ":1: not valid JSON"),
    (json.dumps({"question": "Q?"}), ":1: expected GSM8K"),
    (json.dumps({"question": "Q?", "answer": "1+1=2"}), ":1: the answer has no '#### N'"),
    (json.dumps({"question": "If n - 4 = 11, what is n?", "answer": "11+4=15\n#### 15"}), ":1: this problem is held out"),
])
def test_bad_outside_data_is_refused_with_its_line(tmp_path, line, says):
    from ttc_viz.problems import ProblemError
    from ttc_viz.train.outside import read_gsm8k

    f = tmp_path / "bad.jsonl"
    f.write_text(line + "\n")
    with pytest.raises(ProblemError, match=says):
        read_gsm8k(f)


def test_outside_examples_take_their_share_of_a_batch_the_same_way_every_run():
    from ttc_viz.train.generator import with_outside

    batch = solutions_batch(0, 1, 12)
    outside = [{"problem": f"q{i}", "steps": ["The answer is 1."]} for i in range(50)]
    mixed = with_outside(batch, outside, seed=0, step=1, share=0.25)
    assert len(mixed) == 12 and sum(b in outside for b in mixed) == 3 and mixed[:9] == batch[:9]
    assert mixed == with_outside(batch, outside, 0, 1, 0.25) != with_outside(batch, outside, 0, 2, 0.25)
    assert with_outside(batch, [], 0, 1, 0.25) == batch
