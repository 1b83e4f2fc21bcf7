"""Particle filtering (Puri et al. 2025): N partial solutions ("particles") grown one step a
round, each round resampled by how much the verifier believes in them.

One round:

  1. extend      every particle that has not finished gets one next step (sampled at
                 ``config.temperature``); a particle copied k times gets k different steps
  2. weigh       the verifier scores each new prefix; a particle's weight is its value (its
                 path's scores aggregated by ``config.aggregation``: with "last", the
                 verifier's score of its newest step) **in proportion**: weight_i = value_i /
                 sum of values (every weight equal when all values are 0). The score is read
                 as the probability that the particle is on track, so proportional weights are
                 that probability normalised; a finished particle keeps its last value
  3. resample    N new particles are drawn by **systematic resampling** (``systematic``): one
                 random offset u in [0, 1), then the N evenly spaced points (u + j) / N on the
                 weights laid end to end; a particle is copied once for each point landing on
                 its stretch. A particle with weight w gets floor(N w) or ceil(N w) copies, so
                 the draw is as even as chance allows; one with weight 0 dies.

Finished particles are kept: they are not extended, they stay in the population (resampling
can copy them, a copy taking one of the N places), and every finished solution joins the
final vote even if a later resampling drops it. The search ends when every particle has
finished, after ``max_rounds`` rounds (particles still open then end there), or when stopped.
The answer is the house's vote over the finished solutions (``config.voting``).

The tree records each resampling: a particle's node gets ``[round, weight, copies]`` in
``Node.resampled`` (tree.py) for every resampling it took part in; the copies of it are its
children in the next round (one per copy). Statuses: a particle that was copied is "kept", one
that died is "pruned", a finished solution "finished". Budget N = N particles: one generation
per open particle per round, as beam search spends N per round.
"""
from __future__ import annotations

import random
from typing import Sequence

from ..grading import extract_answer
from ..lm.base import Generator, step_text
from ..problems import Problem
from ..seeds import derive
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, charge, charge_scoring, new_tree, path_value, prefix_of, round_seed
from .spec import StrategySpec, register

RESAMPLE_SALT = 7919   # the resampling offset's seed, apart from the generator's of the same round


def normalise(values: Sequence[float]) -> list[float]:
    """Weights in proportion to ``values`` (each >= 0), summing to 1; all equal if they sum to 0."""
    vals = [max(0.0, float(v)) for v in values]
    s = sum(vals)
    if s <= 0:
        return [1.0 / len(vals)] * len(vals) if vals else []
    return [v / s for v in vals]


def systematic(weights: Sequence[float], u: float, n: int | None = None) -> list[int]:
    """Systematic resampling: the indices of ``n`` draws (default len(weights)) from normalised
    ``weights``, at the points (u + j) / n, u in [0, 1). Returns the drawn index for each of the
    n new particles, in order."""
    n = len(weights) if n is None else n
    out, cum, i = [], 0.0, 0
    edges = []
    for w in weights:
        cum += w
        edges.append(cum)
    if edges:
        edges[-1] = max(edges[-1], 1.0)  # rounding must not leave the last point unplaced
    for j in range(n):
        point = (u + j) / n
        # a point on an edge (up to rounding: 0.1 + 0.1 + 0.1 > 0.3) belongs to the next stretch
        while i < len(edges) - 1 and point >= edges[i] - 1e-12:
            i += 1
        out.append(i)
    return out


def particle_filter(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
                    hooks: Hooks | None = None) -> SearchTree:
    hooks = hooks or Hooks()
    tree = new_tree(SPEC.name, problem, config)
    text, agg = problem.text, config.aggregation
    slots = [0] * config.n             # the population: each particle's newest node
    done: set[int] = set()             # finished nodes (never extended)
    for r in range(1, config.max_rounds + 1):
        live = [j for j, s in enumerate(slots) if s not in done]
        if not live:
            break
        # 1. extend every open particle by one step
        prefixes = [prefix_of(tree, slots[j]) for j in live]
        proposals = generator.next_steps(text, prefixes, 1, temperature=config.temperature,
                                         seed=round_seed(config.seed, r))
        charge(tree, [s for ps in proposals for s in ps], samples=len(live))
        new = []
        for j, ps in zip(live, proposals):
            step = ps[0]
            node = tree.add(slots[j], step.text, iteration=r, status="kept", tokens=step.tokens,
                            token_ids=step.ids)
            if step.finished or r == config.max_rounds:
                node.status = "finished"
                done.add(node.id)
                if step.finished:
                    node.answer = extract_answer(step.text)
            new.append(node.id)
        # 2. weigh: the verifier scores the new prefixes
        batch = [[step_text(s) for s in p] + [step_text(ps[0])] for p, ps in zip(prefixes, proposals)]
        scores = verifier.score_batch(text, batch)
        charge_scoring(tree, verifier, sum(len(b) for b in batch))
        for nid, sc in zip(new, scores):
            tree.nodes[nid].score = float(sc[-1])
            tree.nodes[nid].value = path_value(tree, nid, agg)
        for j, nid in zip(live, new):
            slots[j] = nid
        if hooks.stop():
            tree.stopped = True
        # 3. resample, unless the search ends this round
        if not tree.stopped and r < config.max_rounds and any(s not in done for s in slots):
            weights = normalise([tree.nodes[s].value or 0.0 for s in slots])
            u = random.Random(derive(round_seed(config.seed, r), RESAMPLE_SALT)).random()
            drawn = systematic(weights, u)
            copies: dict[int, int] = {}
            weight: dict[int, float] = {}
            for s, w in zip(slots, weights):
                weight[s] = weight.get(s, 0.0) + w
                copies.setdefault(s, 0)
            for d in drawn:
                copies[slots[d]] += 1
            for s in sorted(copies):
                node = tree.nodes[s]
                if node.resampled is None:
                    node.resampled = []
                node.resampled.append([r, round(min(1.0, weight[s]), 6), copies[s]])
                if s not in done:
                    node.status = "kept" if copies[s] else "pruned"
            slots = [slots[d] for d in drawn]
        hooks.round_done(tree, r)
        if tree.stopped:
            break
    for s in slots:  # stopped early: the open particles end where they are
        if s and s not in done:
            tree.nodes[s].status = "finished"
    return tree


SPEC = register(StrategySpec(
    name="particle_filter", label="Particle filtering", run=particle_filter,
    summary="N particles a step a round, resampled by weight",
    explain="""**Particle filtering.** Keep N partial solutions, the *particles*, and grow each by one step a round.
The verifier scores every new step; a particle's *weight* is its score divided by the sum of all scores. Then the
population is *resampled*: N new particles are drawn by weight (systematically: evenly spaced draws, so a particle
with a tenth of the weight among 10 particles gets about one copy), so strong particles are copied and weak ones
die. Unlike beam search, nothing is kept just for being in the top N/M: a particle the verifier doubts can still
survive by chance, which keeps some diversity (Puri et al., 2025). Finished solutions stay in the vote. Drawn as
generations of particles; the lines of a resampling show which particle each copy came from, a faded dot one that
died.""",
    color="#b6a800", order=6))
