"""Two trees of one problem lined up: the steps they share, the first step where they part,
and what each kept afterwards.

``align(a, b)`` walks both trees from the root. Two children of a shared node are the same step
when they carry the same token ids (the generator wrote exactly the same tokens), else when their
text is the same (spaces aside): a tree from another version or a remote engine records no ids.
Identical siblings pair up in order (the first with the first), which is how two searches with
one seed drew them. Everything below a step only one tree has is that tree's alone.

They **part** at the first step (depth) where one tree has a step the other lacks, or where a
shared step's fate differs (kept in one, pruned in the other). Lookahead rollout steps are
aligned and drawn but do not decide where the trees part (only one strategy writes them).
Typical pairs: beam search and DVTS at the same budget and seed (the same first round, then
different choices); one strategy under two verifiers; two seeds (nothing shared but the problem).
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from ..grading import answer_key, equivalent
from ..scoring import tally
from ..tree import SearchTree

KEPT = ("kept", "finished")


@dataclass(frozen=True)
class Pair:
    """One node of the merged tree: its ids in A and in B (None where that tree lacks it)."""
    id: int
    parent: int | None
    depth: int
    text: str
    a: int | None
    b: int | None
    how: str = ""              # "root", "tokens" or "text" for a shared step; "" for a step one tree has

    @property
    def origin(self) -> str:
        return "both" if self.a is not None and self.b is not None else "a" if self.a is not None else "b"


@dataclass
class Alignment:
    a: SearchTree
    b: SearchTree
    nodes: list[Pair] = field(default_factory=list)
    parting: int | None = None          # the depth where they part; None: the same steps, the same fates

    def status(self, p: Pair) -> tuple[str | None, str | None]:
        return (None if p.a is None else self.a.nodes[p.a].status, None if p.b is None else self.b.nodes[p.b].status)

    def shared(self) -> list[Pair]:
        return [p for p in self.nodes[1:] if p.origin == "both"]

    def at(self, depth: int) -> list[Pair]:
        return [p for p in self.nodes[1:] if p.depth == depth]

    def summary(self, a_name: str = "A", b_name: str = "B") -> list[str]:
        """The alignment in plain sentences."""
        sh = [p for p in self.shared() if not _rollout(self, p)]
        by_ids = sum(p.how == "tokens" for p in sh)
        out = [f"They share {len(sh)} steps" + (f" ({by_ids} with the same token ids, {len(sh) - by_ids} with the same "
                                                  "text)" if sh else "") + "."]
        if self.parting is None:
            out.append("They never part: the same steps, kept and pruned alike.")
            return out
        d = self.parting
        here = [p for p in self.at(d) if not _rollout(self, p)]
        both = [p for p in here if p.origin == "both"]
        ka = [p for p in both if self.status(p)[0] in KEPT and self.status(p)[1] not in KEPT]
        kb = [p for p in both if self.status(p)[1] in KEPT and self.status(p)[0] not in KEPT]
        only_a = [p for p in here if p.origin == "a"]
        only_b = [p for p in here if p.origin == "b"]
        part = f"They part at step {d}: "
        bits = []
        if both:
            bits.append(f"of the {len(both)} step{'s' if len(both) > 1 else ''} both proposed there, {a_name} alone kept "
                        f"{_list(ka, 'a')} and {b_name} alone kept {_list(kb, 'b')}")
        if only_a or only_b:
            bits.append(f"{len(only_a)} step{'s' if len(only_a) != 1 else ''} only {a_name} wrote, "
                        f"{len(only_b)} only {b_name} wrote")
        out.append(part + "; ".join(bits) + ".")
        later = [p for p in self.nodes[1:] if p.depth > d and not _rollout(self, p)]
        for side, name in (("a", a_name), ("b", b_name)):
            tree = self.a if side == "a" else self.b
            mine = [p for p in later if getattr(p, side) is not None
                    and tree.nodes[getattr(p, side)].status in KEPT]
            alone = [p for p in mine if p.origin == side]
            out.append(f"Afterwards {name} kept {len(mine)} steps, {len(alone)} of them its own; it picked "
                       f"{tree.selected_answer}" + (f" ({'right' if tree.correct else 'wrong'})"
                                                    if tree.correct is not None else "") + ".")
        return out


def _list(pairs: list[Pair], side: str) -> str:
    if not pairs:
        return "none"
    ids = [f"#{getattr(p, side)}" for p in pairs]
    return ", ".join(ids[:6]) + (f" and {len(ids) - 6} more" if len(ids) > 6 else "")


def _rollout(al: Alignment, p: Pair) -> bool:
    return "rollout" in al.status(p)


def _same_text(x: str, y: str) -> bool:
    return " ".join(x.split()) == " ".join(y.split())


def same_problem(a: SearchTree, b: SearchTree) -> bool:
    return _same_text(a.problem.get("text", ""), b.problem.get("text", ""))


def align(a: SearchTree, b: SearchTree) -> Alignment:
    """Line up two trees of the same problem (ValueError if their problems differ)."""
    if not same_problem(a, b):
        raise ValueError("the two trees are of different problems; only trees of one problem can be aligned")
    al = Alignment(a, b, [Pair(0, None, 0, "", 0, 0, "root")])
    kids_a, kids_b = _children(a), _children(b)
    todo = deque([0])
    while todo:
        pid = todo.popleft()
        p = al.nodes[pid]
        ca = list(kids_a.get(p.a, [])) if p.a is not None else []
        cb = list(kids_b.get(p.b, [])) if p.b is not None else []
        matched: list[tuple[int | None, int | None, str]] = []
        # first the same token ids, then the same text; each B child pairs at most once, in
        # order (a queue of B's children per key: linear, however many siblings there are)
        used_b: set[int] = set()
        pair_of: dict[int, tuple[int, str]] = {}
        for how in ("tokens", "text"):
            queues: dict = {}
            for y in cb:
                k = _key(b.nodes[y], how)
                if y not in used_b and k is not None:
                    queues.setdefault(k, deque()).append(y)
            for x in ca:
                k = _key(a.nodes[x], how)
                if x not in pair_of and k is not None and queues.get(k):
                    y = queues[k].popleft()
                    pair_of[x] = (y, how)
                    used_b.add(y)
        for x in ca:
            y, how = pair_of.get(x, (None, ""))
            matched.append((x, y, how))
        matched += [(None, y, "") for y in cb if y not in used_b]
        for x, y, how in matched:
            text = a.nodes[x].text if x is not None else b.nodes[y].text
            q = Pair(len(al.nodes), pid, p.depth + 1, text, x, y, how)
            al.nodes.append(q)
            todo.append(q.id)
    al.parting = _parting(al)
    return al


def _children(t: SearchTree) -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for n in t.nodes[1:]:
        kids.setdefault(n.parent, []).append(n.id)
    return kids


def _key(node, how: str):
    """What two steps must share to be the same: their token ids, or their text (spaces aside)."""
    if how == "tokens":
        return tuple(node.token_ids) if node.token_ids else None
    return " ".join(node.text.split())


def _parting(al: Alignment) -> int | None:
    for p in al.nodes[1:]:  # breadth first: depths in order
        if _rollout(al, p):
            continue
        if p.origin != "both":
            return p.depth
        sa, sb = al.status(p)
        if (sa in KEPT) != (sb in KEPT):
            return p.depth
    return None


def answers_side_by_side(al: Alignment) -> list[dict]:
    """Each distinct final answer of either tree: how many finished solutions of A and of B
    reached it, their summed weight, and which tree picked it."""
    rows: dict[str, dict] = {}
    truth = al.a.problem.get("answer")
    for side, tree in (("A", al.a), ("B", al.b)):
        leaves = tree.leaves("finished")
        for r in tally([n.answer for n in leaves], [n.value or 0.0 for n in leaves]):
            row = rows.setdefault(r["key"], {"answer": r["answer"], "A count": 0, "A weight": 0.0, "B count": 0,
                                             "B weight": 0.0, "A picks": "", "B picks": ""})
            row[f"{side} count"] = r["count"]
            row[f"{side} weight"] = round(r["weight"], 3)
        pick = answer_key(tree.selected_answer)
        if pick in rows:
            rows[pick][f"{side} picks"] = "✓ picked"
    out = list(rows.values())
    for r in out:
        r["right?"] = None if truth is None else equivalent(r["answer"], truth)
    return sorted(out, key=lambda r: -(r["A weight"] + r["B weight"]))


__all__ = ["Alignment", "Pair", "align", "answers_side_by_side", "same_problem"]
