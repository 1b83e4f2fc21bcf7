"""The Generator protocol: what a search strategy may ask of a language model.

A solution is a list of steps; on the wire the steps are joined by a blank line
(``STEP_DELIMITER``). Every request names the problem and a prefix of steps, never a
token tensor, so that a backend is free to reuse a KV/prefix cache across rounds, or to
forward the request to an OpenAI-compatible server (``n``, ``stop=["\\n\\n"]``).

Three calls cover every strategy:
  * ``next_steps``  - for each prefix, sample ``n`` next steps (beam search, DVTS, lookahead);
  * ``rollout``     - for each prefix, greedily continue up to ``k`` more steps (lookahead);
  * ``solutions``   - sample ``n`` whole solutions at once (best-of-N).
Each returned ``Step`` carries its generated and prompt token counts, so strategies can
account for cost without knowing the backend; ``num_params`` (the model's parameter count,
None when the backend cannot say, e.g. a remote engine) turns tokens into FLOPs
(``ttc_viz.metering``).

**Continue what the model wrote.** A prefix element may be a plain string or a ``Step``.
A ``Step`` that a backend returned carries the exact token ids the model generated for it
(``ids``, step delimiter included), and a backend must feed those back unchanged: re-encoding
the text can change the tokens (a tokenizer may merge a *trailing* "\n\n" into one token the
model never writes mid-solution), and then a search no longer continues the model's own
solution. Plain strings (a remote engine, a tree typed by hand) are encoded by the backend as
running text, the delimiter included.
"""
from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import Callable, Iterator, Protocol, Sequence, Union, runtime_checkable

STEP_DELIMITER = "\n\n"

SYSTEM_PROMPT = (
    "You solve math word problems step by step. Write each step on its own line, "
    "with a blank line between steps, and do each calculation explicitly, like "
    "'12 + 5 = 17'. Finish with: The answer is N."
)

# One worked example, shown as an earlier chat turn: a small model copies its format
# (short steps, explicit arithmetic, a blank line between steps, "The answer is N.").
EXAMPLES = (
    ("Sam has 5 pens and buys 3 more. Then Sam gives away 2 pens. How many pens does Sam have now?",
     "Sam starts with 5 pens and buys 3 more: 5 + 3 = 8.\n\n"
     "Then Sam gives away 2 pens: 8 - 2 = 6.\n\n"
     "The answer is 6."),
)


@dataclass(frozen=True)
class Step:
    text: str           # the step, without the trailing delimiter
    tokens: int         # tokens generated for this step
    prompt_tokens: int  # tokens of the prompt this step was generated from (0 if shared)
    finished: bool      # the solution ends here (EOS, or the step states the final answer)
    ids: tuple = ()     # the token ids the model generated for this step, delimiter included
                        # (EOS excluded); () when unknown (a remote engine, a typed text)
    reencoded: int = 0  # prompt tokens the backend encoded again for this step, having encoded
                        # them before (0 with KV reuse, or when the backend cannot tell)
    prefilled: int | None = None  # prompt tokens the backend actually ran through the model for this
                        # step (a prefill shared by several rows is charged to one of them; KV served
                        # from a cache is not counted); None: the backend cannot tell


PrefixStep = Union[str, Step]


def step_text(step: PrefixStep) -> str:
    """The text of a prefix element, whether a plain string or a ``Step``."""
    return step.text if isinstance(step, Step) else str(step)


def prompt_head(tok, system_prompt: str, examples: Sequence, problem: str) -> str:
    """The text before a solution: the system prompt, the worked examples as earlier chat
    turns and the problem, through ``tok``'s chat template when it has one (the generation
    prompt added), else a plain "Problem: ... Solution:" layout. The in-process and the remote
    backends build the same head from it."""
    if tok is not None and getattr(tok, "chat_template", None):
        msgs = [{"role": "system", "content": system_prompt}]
        for q, a in examples:
            msgs += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        msgs.append({"role": "user", "content": problem})
        return tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=True)
    return f"{system_prompt}\n\nProblem: {problem}\n\nSolution:\n"


def join_steps(steps: Sequence[PrefixStep]) -> str:
    """A solution's steps as one text, joined by the step delimiter (for grading it whole)."""
    return STEP_DELIMITER.join(step_text(s) for s in steps)


def step_by_step(advance: Callable[[int, list[list[PrefixStep]]], Sequence[Step]],
                 prefixes: Sequence[Sequence[PrefixStep]], rounds: int) -> list[list[Step]]:
    """Continue every prefix one step a round, all together, for up to ``rounds`` rounds; a
    prefix stops once its step is finished. ``advance(r, prefixes)`` writes one step for each
    prefix still going (round ``r`` from 0). Returns the steps added to each prefix."""
    added: list[list[Step]] = [[] for _ in prefixes]
    active = list(range(len(prefixes)))
    for r in range(rounds):
        if not active:
            break
        still = []
        for i, step in zip(active, advance(r, [list(prefixes[i]) + added[i] for i in active])):
            added[i].append(step)
            if not step.finished:
                still.append(i)
        active = still
    return added


@runtime_checkable
class Generator(Protocol):
    name: str
    num_params: int | None  # parameters of the model (for FLOPs estimates); None: unknown

    def next_steps(self, problem: str, prefixes: Sequence[Sequence[PrefixStep]], n: int, *,
                   temperature: float, seed: int) -> list[list[Step]]:
        """For every prefix, ``n`` sampled next steps (outer list aligned with prefixes)."""
        ...

    def rollout(self, problem: str, prefixes: Sequence[Sequence[PrefixStep]], k: int) -> list[list[Step]]:
        """For every prefix, up to ``k`` greedy steps (fewer if the solution ends)."""
        ...

    def solutions(self, problem: str, n: int, *, temperature: float, seed: int) -> list[list[Step]]:
        """``n`` whole sampled solutions, each a list of steps ending with a finished one
        unless the token cap was hit."""
        ...


class GeneratorError(RuntimeError):
    """A model that cannot be loaded or run; the message says what to do."""


class Interrupted(Exception):
    """A model call ended early because its caller's stop check said so (``stop_check``)."""


_CALLER = threading.local()


@contextlib.contextmanager
def stop_check(check: Callable[[int], bool]) -> Iterator[None]:
    """Within the block, model calls made from this thread ask ``check(tokens)`` every few
    tokens (``tokens``: generated so far in the call) and end with ``Interrupted`` once it is
    True; between chunks a decoder also gives its model to other threads. How Stop, a closed
    tab or a token budget ends a search inside a long call (``jobs``)."""
    before = getattr(_CALLER, "check", None)
    _CALLER.check = check
    try:
        yield
    finally:
        _CALLER.check = before


def check_stop(tokens: int = 0) -> None:
    """Raise ``Interrupted`` if this thread's caller asked to stop (see ``stop_check``);
    what a backend calls every few tokens and before it waits for its model."""
    check = getattr(_CALLER, "check", None)
    if check is not None and check(int(tokens)):
        raise Interrupted()


def stopping() -> bool:
    """Whether this thread's caller asked to stop, without raising."""
    check = getattr(_CALLER, "check", None)
    return bool(check is not None and check(0))
