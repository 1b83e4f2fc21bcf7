"""What every strategy shares: the config, the hooks and the final pick.

A strategy is a pure function ``(problem, generator, verifier, config, hooks=None) ->
SearchTree``; models come in as protocol objects and are never loaded here. Each strategy
registers a spec (spec.py) next to its code; ``run`` looks one up, times it and makes the
final pick.
"""
from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass
from typing import Callable, Sequence

from ..grading import extract_answer, grade, grade_answers, grade_many
from ..lm.base import Generator, Step, join_steps
from ..problems import Problem
from ..seeds import ROUND_PRIME, derive
from ..scoring import AGGREGATIONS, VOTING_RULES, aggregate, all_picks
from ..tree import SearchTree
from ..verifiers.base import Verifier
from .spec import PARAM_DEFAULTS, PARAM_SYMBOL, REGISTRY, get, register

MAX_N = 1024        # more than this is a typo on 2 cores and a long wait on a GPU
MAX_ROUNDS = 100


@dataclass
class SearchConfig:
    n: int = 8                   # budget N: samples (best-of-N) or candidates per round
    m: int = 4                   # beam width M: children per kept node; N/M kept (beam) or subtrees (DVTS)
    k: int = 1                   # lookahead depth (lookahead only; beam search is k = 0)
    temperature: float = 0.8     # the paper samples at 0.8 for search
    aggregation: str = "last"    # step scores -> solution score; "last" beat min/prod in the paper
    voting: str = "weighted"     # final pick over finished solutions
    max_rounds: int = 12         # the paper uses 40; a 135M model on CPU rarely needs more than 12
    seed: int = 0
    seq: int = 4                 # attempts per chain (revisions only): N/seq chains of seq revisions each
    explore: float = 1.0         # MCTS only: the exploration constant c of UCT
    children: int = 4            # MCTS only: next steps written when a node is expanded
    rollout: bool = False        # MCTS only: value a new node by a greedy rollout to the end
    puct: bool = False           # MCTS only: select by PUCT, the verifier's step scores as priors

    def check(self, strategy: str) -> None:
        """Raise ValueError with a clear message for a config the strategy cannot run."""
        spec = get(strategy)
        if not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"N must be a positive integer, got {self.n!r}")
        if self.n > MAX_N:
            raise ValueError(f"N = {self.n} is too large; the limit is {MAX_N}")
        if spec.uses("m"):
            if not isinstance(self.m, int) or self.m < 1:
                raise ValueError(f"M must be a positive integer, got {self.m!r}")
            if self.m > self.n:
                raise ValueError(f"M = {self.m} is larger than N = {self.n}; M must divide N")
            if self.n % self.m:
                raise ValueError(f"M = {self.m} does not divide N = {self.n}; pick M so that N/M is whole")
        if spec.uses("seq"):
            if not isinstance(self.seq, int) or isinstance(self.seq, bool) or self.seq < 1:
                raise ValueError(f"attempts per chain (seq) must be a positive integer, got {self.seq!r}")
            if self.seq > self.n:
                raise ValueError(f"seq = {self.seq} attempts per chain is larger than N = {self.n}; seq must divide N")
            if self.n % self.seq:
                raise ValueError(f"seq = {self.seq} does not divide N = {self.n}; pick seq so that N/seq chains is whole")
        if spec.uses("explore"):
            c = self.explore
            if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c) or not 0 <= c <= MAX_EXPLORE:
                raise ValueError(f"exploration constant c must be a number between 0 and {MAX_EXPLORE}, got {c!r}")
        if spec.uses("children"):
            b = self.children
            if not isinstance(b, int) or isinstance(b, bool) or not 1 <= b <= MAX_CHILDREN:
                raise ValueError(f"children per expansion must be a whole number between 1 and {MAX_CHILDREN}, "
                                 f"got {b!r}")
        if spec.uses("rollout") and not isinstance(self.rollout, bool):
            raise ValueError(f"rollout must be on or off (true or false), got {self.rollout!r}")
        if spec.uses("puct") and not isinstance(self.puct, bool):
            raise ValueError(f"puct must be on or off (true or false), got {self.puct!r}")
        if not isinstance(self.k, int) or not 0 <= self.k <= 8:
            raise ValueError(f"lookahead k must be between 0 and 8, got {self.k!r}")
        if not 0.0 <= float(self.temperature) <= 2.0:
            raise ValueError(f"temperature must be between 0 and 2, got {self.temperature!r}")
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {self.aggregation!r}")
        if self.voting not in VOTING_RULES:
            raise ValueError(f"voting rule must be one of {', '.join(VOTING_RULES)}, got {self.voting!r}")
        if not isinstance(self.max_rounds, int) or not 1 <= self.max_rounds <= MAX_ROUNDS:
            raise ValueError(f"max rounds must be between 1 and {MAX_ROUNDS}, got {self.max_rounds!r}")

    def to_dict(self, strategy: str | None = None) -> dict:
        """The settings as a dict. Given the strategy, what its tree records: a parameter added
        after the tree format (``OPTIONAL_PARAMS``) only where the strategy uses it, so the
        trees of the others stay what they were."""
        d = asdict(self)
        if strategy is not None:
            spec = get(strategy)
            for p in OPTIONAL_PARAMS:
                if not spec.uses(p):
                    d.pop(p, None)
        return d


# SearchConfig fields a tree's config holds only when its strategy uses them (m and k are
# recorded by every strategy, as trees always did)
OPTIONAL_PARAMS = ("seq", "explore", "children", "rollout", "puct")
PARAM_DEFAULTS.update({p: getattr(SearchConfig(), p) for p in PARAM_SYMBOL})
MAX_EXPLORE = 10.0   # beyond this UCT is a breadth-first sweep; the textbook value is about 1.4
MAX_CHILDREN = 64


@dataclass
class Hooks:
    """Optional callbacks: watch the tree grow, or ask the search to stop after a round."""
    on_round: Callable[[SearchTree, int], None] | None = None
    should_stop: Callable[[], bool] | None = None

    def round_done(self, tree: SearchTree, r: int) -> None:
        if self.on_round:
            self.on_round(tree, r)

    def stop(self) -> bool:
        return bool(self.should_stop and self.should_stop())


# the signature of every strategy function (``StrategySpec.run``)
Strategy = Callable[[Problem, Generator, Verifier, SearchConfig, Hooks | None], SearchTree]


def round_seed(seed: int, r: int) -> int:
    """Each round gets its own seed, so rounds differ but a rerun repeats them."""
    return derive(seed, r * ROUND_PRIME)


def prefix_of(tree: SearchTree, node_id: int) -> list[Step]:
    """The steps from the root to a node as the generator wrote them (text and token ids),
    ready to be continued: a backend feeds the ids back unchanged."""
    return [Step(n.text, n.tokens, 0, False, tuple(n.token_ids or ())) for n in tree.path(node_id)[1:]]


def path_value(tree: SearchTree, node_id: int, how: str, extra: list[float] = ()) -> float:
    scores = [n.score for n in tree.path(node_id)[1:] if n.score is not None] + list(extra)
    return aggregate(scores, how)


def _running_paths(tree: SearchTree) -> list[tuple[float, float, float] | None]:
    """For every node, the recorded scores from the root down folded as (last, min, product),
    None where there are none: one pass in id order (a parent always comes before its
    children), so valuing every node costs one step per node, not one walk per leaf."""
    out: list[tuple[float, float, float] | None] = [None] * len(tree.nodes)
    for n in tree.nodes[1:]:
        out[n.id] = _fold(out[n.parent], n.score)
    return out


def _fold(acc, score):
    if score is None:
        return acc
    s = float(score)
    return (s, s, s) if acc is None else (s, min(acc[1], s), acc[2] * s)


def _value(acc, how: str) -> float:
    """``aggregate`` of the scores folded in ``acc`` (0.0 for none, as ``aggregate``)."""
    if how not in AGGREGATIONS:
        raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {how!r}")
    if acc is None:
        return 0.0
    return float(acc[AGGREGATIONS.index(how)])


def finalize(tree: SearchTree, aggregation: str | None = None, voting: str | None = None,
             grading_budget: float | None = None, bounded: bool = False) -> SearchTree:
    """Fill in what follows from a tree's recorded scores, in place: each leaf's answer and
    ``correct``, every node's ``value`` (its aggregated score, see tree.py), the picks.

    Called at the end of every search (on a tree that is still being built). To see a
    finished tree under another aggregation or voting rule, use ``whatif.repick``: it
    finalizes a copy and leaves the tree as it was.

    What a node is comes from the strategy's spec: a step (value: the scores from the root
    down, aggregated), or a whole attempt (``whole_attempts``: value = its own score, the
    attempt's step scores aggregated when it was scored, so such a tree keeps the aggregation
    it was searched with and ``aggregation`` is ignored). The picks are one vote over the
    finished leaves, or the spec's own ``pick``.

    Each distinct answer is graded once (``grading.grade_answers``). ``bounded`` (what-ifs of
    a tree a page shows, uploaded ones included): symbolic grading stops after
    ``grading_budget`` seconds (``grading.budget_s()`` when not given) and an answer not
    settled by then, or past its deadline, is left ungraded (``correct`` None); a search's
    own finalize waits for every verdict.
    """
    spec = REGISTRY.get(tree.strategy)
    attempts = bool(spec and spec.whole_attempts)
    agg = (None if attempts else aggregation) or tree.config.get("aggregation", "last")
    rule = voting or tree.config.get("voting", "weighted")
    truth = tree.problem.get("answer")
    leaves = tree.leaves("finished")
    graded = leaves + [n for n in tree.leaves("pruned") if n.answer is not None]
    for n in graded:
        if n.answer is None:
            # an attempt states its answer in its own text; a step-wise leaf anywhere on its path
            n.answer = extract_answer(n.text) or (None if attempts else extract_answer(join_steps(tree.steps(n.id))))
    if truth is None:
        verdicts = {}
    elif bounded:
        verdicts = grade_answers([n.answer for n in graded], truth, grading_budget)
    else:
        distinct = list(dict.fromkeys(n.answer for n in graded if n.answer is not None))
        verdicts = dict(zip(distinct, grade_many(distinct, [truth] * len(distinct))))
    for n in graded:
        n.correct = verdicts.get(n.answer) if n.answer is not None else (None if truth is None else False)
    paths = None if attempts else _running_paths(tree)
    if attempts:
        for n in tree.nodes[1:]:
            n.value = n.score
    else:
        # a candidate with a lookahead rollout is valued through the end of its rollout
        rollout_child = {n.parent: n.id for n in tree.nodes[1:] if n.status == "rollout"}
        for n in tree.nodes[1:]:
            if n.status == "rollout":
                continue
            acc, cur = paths[n.id], rollout_child.get(n.id)
            while cur is not None:
                acc = _fold(acc, tree.nodes[cur].score)
                cur = rollout_child.get(cur)
            n.value = _value(acc, agg)
    if spec is not None and spec.pick is not None:
        tree.picks = {r: spec.pick(tree, r) for r in VOTING_RULES}
    else:
        answers = [n.answer for n in leaves]
        weights = [_value(paths[n.id], agg) if paths else path_value(tree, n.id, agg) for n in leaves]
        tree.picks = all_picks(answers, weights)
    tree.selected_answer = tree.picks[rule]
    if truth is None:
        tree.correct = None
    elif tree.selected_answer is None:
        tree.correct = False
    elif tree.selected_answer in verdicts:
        tree.correct = verdicts[tree.selected_answer]
    elif bounded:
        tree.correct = grade_answers([tree.selected_answer], truth, grading_budget)[tree.selected_answer]
    else:
        tree.correct = grade(tree.selected_answer, truth)
    tree.config["aggregation"], tree.config["voting"] = agg, rule
    return tree


def finite_score(x) -> float:
    """A verifier's score as a float in [0, 1]; NaN (a broken or overflowing model) counts
    as 0.0, the lowest, so it can neither win a vote nor end up in a file as NaN."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    if not math.isfinite(v):
        return 0.0 if math.isnan(v) or v < 0 else 1.0
    return min(1.0, max(0.0, v))


class FiniteScores:
    """Wraps a verifier so every score it returns is a finite number in [0, 1]."""

    def __init__(self, inner: Verifier):
        self.inner = inner
        self.name = getattr(inner, "name", type(inner).__name__)

    def __getattr__(self, attr):
        return getattr(self.inner, attr)

    def score_batch(self, problem: str, solutions: Sequence[Sequence[str]]) -> list[list[float]]:
        return [[finite_score(x) for x in row] for row in self.inner.score_batch(problem, solutions)]

    def score(self, problem: str, steps: Sequence[str]) -> list[float]:
        return self.score_batch(problem, [list(steps)])[0]


def run(strategy: str, problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
        hooks: Hooks | None = None) -> SearchTree:
    """Run a registered strategy end to end: check config, search, time, pick."""
    spec = get(strategy)
    config.check(strategy)
    t0 = time.perf_counter()
    tree = spec.run(problem, generator, FiniteScores(verifier), config, hooks or Hooks())
    tree.cost.wall_s = time.perf_counter() - t0
    tree.generator = getattr(generator, "name", type(generator).__name__)
    tree.verifier = getattr(verifier, "name", type(verifier).__name__)
    return finalize(tree)


def new_tree(strategy: str, problem: Problem, config: SearchConfig) -> SearchTree:
    return SearchTree.new(strategy, config.to_dict(strategy), problem.text, problem.answer)


def charge(tree: SearchTree, steps, samples: int) -> None:
    """Add the cost of generated steps (from ``samples`` generator outputs) to the tree."""
    tree.cost.generations += samples
    for s in steps:
        tree.cost.tokens_generated += s.tokens
        tree.cost.tokens_prompt += s.prompt_tokens
        tree.cost.tokens_reencoded += getattr(s, "reencoded", 0)
        fed = getattr(s, "prefilled", None)
        tree.cost.tokens_prefilled += s.prompt_tokens if fed is None else fed


def charge_scoring(tree: SearchTree, verifier: Verifier, prefixes: int) -> None:
    """Add the cost of the verifier call just made (in this thread) to the tree: the prefixes
    scored, and, from a verifier that says (``last_reads()``), the tokens it read and re-read."""
    tree.cost.verifier_calls += prefixes
    reads = getattr(verifier, "last_reads", None)
    if callable(reads):
        r = reads() or {}
        tree.cost.verifier_tokens_read += int(r.get("read", 0))
        tree.cost.verifier_tokens_reencoded += int(r.get("reencoded", 0))


__all__ = ["SearchConfig", "Hooks", "REGISTRY", "register", "run", "finalize"]
