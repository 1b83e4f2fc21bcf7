"""You be the verifier: a recorded tree's decisions as rounds a student answers, then the reveal.

A step-by-step tree (beam, DVTS, lookahead) gives one **keep** round per search round that had a
real choice: the student sees the candidates' text without scores and keeps as many as the
search kept (the top N/M; one per subtree in DVTS), then sees what the verifier kept, every score
and rank, and, where the truth is known, which candidates were on a right path. A round (or a vote) of more
than ``MAX_CANDIDATES`` is not offered: nobody reads 256 steps in class. A tree that
cuts nothing (best-of-N, sequential revisions) gives one **answer** round: pick the final answer
from the solutions' text, then see the votes.

"On a right path" (``right_path``): the candidate's steps so far are the same, word for word, as
the start of a solution in this tree that reached the right answer (True); the same as the start
of solutions that all reached wrong answers (False); or unknown (None: it was cut before any of
its continuations stated an answer, or there is no truth). The recorded search goes on from the
verifier's choices whatever the student picked: the rounds are what the search really saw.

The running score (``Score``) counts, round by round, the student's picks and the verifier's
picks that were on a right path (an answer round: 1 for a right answer), and how often they agreed.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..grading import answer_key, equivalent
from ..scoring import tally
from ..search import strategies
from ..tree import SearchTree
from .rules import Cut, cuts_of, ranking, survivors

MAX_CANDIDATES = 64   # more than a class can read in one round: such a round (or vote) is not offered


@dataclass(frozen=True)
class QuizRound:
    number: int                     # 1, 2, ... in the quiz
    round: int                      # the tree's round it shows (an answer round: the last)
    kind: str                       # "keep" or "answer"
    cuts: tuple[Cut, ...] = ()      # keep: the choices to make (keep ``cut.keep`` of each)
    options: tuple[str, ...] = ()   # answer: the distinct final answers, as first written

    @property
    def candidates(self) -> list[int]:
        return [i for c in self.cuts for i in c.candidates]

    @property
    def to_keep(self) -> int:
        return sum(min(c.keep, len(c.candidates)) for c in self.cuts)


def quiz_rounds(tree: SearchTree) -> list[QuizRound]:
    """The rounds a student can play on this tree ([] if there is nothing to decide)."""
    cuts = cuts_of(tree)
    spec = strategies.REGISTRY.get(tree.strategy)
    if cuts:
        by_round: dict[int, list[Cut]] = {}
        for c in cuts:
            by_round.setdefault(c.round, []).append(c)
        out = []
        for r in sorted(by_round):
            size = sum(len(c.candidates) for c in by_round[r])
            if (size <= MAX_CANDIDATES and any(len(c.candidates) > c.keep for c in by_round[r])
                    and _rankable(tree, by_round[r])):
                out.append(QuizRound(len(out) + 1, r, "keep", tuple(by_round[r])))
        return out
    if cuts == [] or (spec is not None and (spec.pooled or spec.whole_attempts)):
        opts = answer_options(tree)
        playable = len(opts) > 1 and len(tree.leaves("finished")) <= MAX_CANDIDATES
        return [QuizRound(1, tree.iterations, "answer", options=tuple(opts))] if playable else []
    return []


def _rankable(tree: SearchTree, cuts: list[Cut]) -> bool:
    return all(ranking(tree, c) is not None for c in cuts)


def answer_options(tree: SearchTree) -> list[str]:
    """The distinct answers the finished solutions reached, in order of first appearance."""
    seen: dict[str, str] = {}
    for n in tree.leaves("finished"):
        k = answer_key(n.answer)
        if k is not None and k not in seen:
            seen[k] = n.answer
    return list(seen.values())


def right_path(tree: SearchTree) -> dict[int, bool | None]:
    """Each node (not rollouts): on a right path (True), only on wrong ones (False), unknown (None).

    One pass each way (linear in the tree): every node gets the key of its path's text (nodes
    whose steps read the same share a key), every node learns which grades the answered
    leaves below it got, and a key collects them from all its nodes."""
    if tree.problem.get("answer") is None:
        return {n.id: None for n in tree.nodes}
    keys: dict[tuple, int] = {}
    key = [0] * len(tree.nodes)
    below: list[set] = [set() for _ in tree.nodes]
    for n in tree.nodes[1:]:
        if n.status != "rollout":
            key[n.id] = keys.setdefault((key[n.parent], " ".join(n.text.split())), len(keys) + 1)
            if n.correct is not None and n.answer is not None:
                below[n.id].add(bool(n.correct))
    for n in reversed(tree.nodes[1:]):
        if n.status != "rollout" and below[n.id]:
            below[n.parent] |= below[n.id]
    by_key: dict[int, set] = {}
    for n in tree.nodes[1:]:
        if n.status != "rollout":
            by_key.setdefault(key[n.id], set()).update(below[n.id])
    return {n.id: (None if n.id == 0 or n.status == "rollout" or not by_key.get(key[n.id])
                   else True in by_key[key[n.id]]) for n in tree.nodes}


@dataclass
class Reveal:
    """What the verifier did with a round, beside what the student did."""
    kind: str
    rows: list[dict] = field(default_factory=list)   # one per candidate (keep) or answer (answer)
    student: tuple = ()                               # the student's picks (ids, or the answer)
    verifier: tuple = ()                              # the verifier's
    agree: int = 0                                    # picks in common
    student_right: int = 0
    verifier_right: int = 0
    known: bool = False                               # whether the truth could judge the picks


def check_picks(q: QuizRound, picks) -> tuple:
    """The student's picks, checked: ValueError with a clear message for a wrong count or an
    id or answer that is not an option."""
    if q.kind == "answer":
        if isinstance(picks, (tuple, list)) and len(picks) == 1:  # as ``check_picks`` returns it
            picks = picks[0]
        if picks not in q.options:
            raise ValueError("pick one of the answers shown")
        return (picks,)
    picks = tuple(int(i) for i in picks)
    if len(set(picks)) != len(picks) or any(i not in q.candidates for i in picks):
        raise ValueError("pick among the candidates shown, each at most once")
    for c in q.cuts:
        want = min(c.keep, len(c.candidates))
        got = sum(i in c.candidates for i in picks)
        if got != want:
            where = "" if c.group is None else f" in subtree {c.group + 1}"
            raise ValueError(f"keep exactly {want}{where} (you kept {got})")
    return picks


def reveal(tree: SearchTree, q: QuizRound, picks) -> Reveal:
    picks = check_picks(q, picks)
    if q.kind == "answer":
        return _reveal_answer(tree, q, picks[0])
    right = right_path(tree)
    verifier = tuple(i for c in q.cuts for i in survivors(tree, c))
    rv = Reveal("keep", student=picks, verifier=verifier, agree=len(set(picks) & set(verifier)))
    for c in q.cuts:
        order = ranking(tree, c) or list(c.candidates)
        for rank, i in enumerate(order, 1):
            n = tree.nodes[i]
            rv.rows.append({"node": i, **({} if c.group is None else {"subtree": c.group + 1}), "rank": rank,
                            "score": None if n.score is None else round(n.score, 3),
                            "ranked by": None if n.value is None else round(n.value, 3),
                            "verifier": "kept" if i in verifier else "cut", "you": "kept" if i in picks else "",
                            "right path": right.get(i), "text": n.text})
    rv.known = tree.problem.get("answer") is not None
    rv.student_right = sum(right.get(i) is True for i in picks)
    rv.verifier_right = sum(right.get(i) is True for i in verifier)
    return rv


def _reveal_answer(tree: SearchTree, q: QuizRound, pick: str) -> Reveal:
    truth = tree.problem.get("answer")
    leaves = tree.leaves("finished")
    rule = tree.config.get("voting", "weighted")
    rows = tally([n.answer for n in leaves], [n.value or 0.0 for n in leaves])
    rv = Reveal("answer", student=(pick,), verifier=(tree.selected_answer,),
                agree=int(answer_key(pick) == answer_key(tree.selected_answer)), known=truth is not None)
    for r in sorted(rows, key=lambda r: -r["weight"]):
        rv.rows.append({"answer": r["answer"], "solutions": r["count"], "summed score": round(r["weight"], 3),
                        "best score": round(r["best"], 3),
                        "picked by": ", ".join(k for k, v in tree.picks.items() if answer_key(v) == r["key"]),
                        "you": "✓" if answer_key(pick) == r["key"] else "",
                        "right?": None if truth is None else equivalent(r["answer"], truth)})
    if truth is not None:
        rv.student_right = int(equivalent(pick, truth))
        rv.verifier_right = int(bool(tree.selected_answer is not None and equivalent(tree.selected_answer, truth)))
    rv.rows.sort(key=lambda r: not r["picked by"].count(rule))
    return rv


@dataclass
class Score:
    """Student against verifier, over the rounds played so far."""
    rounds: int = 0
    student: int = 0
    verifier: int = 0
    agree: int = 0
    picks: int = 0

    def add(self, rv: Reveal) -> "Score":
        return Score(self.rounds + 1, self.student + rv.student_right, self.verifier + rv.verifier_right,
                     self.agree + rv.agree, self.picks + len(rv.student))

    def line(self) -> str:
        return (f"After {self.rounds} round{'s' if self.rounds != 1 else ''}: you {self.student}, the verifier "
                f"{self.verifier} (picks on a right path, or right answers); you agreed on {self.agree} of "
                f"{self.picks} picks.")


__all__ = ["QuizRound", "Reveal", "Score", "answer_options", "check_picks", "quiz_rounds", "reveal", "right_path"]
