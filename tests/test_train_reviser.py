import json

import pytest

from ttc_viz.grading import extract_answer, grade
from ttc_viz.lm.adapter import LoraSettings, read_gen_adapter
from ttc_viz.problems import reserved_texts
from ttc_viz.search.revisions import HEADER, REVISION_SYSTEM_PROMPT
from ttc_viz.train.generator import GenTrainConfig
from ttc_viz.train.reviser import REVISER, generator_attempts, revision_batch


def _answer(text: str) -> str | None:
    return extract_answer(text)


def _attempts(x: dict) -> list[str]:
    """The attempts shown in a training chain's context (the instruction after them cut off)."""
    from ttc_viz.search.revisions import INSTRUCTION

    return x["problem"].split(HEADER)[1].split("\n\n" + INSTRUCTION)[0].split("\nAttempt ")[1:]


def test_the_shipped_attempts_are_graded_samples_of_training_problems():
    data = generator_attempts()
    assert len(data) >= 100
    reserved = reserved_texts()
    for level, index, text, wrong, right in data:
        assert 1 <= level <= 4 and text not in reserved
        assert all(isinstance(s, str) for a in wrong + right for s in a)


def test_batches_are_pure_and_end_with_a_right_attempt():
    a, b = revision_batch(3, 7, 24), revision_batch(3, 7, 24)
    assert a == b and revision_batch(3, 8, 24) != a
    sources = {x["source"] for x in revision_batch(0, 0, 64)}
    assert sources == {"generator", "synthetic"}
    from ttc_viz.verifiers.oracle import chain_of

    for x in revision_batch(1, 2, 64):
        problem = x["problem"].split("\n\n" + HEADER)[0]
        assert (HEADER in x["problem"]) == (x["wrong"] > 0)
        assert x["problem"].count("\nAttempt ") == x["wrong"] <= 4
        # the target is right by the answer key of its problem
        ans = _answer("\n\n".join(x["steps"]))
        calc = chain_of(problem)   # the generator's own samples are of the earlier generator's problems
        assert calc is not None, problem
        assert grade(ans, str(calc.answer)), x


def test_every_wrong_attempt_in_context_is_wrong():
    from ttc_viz.search.revisions import HEADER

    for x in revision_batch(5, 1, 48):
        assert not x["right_shown"]  # the paper's recipe: wrong attempts only
        if not x["wrong"]:
            continue
        shown = _attempts(x)
        right = _answer("\n".join(x["steps"]))
        for att in shown:
            assert not grade(_answer(att) or "", right), (att, right)


def test_the_task_trains_on_top_of_the_generator_adapter():
    assert REVISER.on_top_of == "smollm2-gen" and REVISER.prompt["system_prompt"] == REVISION_SYSTEM_PROMPT


@pytest.mark.real
def test_a_stacked_adapter_trains_resumes_and_loads_as_the_reviser(tmp_path, monkeypatch):
    from ttc_viz.train.generator import train_generator
    from ttc_viz.lm import load_generator

    small = dict(batch_size=2, save_every=1, warmup=1, levels=(1,), lora=LoraSettings(rank=2, alpha=4, layers=2))
    r = train_generator(tmp_path, GenTrainConfig(steps=1, **small), task=REVISER, log=lambda m: None)
    assert r["finished"]
    _, _, prompt, info = read_gen_adapter(tmp_path / "adapter.safetensors")
    assert info["on_top_of"] == "smollm2-gen" and info["task"].startswith("reviser")
    assert prompt["system_prompt"] == REVISION_SYSTEM_PROMPT
    assert json.loads((tmp_path / "training.json").read_text())["steps"] == 1
    rev = load_generator(f"embedded:{tmp_path / 'adapter.safetensors'}", device="cpu")
    assert rev.cfg.system_prompt == REVISION_SYSTEM_PROMPT
    # the generator adapter is merged first: with a 1-step LoRA on top the reviser still
    # writes the tuned format (the base model alone would not end with "The answer is")
    sols = rev.solutions("Ana has 2 apples and gets 3 more. How many apples does Ana have now?", 2,
                         temperature=0.0, seed=0)
    assert "The answer is" in sols[0][-1].text
    # the default embedded generator offers the shipped reviser when it is there
    from ttc_viz import assets

    monkeypatch.setattr(assets, "revise_adapter", lambda: tmp_path / "adapter.safetensors")
    gen = load_generator("embedded", device="cpu")
    assert callable(gen.reviser) and gen.reviser().cfg.system_prompt == REVISION_SYSTEM_PROMPT
    assert gen.reviser() is gen.reviser()  # loaded once


def test_a_missing_base_adapter_is_one_clear_error(tmp_path):
    from ttc_viz.lm.adapter import base_adapter
    from ttc_viz.lm.base import GeneratorError

    assert base_adapter({}) is None
    with pytest.raises(GeneratorError, match="implausible"):
        base_adapter({"on_top_of": "../etc"})
    with pytest.raises(GeneratorError, match="missing"):
        base_adapter({"on_top_of": "no-such-adapter"})


def test_keep_right_shows_one_right_attempt_among_at_most_four():
    from ttc_viz.search.revisions import HEADER

    batch = revision_batch(2, 3, 96, keep_right=0.5)
    shown = [x for x in batch if x["right_shown"]]
    assert 25 <= len(shown) <= 70
    for x in shown:
        attempts = _attempts(x)
        right = _answer("\n".join(x["steps"]))
        assert 1 <= len(attempts) <= 4 and len(attempts) == x["wrong"] + 1
        assert sum(bool(grade(_answer(a) or "", right)) for a in attempts) >= 1
    with pytest.raises(ValueError, match="keep-right"):
        from ttc_viz.train.reviser import reviser_task

        reviser_task(1.5)


def test_cli_bad_keep_right_is_one_line(tmp_path, capsys):
    from ttc_viz.cli import main

    assert main(["train-revise", "--out", str(tmp_path / "r"), "--keep-right", "2", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("ttc-viz: error:") and "keep-right" in err


def test_data_of_another_generator_feeds_the_real_chains(tmp_path, capsys):
    """--data: the graded samples of the generator the reviser will sit on (a prm-data
    folder); a folder without them is one line, before any model loads."""
    import json
    import shutil

    from ttc_viz.assets import data_dir
    from ttc_viz.cli import main
    from ttc_viz.train.reviser import generator_attempts, reviser_task

    src = sorted((data_dir() / "prm-oracle-smollm2" / "shards").glob("*.jsonl"))[:3]
    (tmp_path / "d" / "shards").mkdir(parents=True)
    for f in src:
        shutil.copy(f, tmp_path / "d" / "shards" / f.name)
    mine = generator_attempts(str(tmp_path / "d"))
    assert 0 < len(mine) < len(generator_attempts())
    task = reviser_task(0.0, str(tmp_path / "d"))
    assert task.name.endswith("data=d")
    texts = {json.loads(line)["problem"] for f in src for line in f.read_text().splitlines()}
    real = [c for c in task.batch(0, 0, 64) if c["source"] != "synthetic"]
    assert real and all(any(t in c["problem"] for t in texts) for c in real)
    for bad in (tmp_path / "none", tmp_path):
        assert main(["train-revise", "--out", str(tmp_path / "r"), "--data", str(bad), "--quiet"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("ttc-viz: error: --data") and err.count("\n") == 1
