"""One metering wrapper for both protocols: calls, tokens and seconds, read through them."""
import pytest

from fakes import FakeGenerator
from ttc_viz.lm.base import Generator
from ttc_viz.metering import Metered, flops, num_params, tokens_read
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import BatchVerifier, SymbolicVerifier, Verifier

P = Problem("Ana has 2 apples and gets 3 more. How many?", "5")


class Reads(BatchVerifier):
    """A verifier that says what it reads: one token per character of each step."""
    name = "reads"
    num_params = 10

    def score_batch(self, problem, solutions):
        return [[0.5] * len(s) for s in solutions]

    def tokens_read(self, problem, solutions):
        return sum(len(x) for s in solutions for x in s)


class Silent:
    """A verifier from outside the project: no num_params, no tokens_read."""
    name = "silent"

    def score_batch(self, problem, solutions):
        return [[0.5] * len(s) for s in solutions]


def test_a_metered_generator_counts_calls_steps_and_tokens():
    gen = Metered(FakeGenerator())
    tree = run("lookahead", P, gen, SymbolicVerifier(), SearchConfig(n=4, m=2, k=1, seed=0))
    kinds = {c[0] for c in gen.inner.calls}
    assert gen.calls == len(gen.inner.calls) and kinds == {"next_steps", "rollout"}
    assert gen.tokens == tree.cost.tokens_generated and gen.prompt_tokens == tree.cost.tokens_prompt
    assert gen.items == len(tree.nodes) - 1 and gen.seconds > 0
    assert gen.name == "fake" and gen.num_params is None and isinstance(gen, Generator)


def test_a_metered_verifier_counts_prefixes_tokens_and_seconds():
    ver = Metered(Reads())
    tree = run("beam", P, FakeGenerator(), ver, SearchConfig(n=4, m=2, seed=1))
    assert ver.items == tree.cost.verifier_calls and ver.calls == tree.iterations
    assert ver.tokens > 0 and ver.seconds > 0 and ver.num_params == 10
    assert isinstance(ver, Verifier) and ver.score(P.text, ["ab", "c"]) == [0.5, 0.5]
    assert ver.tokens_read(P.text, [["ab", "c"]]) == 3


def test_a_verifier_that_cannot_say_is_unknown_not_zero():
    ver = Metered(Silent())
    run("beam", P, FakeGenerator(), ver, SearchConfig(n=4, m=2, seed=1))
    assert ver.calls > 0 and ver.tokens is None and ver.num_params is None
    assert tokens_read(Silent(), P.text, [["x"]]) is None
    assert num_params(SymbolicVerifier()) == 0 and tokens_read(SymbolicVerifier(), P.text, [["1 + 1 = 2."]]) == 0


@pytest.mark.parametrize("params,tokens,want", [(0, None, 0.0), (0, 5, 0.0), (None, 5, None), (7, None, None),
                                                (7, 5, 70.0)])
def test_flops(params, tokens, want):
    assert flops(params, tokens) == want
