"""How each strategy decided: the selections ("cuts") a search made, read back from its tree.

A cut is one competition: the candidates that were ranked together, and how many of them
could survive. Beam search and lookahead make one cut per round (keep the top N/M); DVTS one
per subtree per round (keep the top 1). Best-of-N and sequential revisions cut nothing: every
sample or attempt goes to the final vote.

Each strategy says how it decides through a ``Rule`` registered under its name (``register_rule``),
so a new strategy (MCTS and particle filtering did) adds its own explanation without touching the
why-card or the quiz, which read only the rule. A tree whose strategy has no rule is still
explained as far as the tree itself tells (its round, score and rank), and says what it cannot.

Ranking is the search's own (``search/stepwise.py``): by ``value`` (highest first); ties go to a
candidate that finished its solution, then to the earlier one (lower id). Nothing here is
recorded in the tree beyond what the search always wrote: N and M come from ``config``, the
values and the outcome (kept / pruned) from the nodes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from ..grading.extract import marked_answer
from ..tree import SearchTree, stats_at


@dataclass(frozen=True)
class Cut:
    """One selection: ``candidates`` (node ids, ranked together) of which ``keep`` survive."""
    round: int
    candidates: tuple[int, ...]
    keep: int
    group: int | None = None    # the DVTS subtree it belongs to; None: the whole round


@dataclass(frozen=True)
class Rule:
    """How a strategy decides, in words and as cuts.

    ``describe(tree)``: the rule for this tree in one sentence ("keep the top 4 of each round");
    ``cuts(tree)``: every cut it made, or None if the tree lacks what the cuts need (then
    ``missing(tree)`` says what); ``ranked_by``: what a candidate is ranked by, in words;
    ``notes(tree, node_id)``: anything more this strategy has to say about one node."""
    describe: Callable[[SearchTree], str]
    cuts: Callable[[SearchTree], list[Cut] | None]
    ranked_by: str = "its score"
    notes: Callable[[SearchTree, int], list[str]] = field(default=lambda tree, node_id: [])
    missing: Callable[[SearchTree], str] = field(default=lambda tree: "")
    votes: bool = True           # its finished leaves go to one vote (best-of-N, beam, DVTS, lookahead)


RULES: dict[str, Rule] = {}


def register_rule(strategy: str, rule: Rule) -> Rule:
    """Say how ``strategy`` decides (a new strategy registers its rule next to its spec)."""
    RULES[strategy] = rule
    return rule


def rule_for(tree: SearchTree) -> Rule | None:
    return RULES.get(tree.strategy)


# ---------------------------------------------------------------------------------------
# Ranking, as the step-by-step search ranks

def ended(tree: SearchTree, node_id: int) -> bool:
    """Whether a candidate finished its solution when it was ranked (the first tie-break).
    A "finished" node in the tree's last round may instead have been left open when the
    search ran out of rounds or was stopped, so there it counts only if it states an answer."""
    n = tree.nodes[node_id]
    if n.status == "finished":
        return n.iteration < tree.iterations or marked_answer(n.text) is not None
    return n.status == "pruned" and n.answer is not None


def ranking(tree: SearchTree, cut: Cut, values: dict[int, float] | None = None) -> list[int] | None:
    """The cut's candidates best first, by ``values`` (default: the recorded ``value``s);
    None if a candidate has no value to rank by."""
    vals = values if values is not None else {i: tree.nodes[i].value for i in cut.candidates}
    if any(vals.get(i) is None for i in cut.candidates):
        return None
    return sorted(cut.candidates, key=lambda i: (-vals[i], not ended(tree, i), i))


def survivors(tree: SearchTree, cut: Cut) -> list[int]:
    """The candidates the search kept, as recorded (status kept or finished)."""
    return [i for i in cut.candidates if tree.nodes[i].status in ("kept", "finished")]


# ---------------------------------------------------------------------------------------
# The step-by-step strategies (search/stepwise.py)

def _stepwise_cuts(per_group: bool) -> Callable[[SearchTree], list[Cut] | None]:
    def cuts(tree: SearchTree) -> list[Cut] | None:
        keep = _keep(tree, per_group)
        if keep is None:
            return None
        # one pass over the nodes: (round, subtree) -> candidates in id order
        by: dict[tuple, list[int]] = {}
        for n in tree.nodes[1:]:
            if n.status != "rollout":
                by.setdefault((n.iteration, n.group if per_group else None), []).append(n.id)
        return [Cut(r, tuple(ids), keep, g) for (r, g), ids in sorted(by.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0))]
    return cuts


def _keep(tree: SearchTree, per_group: bool) -> int | None:
    if per_group:
        return 1
    n, m = tree.config.get("n"), tree.config.get("m")
    if not isinstance(n, int) or not isinstance(m, int) or m < 1 or n < m:
        return None
    return n // m


def _missing_nm(tree: SearchTree) -> str:
    return "the tree does not record N and M, so how many each round kept cannot be derived"


def _top(tree: SearchTree) -> str:
    """"the top N/M = 16/4 = 4", or "the top N/M" when the tree does not say N and M."""
    keep = _keep(tree, False)
    return "the top N/M" if keep is None else f"the top N/M = {tree.config['n']}/{tree.config['m']} = {keep}"


def _beam_text(tree: SearchTree) -> str:
    return f"keep {_top(tree)} candidates of each round, by {_agg(tree)}"


def _dvts_text(tree: SearchTree) -> str:
    keep = _keep(tree, False)
    subtrees = "N/M" if keep is None else str(keep)
    return (f"the budget runs as {subtrees} independent subtrees; each keeps only its top 1 candidate per round, "
            f"by {_agg(tree)}")


def _agg(tree: SearchTree) -> str:
    return f"score ({tree.config.get('aggregation', 'last')} over the path's step scores)"


def _rollout_head(tree: SearchTree, node_id: int) -> int:
    """The candidate a rollout step continues: the nearest ancestor that is not a rollout step."""
    head = node_id
    while tree.nodes[head].status == "rollout":
        head = tree.nodes[head].parent
    return head


def _lookahead_notes(tree: SearchTree, node_id: int) -> list[str]:
    n = tree.nodes[node_id]
    if n.status == "rollout":
        head = _rollout_head(tree, node_id)
        return [f"A rollout step: written greedily (temperature 0) from candidate #{head} to look ahead; "
                f"the verifier scored it, and #{head} was ranked by the score at the end of its rollout. "
                "A rollout step is never kept or cut itself."]
    chain, cur = [], node_id
    while True:
        nxt = [c.id for c in tree.children(cur) if c.status == "rollout"]
        if not nxt:
            break
        cur = nxt[0]
        chain.append(cur)
    if not chain:
        if n.status != "root":
            return ["It finished its solution, so it had no rollout: it was ranked by its own path."]
        return []
    end = tree.nodes[chain[-1]].score
    own = "–" if n.score is None else f"{n.score:.3f}"
    return [f"Its own step scored {own}; its {len(chain)}-step rollout ({', '.join(f'#{c}' for c in chain)}) "
            f"ended at {'–' if end is None else f'{end:.3f}'}, and that look ahead is what it was ranked by."]


register_rule("beam", Rule(describe=_beam_text, cuts=_stepwise_cuts(False), ranked_by="its path's score",
                           missing=_missing_nm))
register_rule("lookahead", Rule(
    describe=lambda t: (f"keep {_top(t)} candidates of each round, each ranked by the score at the end of its "
                        f"{t.config.get('k', 'k')}-step greedy rollout"),
    cuts=_stepwise_cuts(False), ranked_by="the score at the end of its rollout", notes=_lookahead_notes,
    missing=_missing_nm))
register_rule("dvts", Rule(
    describe=_dvts_text,
    cuts=_stepwise_cuts(True), ranked_by="its path's score"))


# ---------------------------------------------------------------------------------------
# The strategies that cut nothing

def _best_of_n_notes(tree: SearchTree, node_id: int) -> list[str]:
    n = tree.nodes[node_id]
    if n.status == "finished":
        return [f"The last step of sample {n.group + 1}: a whole solution, sampled in one go."]
    leaf = next((x for x in tree.nodes if x.group == n.group and x.status == "finished"), None)
    return [f"Step {n.depth} of sample {n.group + 1}. Best-of-N cuts nothing along the way: every sample runs "
            f"to its end and votes with its last step" + (f" (#{leaf.id})." if leaf else ".")]


register_rule("best_of_n", Rule(
    describe=lambda t: (f"sample N = {t.config.get('n')} whole solutions and cut nothing; the answer is chosen "
                        f"by a {t.config.get('voting', 'weighted')} vote over them"),
    cuts=lambda t: [], ranked_by="its weight in the vote", notes=_best_of_n_notes))


def _revisions_notes(tree: SearchTree, node_id: int) -> list[str]:
    n = tree.nodes[node_id]
    seq = tree.config.get("seq")
    return [f"Attempt {n.depth}" + (f" of {seq}" if seq else "") + f" in chain {n.group + 1}: a whole solution"
            + (" written from scratch." if n.depth == 1 else ", written with the chain's earlier attempts in view.")
            + " Nothing is cut in sequential revisions: every attempt goes to its chain's vote, and the next "
              "attempt is written whatever this one scored."]


register_rule("revisions", Rule(
    describe=lambda t: ("cut nothing; each chain picks its own answer by a "
                        f"{t.config.get('voting', 'weighted')} vote over its attempts, then the chains' winners vote"),
    cuts=lambda t: [], ranked_by="its weight in its chain's vote (its own steps' scores aggregated)", notes=_revisions_notes,
    votes=False))


# ---------------------------------------------------------------------------------------
# Monte Carlo tree search (search/mcts.py): no cuts; every choice is UCT on the statistics

def _ids(ids) -> str:
    ids = list(ids)
    return ", ".join(f"#{i}" for i in ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


def _real_children(tree: SearchTree, node_id: int, before: int | None = None) -> list[int]:
    return [c.id for c in tree.children(node_id) if c.status != "rollout" and (before is None or c.iteration < before)]


def _uct_at(tree: SearchTree, node_id: int, t: int) -> float | None:
    """The UCT (or PUCT) score node ``node_id`` had when its parent chose among its children after round t."""
    from ..search.mcts import choice_scores

    n = tree.nodes[node_id]
    if n.parent is None:
        return None
    return choice_scores(tree, n.parent, t + 1).get(node_id)


def _mcts_text(tree: SearchTree) -> str:
    c, b = tree.config.get("explore", "c"), tree.config.get("children", "a few")
    how = "a greedy rollout to the end" if tree.config.get("rollout") else "its own path's score"
    rule = (f"PUCT score (mean value + {c}·prior·√visits(parent) / (1 + visits), the prior being its first score "
            "over its siblings')" if tree.config.get("puct") else
            f"UCT score (mean value + {c}·√(ln visits(parent) / visits))")
    return (f"each round walks down from the problem, at every fork taking the step with the highest {rule}, "
            f"has the model write {b} next steps where the walk "
            f"ends, values each by {how}, and adds those values to every step on the way up; nothing is cut for good")


def _mcts_notes(tree: SearchTree, node_id: int) -> list[str]:
    n = tree.nodes[node_id]
    if n.status == "rollout":
        head = _rollout_head(tree, node_id)
        return [f"A rollout step: written greedily from #{head} to the end of its solution; the score at its end "
                f"was #{head}'s value. A rollout step is never expanded itself."]
    st = stats_at(n)
    if st is None:
        return ["The tree records no visit statistics for this step, so its choices cannot be explained."]
    out = [f"After the last round it had {st[0]} visit{'s' if st[0] != 1 else ''} and a mean value of {st[1]:.3f} "
           f"(its own value {('–' if n.value is None else f'{n.value:.3f}')}, plus what was found below it)."]
    kids = _real_children(tree, node_id)
    sibs = [i for i in _real_children(tree, n.parent) if i != node_id]
    if kids:
        e = min(tree.nodes[k].iteration for k in kids)
        mine = _uct_at(tree, node_id, e - 1)
        others = {i: _uct_at(tree, i, e - 1) for i in sibs if tree.nodes[i].iteration < e}
        name = "PUCT" if tree.config.get("puct") else "UCT"
        line = f"Expanded in round {e}: the walk reached it"
        known = {i: u for i, u in others.items() if u is not None}
        if mine is not None and known:
            best = max(known, key=lambda i: (known[i], -i))
            whose = "sibling's, " if len(known) == 1 else "siblings' (best: "
            close = "" if len(known) == 1 else ")"
            if mine > known[best]:
                line += f" because its {name} score then, {mine:.3f}, beat its {whose}#{best} at {known[best]:.3f}{close}"
            elif mine == known[best]:
                line += (f" with a {name} score of {mine:.3f}, tied with #{best}; "
                         f"{'it won the tie as the earlier step' if node_id < best else 'the tie went to it'}")
        out.append(line + f"; the model wrote its {len(kids)} next steps there.")
    elif n.status == "finished":
        extra = st[0] - 1
        out.append("A finished solution: it cannot be expanded"
                   + (f"; the search reached it {extra} more time{'s' if extra != 1 else ''} and backed its value up "
                      "again each time." if extra > 0 else ".") + " It takes part in the final vote.")
    else:
        last = tree.iterations
        mine = _uct_at(tree, node_id, last)
        others = {i: _uct_at(tree, i, last) for i in sibs}
        better = [i for i, u in others.items() if u is not None and mine is not None and u > mine]
        out.append("Never expanded: each time the walk passed its parent, a sibling's "
                   + ("PUCT" if tree.config.get("puct") else "UCT") + " score was higher"
                   + (f" (at the end: its {mine:.3f} against {_ids(better)})." if better and mine is not None else ".")
                   + " With more iterations the exploration bonus would have brought the search back to it.")
    return out


register_rule("mcts", Rule(describe=_mcts_text, cuts=lambda t: [], ranked_by="its value (the verifier's, "
                           "after a rollout if the search made one)", notes=_mcts_notes))


# ---------------------------------------------------------------------------------------
# Particle filtering (search/particle_filter.py): no cuts; resampling by weight

def _pf_text(tree: SearchTree) -> str:
    return (f"grow N = {tree.config.get('n')} particles one step a round, weigh each by its value in proportion "
            "(value / the sum of all values), then draw N particles by weight with systematic resampling: a particle "
            "gets about N × weight copies, so strong ones are copied and weak ones die; finished solutions stay in the vote")


def _pf_notes(tree: SearchTree, node_id: int) -> list[str]:
    n = tree.nodes[node_id]
    N = tree.config.get("n")
    out = []
    for r, w, copies in n.resampled or ():
        expect = f"N × weight = {N * w:.2f}" if isinstance(N, int) else "N × weight"
        out.append(f"At the resampling after round {r} its weight was {w:.3f} ({expect}): "
                   + (f"copied {copies} time{'s' if copies != 1 else ''}." if copies else
                      "no draw landed on it, so it died there."))
    if n.status == "finished":
        out.append("A finished solution: it is not extended again, and it stays in the final vote even if a later "
                   "resampling drops it.")
    elif not n.resampled:
        out.append("It took part in no resampling (the search ended, or was stopped, in its round).")
    return out


register_rule("particle_filter", Rule(describe=_pf_text, cuts=lambda t: [], ranked_by="its value (its weight is "
                                      "that over the sum of all particles' values)", notes=_pf_notes))


def cuts_of(tree: SearchTree) -> list[Cut] | None:
    """Every cut the tree's search made ([] for a strategy that cuts nothing); None when the
    tree's strategy has no rule or the tree lacks what its cuts need."""
    rule = rule_for(tree)
    return None if rule is None else rule.cuts(tree)


def cut_of(tree: SearchTree, node_id: int, cuts: list[Cut] | None = None) -> Cut | None:
    """The cut ``node_id`` competed in (among ``cuts``, default the tree's), or None (the root,
    a rollout step, a strategy without cuts)."""
    for c in (cuts if cuts is not None else cuts_of(tree)) or []:
        if node_id in c.candidates:
            return c
    return None


__all__ = ["Cut", "Rule", "RULES", "cut_of", "cuts_of", "ended", "ranking", "register_rule", "rule_for",
           "survivors"]
