"""Monte Carlo tree search over steps: the search most people picture when they hear "tree search".

Every node is one step, as in beam search, and carries two running statistics: its **visits**
(how many evaluations were made in its subtree) and its **mean value** (their average). One
iteration (one round of the replay) does four things:

  1. select      from the root, while the node has been expanded, go to the child with the
                 highest UCT score,  mean + c * sqrt(ln visits(parent) / visits(child))
                 (``uct``): the mean rewards what the verifier liked, the second term a child
                 seldom tried; c is ``config.explore`` (0: always the best mean so far). With
                 ``config.puct``, AlphaZero's PUCT instead: mean + c * prior * sqrt(visits(parent))
                 / (1 + visits(child)) (``puct``), the prior being the verifier's score of the
                 child's own step divided by the sum over its siblings (``priors``): a step the
                 verifier liked at first keeps a larger bonus
  2. expand      the generator writes ``config.children`` next steps from the selected node
                 (one step each, sampled at ``config.temperature``)
  3. evaluate    the verifier scores each new step's prefix; a new node's value is its path's
                 scores aggregated by ``config.aggregation`` (as beam search ranks), or, with
                 ``config.rollout``, the path continued by a greedy (temperature 0) rollout to
                 the end of the solution (recorded as "rollout" nodes, as lookahead does)
  4. backpropagate   each new node starts at visits 1, mean = its value; the selected node and
                 every node above it gain one visit per new node and their values in the mean
                 (``backpropagate``), so a node's visits are the evaluations in its subtree

A selected node that finished its solution (or sits at depth ``config.max_rounds``) cannot be
expanded: its value is backed up once more, and nothing is generated.

Budget N, counted as the other strategies count it: the search stops once N solutions are
finished (the N a best-of-N run draws), or once it has generated N x max_rounds steps (what
beam search at budget N may spend at most), or after as many iterations; and once N iterations in a
row have only revisited finished leaves (the search has settled on them: with c = 0 it never
leaves the best one), it ends there. The answer is the house's vote over the finished
leaves (``config.voting``, each weighted by its value), like the other step-by-step searches;
a search that finished nothing votes with the leaf at the end of its most-visited path.

Statuses: an expanded node is "kept", one never expanded "pruned", a finished solution
"finished", a rollout step "rollout". Each node's visits and mean after every iteration that
changed them are in ``Node.stats`` (tree.py), so the replay shows the statistics move.
"""
from __future__ import annotations

import math
from typing import Sequence

from ..grading import extract_answer
from ..lm.base import Generator, step_text
from ..problems import Problem
from ..tree import MAX_ITERATION, SearchTree, stats_at
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, charge, charge_scoring, new_tree, path_value, prefix_of, round_seed
from .spec import StrategySpec, register


def uct(mean: float, visits: int, parent_visits: int, c: float) -> float:
    """The UCT score of a child: its mean value plus c times the exploration bonus
    sqrt(ln parent_visits / visits); an unvisited child scores infinity (tried first)."""
    if visits <= 0:
        return math.inf
    return mean + c * math.sqrt(math.log(max(parent_visits, 1)) / visits)


def puct(mean: float, visits: int, parent_visits: int, c: float, prior: float) -> float:
    """The PUCT score of a child: its mean value plus c * prior * sqrt(parent_visits) / (1 + visits)."""
    return mean + c * prior * math.sqrt(max(parent_visits, 0)) / (1 + max(visits, 0))


def priors(scores: Sequence[float | None]) -> list[float]:
    """Siblings' priors for PUCT: each one's verifier score over their sum (equal if all are 0)."""
    vals = [max(0.0, float(x or 0.0)) for x in scores]
    s = sum(vals)
    return [v / s for v in vals] if s > 0 else [1.0 / len(vals)] * len(vals) if vals else []


def mean_value(total: float, visits: int) -> float:
    """A node's mean value as the search uses and records it: rounded to 6 decimals, so sums
    that differ only by floating-point noise tie (and the recorded statistics replay exactly)."""
    return round(total / visits, 6) if visits else 0.0


def select_child(children: Sequence[int], visits: dict[int, int], total: dict[int, float],
                 parent_visits: int, c: float, prior: dict[int, float] | None = None) -> int:
    """The child with the highest UCT score (with ``prior``, {child: prior}: the highest PUCT
    score); ties go to the earlier child (lower id)."""
    def key(i):
        n = visits.get(i, 0)
        mean = mean_value(total.get(i, 0.0), n)
        score = uct(mean, n, parent_visits, c) if prior is None else puct(mean, n, parent_visits, c, prior[i])
        return (-score, i)
    return min(children, key=key)


def choice_scores(tree: SearchTree, parent: int, t: int) -> dict[int, float]:
    """The score (UCT, or PUCT where the tree's config says) each child of ``parent`` made before
    round ``t`` had when the search chose among them after round t - 1, from the recorded
    statistics: what a replay or the why-card shows. {} if the statistics are not there."""
    kids = [c.id for c in tree.children(parent) if c.status != "rollout" and c.iteration < t]
    top = stats_at(tree.nodes[parent], t - 1)
    st = {i: stats_at(tree.nodes[i], t - 1) for i in kids}
    if top is None or any(v is None for v in st.values()):
        return {}
    c = float(tree.config.get("explore", 1.0))
    if tree.config.get("puct"):
        pri = dict(zip(kids, priors([tree.nodes[i].score for i in kids])))
        return {i: puct(st[i][1], st[i][0], top[0], c, pri[i]) for i in kids}
    return {i: uct(st[i][1], st[i][0], top[0], c) for i in kids}


def backpropagate(path: Sequence[int], values: Sequence[float], visits: dict[int, int],
                  total: dict[int, float]) -> None:
    """Add the evaluations ``values`` (one per new node, or the one revisit of a finished leaf)
    to every node on ``path`` (root first): one visit each, their values to the total."""
    for i in path:
        visits[i] = visits.get(i, 0) + len(values)
        total[i] = total.get(i, 0.0) + float(sum(values))


def max_iterations(config: SearchConfig) -> int:
    """Iterations (and generated steps) budget N buys: N x max_rounds, within the tree format's limit."""
    return min(MAX_ITERATION, config.n * config.max_rounds)


def _record(tree: SearchTree, ids, t: int, visits: dict[int, int], total: dict[int, float]) -> None:
    for i in ids:
        node = tree.nodes[i]
        if node.stats is None:
            node.stats = []
        node.stats.append([t, visits[i], mean_value(total[i], visits[i])])


def mcts(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
         hooks: Hooks | None = None) -> SearchTree:
    hooks = hooks or Hooks()
    tree = new_tree(SPEC.name, problem, config)
    text, agg, c = problem.text, config.aggregation, float(config.explore)
    visits: dict[int, int] = {0: 0}
    total: dict[int, float] = {0: 0.0}
    kids: dict[int, list[int]] = {}       # expanded node -> its children (rollouts excluded)
    prior: dict[int, float] | None = {} if config.puct else None   # PUCT: each child's prior
    terminal: set[int] = set()            # finished, or at the depth cap: never expanded
    limit = max_iterations(config)
    finished = 0
    revisits = 0                          # iterations in a row that only revisited a finished leaf
    for t in range(1, limit + 1):
        if finished >= config.n or tree.cost.generations >= limit or revisits >= config.n:
            break
        # 1. select
        path, node = [0], 0
        while node in kids and node not in terminal:
            node = select_child(kids[node], visits, total, visits[node], c, prior)
            path.append(node)
        changed = list(path)
        if node in terminal:
            # a finished leaf is not expanded: its value is backed up once more
            backpropagate(path, [tree.nodes[node].value or 0.0], visits, total)
            revisits += 1
        else:
            revisits = 0
            # 2. expand
            prefix = prefix_of(tree, node)
            steps = generator.next_steps(text, [prefix], config.children, temperature=config.temperature,
                                         seed=round_seed(config.seed, t))[0]
            charge(tree, steps, samples=len(steps))
            if node:
                tree.nodes[node].status = "kept"
            new, cand_steps = [], []
            for step in steps:
                child = tree.add(node, step.text, iteration=t, status="pruned", tokens=step.tokens,
                                 token_ids=step.ids)
                if step.finished or child.depth >= config.max_rounds:
                    child.status = "finished"
                    terminal.add(child.id)
                    finished += 1
                    if step.finished:
                        child.answer = extract_answer(step.text)
                new.append(child.id)
                cand_steps.append(prefix + [step])
            kids[node] = new
            # 3. evaluate (with a greedy rollout to the end from each unfinished new node)
            rollouts: dict[int, list] = {}
            if config.rollout:
                todo = [j for j, i in enumerate(new) if i not in terminal]
                outs = generator.rollout(text, [cand_steps[j] for j in todo],
                                         config.max_rounds - tree.nodes[node].depth - 1) if todo else []
                rollouts = dict(zip(todo, outs))
                charge(tree, [s for out in outs for s in out], samples=sum(len(o) for o in outs))
            batch = [[step_text(s) for s in cand_steps[j] + rollouts.get(j, [])] for j in range(len(new))]
            scores = verifier.score_batch(text, batch) if batch else []
            charge_scoring(tree, verifier, sum(len(b) for b in batch))
            values = []
            for j, nid in enumerate(new):
                depth = len(cand_steps[j])
                tree.nodes[nid].score = float(scores[j][depth - 1])
                extra, parent = [], nid
                for q, step in enumerate(rollouts.get(j, [])):
                    sc = float(scores[j][depth + q])
                    parent = tree.add(parent, step.text, iteration=t, score=sc, status="rollout",
                                      tokens=step.tokens, token_ids=step.ids).id
                    extra.append(sc)
                v = path_value(tree, nid, agg, extra)
                tree.nodes[nid].value = v
                visits[nid], total[nid] = 1, v
                values.append(v)
            if prior is not None:
                prior.update(zip(new, priors([tree.nodes[i].score for i in new])))
            # 4. backpropagate
            backpropagate(path, values, visits, total)
            changed += new
        _record(tree, changed, t, visits, total)
        hooks.round_done(tree, t)
        if hooks.stop():
            tree.stopped = True
            break
    if finished == 0 and len(tree.nodes) > 1:
        # nothing finished: the leaf at the end of the most-visited path is the answer
        node = 0
        while node in kids:
            node = max(kids[node], key=lambda i: (visits.get(i, 0), -i))
        if node:
            tree.nodes[node].status = "finished"
    return tree


SPEC = register(StrategySpec(
    name="mcts", label="Monte Carlo tree search", run=mcts,
    summary="UCT over steps: select, expand, evaluate, back up",
    explain="""**Monte Carlo tree search (MCTS).** The search most people picture when they hear "tree search".
Every step in the tree keeps two numbers: how often the search has *visited* it and the *mean value* the verifier
gave to what lies below it. Each iteration walks down from the problem, at every fork taking the step with the
best UCT score, *mean + c·√(ln visits(parent) / visits(step))*: a good mean pulls the search back, a step seldom
tried earns a bonus (c, the exploration constant, sets how much). *PUCT*, AlphaZero's variant, scales the bonus
by a prior, here the verifier's first score of the step among its siblings'. At the end of the walk the model writes a few
next steps (children per expansion), the verifier scores them (optionally after a greedy rollout to the end of
the solution), and every step on the way up counts the new visits and values. Unlike beam search nothing is cut
for good: a branch that looked bad can be revisited once the favourite disappoints. Drawn with each step sized by
its visits and coloured by its mean value; replay shows the statistics change.""",
    params=("explore", "children", "rollout", "puct"), color="#19d3f3", order=5,
    rounds=max_iterations, uses_max_rounds=True))
