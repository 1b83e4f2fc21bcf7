"""Command line: ``ttc-viz solve | models``.

Every mistake in the input is reported as one line on stderr with exit code 2, before
any model is loaded; a model that fails to load or run is reported the same way.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import ProblemError, load_jsonl, make_problem, pick, synthetic

EPILOG_SOLVE = """examples:
  ttc-viz solve "Ana has 12 apples and buys 7 more. How many now?" --answer 19 --strategy beam --n 8 --m 4
  ttc-viz solve --dataset synthetic --level 2 --index 0 --strategy best_of_n --n 16 --out tree.json
  ttc-viz solve --dataset data/gsm8k.jsonl --index 3 --strategy lookahead --n 8 --m 4 --k 1

strategies: best_of_n (N whole samples, vote), beam (N per round, N/M kept, M children each),
lookahead (beam ranked by k-step greedy rollouts), dvts (N/M independent subtrees).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too by default)
        sys.stderr.write(f"ttc-viz: error: {message} (see ttc-viz {self.prog.split()[-1]} --help)\n")
        sys.exit(2)


MAX_INT = 2**31 - 1  # larger is a typo; it would only mean hours of work or unbounded memory
DEVICES = ("auto", "cpu", "cuda", "mps")


def _whole(s: str, lo: int) -> int:
    try:
        v = int(s.strip()) if len(s) <= 20 else None
    except ValueError:
        v = None
    if v is None:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {s[:40]!r}")
    if not lo <= v <= MAX_INT:
        kind = "a positive" if lo == 1 else "a non-negative"
        raise argparse.ArgumentTypeError(f"expected {kind} whole number, got {v}")
    return v


def _positive_int(s: str) -> int:
    """A whole number >= 1 (budgets, batch sizes, counts that must do something)."""
    return _whole(s, 1)


def _count(s: str) -> int:
    """A whole number >= 0 (indices, seeds, counts where 0 means none)."""
    return _whole(s, 0)


def _device(s: str) -> str:
    """auto, cpu, cuda, cuda:<index> or mps; anything else fails here, not inside torch."""
    head, _, idx = s.partition(":")
    if head in DEVICES and (not idx or (head == "cuda" and idx.isdigit() and len(idx) < 4)):
        return s
    raise argparse.ArgumentTypeError(f"unknown device {s[:40]!r}; use auto, cpu, cuda, cuda:<index> or mps")


def build_parser() -> argparse.ArgumentParser:
    from .scoring import AGGREGATIONS, VOTING_RULES

    p = _Parser(prog="ttc-viz", description="See test-time compute at work: PRM-guided search on a real language model.")
    sub = p.add_subparsers(dest="cmd", parser_class=_Parser)
    s = sub.add_parser("solve", help="run one search on one problem and print its tree",
                       epilog=EPILOG_SOLVE, formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("problem", nargs="?", help="the problem text (or use --dataset)")
    s.add_argument("--answer", help="the ground-truth answer, to mark leaves right/wrong")
    s.add_argument("--dataset", help="'synthetic' or a MATH/GSM8K-style .jsonl file")
    s.add_argument("--level", type=_positive_int, default=1, help="synthetic difficulty 1-5 (default 1)")
    s.add_argument("--index", type=_count, default=0, help="problem index in the data set (default 0)")
    s.add_argument("--strategy", default="beam", help="best_of_n | beam | lookahead | dvts (default beam)")
    s.add_argument("--n", type=_positive_int, default=8, help="budget N (default 8)")
    s.add_argument("--m", type=_positive_int, default=4, help="beam width M; must divide N (default 4)")
    s.add_argument("--k", type=_count, default=1, help="lookahead depth k (default 1)")
    s.add_argument("--verifier", default=None,
                   help="symbolic (exact arithmetic checker; the embedded preset's default), prm (the project's "
                        "own learned PRM), answer-key (exact step labels for synthetic problems: what a perfect PRM "
                        "would say; it knows the answer), prm:<adapter file>, or a real PRM as "
                        "hf:<id or folder>:<math-shepherd|rlhflow|qwen>")
    s.add_argument("--agg", default="last", choices=AGGREGATIONS, help="step scores -> solution score (default last)")
    s.add_argument("--voting", default="weighted", choices=VOTING_RULES, help="final pick (default weighted)")
    s.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    s.add_argument("--max-rounds", type=_positive_int, default=12, help="cap on search rounds (default 12)")
    s.add_argument("--seed", type=_count, default=0, help="random seed (default 0)")
    s.add_argument("--model", default="embedded",
                   help="'embedded' (SmolLM2-135M with the project's fine-tuned adapter, offline), "
                        "'embedded-base' (the base model), 'embedded:<adapter file>', a preset name from "
                        "'ttc-viz models', or a Hugging Face model id / local folder")
    s.add_argument("--device", default="auto", type=_device, help="auto | cpu | cuda (default auto)")
    s.add_argument("--batch-size", type=_positive_int, default=64, help="sequences decoded together (default 64)")
    s.add_argument("--trust-remote-code", action="store_true",
                   help="allow a hub model's own Python code to run (only for models you trust)")
    s.add_argument("--out", help="write the tree as JSON here")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


def _problem(a):
    if a.dataset is None:
        return make_problem(a.problem or "", a.answer)
    if a.problem:
        raise ProblemError("give either a problem text or --dataset, not both")
    if a.dataset == "synthetic":
        return synthetic(a.level, a.index)
    prob = pick(load_jsonl(a.dataset), a.index)
    if a.answer:
        prob = make_problem(prob.text, a.answer, level=prob.level, source=prob.source, id=prob.id)
    return prob


def cmd_solve(a) -> int:
    from .lm.hf import HFConfig
    from .search import REGISTRY, Hooks, SearchConfig, run
    from .verifiers import check_spec, load_verifier

    problem = _problem(a)
    if a.strategy not in REGISTRY:
        raise ValueError(f"unknown strategy {a.strategy!r}; choose one of {', '.join(sorted(REGISTRY))}")
    cfg = SearchConfig(n=a.n, m=a.m, k=a.k, temperature=a.temperature, aggregation=a.agg,
                       voting=a.voting, max_rounds=a.max_rounds, seed=a.seed)
    cfg.check(a.strategy)
    if a.out:
        _check_writable(a.out, inputs=[a.dataset])
    from .lm import load_generator
    from .presets import find

    preset = find(a.model)
    spec_v = a.verifier or (preset or find("smollm2-135m-embedded") or {}).get("verifier", "symbolic")
    check_spec(spec_v)
    _say(a, f"loading verifier {spec_v} ...")
    verifier = load_verifier(spec_v, device=a.device, trust_remote_code=a.trust_remote_code)
    spec = preset["generator"] if preset else a.model
    _say(a, f"loading model {spec} ...")
    _quiet_libraries(a)
    gen = load_generator(spec, device=a.device, trust_remote_code=a.trust_remote_code,
                         config=HFConfig(batch_size=a.batch_size))
    bar = None
    if not a.quiet:
        from tqdm import tqdm

        total = 1 if a.strategy == "best_of_n" else a.max_rounds
        bar = tqdm(total=total, desc=f"{a.strategy} N={a.n}", unit="round", file=sys.stderr)

    def on_round(tree, r):
        if bar is not None:
            c = tree.counts()
            bar.set_postfix(nodes=len(tree.nodes) - 1, finished=c["finished"], refresh=False)
            bar.update(1)

    tree = run(a.strategy, problem, gen, verifier, cfg, Hooks(on_round=on_round))
    if bar is not None:
        bar.total = bar.n
        bar.close()
    print(summary(tree))
    if a.out:
        return _save_tree(tree, a.out)
    return 0


def _save_tree(tree, out: str) -> int:
    """Save the tree; if that fails after all (the disk filled, the folder vanished), keep it
    in the temporary folder instead of losing the search, and say where."""
    import os
    import tempfile

    try:
        tree.save(out)
        print(f"tree written to {out}")
        return 0
    except OSError as e:
        fd, spare = tempfile.mkstemp(prefix="ttc-viz-tree-", suffix=".json")
        os.close(fd)
        tree.save(spare)
        print(f"ttc-viz: error: could not write {out} ({e.strerror or e}); the tree was saved to {spare}",
              file=sys.stderr)
        return 1


def _check_writable(path: str, inputs=()) -> None:
    """Refuse an output path that cannot be written, before any model is loaded or any
    search runs: a folder, a missing or read-only folder, a name too long for the file
    system, or one of the command's own input files."""
    import os

    if not path or not path.strip():
        raise ValueError("the output path is empty")
    full = os.path.abspath(path)
    d, name = os.path.split(full)
    if os.path.isdir(full):
        raise ValueError(f"cannot write {path}: it is a folder; give a file name")
    if not os.path.isdir(d):
        raise ValueError(f"cannot write {path}: folder {d} does not exist")
    try:
        name_max = os.pathconf(d, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(name.encode("utf-8", "surrogateescape")) > name_max:
        raise ValueError(f"cannot write {path[:60]}...: the file name is longer than this file system allows "
                         f"({name_max} bytes)")
    if not os.access(d, os.W_OK | os.X_OK) or (os.path.exists(full) and not os.access(full, os.W_OK)):
        raise ValueError(f"cannot write {path}: permission denied")
    for src in inputs:
        if src and os.path.exists(src) and os.path.exists(full) and os.path.samefile(src, full):
            raise ValueError(f"--out {path} is the input file {src}; writing there would destroy it")


def _check_out_dir(path: str, inputs=()) -> None:
    """An output folder: a folder or nothing yet (under a writable parent), never an input."""
    import os

    if not path or not path.strip():
        raise ValueError("the output folder is empty")
    full = os.path.abspath(path)
    if os.path.exists(full) and not os.path.isdir(full):
        raise ValueError(f"--out {path} is a file; give a folder")
    for src in inputs:
        if src and os.path.exists(src) and os.path.abspath(src).startswith(full + os.sep):
            raise ValueError(f"--out {path} holds the input {src}; use another folder")
    probe = full
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write {path}: permission denied")


def _quiet_libraries(a) -> None:
    """--quiet also silences transformers' own loading bars."""
    if getattr(a, "quiet", False):
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def _say(a, msg: str) -> None:
    if not a.quiet:
        print(msg, file=sys.stderr)


def summary(tree) -> str:
    """A readable account of a search: rounds, picks, cost, the chosen path."""
    c = tree.counts()
    lines = [f"problem: {tree.problem['text']}"]
    if tree.problem.get("answer") is not None:
        lines.append(f"truth:   {tree.problem['answer']}")
    lines.append(f"strategy {tree.strategy}  N={tree.config['n']}" +
                 ("" if tree.strategy == "best_of_n" else f" M={tree.config['m']}") +
                 (f" k={tree.config['k']}" if tree.strategy == "lookahead" else "") +
                 f"  verifier={tree.verifier}  aggregation={tree.config['aggregation']}")
    lines.append(f"nodes: {len(tree.nodes) - 1} steps = " +
                 ", ".join(f"{c[s]} {s}" for s in ("kept", "pruned", "finished", "rollout") if c[s]) +
                 f"; rounds: {tree.iterations}" + ("; stopped early" if tree.stopped else ""))
    if tree.strategy == "best_of_n":
        lines.append(f"  {len(tree.leaves('finished'))} whole samples, {len(tree.nodes) - 1} steps in all")
    for r in range(1, tree.iterations + 1 if tree.strategy != "best_of_n" else 1):
        made = [n for n in tree.nodes if n.iteration == r and n.status != "rollout"]
        kept = sum(n.status == "kept" for n in made)
        fin = sum(n.status == "finished" for n in made)
        lines.append(f"  round {r:2d}: {len(made):3d} candidates, {kept} kept, {fin} finished, "
                     f"{sum(n.status == 'pruned' for n in made)} pruned")
    from .scoring import tally

    leaves = tree.leaves("finished")
    rows = tally([n.answer for n in leaves], [n.value or 0.0 for n in leaves])
    lines.append("answers (count, summed score):")
    for r in sorted(rows, key=lambda r: -r["weight"]):
        mark = ""
        if tree.problem.get("answer") is not None:
            from .grading import equivalent

            mark = "  right" if equivalent(r["answer"], tree.problem["answer"]) else "  wrong"
        rules = [k for k, v in tree.picks.items() if v == r["answer"]]
        lines.append(f"  {r['answer']!s:>12}  x{r['count']:<3d} {r['weight']:.3f}{mark}"
                     + (f"  <- {', '.join(rules)}" if rules else ""))
    verdict = {True: "  (right)", False: "  (wrong)", None: ""}[tree.correct]
    lines.append(f"selected ({tree.config['voting']}): {tree.selected_answer}{verdict}")
    cost = tree.cost
    lines.append(f"cost: {cost.generations} generations, {cost.tokens_generated} tokens generated, "
                 f"{cost.tokens_prompt} prompt tokens, {cost.wall_s:.1f} s")
    from .costs import reencoded_per_token

    again = reencoded_per_token(cost)
    lines.append(f"prefix tokens encoded again: generator {cost.tokens_reencoded} "
                 f"({again['generator']:.2f} per generated token), verifier {cost.verifier_tokens_reencoded} "
                 f"({again['verifier']:.2f}) of {cost.verifier_tokens_read} read")
    from .views import selected_path

    path = selected_path(tree)
    if path:
        lines.append("chosen path:")
        for nid in path[1:]:
            n = tree.nodes[nid]
            lines.append(f"  [{n.score:.2f}] {n.text.replace(chr(10), ' ')}")
    return "\n".join(lines)


def cmd_models(a) -> int:
    from .presets import available, load_presets

    for p in load_presets():
        ok, where = available(p)
        print(f"{p['name']:<30} {'available' if ok else 'not available':<14} generator={p['generator']} "
              f"verifier={p['verifier']}")
        print(f"{'':<30} {where}")
    print("\nAny other Hugging Face causal LM: --model <hub id or local folder> (downloaded beforehand).")
    return 0


def cmd_prm_data(a) -> int:
    from .prm_data import MCConfig, check, generate

    levels = _levels(a.levels)
    cfg = MCConfig(levels=levels, problems_per_level=a.problems, samples=a.samples, rollouts=a.rollouts,
                   temperature=a.temperature, seed=a.seed, start_index=a.start, labels=a.labels)
    cfg.check()
    _check_out_dir(a.out)
    from .lm import load_generator
    from .lm.hf import HFConfig

    _say(a, f"loading model {a.model} ...")
    _quiet_libraries(a)
    gen = load_generator(a.model, device=a.device, config=HFConfig(batch_size=a.batch_size))
    bar = None
    if not a.quiet:
        from tqdm import tqdm

        bar = tqdm(total=len(cfg.problems()), desc="MC labels", unit="problem", file=sys.stderr)

    def progress(done, total, _elapsed):
        if bar is not None:
            bar.n = done
            bar.refresh()

    res = generate(gen, a.out, cfg, progress)
    if bar is not None:
        bar.close()
    rep = check(a.out, cfg)
    print(f"{res['labelled']} problems labelled, {res['skipped']} already there; "
          f"{rep['records']} solutions, {rep['steps']} labelled steps in {a.out}/shards; "
          f"duplicates: {len(rep['duplicates'])}, missing: {len(rep['missing'])}")
    return 0


def cmd_train_prm(a) -> int:
    from .prm_data import MCConfig, check, generate, load
    from .prm_train import TrainConfig, train
    from .verifiers.learned import AdapterConfig

    tcfg = TrainConfig(synthetic_steps=a.synthetic_steps, mc_steps=a.mc_steps, batch_size=a.batch_size,
                       lr=a.lr, seed=a.seed, save_every=a.save_every, eval_every=a.eval_every, bf16=not a.fp32,
                       valid_size=a.valid_size)
    tcfg.check()
    acfg = AdapterConfig(rank=a.rank, alpha=2 * a.rank, layers=a.layers)
    if a.minutes is not None and a.minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {a.minutes}")
    _quiet_libraries(a)
    if a.problems:
        # (a)+(b): sample and MC-label solutions first (resumes; finished shards are skipped)
        mcfg = MCConfig(levels=_levels(a.levels), problems_per_level=a.problems, samples=a.samples,
                        rollouts=a.rollouts, seed=a.seed)
        mcfg.check()
        from .lm import load_generator

        _say(a, "loading the embedded model for MC labels ...")
        gen = load_generator("embedded", device=a.device)
        bar = None
        if not a.quiet:
            from tqdm import tqdm

            bar = tqdm(total=len(mcfg.problems()), desc="MC labels", unit="problem", file=sys.stderr)
        res = generate(gen, a.data, mcfg, (lambda d, t, _e: (setattr(bar, "n", d), bar.refresh())) if bar else None)
        if bar is not None:
            bar.close()
        rep = check(a.data, mcfg)
        print(f"MC data: {res['labelled']} problems labelled now, {res['skipped']} already there; "
              f"{rep['records']} solutions; duplicates {len(rep['duplicates'])}, missing {len(rep['missing'])}")
        del gen
    records = load(a.data) if a.data and (Path(a.data) / "shards").is_dir() else []
    if tcfg.mc_steps and not records:
        raise ValueError(f"no MC-labelled data in {a.data}; make some with --problems N, or pass --mc-steps 0")
    bar, progress, log = _training_bar(a, tcfg.total)
    res = train(a.out, tcfg, records, device=a.device, minutes=a.minutes, adapter=acfg, progress=progress, log=log)
    if bar is not None:
        bar.close()
    if res["finished"]:
        print(f"trained {res['step']} steps ({res['step'] * tcfg.batch_size} solutions) in {res['seconds'] / 60:.1f} min; "
              f"validation step AUROC {res['valid_auroc']:.3f}; adapter written to {a.out}/adapter.safetensors")
    else:
        print(f"stopped at step {res['step']} of {tcfg.total} (checkpoint in {a.out}/checkpoint); "
              "rerun the same command to continue")
    return 0


def _training_bar(a, total: int):
    """(bar or None, progress(done, total, loss), log(message)) for a training command."""
    bar = None
    if not a.quiet:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="training", unit="step", file=sys.stderr)

    def progress(done, _total, loss):
        if bar is not None:
            bar.n = done
            bar.set_postfix(loss=f"{loss:.3f}", refresh=False)
            bar.refresh()

    def log(message):
        (bar.write if bar is not None else lambda m: print(m, file=sys.stderr))(message)

    return bar, progress, log


def cmd_train_gen(a) -> int:
    from .gen_train import GenTrainConfig, LoraSettings, train_generator

    cfg = GenTrainConfig(steps=a.steps, batch_size=a.batch_size, lr=a.lr, seed=a.seed, save_every=a.save_every,
                         bf16=not a.fp32, levels=_levels(a.levels),
                         lora=LoraSettings(rank=a.rank, alpha=2 * a.rank, layers=a.layers))
    cfg.check()
    _check_out_dir(a.out)
    if a.minutes is not None and a.minutes <= 0:
        raise ValueError(f"--minutes must be positive, got {a.minutes}")
    _quiet_libraries(a)
    bar, progress, log = _training_bar(a, cfg.steps)
    res = train_generator(a.out, cfg, device=a.device, minutes=a.minutes, progress=progress, log=log)
    if bar is not None:
        bar.close()
    if res["finished"]:
        print(f"trained {res['step']} steps ({res['step'] * cfg.batch_size} solutions) in {res['seconds'] / 60:.1f} "
              f"min; adapter written to {a.out}/adapter.safetensors (use it with --model embedded:"
              f"{a.out}/adapter.safetensors)")
    else:
        print(f"stopped at step {res['step']} of {cfg.steps} (checkpoint in {a.out}/checkpoint); "
              "rerun the same command to continue")
    return 0


def cmd_eval_prm(a) -> int:
    import json
    import os

    from .prm_eval import EvalConfig, run_eval, summarize, table
    from .verifiers import check_spec, load_verifier

    cfg = EvalConfig(levels=_levels(a.levels), problems=a.problems, n=a.n, mc_samples=a.mc_samples,
                     rollouts=a.rollouts, seed=a.seed)
    cfg.check()
    if a.json:
        _check_writable(a.json)
        if a.records and os.path.abspath(a.json).startswith(os.path.abspath(a.records) + os.sep):
            raise ValueError(f"--json {a.json} is inside the --records folder; write it elsewhere")
    names = [v.strip() for v in a.verifiers.split(",") if v.strip()]
    if not names:
        raise ValueError("--verifiers needs at least one verifier, e.g. prm,symbolic")
    for v in names:
        check_spec(v)
    _quiet_libraries(a)
    verifiers = {v: load_verifier(v, device=a.device) for v in names}
    from .lm import load_generator

    _say(a, f"loading the generator {a.model} ...")
    gen = load_generator(a.model, device=a.device)
    bar = None
    if not a.quiet:
        from tqdm import tqdm

        bar = tqdm(total=cfg.problems, desc="eval-prm", unit="problem", file=sys.stderr)

    def progress(done, total, _e):
        if bar is not None:
            bar.n = done
            bar.refresh()

    recs = run_eval(gen, verifiers, cfg, records=a.records, progress=progress)
    if bar is not None:
        bar.close()
    summ = summarize(recs, cfg, names)
    print(table(summ))
    if a.json:
        from .io import write_atomic

        write_atomic(a.json, json.dumps(summ, indent=1))
        print(f"written to {a.json}")
    return 0


def _ints(s: str, what: str, most: int = 64) -> tuple:
    parts = [x for x in s.split(",") if x.strip()]
    bad = f"{what} must be up to {most} comma-separated whole numbers, e.g. 1,2,4,8; got {s[:40]!r}"
    if len(parts) > most or any(len(x) > 20 for x in parts):
        raise ValueError(bad)
    try:
        vals = tuple(int(x) for x in parts)
    except ValueError:
        raise ValueError(bad) from None
    if not vals:
        raise ValueError(f"{what} is empty")
    return vals


def cmd_sweep(a) -> int:
    from .report import build, text_report, write_summary
    from .sweep import SweepConfig, run_sweep
    from .verifiers import check_spec, load_verifier

    cfg = SweepConfig(dataset=a.dataset, levels=_levels(a.levels), problems=a.problems,
                      strategies=tuple(x.strip() for x in a.strategies.split(",") if x.strip()),
                      budgets=_ints(a.budgets, "--budgets"), ms=_ints(a.m, "--m"), ks=_ints(a.k, "--k"),
                      search_budgets=_ints(a.search_budgets, "--search-budgets") if a.search_budgets else None,
                      resamples=a.resamples, temperature=a.temperature, max_rounds=a.max_rounds, seed=a.seed)
    cfg.check()
    _check_out_dir(a.out, inputs=[a.dataset])
    probs = cfg.problem_list()  # a bad data set fails here, before any model loads
    total = sum(len(cfg.cells_for(p)) for p in probs)
    _quiet_libraries(a)
    from .lm import load_generator
    from .lm.hf import HFConfig
    from .presets import find

    preset = find(a.model)
    spec_v = a.verifier or (preset or find("smollm2-135m-embedded") or {}).get("verifier", "symbolic")
    check_spec(spec_v)
    _say(a, f"loading verifier {spec_v} and model {a.model} ...")
    verifier = load_verifier(spec_v, device=a.device, trust_remote_code=a.trust_remote_code)
    gen = load_generator(preset["generator"] if preset else a.model, device=a.device,
                         trust_remote_code=a.trust_remote_code, config=HFConfig(batch_size=a.batch_size))
    bar = None
    if not a.quiet:
        from tqdm import tqdm

        bar = tqdm(total=total, desc="sweep", unit="cell", file=sys.stderr)

    def progress(done, _total, _e):
        if bar is not None:
            bar.n = done
            bar.refresh()

    res = run_sweep(gen, verifier, cfg, a.out, verifier_spec=spec_v, progress=progress)
    if bar is not None:
        bar.close()
    print(f"{res['cells']} cells: {res['skipped']} already done, {res['ran']} run now; results in {a.out}/cells")
    write_summary(a.out)
    print(text_report(build(a.out)))
    return 0


def cmd_report(a) -> int:
    import json

    from .report import build, json_report, text_report, write_summary

    rep = build(a.dir, a.bins)
    if a.json:
        print(json.dumps(json_report(rep), indent=1))
    else:
        print(text_report(rep))
    if not a.no_figures:
        from .plots import curves_figure
        from .views import figure_html, figure_png

        from .io import write_atomic

        figdir = Path(a.dir) / "figures"
        figdir.mkdir(exist_ok=True)
        fig = curves_figure(rep, "all")
        write_atomic(figdir / "accuracy.html", figure_html(fig))
        try:
            write_atomic(figdir / "accuracy.png", figure_png(fig, width=1000, height=520))
            for b in [k for k in rep["curves"] if k != "all"]:
                write_atomic(figdir / f"accuracy-bin{b}.png", figure_png(curves_figure(rep, b), width=1000, height=520))
        except Exception as e:  # noqa: BLE001 - PNG needs a Chrome/Chromium; HTML always works
            print(f"(PNG figures skipped: {e})", file=sys.stderr)
        print(f"figures written to {figdir}", file=sys.stderr)
    if (Path(a.dir) / "cells").is_dir():
        write_summary(a.dir)
    return 0


MAX_LEVEL = 5  # the synthetic set's levels (and MATH's)


def _levels(s: str) -> tuple:
    """``1-3`` or ``1,2,5``, each level 1-5: checked before any range is built, so a typo
    such as 1-100000000 is one short error line, not a hundred-million-element tuple."""
    bad = f"levels must look like 1-3 or 1,2,5 with levels 1-{MAX_LEVEL}; got {s[:40]!r}"
    try:
        if "-" in s:
            lo, hi = (int(x) for x in s.split("-", 1) if len(x) <= 20)
            vals = (lo, hi)
        else:
            vals = tuple(int(x) for x in s.split(",") if len(x) <= 20)
            if len(vals) != len(s.split(",")):
                raise ValueError
    except ValueError:
        raise ValueError(bad) from None
    if not vals or any(not 1 <= v <= MAX_LEVEL for v in vals) or ("-" in s and vals[0] > vals[1]):
        raise ValueError(bad)
    return tuple(range(vals[0], vals[1] + 1)) if "-" in s else tuple(dict.fromkeys(vals))


def main(argv=None) -> int:
    from .lm.base import GeneratorError
    from .tree import TreeFormatError
    from .verifiers.base import VerifierError

    parser = build_parser()
    sub = parser._subparsers._group_actions[0]
    sub.add_parser("models", help="list the models this install can use")
    d = sub.add_parser("prm-data", help="Monte Carlo step labels for training a PRM (resumable)",
                       description="Sample solutions to synthetic training problems and label every step "
                                   "with the fraction of K rollouts from it that reach the right answer. "
                                   "Writes one shard per problem; rerun the same command to resume.")
    d.add_argument("--out", required=True, help="output folder (shards/ and config.json)")
    d.add_argument("--levels", default="1-3", help="synthetic levels, e.g. 1-3 or 1,2,5 (default 1-3)")
    d.add_argument("--problems", type=_positive_int, default=20, help="problems per level (default 20)")
    d.add_argument("--start", type=_count, default=0, help="first problem index per level (default 0)")
    d.add_argument("--samples", type=_positive_int, default=4, help="solutions per problem (default 4)")
    d.add_argument("--rollouts", type=_positive_int, default=8, help="K rollouts per step prefix (default 8)")
    d.add_argument("--temperature", type=float, default=0.8)
    d.add_argument("--seed", type=_count, default=0)
    d.add_argument("--model", default="embedded")
    d.add_argument("--device", default="auto", type=_device)
    d.add_argument("--labels", default="mc", choices=("mc", "oracle"),
                   help="mc: K rollouts per step (Math-Shepherd); oracle: the answer key's exact labels, no "
                        "rollouts (synthetic problems; seconds instead of minutes)")
    d.add_argument("--batch-size", type=_positive_int, default=64)
    d.add_argument("--quiet", action="store_true")
    t = sub.add_parser("train-prm", help="train the project's own PRM (MC labels + synthetic step checks)",
                       description="Train a LoRA adapter + head on the embedded SmolLM2 as a process reward model. "
                                   "Stage 1: fresh synthetic solutions with exact step labels; stage 2: Monte Carlo "
                                   "labels on the model's own samples mixed in. Checkpoints as it goes; rerun the same "
                                   "command to resume.",
                       epilog="example: ttc-viz train-prm --out models/smollm2-prm --data data/prm-mc-smollm2 "
                              "--problems 0 --synthetic-steps 900 --mc-steps 100")
    t.add_argument("--out", default="models/smollm2-prm", help="output folder (default models/smollm2-prm)")
    t.add_argument("--data", default="data/prm-mc-smollm2", help="MC-labelled data folder (default data/prm-mc-smollm2)")
    t.add_argument("--problems", type=_count, default=0,
                   help="first MC-label this many training problems per level into --data (resumes; default 0: "
                        "use the data already there)")
    t.add_argument("--levels", default="1-3", help="levels for new MC labels (default 1-3)")
    t.add_argument("--samples", type=_positive_int, default=4, help="solutions per problem for MC labels (default 4)")
    t.add_argument("--rollouts", type=_positive_int, default=8, help="K rollouts per step (default 8)")
    t.add_argument("--synthetic-steps", type=_count, default=900, help="stage-1 steps (default 900)")
    t.add_argument("--mc-steps", type=_count, default=100, help="stage-2 steps (default 100)")
    t.add_argument("--batch-size", type=_positive_int, default=32, help="solutions per step (default 32)")
    t.add_argument("--lr", type=float, default=3e-4, help="peak learning rate (default 3e-4)")
    t.add_argument("--layers", type=_positive_int, default=12, help="top layers given LoRA (default 12 of 30)")
    t.add_argument("--rank", type=_positive_int, default=16, help="LoRA rank (default 16)")
    t.add_argument("--minutes", type=float, help="stop (checkpointed) after this many minutes")
    t.add_argument("--save-every", type=_positive_int, default=50)
    t.add_argument("--eval-every", type=_count, default=100, help="validation AUROC every this many steps")
    t.add_argument("--valid-size", type=_positive_int, default=256, help="held-out solutions for the validation AUROC")
    t.add_argument("--fp32", action="store_true", help="no bfloat16 autocast")
    t.add_argument("--seed", type=_count, default=0)
    t.add_argument("--device", default="auto", type=_device)
    t.add_argument("--quiet", action="store_true")
    g = sub.add_parser("train-gen", help="fine-tune the embedded generator (a LoRA adapter) on synthetic solutions",
                       description="Train a LoRA adapter that teaches the embedded SmolLM2 the step format search uses, "
                                   "on correct step-by-step solutions of synthetic training problems (all levels; "
                                   "evaluation problems are never trained on). Checkpoints atomically; rerun the same "
                                   "command to resume. Load the result with --model embedded:<out>/adapter.safetensors; "
                                   "the one shipped in models/smollm2-gen is the default generator.",
                       epilog="example: ttc-viz train-gen --steps 300 --batch-size 12 --out runs/gen")
    g.add_argument("--out", required=True, help="folder for the adapter, training.json and the checkpoint")
    g.add_argument("--steps", type=_positive_int, default=300, help="training steps (default 300)")
    g.add_argument("--batch-size", type=_positive_int, default=12, help="solutions per step (default 12)")
    g.add_argument("--lr", type=float, default=1e-3, help="peak learning rate (default 1e-3)")
    g.add_argument("--levels", default="1-5", help="synthetic levels to train on (default 1-5)")
    g.add_argument("--layers", type=_positive_int, default=12, help="top layers given LoRA (default 12 of 30)")
    g.add_argument("--rank", type=_positive_int, default=16, help="LoRA rank (default 16)")
    g.add_argument("--minutes", type=float, help="stop (checkpointed) after this many minutes")
    g.add_argument("--save-every", type=_positive_int, default=10)
    g.add_argument("--fp32", action="store_true", help="no bfloat16 autocast")
    g.add_argument("--seed", type=_count, default=0)
    g.add_argument("--device", default="auto", type=_device)
    g.add_argument("--quiet", action="store_true")
    e = sub.add_parser("eval-prm", help="step AUROC and best-of-n accuracy of verifiers on held-out problems",
                       description="Sample N solutions per held-out synthetic problem (test split) with the embedded "
                                   "model; score them with each verifier; report, per level and pooled, the within-"
                                   "problem final-answer AUROC (what search uses), step AUROC against the answer key's "
                                   "exact labels (all steps and first steps), each with a 95%% bootstrap interval over "
                                   "problems, and naive / PRM-weighted / majority best-of-n accuracy for n = 1..N. "
                                   "Monte Carlo step labels are an optional secondary figure (--mc-samples).",
                       epilog="example: ttc-viz eval-prm --problems 102 --n 16 --json eval.json --records eval-records")
    e.add_argument("--problems", type=_positive_int, default=102, help="problems in all, spread over --levels (default 102)")
    e.add_argument("--levels", default="1-3", help="synthetic levels (default 1-3)")
    e.add_argument("--n", type=_positive_int, default=16, help="samples per problem, N (default 16)")
    e.add_argument("--mc-samples", type=_count, default=0,
                   help="solutions per problem whose steps also get Monte Carlo labels, a secondary AUROC "
                        "(default 0: off; each costs K rollouts per step)")
    e.add_argument("--rollouts", type=_positive_int, default=4, help="K rollouts per step for MC labels (default 4)")
    e.add_argument("--model", default="embedded", choices=("embedded", "embedded-base"),
                   help="generator: embedded (fine-tuned, the default) or embedded-base (the base model)")
    e.add_argument("--verifiers", default="prm,symbolic",
                   help="comma-separated verifiers (default prm,symbolic; answer-key gives the perfect-PRM ceiling)")
    e.add_argument("--seed", type=_count, default=0)
    e.add_argument("--json", help="write the summary (tables and curves) as JSON here")
    e.add_argument("--records", help="keep per-problem samples, scores and labels in this folder; reruns resume")
    e.add_argument("--device", default="auto", type=_device)
    e.add_argument("--quiet", action="store_true")
    w = sub.add_parser("sweep", help="accuracy versus budget: every problem x strategy x budget (resumable)",
                       description="Run every (problem, strategy, budget, M, k) cell and store every tree, one file "
                                   "per cell, as it finishes; rerun the same command to resume. Best-of-N draws one "
                                   "pool of the largest budget per problem and scores smaller budgets by subsampling.",
                       epilog="example: ttc-viz sweep --levels 1-5 --problems 4 --strategies best_of_n,beam,lookahead "
                              "--budgets 1,2,4,8,16,32,64 --out sweeps/mine\nthen: ttc-viz report sweeps/mine",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    w.add_argument("--out", required=True, help="sweep folder (cells/, sweep.json, summary.json)")
    w.add_argument("--dataset", default="synthetic", help="'synthetic' (test split) or a MATH/GSM8K .jsonl file")
    w.add_argument("--levels", default="1-5", help="synthetic levels (default 1-5)")
    w.add_argument("--problems", type=_positive_int, default=4, help="problems per level, or from the file (default 4)")
    w.add_argument("--strategies", default="best_of_n,beam,lookahead", help="comma-separated (default best_of_n,beam,lookahead)")
    w.add_argument("--budgets", default="1,2,4,8,16,32,64", help="generation budgets (default 1,2,4,...,64)")
    w.add_argument("--search-budgets", help="budgets for beam/lookahead/DVTS if fewer than --budgets, e.g. 4,8,16,32")
    w.add_argument("--m", default="4", help="beam width(s) M, comma-separated (default 4)")
    w.add_argument("--k", default="1", help="lookahead depth(s) k, comma-separated (default 1)")
    w.add_argument("--resamples", type=_positive_int, default=16, help="best-of-n subsets per budget (default 16)")
    w.add_argument("--temperature", type=float, default=0.8)
    w.add_argument("--max-rounds", type=_positive_int, default=12)
    w.add_argument("--seed", type=_count, default=0)
    w.add_argument("--verifier", default=None, help="as for solve (default: the preset's, symbolic for the embedded model)")
    w.add_argument("--model", default="embedded")
    w.add_argument("--device", default="auto", type=_device)
    w.add_argument("--batch-size", type=_positive_int, default=64)
    w.add_argument("--trust-remote-code", action="store_true")
    w.add_argument("--quiet", action="store_true")
    r = sub.add_parser("report", help="tables, the compute-optimal curve and figures from a sweep folder")
    r.add_argument("dir", help="a sweep folder")
    r.add_argument("--bins", default="oracle", choices=("oracle", "predicted"),
                   help="difficulty bins: oracle (pass@1, needs answers) or predicted (mean PRM score) (default oracle)")
    r.add_argument("--json", action="store_true", help="print JSON instead of tables")
    r.add_argument("--no-figures", action="store_true", help="do not write figures/ (PNG + HTML)")
    a = parser.parse_args(argv)
    if a.cmd is None:
        parser.print_help()
        return 2
    try:
        return {"solve": cmd_solve, "models": cmd_models, "prm-data": cmd_prm_data,
                "train-prm": cmd_train_prm, "train-gen": cmd_train_gen, "eval-prm": cmd_eval_prm, "sweep": cmd_sweep,
                "report": cmd_report}[a.cmd](a)
    except (ProblemError, ValueError, GeneratorError, VerifierError, TreeFormatError) as e:
        print(f"ttc-viz: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a file or folder that cannot be read or written
        where = f": {e.filename}" if getattr(e, "filename", None) else ""
        print(f"ttc-viz: error: {e.strerror or e}{where}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ttc-viz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
