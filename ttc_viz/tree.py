"""SearchTree: the one record of a search. Everything the UI shows is read from here.

Nodes are stored flat; each names its parent by id. Node 0 is the root (the problem,
no text). A node is one step of a solution, except in a tree whose strategy's spec says
``whole_attempts`` (sequential revisions), where a node is one whole attempt and a path is
a chain of attempts, each revising the ones before it. The meaning of every node field:

  id         int    position in ``nodes`` (ids are dense: nodes[i].id == i)
  parent     int|None  the parent's id; None only for the root (NO_PARENT); an attempt's
                    parent is its chain's previous attempt (the root for a chain's first)
  depth      int    number of steps from the root (root 0, first step 1, ...); for attempts,
                    the attempt's number in its chain (1, 2, ...)
  iteration  int    the search round that created the node (root 0; best-of-N: 1;
                    beam/DVTS/lookahead: the round number, rollouts carry their round;
                    revisions: the attempt number, round r being attempt r of every chain;
                    MCTS: the iteration that expanded its parent; particle filtering: the
                    round that extended its particle)
  text       str    the step text (no delimiter); "" for the root; an attempt: its steps
                    joined by the step delimiter (a blank line)
  score      float|None  the verifier's score of the prefix ending at this step, in [0, 1];
                    an attempt: its step scores (scored against the problem alone)
                    aggregated by the tree's ``config["aggregation"]``
  value      float|None  the node's step scores from the root down, aggregated by the tree's
                    ``config["aggregation"]`` (a lookahead candidate's through the end of its
                    rollout): what the search ranks a candidate by, and a finished leaf's
                    weight in the vote. Derived from the scores and the aggregation, nothing
                    else: the search writes it as it ranks, ``finalize`` writes the same number
                    for every node (best-of-N's included); None for the root and rollout steps.
                    An attempt's value is its own score (already aggregated over its steps;
                    the attempts before it in the chain do not count): its weight in its
                    chain's vote. A re-pick under another aggregation is a new tree
                    (``search.whatif.repick``); an attempt tree keeps the aggregation it was scored with.
  status     "root" | "kept" (selected to be expanded, or an intermediate step of a whole
             solution; MCTS: expanded; particle filtering: copied by a resampling) | "pruned"
             (not selected; MCTS: never expanded; particle filtering: died at a resampling) | "finished" (a complete solution, in the
             final vote; every attempt) | "rollout" (a lookahead step, used only for scoring)
  tokens     int    tokens generated for this step (an attempt: for all its steps)
  answer     str|None  the final answer stated at a leaf (finished or pruned-at-the-end);
                    an attempt's: the one stated in its own text
  correct    bool|None whether ``answer`` matches the known truth (None if unknown)
  group      int    independent subtree (DVTS), sample chain (best-of-N) or chain of
                    revisions (revisions); 0 otherwise
  token_ids  list[int]|None  the ids the generator wrote for this step, delimiter included;
                    a search continues a node from exactly these (None: unknown, e.g. a
                    tree from an older version or a remote engine; the text is used then);
                    an attempt: the ids of all its steps in order (it is never continued)
  stats      list[[iteration, visits, mean]]|None  Monte Carlo tree search only: the node's
                    visit count and mean backed-up value after each iteration that changed
                    them (its creation, then every backpropagation through it), oldest first;
                    the statistics at round t are the last entry with iteration <= t
                    (``stats_at``). None in every other tree (and absent from its file)
  resampled  list[[round, weight, copies]]|None  particle filtering only: at each resampling
                    the particle took part in (the one closing ``round``), its normalised
                    weight and how many particles of the next round were copied from it
                    (0: it died there); None in every other tree (and absent from its file)

The two optional fields (``stats``, ``resampled``) came after the format: a file without them
loads as before, and a tree that has none writes none, so the files of the other strategies
are what they always were (``OPTIONAL_NODE_FIELDS``).

Tree-level fields: strategy, config (the SearchConfig's fields; a revisions tree also has
``seq`` and ``reviser``: "trained" or "prompted", the reviser that wrote its revisions),
problem {text, answer}, selected_answer, correct, picks {rule: answer} for naive/weighted/
majority (a revisions tree: picked within each chain, then across chains), cost (``Cost``:
what the search asked of its models, see below), verifier, generator, stopped (ended early
by the user).

Who writes what: a strategy builds the tree (``add``, scores, statuses); ``finalize`` fills
in what follows from the scores (answers, ``correct``, ``value``, the picks). After that a
tree is not changed in place: a view that needs another version of it (a re-pick, a
re-score, a live snapshot) works on ``copy()``.

One module, over 300 lines on purpose: its second half checks a loaded file field by field
against the limits above, and keeping that check beside the fields it checks means a new
field is added, documented and checked in one file.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from .io import read_json, read_limited, write_atomic

ROOT = 0
NO_PARENT = None
STATUSES = ("root", "kept", "pruned", "finished", "rollout")
FORMAT_VERSION = 1

# Limits on what a loaded tree may hold. Far above any search this project runs (N <= 1024,
# 100 rounds, k <= 8), low enough that a hostile or damaged file cannot hang or exhaust the
# app: a step or answer that long, or a round number that large, is not a real search.
MAX_TREE_BYTES = 32 * 1024 * 1024   # the JSON file
MAX_NODES = 200_000
MAX_DEPTH = 5_000
MAX_ITERATION = 1_000
MAX_TEXT = 20_000                   # characters in one step
MAX_PROBLEM = 50_000                # characters in the problem text
MAX_ANSWER = 1_000                  # characters in an answer
MAX_NAME = 500                      # strategy, generator, verifier names
MAX_TOKEN_IDS = 4_096               # token ids recorded for one step
MAX_COUNT = 10**12                  # token and generation counts
MAX_HISTORY = 2 * MAX_ITERATION     # entries of one node's ``stats`` or ``resampled``
OPTIONAL_NODE_FIELDS = ("stats", "resampled")  # written only where a node has them


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
    stats: list[list] | None = None       # MCTS: [[iteration, visits, mean], ...]
    resampled: list[list] | None = None   # particle filtering: [[round, weight, copies], ...]


def stats_at(node: Node, t: int | None = None) -> tuple[int, float] | None:
    """(visits, mean value) of an MCTS node after round ``t`` (None: the last), or None if the
    node has no statistics by then (another strategy's node, or one not yet made)."""
    last = None
    for it, visits, mean in node.stats or ():
        if t is not None and it > t:
            break
        last = (int(visits), float(mean))
    return last


@dataclass
class Cost:
    generations: int = 0
    tokens_generated: int = 0
    tokens_prompt: int = 0    # the prompt each generated step was continued from, summed over steps
    wall_s: float = 0.0
    verifier_calls: int = 0   # step prefixes scored
    # "No token computed twice": prefix tokens a model encoded again, having encoded them
    # before in this search (a backend that reuses its KV across rounds keeps these near 0;
    # a backend that cannot tell reports 0). Per generated token: ``costs.reencoded_per_token``.
    tokens_reencoded: int = 0           # by the generator (problem head and step prefixes)
    verifier_tokens_read: int = 0       # tokens the verifier's model was fed (0: no model, or unknown)
    verifier_tokens_reencoded: int = 0  # of those, tokens it had read before for the same prefix
    # prompt tokens the generator actually computed (prefill not served from a KV cache); where a
    # backend cannot tell, the prompt tokens themselves (an upper bound)
    tokens_prefilled: int = 0


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
        """The last round: of a node's making or, in MCTS, of a change to a node's statistics
        (an iteration that backs a finished leaf up again makes no node)."""
        return max((max(n.iteration, n.stats[-1][0] if n.stats else 0) for n in self.nodes), default=0)

    def at_iteration(self, t: int) -> list[Node]:
        """Nodes that existed after round t (what the replay slider shows)."""
        return [n for n in self.nodes if n.iteration <= t]

    def counts(self) -> dict:
        c = {s: 0 for s in STATUSES}
        for n in self.nodes:
            c[n.status] += 1
        return c

    # -- copying ----------------------------------------------------------------------------
    def copy(self) -> "SearchTree":
        """An independent copy: changing the copy (its nodes, config, picks, cost) never
        changes this tree. The one way a tree is copied (a what-if, a re-score, a snapshot
        of a running search)."""
        return replace(
            self, config=dict(self.config), problem=dict(self.problem), picks=dict(self.picks),
            cost=replace(self.cost),
            nodes=[replace(n, token_ids=None if n.token_ids is None else list(n.token_ids),
                           stats=None if n.stats is None else [list(e) for e in n.stats],
                           resampled=None if n.resampled is None else [list(e) for e in n.resampled])
                   for n in self.nodes])

    # -- serialisation --------------------------------------------------------------------
    def to_dict(self) -> dict:
        d = asdict(self)
        for n in d["nodes"]:
            for k in OPTIONAL_NODE_FIELDS:
                if n.get(k) is None:
                    n.pop(k, None)
        d["format"] = "ttc-viz-tree"
        d["version"] = FORMAT_VERSION
        return d

    def to_json(self, indent: int | None = 1) -> str:
        # allow_nan=False: a NaN would make a file other JSON readers (and ``load``) refuse
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def save(self, path: str | Path) -> None:
        """Write the tree as JSON atomically (a reader never sees half a file)."""
        write_atomic(path, self.to_json())

    @classmethod
    def from_dict(cls, d: dict) -> "SearchTree":
        """Build a tree from parsed JSON, checking every field's type and range first, so
        a foreign, damaged or hostile file fails here with TreeFormatError and never later."""
        check_tree_dict(d)
        known = {f.name for f in fields(Node)}
        try:
            nodes = [Node(**{k: v for k, v in n.items() if k in known}) for n in d["nodes"]]
            tree = cls(strategy=d["strategy"], config=dict(d.get("config", {})),
                       problem=dict(d["problem"]), nodes=nodes,
                       selected_answer=d.get("selected_answer"), correct=d.get("correct"),
                       picks=dict(d.get("picks", {})), cost=Cost(**d.get("cost", {})),
                       generator=d.get("generator", ""), verifier=d.get("verifier", ""),
                       stopped=d.get("stopped", False))
        except (TypeError, KeyError, ValueError) as e:
            raise TreeFormatError(f"not a ttc-viz tree: {e}") from None
        tree.validate()
        return tree

    @classmethod
    def from_json(cls, text: str | bytes) -> "SearchTree":
        """Parse a tree from JSON text (or UTF-8 bytes, a byte-order mark allowed)."""
        return cls.from_dict(read_json(text, limit=MAX_TREE_BYTES, error=TreeFormatError, what="a tree"))

    @classmethod
    def load(cls, path: str | Path) -> "SearchTree":
        return cls.from_json(read_limited(path, limit=MAX_TREE_BYTES, error=TreeFormatError, what="tree"))

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
            if n.depth > MAX_DEPTH:
                raise TreeFormatError(f"node {i} is {n.depth} steps deep; the limit is {MAX_DEPTH}")

    def to_networkx(self):
        import networkx as nx

        g = nx.DiGraph()
        for n in self.nodes:
            g.add_node(n.id, **{k: v for k, v in asdict(n).items() if k != "id"})
            if n.parent is not None:
                g.add_edge(n.parent, n.id)
        return g


# ---------------------------------------------------------------------------------------
# Checking a parsed file before anything is built from it

def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return (isinstance(v, (int, float)) and not isinstance(v, bool)
            and abs(v) <= 1e300 and math.isfinite(v))


def _fail(where: str, what: str, v) -> None:
    shown = repr(v)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    raise TreeFormatError(f"not a ttc-viz tree: {where} must be {what}, got {shown}")


def _int(where, v, lo, hi, none=False):
    if v is None and none:
        return
    if not _is_int(v) or not lo <= v <= hi:
        _fail(where, f"a whole number {lo}-{hi}" + (" or null" if none else ""), v)


def _num(where, v, lo, hi, none=False):
    if v is None and none:
        return
    if not _is_num(v) or not lo <= v <= hi:
        _fail(where, f"a number in [{lo}, {hi}]" + (" or null" if none else ""), v)


def _str(where, v, cap, none=False):
    if v is None and none:
        return
    if not isinstance(v, str) or len(v) > cap:
        _fail(where, f"text of at most {cap} characters" + (" or null" if none else ""), v)


def _bool(where, v, none=False):
    if v is None and none:
        return
    if not isinstance(v, bool):
        _fail(where, "true or false" + (" or null" if none else ""), v)


_NODE_KEYS = {"id", "parent", "depth", "iteration", "text", "score", "status", "tokens", "value",
              "answer", "correct", "group", "token_ids", *OPTIONAL_NODE_FIELDS}


def check_node_dict(i: int, n) -> None:
    where = f"node {i}"
    if not isinstance(n, dict):
        _fail(where, "an object", n)
    extra = set(n) - _NODE_KEYS
    if extra:
        raise TreeFormatError(f"not a ttc-viz tree: {where} has unknown fields {sorted(extra)[:5]}")
    for k in ("id", "parent", "depth", "iteration", "text", "score", "status"):
        if k not in n:
            raise TreeFormatError(f"not a ttc-viz tree: {where} lacks {k!r}")
    _int(f"{where} id", n["id"], 0, MAX_NODES)
    _int(f"{where} parent", n["parent"], 0, MAX_NODES, none=True)
    _int(f"{where} depth", n["depth"], 0, MAX_DEPTH)
    _int(f"{where} iteration", n["iteration"], 0, MAX_ITERATION)
    _str(f"{where} text", n["text"], MAX_TEXT)
    _num(f"{where} score", n["score"], 0.0, 1.0, none=True)
    if n["status"] not in STATUSES:
        _fail(f"{where} status", f"one of {', '.join(STATUSES)}", n["status"])
    _int(f"{where} tokens", n.get("tokens", 0), 0, MAX_COUNT)
    _num(f"{where} value", n.get("value"), 0.0, 1.0, none=True)
    _str(f"{where} answer", n.get("answer"), MAX_ANSWER, none=True)
    _bool(f"{where} correct", n.get("correct"), none=True)
    _int(f"{where} group", n.get("group", 0), 0, MAX_NODES)
    ids = n.get("token_ids")
    if ids is not None:
        if not isinstance(ids, list) or len(ids) > MAX_TOKEN_IDS:
            _fail(f"{where} token_ids", f"a list of at most {MAX_TOKEN_IDS} token ids", ids)
        for t in ids:
            _int(f"{where} token_ids", t, 0, 2**31 - 1)
    _history(f"{where} stats", n.get("stats"), ((0, MAX_ITERATION), (0, MAX_COUNT), None))
    _history(f"{where} resampled", n.get("resampled"), ((0, MAX_ITERATION), None, (0, MAX_NODES)))


def _history(where: str, v, shape) -> None:
    """A node's optional history: null, or a list of [whole number, number in [0, 1], whole
    number]-like entries, each position ranged by ``shape`` (None: a number in [0, 1])."""
    if v is None:
        return
    if not isinstance(v, list) or len(v) > MAX_HISTORY:
        _fail(where, f"a list of at most {MAX_HISTORY} entries", v)
    for e in v:
        if not isinstance(e, list) or len(e) != len(shape):
            _fail(where, f"a list of [{', '.join('n' for _ in shape)}] entries", e)
        for x, rng in zip(e, shape):
            if rng is None:
                _num(where, x, 0.0, 1.0)
            else:
                _int(where, x, *rng)


def check_tree_dict(d) -> None:
    """Raise TreeFormatError unless ``d`` (parsed JSON) has the tree format's fields with the
    right types and ranges; the structure (parents, depths) is checked by ``validate``."""
    from .scoring import AGGREGATIONS, VOTING_RULES

    if not isinstance(d, dict) or "nodes" not in d or "strategy" not in d:
        raise TreeFormatError("not a ttc-viz tree: expected an object with 'strategy' and 'nodes'")
    if d.get("format", "ttc-viz-tree") != "ttc-viz-tree":
        _fail("format", "'ttc-viz-tree'", d.get("format"))
    _int("version", d.get("version", FORMAT_VERSION), 1, FORMAT_VERSION)
    _str("strategy", d["strategy"], 64)
    for k in ("generator", "verifier"):
        _str(k, d.get(k, ""), MAX_NAME)
    _bool("stopped", d.get("stopped", False))
    _str("selected_answer", d.get("selected_answer"), MAX_ANSWER, none=True)
    _bool("correct", d.get("correct"), none=True)
    p = d.get("problem")
    if not isinstance(p, dict):
        _fail("problem", "an object with 'text' and 'answer'", p)
    _str("problem text", p.get("text"), MAX_PROBLEM)
    _str("problem answer", p.get("answer"), MAX_ANSWER, none=True)
    for k, v in p.items():
        if k not in ("text", "answer") and not (v is None or _is_num(v) or isinstance(v, (str, bool))):
            _fail(f"problem {k}", "a plain value", v)
    cfg = d.get("config", {})
    if not isinstance(cfg, dict) or len(cfg) > 50:
        _fail("config", "an object of at most 50 settings", cfg)
    for k, v in cfg.items():
        if not (v is None or isinstance(v, bool) or _is_num(v) or (isinstance(v, str) and len(v) <= MAX_NAME)):
            _fail(f"config {k}", "a plain value", v)
    for k in ("n", "m", "k", "max_rounds", "seq", "children"):
        if k in cfg:
            _int(f"config {k}", cfg[k], 0, 10**6)
    if "seed" in cfg:
        _int("config seed", cfg["seed"], 0, 2**63)
    if "explore" in cfg:
        _num("config explore", cfg["explore"], 0.0, 1e6)
    for k in ("rollout", "puct"):
        if k in cfg:
            _bool(f"config {k}", cfg[k])
    if "temperature" in cfg:
        _num("config temperature", cfg["temperature"], 0.0, 10.0)
    if "aggregation" in cfg and cfg["aggregation"] not in AGGREGATIONS:
        _fail("config aggregation", f"one of {', '.join(AGGREGATIONS)}", cfg["aggregation"])
    if "voting" in cfg and cfg["voting"] not in VOTING_RULES:
        _fail("config voting", f"one of {', '.join(VOTING_RULES)}", cfg["voting"])
    picks = d.get("picks", {})
    if not isinstance(picks, dict) or set(picks) - set(VOTING_RULES):
        _fail("picks", f"an object with keys among {', '.join(VOTING_RULES)}", picks)
    for k, v in picks.items():
        _str(f"picks {k}", v, MAX_ANSWER, none=True)
    cost = d.get("cost", {})
    if not isinstance(cost, dict):
        _fail("cost", "an object", cost)
    for k, v in cost.items():
        if k == "wall_s":
            _num("cost wall_s", v, 0.0, 1e9)
        else:
            _int(f"cost {k}", v, 0, MAX_COUNT)
    nodes = d["nodes"]
    if not isinstance(nodes, list) or not 1 <= len(nodes) <= MAX_NODES:
        _fail("nodes", f"a list of 1-{MAX_NODES} nodes", type(nodes).__name__ if not isinstance(nodes, list)
              else f"{len(nodes)} nodes")
    for i, n in enumerate(nodes):
        check_node_dict(i, n)
