"""SearchTree: the one record of a search. Everything the UI shows is read from here.

Nodes are stored flat; each names its parent by id. Node 0 is the root (the problem,
no text). The meaning of every node field:

  id         int    position in ``nodes`` (ids are dense: nodes[i].id == i)
  parent     int|None  the parent's id; None only for the root (NO_PARENT)
  depth      int    number of steps from the root (root 0, first step 1, ...)
  iteration  int    the search round that created the node (root 0; best-of-N: 1;
                    beam/DVTS/lookahead: the round number, rollouts carry their round)
  text       str    the step text (no delimiter); "" for the root
  score      float|None  the verifier's score of the prefix ending at this step, in [0, 1]
  value      float|None  the number the search ranked this node by (lookahead: the score
                    at the end of its rollout; otherwise the aggregated prefix score)
  status     "root" | "kept" (selected to be expanded, or an intermediate step of a whole
             solution) | "pruned" (not selected) | "finished" (a complete solution, in the
             final vote) | "rollout" (a lookahead step, used only for scoring)
  tokens     int    tokens generated for this step
  answer     str|None  the final answer stated at a leaf (finished or pruned-at-the-end)
  correct    bool|None whether ``answer`` matches the known truth (None if unknown)
  group      int    independent subtree (DVTS) or sample chain (best-of-N); 0 otherwise
  token_ids  list[int]|None  the ids the generator wrote for this step, delimiter included;
                    a search continues a node from exactly these (None: unknown, e.g. a
                    tree from an older version or a remote engine; the text is used then)

Tree-level fields: strategy, config, problem {text, answer}, selected_answer, correct,
picks {rule: answer} for naive/weighted/majority, cost {generations, tokens_generated,
tokens_prompt, wall_s}, verifier, generator, stopped (ended early by the user).
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = 0
NO_PARENT = None
STATUSES = ("root", "kept", "pruned", "finished", "rollout")
FORMAT_VERSION = 1


class TreeFormatError(ValueError):
    """A file that is not a ttc-viz tree; the message says what is wrong."""


@dataclass
class Node:
    id: int
    parent: int | None
    depth: int
    iteration: int
    text: str
    score: float | None
    status: str
    tokens: int = 0
    value: float | None = None
    answer: str | None = None
    correct: bool | None = None
    group: int = 0
    token_ids: list[int] | None = None


@dataclass
class Cost:
    generations: int = 0
    tokens_generated: int = 0
    tokens_prompt: int = 0
    wall_s: float = 0.0
    verifier_calls: int = 0   # step prefixes scored


@dataclass
class SearchTree:
    strategy: str
    config: dict
    problem: dict
    nodes: list[Node] = field(default_factory=list)
    selected_answer: str | None = None
    correct: bool | None = None
    picks: dict = field(default_factory=dict)
    cost: Cost = field(default_factory=Cost)
    generator: str = ""
    verifier: str = ""
    stopped: bool = False

    @classmethod
    def new(cls, strategy: str, config: dict, problem_text: str, answer: str | None, **kw) -> "SearchTree":
        t = cls(strategy=strategy, config=dict(config), problem={"text": problem_text, "answer": answer}, **kw)
        t.nodes.append(Node(ROOT, NO_PARENT, 0, 0, "", None, "root"))
        return t

    # -- building -------------------------------------------------------------------------
    def add(self, parent: int, text: str, *, iteration: int, score: float | None = None,
            status: str = "kept", tokens: int = 0, group: int = 0,
            token_ids=None) -> Node:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        node = Node(len(self.nodes), parent, self.nodes[parent].depth + 1, iteration, text,
                    score, status, tokens, group=group,
                    token_ids=[int(t) for t in token_ids] if token_ids else None)
        self.nodes.append(node)
        return node

    # -- reading --------------------------------------------------------------------------
    def children(self, node_id: int) -> list[Node]:
        return [n for n in self.nodes if n.parent == node_id]

    def path(self, node_id: int) -> list[Node]:
        """Root-to-node list of nodes (root included)."""
        out = []
        cur: int | None = node_id
        while cur is not None:
            out.append(self.nodes[cur])
            cur = self.nodes[cur].parent
        return out[::-1]

    def steps(self, node_id: int) -> list[str]:
        return [n.text for n in self.path(node_id)[1:]]

    def leaves(self, status: str = "finished") -> list[Node]:
        return [n for n in self.nodes if n.status == status]

    @property
    def iterations(self) -> int:
        return max((n.iteration for n in self.nodes), default=0)

    def at_iteration(self, t: int) -> list[Node]:
        """Nodes that existed after round t (what the replay slider shows)."""
        return [n for n in self.nodes if n.iteration <= t]

    def selected_path(self) -> list[int]:
        """Ids on the path of the best-valued finished leaf with the selected answer."""
        from .grading import answer_key

        key = answer_key(self.selected_answer)
        best = None
        for n in self.leaves("finished"):
            if key is not None and answer_key(n.answer) == key:
                if best is None or (n.value or 0) > (best.value or 0):
                    best = n
        return [n.id for n in self.path(best.id)] if best else []

    def counts(self) -> dict:
        c = {s: 0 for s in STATUSES}
        for n in self.nodes:
            c[n.status] += 1
        return c

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        d["format"] = "ttc-viz-tree"
        d["version"] = FORMAT_VERSION
        return d

    def to_json(self, indent: int | None = 1) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def from_dict(cls, d: dict) -> "SearchTree":
        if not isinstance(d, dict) or "nodes" not in d or "strategy" not in d:
            raise TreeFormatError("not a ttc-viz tree: expected an object with 'strategy' and 'nodes'")
        try:
            nodes = [Node(**n) for n in d["nodes"]]
            tree = cls(strategy=str(d["strategy"]), config=dict(d.get("config", {})),
                       problem=dict(d["problem"]), nodes=nodes,
                       selected_answer=d.get("selected_answer"), correct=d.get("correct"),
                       picks=dict(d.get("picks", {})), cost=Cost(**d.get("cost", {})),
                       generator=d.get("generator", ""), verifier=d.get("verifier", ""),
                       stopped=bool(d.get("stopped", False)))
        except (TypeError, KeyError, ValueError) as e:
            raise TreeFormatError(f"not a ttc-viz tree: {e}") from None
        tree.validate()
        return tree

    @classmethod
    def from_json(cls, text: str) -> "SearchTree":
        try:
            d = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TreeFormatError(f"not JSON: {e}") from None
        return cls.from_dict(d)

    @classmethod
    def load(cls, path: str | Path) -> "SearchTree":
        p = Path(path)
        if not p.exists():
            raise TreeFormatError(f"tree file not found: {p}")
        try:
            return cls.from_json(p.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise TreeFormatError(f"{p} is not a text file") from None

    def validate(self) -> None:
        """Raise TreeFormatError unless the structure is consistent."""
        if not self.nodes or self.nodes[0].status != "root" or self.nodes[0].parent is not None:
            raise TreeFormatError("the first node must be the root (status 'root', parent null)")
        for i, n in enumerate(self.nodes):
            if n.id != i:
                raise TreeFormatError(f"node ids must be dense: node {i} has id {n.id}")
            if n.status not in STATUSES:
                raise TreeFormatError(f"node {i} has unknown status {n.status!r}")
            if i and not (isinstance(n.parent, int) and 0 <= n.parent < i):
                raise TreeFormatError(f"node {i} has parent {n.parent!r}, not an earlier node")
            if i and n.depth != self.nodes[n.parent].depth + 1:
                raise TreeFormatError(f"node {i} has depth {n.depth}, parent's + 1 expected")
            if n.score is not None and not (0.0 <= n.score <= 1.0):
                raise TreeFormatError(f"node {i} has score {n.score} outside [0, 1]")

    def to_networkx(self):
        import networkx as nx

        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, **{k: v for k, v in asdict(n).items() if k != "id"})
            if n.parent is not None:
                g.add_edge(n.parent, n.id)
        return g
