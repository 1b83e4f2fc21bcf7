"""Recorded trees from the embedded model, so the app shows a real search before anyone
presses Run (and a classroom without time to wait still sees one). Made with the generator
that was the default then, the template-trained adapter (now ``embedded:smollm2-gen-templates``,
which the trees' ``generator`` field names), and the token-faithful step loop by
``ttc-viz solve --dataset synthetic --level 2 --index 2 --seed 1`` with each strategy
(beam N=16 M=4, best-of-N N=16, lookahead N=8 M=4 k=1, revisions N=16 seq=4 with the trained
reviser), symbolic verifier. ``dvts`` was recorded later on the same problem's text, at beam's
budget and seed: ``ttc-viz solve "Ines has 13 pencils. ..." --answer 11 --strategy dvts --n 16
--m 4 --seed 1``, so its first round is beam's, step for step (the same token ids), and the two
part at the first choice (what Compare's alignment and the teaching lessons show). ``mcts``
(N=4, children 3, c = 1.0, UCT, no rollout) and ``particle_filter`` (N=8) were recorded on the same
problem with the same command and seed (``--strategy mcts --n 4 --children 3 --explore 1.0``,
``--strategy particle_filter --n 8``); the Learn page shows them side by side."""
from __future__ import annotations

from pathlib import Path

from ..tree import SearchTree

HERE = Path(__file__).resolve().parent
NAMES = tuple(sorted(p.stem for p in HERE.glob("*.json")))  # one recorded tree per file, named by strategy


def load_example(name: str) -> SearchTree:
    if name not in NAMES:
        raise ValueError(f"no example {name!r}; there are {', '.join(NAMES)}")
    return SearchTree.load(HERE / f"{name}.json")
