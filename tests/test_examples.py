"""The recorded example trees shipped with the app are real searches, consistent with
the algorithms (they were made by the embedded model, not written by hand)."""
import pytest

from ttc_viz.examples import NAMES, load_example
from ttc_viz.grading import extract_answer
from ttc_viz.search import finalize


@pytest.mark.parametrize("name", NAMES)
def test_examples_load_and_are_consistent(name):
    t = load_example(name)
    t.validate()
    assert t.generator.startswith("SmolLM2-135M-Instruct") and t.verifier == "symbolic"
    assert t.cost.generations > 0 and t.cost.tokens_generated > 0 and t.cost.wall_s > 0
    for leaf in t.leaves("finished"):
        assert leaf.answer is not None
    picks = dict(t.picks)
    assert finalize(t).picks == picks  # the recorded picks follow from the recorded scores


def test_beam_example_follows_the_algorithm():
    t = load_example("beam")
    n, m = t.config["n"], t.config["m"]
    assert len([x for x in t.nodes if x.iteration == 1]) == n
    for r in range(2, t.iterations + 1):
        kept = [x for x in t.nodes if x.iteration == r - 1 and x.status == "kept"]
        assert len([x for x in t.nodes if x.iteration == r]) == m * len(kept)


def test_lookahead_example_has_rollouts():
    assert load_example("lookahead").leaves("rollout")


def test_unknown_example():
    with pytest.raises(ValueError, match="no example"):
        load_example("no_such_strategy")


def test_steps_are_model_text():
    t = load_example("best_of_n")
    texts = [x.text for x in t.nodes[1:]]
    assert len(set(texts)) > len(texts) // 3  # varied sampled text, not a template
    assert any(extract_answer(x) for x in texts)


@pytest.mark.parametrize("name", NAMES)
def test_examples_keep_the_token_ids_the_model_wrote(name):
    """Recorded with the token-faithful step loop: every step keeps its ids."""
    t = load_example(name)
    assert all(x.token_ids for x in t.nodes[1:])


def test_revisions_example_is_chains_written_by_the_trained_reviser():
    t = load_example("revisions")
    n, seq = t.config["n"], t.config["seq"]
    assert t.config["reviser"] == "trained" and t.cost.generations == n
    chains = {}
    for x in t.nodes[1:]:
        chains.setdefault(x.group, []).append(x)
    assert len(chains) == n // seq and all(len(c) == seq for c in chains.values())
    for c in chains.values():  # each attempt revises the one before it in its chain
        c.sort(key=lambda x: x.iteration)
        assert c[0].parent == 0 and all(b.parent == a.id for a, b in zip(c, c[1:]))


def test_dvts_example_shares_beam_s_first_round_and_keeps_one_per_subtree():
    """Recorded at beam's budget and seed: the same N first steps (token ids and all), then
    one kept per subtree of M."""
    beam, dvts = load_example("beam"), load_example("dvts")
    assert dvts.problem == beam.problem and (dvts.config["n"], dvts.config["m"]) == (16, 4)
    first = [x for x in dvts.nodes if x.iteration == 1]
    assert [x.token_ids for x in first] == [x.token_ids for x in beam.nodes if x.iteration == 1]
    for g in range(4):
        assert sum(x.status != "pruned" for x in first if x.group == g) == 1
