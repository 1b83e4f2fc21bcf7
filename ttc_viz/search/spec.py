"""What a strategy is besides its function: a small spec that each strategy file registers.

Everything outside ``search/`` that depends on the strategy reads it from here: the config
check (which parameters apply), the CLI's choices and help, a sweep's cells and how many
generations a budget buys, the curves' labels and colours, the app's labels and its Learn
text. Nothing else compares strategy names, so a new strategy is one new file in this folder
that calls ``register(StrategySpec(...))``, plus one line in ``search/__init__.py``'s
``STRATEGY_MODULES`` (and its tests).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

# how a parameter is written in a configuration's label ("beam M=4", "lookahead M=4 k=1",
# "revisions seq=4"); every key is a SearchConfig field
PARAM_SYMBOL = {"m": "M", "k": "k", "seq": "seq", "explore": "c", "children": "children", "rollout": "rollout",
                "puct": "puct"}
NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a name ends up in file names (sweep cells) and labels


def _one_generation(k: int) -> int:
    return 1


def _never(n: int, m: int, k: int) -> bool:
    return False


@dataclass(frozen=True)
class StrategySpec:
    name: str                     # the registry key, ``SearchTree.strategy`` and ``--strategy``
    label: str                    # what the app calls it ("Beam search")
    run: Callable                 # (problem, generator, verifier, config, hooks) -> SearchTree
    summary: str                  # one line for ``ttc-viz solve --help``
    explain: str = ""             # a paragraph (markdown) for the app's Learn page
    params: tuple = ()            # SearchConfig fields it reads besides the shared ones: "m", "k", "seq"
    color: str = "#888888"        # its family's colour in plots
    order: int = 50               # lists show lower first; compute-optimal breaks ties towards lower
                                  # (so: cheaper families first)
    # N whole solutions in one round: a sweep draws one pool of its largest budget and scores
    # smaller budgets by subsampling it, with each voting rule as a hyper-parameter
    pooled: bool = False
    baseline: bool = False        # the reference of the efficiency multiple (its weighted vote)
    # generations one candidate costs, given the lookahead depth k (lookahead: k + 1 for the
    # rollout), so a budget of B generations runs N = B / cost candidates
    cost_per_candidate: Callable[[int], int] = _one_generation
    # (n, m, k) where this strategy is another one in disguise (DVTS with one subtree is beam
    # search); a sweep skips those cells
    redundant: Callable[[int, int, int], bool] = _never
    # each node is one whole attempt (a complete solution, its steps joined by the step
    # delimiter), not one step, and a path is a chain of attempts, each a revision of the ones
    # before it: a node's score is its attempt's aggregated step scores, its value that score
    # (not an aggregate along the path), its answer stated in its own text (tree.py)
    whole_attempts: bool = False
    # the final pick, (tree, voting rule) -> answer or None, for a strategy that does not pick
    # by one vote over the finished leaves (revisions: within each chain, then across chains);
    # None: that one vote (``scoring.all_picks``)
    pick: Callable | None = None
    # rounds a search with this config takes at most, (config) -> int (a progress bar's
    # length); None: one round if pooled, else ``config.max_rounds``
    rounds: Callable | None = None
    # ``config.max_rounds`` bounds the search although ``rounds`` counts its rounds otherwise
    # (MCTS: the deepest step and, times N, the steps it may write)
    uses_max_rounds: bool = False

    def uses(self, param: str) -> bool:
        return param in self.params

    def budget(self, n: int, k: int = 0) -> int:
        """Generations a run with budget N (and depth k) costs, as the paper counts them."""
        return n * self.cost_per_candidate(k if self.uses("k") else 0)

    def n_for_budget(self, budget: int, k: int = 0) -> int | None:
        """The N that spends exactly ``budget`` generations, or None if none does."""
        per = self.cost_per_candidate(k if self.uses("k") else 0)
        return budget // per if budget % per == 0 else None

    @property
    def capped_by_max_rounds(self) -> bool:
        """Whether ``config.max_rounds`` bounds this strategy's search (step-by-step ones, and
        one that says ``uses_max_rounds``); a pooled one takes one round, one with ``rounds``
        its own count."""
        return self.uses_max_rounds or (not self.pooled and self.rounds is None)

    def max_rounds(self, config) -> int:
        """Rounds the search can take (a progress bar's length)."""
        if self.rounds is not None:
            return self.rounds(config)
        return 1 if self.pooled else config.max_rounds

    def settings(self, values: dict) -> str:
        """The parameters it uses, as labels write them: ``M=4 k=1`` (empty if none); one
        ``values`` does not name is shown at its default."""
        return " ".join(f"{PARAM_SYMBOL.get(p, p)}={_shown(values[p] if p in values else _default(p))}"
                        for p in self.params)

    def config_label(self, row: dict) -> str:
        """A configuration's name in sweeps and curves: ``best_of_n weighted`` (pooled: its
        voting rule), ``beam M=4``, ``lookahead M=4 k=1``, ``revisions seq=4``."""
        if self.pooled:
            return f"{self.name} {row['rule']}"
        return f"{self.name} {self.settings(row)}".strip()


# each parameter's default, SearchConfig's (base.py fills it in, as spec.py cannot import base):
# what a record that does not name a parameter (a sweep cell keeps only M, k and seq) was run with
PARAM_DEFAULTS: dict = {}


def _default(param: str):
    return PARAM_DEFAULTS.get(param)


def _shown(v) -> str:
    """A parameter's value in a label: on/off for a switch, the number otherwise."""
    return ("on" if v else "off") if isinstance(v, bool) else str(v)


REGISTRY: dict[str, StrategySpec] = {}


def register(spec: StrategySpec) -> StrategySpec:
    """Add a strategy; returns its spec (a strategy file keeps it as ``SPEC``)."""
    if not NAME.fullmatch(spec.name):
        raise ValueError(f"a strategy name is lower-case letters, digits and _, got {spec.name!r}")
    bad = [p for p in spec.params if p not in PARAM_SYMBOL]
    if bad:
        raise ValueError(f"strategy {spec.name}: unknown parameters {bad}; SearchConfig has {list(PARAM_SYMBOL)}")
    if spec.baseline and not spec.pooled:
        raise ValueError(f"strategy {spec.name}: the baseline is compared by its weighted vote, so it must be pooled")
    REGISTRY[spec.name] = spec
    return spec


def unregister(name: str) -> None:
    REGISTRY.pop(name, None)


def get(name: str) -> StrategySpec:
    """The spec of a registered strategy; ValueError naming the choices otherwise."""
    spec = REGISTRY.get(name) if isinstance(name, str) else None
    if spec is None:
        raise ValueError(f"unknown strategy {name!r}; choose one of {', '.join(names())}")
    return spec


def specs() -> list[StrategySpec]:
    """Every registered strategy, cheaper families first."""
    return sorted(REGISTRY.values(), key=lambda s: (s.order, s.name))


def names() -> tuple[str, ...]:
    return tuple(s.name for s in specs())


def of_config(config_label: str) -> StrategySpec | None:
    """The strategy a configuration label (``beam M=4``) belongs to, or None."""
    return REGISTRY.get(config_label.split(" ", 1)[0])


def reference_config() -> str | None:
    """The configuration the efficiency multiple compares against: the baseline's weighted vote."""
    base = next((s for s in specs() if s.baseline), None)
    return base.config_label({"rule": "weighted"}) if base else None
