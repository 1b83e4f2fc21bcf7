"""Command line: ``ttc-viz solve | models``.

Every mistake in the input is reported as one line on stderr with exit code 2, before
any model is loaded; a model that fails to load or run is reported the same way.
"""
from __future__ import annotations

import argparse
import sys

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


def _positive_int(s: str) -> int:
    try:
        return int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {s!r}") from None


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
    s.add_argument("--index", type=_positive_int, default=0, help="problem index in the data set (default 0)")
    s.add_argument("--strategy", default="beam", help="best_of_n | beam | lookahead | dvts (default beam)")
    s.add_argument("--n", type=_positive_int, default=8, help="budget N (default 8)")
    s.add_argument("--m", type=_positive_int, default=4, help="beam width M; must divide N (default 4)")
    s.add_argument("--k", type=_positive_int, default=1, help="lookahead depth k (default 1)")
    s.add_argument("--verifier", default="symbolic",
                   help="symbolic (default), or a real PRM as hf:<id or folder>:<math-shepherd|rlhflow|qwen>")
    s.add_argument("--agg", default="last", choices=AGGREGATIONS, help="step scores -> solution score (default last)")
    s.add_argument("--voting", default="weighted", choices=VOTING_RULES, help="final pick (default weighted)")
    s.add_argument("--temperature", type=float, default=0.8, help="sampling temperature (default 0.8)")
    s.add_argument("--max-rounds", type=_positive_int, default=12, help="cap on search rounds (default 12)")
    s.add_argument("--seed", type=_positive_int, default=0, help="random seed (default 0)")
    s.add_argument("--model", default="embedded",
                   help="'embedded' (SmolLM2-135M, offline), a preset name from 'ttc-viz models', "
                        "or a Hugging Face model id / local folder")
    s.add_argument("--device", default="auto", help="auto | cpu | cuda (default auto)")
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
    from .verifiers import load_verifier

    problem = _problem(a)
    if a.strategy not in REGISTRY:
        raise ValueError(f"unknown strategy {a.strategy!r}; choose one of {', '.join(sorted(REGISTRY))}")
    cfg = SearchConfig(n=a.n, m=a.m, k=a.k, temperature=a.temperature, aggregation=a.agg,
                       voting=a.voting, max_rounds=a.max_rounds, seed=a.seed)
    cfg.check(a.strategy)
    if a.out:
        _check_writable(a.out)
    verifier = load_verifier(a.verifier, device=a.device, trust_remote_code=a.trust_remote_code)
    from .lm import load_generator

    from .presets import find

    preset = find(a.model)
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
        tree.save(a.out)
        print(f"tree written to {a.out}")
    return 0


def _check_writable(path: str) -> None:
    import os

    d = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(d):
        raise ValueError(f"cannot write {path}: folder {d} does not exist")


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
    path = tree.selected_path()
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
                   temperature=a.temperature, seed=a.seed, start_index=a.start)
    cfg.check()
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


def _levels(s: str) -> tuple:
    try:
        if "-" in s:
            lo, hi = (int(x) for x in s.split("-", 1))
            return tuple(range(lo, hi + 1))
        return tuple(int(x) for x in s.split(","))
    except ValueError:
        raise ValueError(f"levels must look like 1-3 or 1,2,5; got {s!r}") from None


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
    d.add_argument("--start", type=_positive_int, default=0, help="first problem index per level (default 0)")
    d.add_argument("--samples", type=_positive_int, default=4, help="solutions per problem (default 4)")
    d.add_argument("--rollouts", type=_positive_int, default=8, help="K rollouts per step prefix (default 8)")
    d.add_argument("--temperature", type=float, default=0.8)
    d.add_argument("--seed", type=_positive_int, default=0)
    d.add_argument("--model", default="embedded")
    d.add_argument("--device", default="auto")
    d.add_argument("--batch-size", type=_positive_int, default=64)
    d.add_argument("--quiet", action="store_true")
    a = parser.parse_args(argv)
    if a.cmd is None:
        parser.print_help()
        return 2
    try:
        return {"solve": cmd_solve, "models": cmd_models, "prm-data": cmd_prm_data}[a.cmd](a)
    except (ProblemError, ValueError, GeneratorError, VerifierError, TreeFormatError) as e:
        print(f"ttc-viz: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ttc-viz: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
