"""What both trainers share: the schedule, and a checkpoint that a killed run resumes from."""
import json

import pytest
import torch
from safetensors.torch import load_file, save_file

from ttc_viz.train.loop import descend, resume, save_checkpoint, warmup_cosine


def test_warmup_then_cosine_to_a_tenth():
    assert warmup_cosine(1e-3, 10, 100, 0) == pytest.approx(1e-4)
    assert warmup_cosine(1e-3, 10, 100, 9) == pytest.approx(1e-3)
    assert warmup_cosine(1e-3, 10, 100, 100) == pytest.approx(1e-4)


def _run():
    torch.manual_seed(0)
    net = torch.nn.Linear(3, 1)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-2)
    descend(opt, list(net.parameters()), net(torch.ones(2, 3)).pow(2).sum())
    return net, opt


def test_a_checkpoint_resumes_with_the_same_settings_only(tmp_path):
    net, opt = _run()
    state = {"step": 1, "seconds": 2.0, "history": [{"step": 1}], "config": {"lr": 0.01, "steps": 5}}
    info = {"steps": 1}
    save = lambda path: save_file(net.state_dict(), path)  # noqa: E731
    save_checkpoint(tmp_path, tmp_path / "checkpoint", save, opt, state, info)
    save_checkpoint(tmp_path, tmp_path / "checkpoint", save, opt, state, info, final=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter.safetensors", "checkpoint", "training.json"]
    assert json.loads((tmp_path / "training.json").read_text()) == {"steps": 1, "history": [{"step": 1}]}

    fresh, fresh_opt = torch.nn.Linear(3, 1), torch.optim.AdamW(torch.nn.Linear(3, 1).parameters(), lr=1e-2)
    again = {"step": 0, "seconds": 0.0, "history": [], "config": {"lr": 0.01, "steps": 9}}
    load = lambda path: fresh.load_state_dict(load_file(path))  # noqa: E731
    assert resume(tmp_path / "checkpoint", again, fresh_opt, load, free=("steps",))
    assert again["step"] == 1 and again["history"] == [{"step": 1}]
    assert torch.equal(fresh.weight, net.weight)
    with pytest.raises(ValueError, match="other settings"):
        resume(tmp_path / "checkpoint", {**again, "config": {"lr": 0.1, "steps": 5}}, fresh_opt, load)
    assert not resume(tmp_path / "nothing", again, fresh_opt, load)


def test_a_checkpoint_kept_without_its_optimiser_resumes_with_fresh_moments_and_says_so(tmp_path, capsys):
    net, opt = _run()
    state = {"step": 3, "seconds": 2.0, "history": [{"step": 3}], "config": {"lr": 0.01}}
    save_checkpoint(tmp_path, tmp_path / "checkpoint", lambda path: save_file(net.state_dict(), path), opt, state, {})
    (tmp_path / "checkpoint" / "optimizer.pt").unlink()
    fresh, fresh_opt = torch.nn.Linear(3, 1), torch.optim.AdamW(torch.nn.Linear(3, 1).parameters(), lr=1e-2)
    again = {"step": 0, "seconds": 0.0, "history": [], "config": {"lr": 0.01}}
    assert resume(tmp_path / "checkpoint", again, fresh_opt, lambda path: fresh.load_state_dict(load_file(path)))
    assert again["step"] == 3 and again["fresh_optimizer_at"] == [3] and torch.equal(fresh.weight, net.weight)
    assert fresh_opt.state_dict()["state"] == {}  # no moments: they start again
    assert "fresh optimiser moments" in capsys.readouterr().out
    # saved again and resumed with its optimiser, the note stays
    save_checkpoint(tmp_path, tmp_path / "checkpoint", lambda path: save_file(fresh.state_dict(), path), fresh_opt,
                    again, {})
    third = {"step": 0, "seconds": 0.0, "history": [], "config": {"lr": 0.01}}
    assert resume(tmp_path / "checkpoint", third, fresh_opt, lambda path: None) and third["fresh_optimizer_at"] == [3]


def test_micro_batches_give_the_whole_batch_gradient():
    """A batch split by length into micro-batches, each loss a share of the whole batch's mean,
    gives the same gradient as the whole batch in one piece."""
    from ttc_viz.train.loop import micro_batches

    torch.manual_seed(1)
    lengths = [3, 9, 4, 9, 2, 7]
    xs = [torch.randn(n, 4) for n in lengths]
    w = torch.randn(4, 1, requires_grad=True)
    whole = torch.cat([x @ w for x in xs]).pow(2).mean()
    whole.backward()
    g_whole = w.grad.clone()
    w.grad = None
    groups = micro_batches(lengths, max_tokens=12)
    assert sorted(i for g in groups for i in g) == list(range(6)) and len(groups) > 1
    assert all(max(lengths[i] for i in g) * len(g) <= 12 or len(g) == 1 for g in groups)
    opt = torch.optim.SGD([w], lr=0.0)
    total = sum(lengths)
    loss = descend(opt, [w], ((torch.cat([xs[i] @ w for i in g]).pow(2).sum() / total) for g in groups),
                   max_norm=1e9)
    assert torch.allclose(w.grad, g_whole, atol=1e-6) and loss == pytest.approx(whole.item(), rel=1e-5)
