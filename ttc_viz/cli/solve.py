"""``ttc-viz solve``: one search on one problem; prints an account of its tree, saves it as JSON."""
from __future__ import annotations

import argparse
import sys

from ..costs import reencoded_per_token
from ..lm.base import GeneratorError
from ..problems import ProblemError, load_jsonl, make_problem, pick, synthetic
from ..scoring import AGGREGATIONS, VOTING_RULES
from ..search import DEFAULT_STRATEGY, strategies
from ..verifiers.base import VerifierError
from .common import (add_quiet, add_search_models, check_problem_text, check_writable, count, dataset,
                     load_search_models, positive_int, Progress, temperature)

NAME = "solve"
EXAMPLES = """examples:
  ttc-viz solve "Ana has 12 apples and buys 7 more. How many now?" --answer 19 --strategy beam --n 8 --m 4
  ttc-viz solve --dataset synthetic --level 2 --index 0 --strategy best_of_n --n 16 --out tree.json
  ttc-viz solve --dataset data/gsm8k.jsonl --index 3 --strategy lookahead --n 8 --m 4 --k 1
  ttc-viz solve --dataset synthetic --level 1 --strategy revisions --n 8 --seq 4
  ttc-viz solve --dataset synthetic --level 1 --strategy mcts --n 4 --children 3 --explore 1.4 --rollout
  ttc-viz solve --dataset synthetic --level 1 --strategy particle_filter --n 8
"""


def strategy(s: str) -> str:
    """A registered strategy's name (checked by argparse, before anything loads)."""
    try:
        return strategies.get(s).name
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def add_parser(sub) -> argparse.ArgumentParser:
    specs = strategies.specs()
    epilog = EXAMPLES + "\nstrategies:\n" + "".join(f"  {s.name:<16} {s.summary}\n" for s in specs)
    s = sub.add_parser(NAME, help="run one search on one problem and print its tree", epilog=epilog,
                       description="Run one search (a strategy at a budget) on one problem with the generator and "
                                   "verifier named, print its rounds, the answers and their votes, the pick, the cost "
                                   "and the chosen path; --out saves the whole tree (the app replays it).",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.add_argument("problem", nargs="?", help="the problem text (or use --dataset)")
    s.add_argument("--answer", help="the ground-truth answer, to mark leaves right/wrong")
    s.add_argument("--dataset", type=dataset, help="'synthetic' or a MATH/GSM8K-style .jsonl file")
    s.add_argument("--level", type=positive_int, default=1, help="synthetic difficulty 1-5 (default 1)")
    s.add_argument("--index", type=count, default=0, help="problem index in the data set (default 0)")
    s.add_argument("--strategy", default=DEFAULT_STRATEGY, type=strategy,
                   help=f"{' | '.join(x.name for x in specs)} (default {DEFAULT_STRATEGY}; see below)")
    s.add_argument("--n", type=positive_int, default=8, help="budget N (default 8)")
    s.add_argument("--m", type=positive_int, default=4, help="beam width M; must divide N (default 4)")
    s.add_argument("--k", type=count, default=1, help="lookahead depth k (default 1)")
    s.add_argument("--seq", type=positive_int, default=4,
                   help="revisions: attempts per chain, each revising the chain's earlier ones; must divide N, "
                        "which runs N/seq chains (1: all parallel, N: one chain; default 4)")
    s.add_argument("--explore", type=float, default=1.0,
                   help="mcts: the exploration constant c of UCT, 0-10 (0 always follows the best mean; default 1.0)")
    s.add_argument("--children", type=positive_int, default=4,
                   help="mcts: next steps written when a step is expanded, 1-64 (default 4)")
    s.add_argument("--rollout", action=argparse.BooleanOptionalAction, default=False,
                   help="mcts: value each new step by a greedy rollout to the end of its solution (default off)")
    s.add_argument("--puct", action=argparse.BooleanOptionalAction, default=False,
                   help="mcts: select by PUCT, the verifier's first score of each step over its siblings' as its "
                        "prior, instead of UCT (default off)")
    s.add_argument("--agg", default="last", choices=AGGREGATIONS, help="step scores -> solution score (default last)")
    s.add_argument("--voting", default="weighted", choices=VOTING_RULES, help="final pick (default weighted)")
    s.add_argument("--temperature", type=temperature, default=0.8, help="sampling temperature (default 0.8)")
    s.add_argument("--max-rounds", type=positive_int, default=12, help="cap on search rounds (default 12)")
    s.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    add_search_models(s)
    s.add_argument("--out", help="write the tree as JSON here")
    add_quiet(s)
    return s


def problem_of(a):
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


def run(a) -> int:
    from ..search import Hooks, SearchConfig, run as run_search

    problem = problem_of(a)
    check_problem_text(problem)
    spec = strategies.get(a.strategy)
    cfg = SearchConfig(n=a.n, m=a.m, k=a.k, temperature=a.temperature, aggregation=a.agg,
                       voting=a.voting, max_rounds=a.max_rounds, seed=a.seed, seq=a.seq,
                       explore=a.explore, children=a.children, rollout=a.rollout, puct=a.puct)
    cfg.check(a.strategy)
    if a.out is not None:  # "" too: an empty --out is a mistake, not "do not save"
        check_writable(a.out, inputs=[a.dataset])
    gen, verifier, _ = load_search_models(a)
    bar = Progress(a, spec.max_rounds(cfg), f"{a.strategy} N={a.n}", "round")

    last = []  # the tree after the last complete round, kept if a model fails mid-search

    def on_round(tree, r):
        import copy

        last[:] = [copy.deepcopy(tree)]
        bar.at(r, nodes=len(tree.nodes) - 1, finished=tree.counts()["finished"])

    try:
        tree = run_search(a.strategy, problem, gen, verifier, cfg, Hooks(on_round=on_round))
    except (GeneratorError, VerifierError) as e:
        bar.close(ended_early=True)
        if not last:
            raise
        raise type(e)(f"{e}; {keep_partial(last[0], a.out)}") from None
    finally:
        bar.close(ended_early=True)
    print(summary(tree))
    if a.out:
        return save_tree(tree, a.out)
    return 0


def keep_partial(tree, out: str | None) -> str:
    """Close a tree interrupted by a failing model (a server gone mid-search) as a stopped
    search and save it to ``out`` or, without one, to a temporary file; says where."""
    import os
    import tempfile

    from ..jobs import close_partial

    tree = close_partial(tree)
    path = out
    if not path:
        fd, path = tempfile.mkstemp(prefix="ttc-viz-partial-", suffix=".json")
        os.close(fd)
    try:
        tree.save(path)
    except OSError as e:
        return f"the partial tree could not be saved ({e.strerror or e})"
    return f"the partial tree ({tree.iterations} rounds) was saved to {path}"


def save_tree(tree, out: str) -> int:
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


def summary(tree) -> str:
    """A readable account of a search (rounds, answers, pick, cost, chosen path), from the
    same views the app shows."""
    from ..views import answer_rows, round_rows, selected_path, verdict

    spec = strategies.REGISTRY.get(tree.strategy)
    c = tree.counts()
    lines = [f"problem: {tree.problem['text']}"]
    if tree.problem.get("answer") is not None:
        lines.append(f"truth:   {tree.problem['answer']}")
    settings = spec.settings(tree.config) if spec else ""
    lines.append(f"strategy {tree.strategy}  N={tree.config['n']}" + (f" {settings}" if settings else "") +
                 f"  verifier={tree.verifier}  aggregation={tree.config['aggregation']}")
    if tree.config.get("reviser"):
        lines.append(f"reviser: {tree.config['reviser']}" + (
            " (the generator prompted with its earlier attempts; it was not trained to revise)"
            if tree.config["reviser"] == "prompted" else ""))
    lines.append(f"nodes: {len(tree.nodes) - 1} steps = " +
                 ", ".join(f"{c[s]} {s}" for s in ("kept", "pruned", "finished", "rollout") if c[s]) +
                 f"; rounds: {tree.iterations}" + ("; stopped early" if tree.stopped else ""))
    if spec is not None and spec.pooled:
        lines.append(f"  {len(tree.leaves('finished'))} whole samples, {len(tree.nodes) - 1} steps in all")
    else:
        for r in round_rows(tree):
            lines.append(f"  round {r['round']:2d}: {r['candidates']:3d} candidates, {r['kept']} kept, "
                         f"{r['finished']} finished, {r['pruned']} pruned")
    lines.append("answers (count, summed score):")
    for r in answer_rows(tree):
        mark = verdict(r["correct"], "word")
        lines.append(f"  {r['answer']!s:>12}  x{r['count']:<3d} {r['weight']:.3f}" + (f"  {mark}" if mark else "")
                     + (f"  <- {r['picked by']}" if r["picked by"] else ""))
    mark = verdict(tree.correct, "word")
    lines.append(f"selected ({tree.config['voting']}): {tree.selected_answer}" + (f"  ({mark})" if mark else ""))
    cost = tree.cost
    lines.append(f"cost: {cost.generations} generations, {cost.tokens_generated} tokens generated, "
                 f"{cost.tokens_prompt} prompt tokens, {cost.wall_s:.1f} s")
    again = reencoded_per_token(cost)
    lines.append(f"prefix tokens encoded again: generator {cost.tokens_reencoded} "
                 f"({again['generator']:.2f} per generated token), verifier {cost.verifier_tokens_reencoded} "
                 f"({again['verifier']:.2f}) of {cost.verifier_tokens_read} read")
    path = selected_path(tree)
    if path:
        lines.append("chosen path:")
        for nid in path[1:]:
            n = tree.nodes[nid]
            lines.append(f"  [{n.score:.2f}] {n.text.replace(chr(10), ' ')}")
    return "\n".join(lines)
