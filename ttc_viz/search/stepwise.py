"""The step-by-step search loop shared by beam search, lookahead search and DVTS.

Each round, every active node proposes M next steps (round 1: the root proposes N); the
verifier scores each candidate's prefix; within each group the best ``keep`` candidates
survive. A survivor that finished its solution joins the final vote ("finished"); one
that did not is expanded next round ("kept"); the rest are "pruned" but stay in the tree.

  beam search   one group,        keep N/M per round, k = 0
  lookahead     one group,        keep N/M per round, each candidate ranked by the score
                                  at the end of a k-step greedy rollout ("rollout" nodes)
  DVTS          N/M groups of M,  keep 1 per group (independent subtrees, more diverse)

The search ends when nothing is active, after ``max_rounds`` rounds (active nodes then
become finished leaves, answer or not), or when ``hooks.should_stop()`` says so.
"""
from __future__ import annotations

from ..grading import extract_answer
from ..lm.base import Generator, step_text
from ..problems import Problem
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, charge, charge_scoring, new_tree, path_value, prefix_of, round_seed


def stepwise_search(strategy: str, problem: Problem, generator: Generator, verifier: Verifier,
                    config: SearchConfig, hooks: Hooks | None, *, groups: int, keep: int, k: int) -> SearchTree:
    hooks = hooks or Hooks()
    tree = new_tree(strategy, problem, config)
    text, agg = problem.text, config.aggregation
    active: list[int] = [0]
    for r in range(1, config.max_rounds + 1):
        if not active:
            break
        # 1. propose: the root proposes N, later rounds M per active node
        per = config.n if r == 1 else config.m
        # each prefix as the generator wrote it (token ids kept), so it continues its own text
        prefixes = [prefix_of(tree, a) for a in active]
        proposals = generator.next_steps(text, prefixes, per, temperature=config.temperature,
                                         seed=round_seed(config.seed, r))
        charge(tree, [s for ps in proposals for s in ps], samples=per * len(active))
        cands, cand_steps, finished = [], [], []
        for ai, (a, ps) in enumerate(zip(active, proposals)):
            for j, step in enumerate(ps):
                grp = (j // config.m) if r == 1 and groups > 1 else tree.nodes[a].group
                node = tree.add(a, step.text, iteration=r, status="pruned", tokens=step.tokens, group=grp,
                                token_ids=step.ids)
                if step.finished:
                    node.answer = extract_answer(step.text)
                cands.append(node.id)
                cand_steps.append(prefixes[ai] + [step])
                finished.append(step.finished)
        # 2. lookahead: greedy rollouts from unfinished candidates (recorded, scored)
        rollouts: dict[int, list] = {}
        if k > 0:
            todo = [i for i, f in enumerate(finished) if not f]
            outs = generator.rollout(text, [cand_steps[i] for i in todo], k) if todo else []
            for i, out in zip(todo, outs):
                rollouts[i] = out
            charge(tree, [s for out in outs for s in out], samples=sum(len(o) for o in outs))
        # 3. score every candidate prefix (and its rollout) in one verifier call
        batch = [[step_text(s) for s in cand_steps[i] + rollouts.get(i, [])] for i in range(len(cands))]
        scores = verifier.score_batch(text, batch)
        charge_scoring(tree, verifier, sum(len(b) for b in batch))
        values = []
        for i, nid in enumerate(cands):
            depth = len(cand_steps[i])
            tree.nodes[nid].score = float(scores[i][depth - 1])
            extra = []
            parent = nid
            for j, step in enumerate(rollouts.get(i, [])):
                sc = float(scores[i][depth + j])
                parent = tree.add(parent, step.text, iteration=r, score=sc, status="rollout",
                                  tokens=step.tokens, group=tree.nodes[nid].group, token_ids=step.ids).id
                extra.append(sc)
            v = path_value(tree, nid, agg, extra)
            tree.nodes[nid].value = v
            values.append(v)
        # 4. select: the best `keep` per group survive
        by_group: dict[int, list[int]] = {}
        for i, nid in enumerate(cands):
            by_group.setdefault(tree.nodes[nid].group, []).append(i)
        active = []
        for g in sorted(by_group):
            # ties (common with a coarse verifier) go to finished solutions, then to the
            # earlier sample: a complete answer beats an equally-scored unfinished one
            ranked = sorted(by_group[g], key=lambda i: (-values[i], not finished[i], cands[i]))
            for i in ranked[:keep]:
                if finished[i]:
                    tree.nodes[cands[i]].status = "finished"
                else:
                    tree.nodes[cands[i]].status = "kept"
                    active.append(cands[i])
        hooks.round_done(tree, r)
        if hooks.stop():
            tree.stopped = True
            break
    for a in active:  # out of rounds (or stopped): what is still open ends here
        tree.nodes[a].status = "finished"
    return tree
