"""Sequential revisions (Snell et al. 2024, sec. 6): the paper's second axis of test-time compute.

The budget N is split into N/seq independent **chains** of ``seq`` **attempts** each: an
attempt is a whole solution, and every attempt after a chain's first is a revision, written
by a reviser that reads the problem and the chain's earlier attempts (the last 4:
``revision_problem``). seq = 1 is all parallel (N independent samples, best-of-N),
seq = N all sequential (one chain of N revisions); the paper found the best ratio depends on
the question's difficulty.

What a reviser reads (``revision_problem``): an ordinary ``Generator``'s "problem", being
the problem followed by the chain's earlier attempts (the last ``KEEP``, numbered from 1 as
shown, so the text has the same shape at any depth of a chain); everything a generator does
(whole solutions, steps, KV reuse, remote engines) then works unchanged. The reviser comes
from ``reviser_for``: the backend's trained reviser when it offers one
(``generator.reviser()``: on the embedded model the revision adapter, ``models/smollm2-revise``,
trained by ``train/reviser.py``), else the generator itself given the same text ("prompted"; a
model never trained to revise mostly copies or ignores what it is shown). Which one ran is
recorded as ``tree.config["reviser"]``.

Round r is attempt r of every chain. Each attempt is scored by the verifier against the
original problem (not the revision text) and its step scores aggregated by
``config.aggregation``. **Every attempt is one node** (its steps joined by the step
delimiter, status "finished", group = chain, iteration = attempt number) whose parent is
the chain's previous attempt, so a chain is a path from the root. The pick is hierarchical:
within each chain by the voting rule over its attempts, then across chains by the same rule
over the chains' winners, each weighted by its best score (``hierarchical_pick``).

Cost: exactly N generations (one per attempt). Stop (``hooks.should_stop``) is honoured
between rounds; a stopped search keeps every attempt made so far.
"""
from __future__ import annotations

from typing import Sequence

from ..lm.base import Generator, join_steps
from ..problems import Problem
from ..grading import answer_key
from ..scoring import aggregate, vote
from ..seeds import derive
from ..tree import MAX_TOKEN_IDS, SearchTree
from ..verifiers.base import Verifier
from .base import Hooks, SearchConfig, charge, charge_scoring, new_tree, round_seed
from .spec import StrategySpec, register

KEEP = 4               # earlier attempts a reviser sees (the paper keeps the last 4)

REVISION_SYSTEM_PROMPT = ("Solve the math word problem step by step. Earlier attempts may be shown; "
                          "they may be wrong. Write a new, correct solution.")
HEADER = "Earlier attempts (they may be wrong):"
INSTRUCTION = "Write a new solution, step by step, ending with \"The answer is N.\""


def attempt_text(steps: Sequence[str]) -> str:
    """One earlier attempt as the reviser reads it: its steps, one per line."""
    return "\n".join(" ".join(str(s).split("\n")) for s in steps)


def revision_problem(problem: str, attempts: Sequence[Sequence[str]], keep: int = KEEP) -> str:
    """The text a reviser is asked to solve: the problem, then the last ``keep`` attempts
    (each a list of step texts), then the instruction. No attempts: the problem alone, so a
    chain's first attempt is an ordinary solution."""
    shown = list(attempts)[-keep:] if keep > 0 else []
    if not shown:
        return problem
    parts = [problem, "", HEADER]
    for i, steps in enumerate(shown, 1):
        parts += ["", f"Attempt {i}:", attempt_text(steps)]
    parts += ["", INSTRUCTION]
    return "\n".join(parts)


def hierarchical_pick(chains: Sequence[Sequence[tuple]], rule: str = "weighted") -> str | None:
    """The paper's hierarchical selection. ``chains``: per chain, its attempts as (answer,
    score). Within each chain the voting rule picks an answer; across chains the same rule
    picks among the chain winners, each weighted by the best score its chain gave that
    answer. None if no attempt stated an answer."""
    winners, weights = [], []
    for chain in chains:
        pick = vote([a for a, _ in chain], [s for _, s in chain], rule)
        if pick is None:
            continue
        key = answer_key(pick)
        winners.append(pick)
        weights.append(max(float(s) for a, s in chain if answer_key(a) == key))
    return vote(winners, weights, rule)


def reviser_for(generator) -> tuple[object, str]:
    """(the generator that writes revisions, "trained" or "prompted"). A backend that has a
    trained reviser offers it as a ``reviser()`` method returning a Generator (or None)."""
    get = getattr(generator, "reviser", None)
    rev = get() if callable(get) else None
    return (rev, "trained") if rev is not None else (generator, "prompted")


def attempt_seed(seed: int, chain: int, r: int) -> int:
    """The seed of chain ``chain``'s attempt ``r`` (r >= 2; the first attempts share round 1's)."""
    return derive(round_seed(seed, r), chain + 1)


def _ids(steps) -> list[int] | None:
    """The attempt's token ids as the model wrote them (each step's ids, delimiters included),
    or None when a step's are unknown or the attempt is too long to record."""
    ids = [t for s in steps for t in (s.ids or ())]
    return ids if steps and all(s.ids for s in steps) and len(ids) <= MAX_TOKEN_IDS else None


def revisions(problem: Problem, generator: Generator, verifier: Verifier, config: SearchConfig,
              hooks: Hooks | None = None) -> SearchTree:
    hooks = hooks or Hooks()
    reviser, mode = reviser_for(generator)
    tree = new_tree(SPEC.name, problem, config)
    tree.config["reviser"] = mode
    chains = config.n // config.seq
    last = [0] * chains                              # each chain's latest attempt node (root: none yet)
    history: list[list[list[str]]] = [[] for _ in range(chains)]  # each chain's attempts, as step texts
    for r in range(1, config.seq + 1):
        if r == 1:  # no earlier attempts: every chain solves the problem itself, so one call draws them all
            sols = reviser.solutions(problem.text, chains, temperature=config.temperature,
                                     seed=round_seed(config.seed, 1))
        else:       # each chain revises its own attempts: a text of its own, a call of its own
            sols = [reviser.solutions(revision_problem(problem.text, history[c]), 1,
                                      temperature=config.temperature, seed=attempt_seed(config.seed, c, r))[0]
                    for c in range(chains)]
        charge(tree, [s for sol in sols for s in sol], samples=len(sols))
        scores = verifier.score_batch(problem.text, [[s.text for s in sol] for sol in sols])
        charge_scoring(tree, verifier, sum(len(sol) for sol in sols))
        for c, (sol, sc) in enumerate(zip(sols, scores)):
            node = tree.add(last[c], join_steps(sol), iteration=r, status="finished",
                            score=aggregate([float(x) for x in sc], config.aggregation),
                            tokens=sum(s.tokens for s in sol), group=c, token_ids=_ids(sol))
            node.value = node.score
            last[c] = node.id
            history[c].append([s.text for s in sol])
        hooks.round_done(tree, r)
        if r < config.seq and hooks.stop():
            tree.stopped = True
            break
    return tree


def chains_of(tree: SearchTree) -> list[list]:
    """Each chain's attempts in order (by group, then round)."""
    by: dict[int, list] = {}
    for n in tree.nodes[1:]:
        if n.status == "finished":
            by.setdefault(n.group, []).append(n)
    return [sorted(by[g], key=lambda n: n.iteration) for g in sorted(by)]


def pick(tree: SearchTree, rule: str) -> str | None:
    """Within each chain by ``rule``, then across the chains' winners (``hierarchical_pick``)."""
    return hierarchical_pick([[(n.answer, n.value or 0.0) for n in ch] for ch in chains_of(tree)], rule)


SPEC = register(StrategySpec(
    name="revisions", label="Sequential revisions", run=revisions, pick=pick,
    summary="N/seq chains of seq attempts, each revising the last",
    explain="""**Sequential revisions.** The other way to spend a budget: instead of N independent tries,
let the model *revise*. The budget is split into N/seq chains of seq attempts each; every attempt after a
chain's first is written with the chain's earlier attempts in view ("they may be wrong; write a new
solution"). seq = 1 is all parallel (best-of-N), seq = N one long chain of revisions. The pick is
hierarchical: the verifier's vote within each chain, then across the chains' winners. Snell et al. found
that easy questions gain most from revising (the first try is nearly right), hard ones from a mix of
parallel and sequential. A model trained to revise does this well; one only *prompted* to (labelled
"prompted") mostly copies or ignores its earlier attempts.""",
    params=("seq",), color="#ff9f1c", order=4, whole_attempts=True,
    rounds=lambda config: config.seq))
