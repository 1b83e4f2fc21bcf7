"""Why was this node kept, or pruned? A card of plain sentences, derived from the tree alone.

``why(tree, node_id, rescored=None)`` says: the round the node was proposed in and how many
candidates that round had; its score and what it was ranked by, and its rank; the rule that
cut (the strategy's ``Rule``, rules.py) and the score it had to beat; and, without generating
anything, whether it would have survived under another aggregation, with one more or one fewer
kept, or under another verifier's re-score (``rescored``: the tree ``search.whatif.rescore``
returned). A finished leaf also gets its part in the final vote. What the tree cannot tell
(no rule for its strategy, no values, a choice that does not follow from its values) is said
in ``unknown``, never guessed.

The what-ifs re-rank the same candidates: with another rule the later rounds would have had
other candidates, and no re-ranking can say what those would have been.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..grading import answer_key
from ..grading.extract import marked_answer
from ..scoring import AGGREGATIONS, VOTING_RULES, tally, vote
from ..search import strategies
from ..search.whatif import repick
from ..tree import SearchTree
from .rules import Cut, cut_of, ranking, rule_for, survivors

TIE_RULE = "ties go to a candidate that finished its solution, then to the earlier one"


@dataclass
class WhyCard:
    """What the card says (``lines``, ``whatifs``, ``unknown``) and the facts behind it."""
    node: int
    title: str
    lines: list[str] = field(default_factory=list)
    whatifs: list[dict] = field(default_factory=list)   # {"what if": ..., "then": ...}
    unknown: list[str] = field(default_factory=list)
    round: int | None = None
    round_size: int | None = None     # candidates proposed that round (all subtrees)
    candidates: int | None = None     # candidates ranked together with it (its cut)
    score: float | None = None
    ranked_by: float | None = None
    rank: int | None = None           # 1 = best of its cut
    keep: int | None = None
    cutoff: float | None = None       # the value it had to beat
    survived: bool | None = None
    tied: int = 0                     # others in its cut with exactly its value
    answer_wins: bool | None = None   # a leaf in a vote: whether its answer was picked
    whatif_note: str = ""             # what the what-ifs can and cannot say


def _title(tree: SearchTree, node_id: int) -> str:
    n = tree.nodes[node_id]
    spec = strategies.REGISTRY.get(tree.strategy)
    if n.status == "rollout":
        return f"#{node_id} is a {'lookahead ' if spec is not None and spec.uses('k') else ''}rollout step"
    if spec is not None and spec.whole_attempts:
        return f"#{node_id} is attempt {n.depth} of chain {n.group + 1}"
    if spec is not None and spec.pooled:
        return f"#{node_id} is step {n.depth} of sample {n.group + 1}" + (", its last" if n.status == "finished" else "")
    return {"kept": f"Why #{node_id} was kept", "pruned": f"Why #{node_id} was pruned",
            "finished": f"Why #{node_id} is a finished solution"}.get(n.status, f"#{node_id}")


class _Lazy(dict):
    """Re-picks made on first use (a card that needs none makes none)."""

    def __init__(self, tree: SearchTree):
        super().__init__()
        self.tree = tree

    def __missing__(self, agg: str) -> SearchTree:
        self[agg] = repick(self.tree, aggregation=agg)
        return self[agg]


def _f(x) -> str:
    return "–" if x is None else f"{x:.3f}"


def _ids(ids) -> str:
    ids = list(ids)
    return ", ".join(f"#{i}" for i in ids[:8]) + (f" and {len(ids) - 8} more" if len(ids) > 8 else "")


def repicks(tree: SearchTree) -> dict[str, SearchTree]:
    """The tree re-picked under each aggregation (``search.whatif.repick``): what the what-ifs
    read. Worth computing once per tree and passing to ``why`` for every node."""
    return {agg: repick(tree, aggregation=agg) for agg in AGGREGATIONS}


def why(tree: SearchTree, node_id: int, rescored: SearchTree | None = None,
        repicked: dict[str, SearchTree] | None = None) -> WhyCard:
    if not 0 <= node_id < len(tree.nodes):
        raise ValueError(f"node {node_id} is not in this tree (it has {len(tree.nodes)} nodes)")
    n = tree.nodes[node_id]
    if n.status == "root":
        return WhyCard(node_id, "The problem", [f"The root: the problem itself. Round 1 proposed "
                                                 f"{len(tree.children(0))} candidates from it."])
    rule = rule_for(tree)
    card = WhyCard(node_id, _title(tree, node_id), round=n.iteration, score=n.score, ranked_by=n.value)
    if rescored is not None and (len(rescored.nodes) != len(tree.nodes) or rescored.strategy != tree.strategy):
        rescored = None  # a re-score of another tree
    made = [x for x in tree.nodes[1:] if x.iteration == n.iteration and x.status != "rollout"]
    card.round_size = len(made)
    attempts = bool((spec := strategies.REGISTRY.get(tree.strategy)) and spec.whole_attempts)
    alt = repicked if repicked is not None else _Lazy(tree)
    unit = "attempts" if attempts else "candidates"
    pooled = bool(spec and spec.pooled)
    if pooled:
        card.round_size = len({x.group for x in made})
        card.lines.append(f"Step {n.depth} of sample {n.group + 1}, one of {card.round_size} samples drawn at once.")
    elif n.status != "rollout":
        card.lines.append(f"Proposed in round {n.iteration} (step {n.depth}), one of {len(made)} {unit} that round.")
    shows_value = n.value is not None and n.status != "rollout" and (not pooled or n.status == "finished")
    card.lines.append(f"The verifier scored it {_f(n.score)}"
                      + (f"; ranked by {rule.ranked_by if rule else 'its value'}: {_f(n.value)}." if shows_value else "."))
    if rule is None:
        card.unknown.append(f"This app has no rule for how a {tree.strategy!r} search decides, so the card shows "
                            "the node's round and score, not why it was kept or cut.")
        return card
    card.lines.append(f"The rule: {rule.describe(tree)}.")
    if n.status == "rollout":
        card.lines += rule.notes(tree, node_id)
        if rescored is not None:
            card.whatifs.append({"what if": f"re-scored by {rescored.verifier}",
                                 "then": f"it would score {_f(rescored.nodes[node_id].score)}"})
        return card
    cuts = rule.cuts(tree)
    if cuts is None:
        card.unknown.append(rule.missing(tree) or "the tree lacks what this rule needs")
    cut = cut_of(tree, node_id, cuts) if cuts else None
    if cut is not None:
        _explain_cut(tree, card, cut, rescored, alt)
    card.lines += rule.notes(tree, node_id)
    if n.status == "finished":
        if attempts:
            _chain_vote(tree, card, rescored)
        elif rule.votes:
            _vote(tree, card, rescored, alt)
    if card.whatifs and cut is not None:
        card.whatif_note = ("Each what-if re-ranks the same candidates: under another rule the later rounds would "
                            "have had other candidates, which no re-ranking can tell.")
    return card


def _explain_cut(tree: SearchTree, card: WhyCard, cut: Cut, rescored: SearchTree | None, alts) -> None:
    n = tree.nodes[card.node]
    order = ranking(tree, cut)
    if order is None:
        card.unknown.append("some candidates of its round have no recorded value, so their ranking cannot be derived")
        return
    kept = set(survivors(tree, cut))
    card.candidates, card.keep = len(cut.candidates), cut.keep
    card.rank = order.index(card.node) + 1
    card.survived = card.node in kept
    card.tied = sum(tree.nodes[i].value == n.value for i in cut.candidates) - 1
    where = "" if cut.group is None else f" in its subtree ({cut.group + 1}), {len(cut.candidates)} candidates"
    card.lines.append(f"It ranked {card.rank} of {len(cut.candidates)}{where}"
                      + (f", tied with {card.tied} other{'s' if card.tied > 1 else ''} at {_f(n.value)}"
                         if card.tied else "") + ".")
    if set(order[:cut.keep]) != kept:
        card.unknown.append("the recorded choice does not follow from the recorded values by this rule "
                            "(the tree may come from another version of the search)")
    if len(order) <= cut.keep:
        card.lines.append(f"Nothing was cut here: {len(order)} candidates, room for {cut.keep}.")
    elif card.survived:
        first_out = order[cut.keep]
        card.cutoff = tree.nodes[first_out].value
        card.lines.append(f"Kept: only the top {cut.keep} survive, and it had to beat {_f(card.cutoff)} "
                          f"(#{first_out}, the best candidate cut).")
        if card.cutoff == n.value:
            card.lines.append(f"It tied with #{first_out} and won the tie: {TIE_RULE}.")
    else:
        last_in = order[cut.keep - 1]
        card.cutoff = tree.nodes[last_in].value
        card.lines.append(f"Pruned: it ranked below the top {cut.keep}; to survive it had to beat "
                          f"{_f(card.cutoff)} (#{last_in}, the last one kept).")
        if card.cutoff == n.value:
            card.lines.append(f"It tied with #{last_in} and lost the tie: {TIE_RULE}. The verifier could not "
                              "tell them apart.")
    if n.status == "kept":
        card.lines.append(f"It was expanded in round {n.iteration + 1}: {_ids(c.id for c in tree.children(card.node) if c.status != 'rollout')}.")
    elif n.status == "finished" and card.survived:
        open_end = n.iteration == tree.iterations and marked_answer(n.text) is None
        card.lines.append("The search ended after this round (out of rounds or stopped), so this open path ended "
                          "here as a leaf." if open_end else
                          "It finished its solution, so it went to the final vote instead of being expanded.")
    _cut_whatifs(tree, card, cut, order, rescored, alts)


def _fate(order: list[int], node_id: int, keep: int) -> str:
    return "kept" if order.index(node_id) < keep else "cut"


def _cut_whatifs(tree: SearchTree, card: WhyCard, cut: Cut, order: list[int], rescored: SearchTree | None,
                 alts) -> None:
    if len(order) <= 1:
        return
    now = "kept" if card.survived else "cut"
    here = tree.config.get("aggregation", "last")
    for agg in AGGREGATIONS:
        if agg == here:
            continue
        alt = alts[agg]
        alt_order = ranking(tree, cut, {i: alt.nodes[i].value for i in cut.candidates})
        if alt_order is not None:
            card.whatifs.append({"what if": f"{agg} aggregation", "then": _then(alt_order, card.node, cut.keep, now)
                                 + f" (ranked by {_f(alt.nodes[card.node].value)}, rank {alt_order.index(card.node) + 1})"})
    for k, label in ((cut.keep + 1, "one more kept"), (cut.keep - 1, "one fewer kept")):
        if 1 <= k <= len(order):
            card.whatifs.append({"what if": f"{label} (top {k})", "then": _then(order, card.node, k, now)})
    if rescored is not None:
        alt_order = ranking(rescored, cut)
        if alt_order is not None:
            card.whatifs.append({"what if": f"re-scored by {rescored.verifier}",
                                 "then": _then(alt_order, card.node, cut.keep, now)
                                 + f" (scored {_f(rescored.nodes[card.node].score)}, rank "
                                   f"{alt_order.index(card.node) + 1})"})


def _then(order: list[int], node_id: int, keep: int, now: str) -> str:
    fate = _fate(order, node_id, keep)
    return f"{fate}, as now" if fate == now else f"{fate} instead of {now}"


def _vote(tree: SearchTree, card: WhyCard, rescored: SearchTree | None, alts) -> None:
    n = tree.nodes[card.node]
    rule = tree.config.get("voting", "weighted")
    if n.answer is None:
        card.lines.append("It states no answer, so it has no say in the vote.")
        return
    key = answer_key(n.answer)
    leaves = tree.leaves("finished")
    rows = tally([x.answer for x in leaves], [x.value or 0.0 for x in leaves])
    mine = next(r for r in rows if r["key"] == key)
    card.answer_wins = answer_key(tree.picks.get(rule)) == key
    what = {"weighted": f"summed weight {mine['weight']:.3f}", "majority": f"{mine['count']} votes",
            "naive": f"best single score {mine['best']:.3f}"}[rule]
    card.lines.append(f"In the final vote its answer {n.answer} had {mine['count']} of {len(leaves)} solutions "
                      f"({what}); the {rule} vote "
                      + ("picked it." if card.answer_wins else f"picked {tree.picks.get(rule)} instead."))
    for other in VOTING_RULES:
        if other != rule:
            card.whatifs.append({"what if": f"{other} vote", "then": _wins(tree.picks.get(other), key)})
    here = tree.config.get("aggregation", "last")
    for agg in AGGREGATIONS:
        if agg != here:
            card.whatifs.append({"what if": f"{agg} aggregation (the vote)",
                                 "then": _wins(alts[agg].picks.get(rule), key)})
    if rescored is not None:
        card.whatifs.append({"what if": f"re-scored by {rescored.verifier} (the vote)",
                             "then": _wins(rescored.picks.get(rule), key)})


def _wins(pick, key) -> str:
    return "its answer would win" if answer_key(pick) == key else f"{pick} would win"


def _chain_vote(tree: SearchTree, card: WhyCard, rescored: SearchTree | None) -> None:
    n = tree.nodes[card.node]
    rule = tree.config.get("voting", "weighted")
    chain = sorted((x for x in tree.nodes[1:] if x.group == n.group and x.status == "finished"),
                   key=lambda x: x.iteration)
    pick = vote([x.answer for x in chain], [x.value or 0.0 for x in chain], rule)
    key = answer_key(n.answer)
    mine = "no answer" if n.answer is None else f"answer {n.answer}"
    card.answer_wins = key is not None and answer_key(tree.picks.get(rule)) == key
    card.lines.append(f"Its chain's own pick ({rule} vote over its {len(chain)} attempts: "
                      + ", ".join(f"{x.answer} at {_f(x.value)}" for x in chain) + f") is {pick}; this attempt has "
                      f"{mine}" + (", the chain's pick." if key is not None and answer_key(pick) == key else ".")
                      + f" Across the chains the {rule} vote picked {tree.picks.get(rule)}.")
    for other in VOTING_RULES:
        if other != rule:
            alt = vote([x.answer for x in chain], [x.value or 0.0 for x in chain], other)
            card.whatifs.append({"what if": f"{other} vote", "then": f"the chain would pick {alt}; overall "
                                 f"{tree.picks.get(other)}"})
    card.unknown.append("another aggregation: each attempt's step scores were aggregated when it was scored and are "
                        "not kept, so the tree cannot be re-weighed that way")
    if rescored is not None:
        alt_chain = [rescored.nodes[x.id] for x in chain]
        alt = vote([x.answer for x in alt_chain], [x.value or 0.0 for x in alt_chain], rule)
        card.whatifs.append({"what if": f"re-scored by {rescored.verifier}",
                             "then": f"it would score {_f(rescored.nodes[card.node].score)}; the chain would pick "
                                     f"{alt}; overall {rescored.picks.get(rule)}"})


__all__ = ["TIE_RULE", "WhyCard", "repicks", "why"]
