"""The app's pages with streamlit.testing.v1.AppTest (one test on the real model)."""
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from fakes import FakeGenerator
from ttc_viz.problems import Problem
from ttc_viz.search import SearchConfig, run
from ttc_viz.verifiers import SymbolicVerifier

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=600)
    at.run()
    if page:
        at.switch_page(str(ROOT / "ui" / page))
        at.run()
    return at


def run_search(at, timeout: float = 60):
    """Press Run on Explore and rerun the page until its search job is done (or ``timeout``)."""
    at.button(key="run").click().run()
    t0 = time.time()
    while "job" in at.session_state and time.time() - t0 < timeout:
        at.run()
    return at


def fake_tree(strategy="beam", **kw):
    return run(strategy, Problem("Ana has 2 apples and gets 3 more. How many?", "5"), FakeGenerator(),
               SymbolicVerifier(), SearchConfig(n=8, m=2, seed=1, **kw))


def test_explore_opens_with_defaults():
    at = app()
    assert not at.exception
    assert at.title[0].value == "Explore a search"
    assert at.button(key="run").disabled is False
    from ttc_viz.problems import examples

    assert at.text_area(key="problem_text").value == examples()[-1].text


def test_an_example_fills_the_problem_and_answer_and_stays_editable():
    from ttc_viz.problems import examples

    at = app()
    assert "135M" in " ".join(c.value for c in at.caption)
    at.selectbox(key="example").set_value(0).run()
    assert not at.exception
    assert at.text_area(key="problem_text").value == examples()[0].text
    assert at.text_input(key="answer").value == examples()[0].answer
    at.text_area(key="problem_text").set_value(examples()[0].text + " Then she eats 2.").run()
    assert not at.exception and at.text_area(key="problem_text").value.endswith("eats 2.")
    at.selectbox(key="example").set_value(3).run()
    assert at.text_area(key="problem_text").value == examples()[3].text


@pytest.mark.parametrize("settings,msg", [
    ({"n": 16, "m": 5}, "does not divide"),
    ({"n": 1000}, "more than this page runs"),
    ({"n": 4, "m": 8}, "larger than N"),
])
def test_bad_settings_show_inline_messages(settings, msg):
    at = app()
    for k, v in settings.items():
        at.sidebar.number_input(key=k).set_value(v)
    at.run()
    assert not at.exception
    assert any(msg in w.value for w in at.warning)
    assert at.button(key="run").disabled


def test_empty_problem_is_refused_inline():
    at = app()
    at.text_area(key="problem_text").set_value("   ").run()
    assert not at.exception
    assert any("empty" in w.value for w in at.warning)
    assert at.button(key="run").disabled


def test_broken_upload_shows_a_message():
    at = app()
    at.radio(key="source").set_value("From a JSONL file").run()
    assert not at.exception and at.button(key="run").disabled
    from ui import common

    with pytest.raises(Exception, match="not valid JSON"):
        common._load_uploaded.__wrapped__(b"{broken", "bad.jsonl")


@pytest.mark.parametrize("data,msg", [
    (b"{broken", "not valid JSON"),
    (b"[" * 100_000, "nested too deeply"),
    (b'{"problem": "1+1?", "answer": ' + b"9" * 5000 + b"}", "cannot be read"),
    (b'{"problem": "What \\ud800 is 1+1?", "answer": "2"}', "surrogate"),
])
def test_a_bad_upload_is_one_message_naming_the_file_as_uploaded(data, msg):
    import tempfile

    from ttc_viz.problems import ProblemError
    from ui import common
    with pytest.raises(ProblemError) as e:
        common._load_uploaded.__wrapped__(data, "my data.jsonl")
    text = str(e.value)
    assert msg in text and "my_data.jsonl" in text and tempfile.gettempdir() not in text, text


def test_a_loaded_tree_replays_without_a_model():
    tree = fake_tree()
    at = app()
    at.session_state["tree"] = tree
    at.run()
    assert not at.exception
    assert any("Selected answer" in m.value for m in at.markdown)
    assert len(at.get("plotly_chart")) >= 1
    T = tree.iterations
    at.button(key="main_prev").click().run()  # replay: one round back
    assert at.slider(key="main_round").value == T - 1
    at.button(key="main_next").click().run()
    assert at.slider(key="main_round").value == T
    at.radio(key="wi_vote").set_value("majority").run()  # what-if, no generation
    assert any(f"`{tree.picks['majority']}`" in m.value for m in at.markdown)
    at.button(key="wi_rescore").click().run()
    assert any("Re-scored by" in m.value for m in at.markdown)


def test_path_table_follows_the_chosen_node():
    tree = fake_tree()
    at = app()
    at.session_state["tree"] = tree
    at.run()
    leaf = tree.leaves("finished")[0]
    at.selectbox(key="main_nodepick").set_value(leaf.id).run()
    assert list(at.dataframe[0].value["text"]) == tree.steps(leaf.id)


def test_opening_another_tree_starts_its_viewer_afresh():
    tree = fake_tree()
    at = app()
    at.session_state["tree"] = tree
    at.run()
    at.button(key="main_prev").click().run()
    at.selectbox(key="main_nodepick").set_value(2).run()
    assert at.slider(key="main_round").value == tree.iterations - 1
    other = fake_tree("lookahead")
    at.file_uploader(key="tree_upload").set_value(("o.json", other.to_json().encode(), "application/json")).run()
    assert not at.exception
    assert at.session_state["tree"].strategy == "lookahead"  # ui.tree_state.open_tree
    assert at.slider(key="main_round").value == other.iterations  # the replay starts at the end
    path = at.selectbox(key="main_nodepick").value
    assert list(at.dataframe[0].value["text"]) == other.steps(path)


def test_compare_page_shows_trees_side_by_side():
    at = app("compare.py")
    assert at.title[0].value == "Compare strategies on one problem"
    at.session_state["cmp_trees"] = [fake_tree("best_of_n"), fake_tree("beam")]
    at.run()
    assert not at.exception
    assert len([c for c in at.get("plotly_chart") if c.key.startswith("cmp_")]) == 2  # (and the alignment's)
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["best_of_n", "beam"]


def test_learn_page_explains_every_strategy():
    at = app("learn.py")
    assert not at.exception
    text = " ".join(m.value for m in at.markdown)
    for word in ("Best-of-N", "Beam search", "Lookahead", "DVTS", "aggregation", "Weighted", "Sequential revisions",
                 "prompted"):
        assert word.lower() in text.lower()
    assert at.button(key="learn_run").disabled is False


def _number_keys(at) -> set:
    return {w.key for w in at.sidebar.number_input}


def test_a_strategy_s_parameters_show_only_while_it_is_chosen():
    at = app()
    assert "m" in _number_keys(at) and "seq" not in _number_keys(at) and "k" not in _number_keys(at)  # beam
    at.sidebar.number_input(key="m").set_value(2).run()
    at.sidebar.number_input(key="max_rounds").set_value(5).run()
    at.sidebar.selectbox(key="strategy").set_value("revisions").run()
    assert not at.exception
    # revisions takes one round per attempt of a chain: no M, no cap on rounds
    assert "seq" in _number_keys(at) and "m" not in _number_keys(at) and "max_rounds" not in _number_keys(at)
    assert "Attempts per chain" in at.sidebar.number_input(key="seq").label
    at.sidebar.number_input(key="seq").set_value(3).run()  # N = 16
    assert any("does not divide" in w.value for w in at.warning) and at.button(key="run").disabled
    at.sidebar.selectbox(key="strategy").set_value("beam").run()
    at.run()
    assert at.sidebar.number_input(key="m").value == 2 and not at.warning  # M kept while hidden; seq not checked
    assert at.sidebar.number_input(key="max_rounds").value == 5
    at.sidebar.selectbox(key="strategy").set_value("revisions").run()
    assert at.sidebar.number_input(key="seq").value == 3  # and seq kept while hidden


def test_explore_runs_revisions_and_labels_the_prompted_reviser(monkeypatch):
    from ui import common

    monkeypatch.setattr(common, "get_generator", lambda spec, trust=False: FakeGenerator())
    monkeypatch.setattr(common, "get_verifier", lambda name, trust=False: SymbolicVerifier())
    at = app()
    at.sidebar.selectbox(key="strategy").set_value("revisions").run()
    at.sidebar.number_input(key="n").set_value(4)
    at.sidebar.number_input(key="seq").set_value(2)
    at.run()
    run_search(at)
    assert not at.exception, at.exception
    tree = at.session_state["tree"]
    assert tree.strategy == "revisions" and tree.config["seq"] == 2 and len(tree.nodes) == 5
    assert tree.cost.generations == 4
    assert any("prompted" in i.value for i in at.info)
    assert any("Selected answer" in m.value for m in at.markdown)
    assert at.radio(key="wi_agg").disabled  # attempts keep the aggregation they were scored with


def test_compare_puts_revisions_beside_beam_search():
    at = app("compare.py")
    at.multiselect(key="cmp_strats").set_value(["beam", "revisions"]).run()
    assert not at.exception
    assert {"m", "seq"} <= _number_keys(at)  # the parameters of both
    at.session_state["cmp_trees"] = [fake_tree("beam"), fake_tree("revisions", seq=4)]
    at.run()
    assert not at.exception
    assert len([c for c in at.get("plotly_chart") if c.key.startswith("cmp_")]) == 2  # (and the alignment's)
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["beam", "revisions"] and list(table["generations"])[1] == 8
    assert any("prompted reviser" in m.value for m in at.markdown)


def test_explore_runs_mcts_with_its_parameters_and_replays_its_statistics(monkeypatch):
    from ui import common

    monkeypatch.setattr(common, "get_generator", lambda spec, trust=False: FakeGenerator())
    monkeypatch.setattr(common, "get_verifier", lambda name, trust=False: SymbolicVerifier())
    at = app()
    at.sidebar.selectbox(key="strategy").set_value("mcts").run()
    assert not at.exception
    assert {"explore", "children", "max_rounds"} <= _number_keys(at) and "m" not in _number_keys(at)
    assert {"rollout", "puct"} <= {w.key for w in at.sidebar.checkbox}
    at.sidebar.number_input(key="n").set_value(3)
    assert at.sidebar.number_input(key="explore").max == 10.0   # the input holds what the search accepts
    at.sidebar.number_input(key="explore").set_value(1.5)
    at.sidebar.number_input(key="children").set_value(2)
    at.sidebar.checkbox(key="rollout").check()
    at.run()
    run_search(at)
    assert not at.exception, at.exception
    tree = at.session_state["tree"]
    assert tree.strategy == "mcts" and tree.config["explore"] == 1.5 and tree.config["children"] == 2
    assert tree.config["rollout"] is True and tree.leaves("rollout") and tree.nodes[0].stats
    at.button(key="main_prev").click().run()   # the replay steps through the iterations
    assert at.slider(key="main_round").value == tree.iterations - 1 and not at.exception


def test_compare_puts_mcts_and_particle_filtering_beside_beam_search():
    at = app("compare.py")
    at.multiselect(key="cmp_strats").set_value(["beam", "mcts", "particle_filter"]).run()
    assert not at.exception
    assert {"m", "explore", "children"} <= _number_keys(at)
    at.session_state["cmp_trees"] = [fake_tree("beam"), fake_tree("mcts", children=2),
                                     fake_tree("particle_filter")]
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["strategy"]) == ["beam", "mcts", "particle_filter"]


def test_learn_page_explains_mcts_and_particle_filtering():
    at = app("learn.py")
    text = " ".join(m.value for m in at.markdown)
    assert "Monte Carlo tree search" in text and "UCT" in text
    assert "Particle filtering" in text and "resampled" in text
    assert not at.exception
    assert len([c for c in at.get("plotly_chart") if c.key.startswith("learn_rec")]) == 2  # the recorded trees


@pytest.mark.real
def test_explore_runs_a_real_search_on_the_embedded_model():
    at = app()
    at.radio(key="source").set_value("Synthetic (levels 1-5)").run()
    at.selectbox(key="level").set_value(1).run()
    at.sidebar.number_input(key="n").set_value(4)
    at.sidebar.number_input(key="m").set_value(2)
    at.sidebar.number_input(key="max_rounds").set_value(3)
    run_search(at, timeout=300)  # the page waits on the job, then reruns
    assert not at.exception, at.exception
    tree = at.session_state["tree"]
    assert tree.strategy == "beam" and len(tree.nodes) > 1 and tree.problem["answer"] is not None
    assert any("Selected answer" in m.value for m in at.markdown)
    assert [m.label for m in at.metric][:2] == ["generations", "tokens generated"]


@pytest.fixture(scope="module")
def fake_sweep(tmp_path_factory):
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    d = tmp_path_factory.mktemp("sweep")
    run_sweep(FakeGenerator(), SymbolicVerifier(), SweepConfig(levels=(1, 2, 3, 4, 5), problems=2,
                                                              strategies=("best_of_n", "beam"), budgets=(1, 2, 4, 8),
                                                              ms=(2,), resamples=4, difficulty_pool=4), d)
    return d


def test_curves_page_draws_a_sweep_and_opens_a_cell_in_explore(fake_sweep, monkeypatch):
    monkeypatch.setenv("TTC_VIZ_SWEEPS", str(fake_sweep))
    at = app("curves.py")
    at.selectbox(key="cv_folder").set_value(str(fake_sweep)).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Accuracy versus test-time budget"
    assert [m.label for m in at.metric][:3] == ["problems", "cells", "efficiency multiple"]
    assert at.metric[0].value == "10"
    fig = at.get("plotly_chart")[0]
    assert "compute-optimal" in fig.proto.spec
    assert at.radio(key="cv_bins").options == ["oracle", "predicted", "level"]
    assert at.radio(key="cv_bins").value == "oracle"   # it has difficulty pools
    at.selectbox(key="cv_bin").set_value(3).run()
    at.radio(key="cv_x").set_value("flops").run()
    at.radio(key="cv_bins").set_value("predicted").run()
    assert not at.exception
    at.checkbox(key="cv_charge").check().run()     # the difficulty pool's cost charged to compute-optimal
    assert not at.exception and any("charged" in c.value for c in at.caption)
    at.selectbox(key="cv_pt_config").set_value("beam M=2").run()
    at.selectbox(key="cv_pt_budget").set_value(4).run()
    assert at.dataframe[0].value.shape[0] == 2  # bin 3 holds 2 of the 10 problems
    at.button(key="cv_open").click().run()
    assert not at.exception
    assert at.session_state["tree"].strategy == "beam"
    assert at.title[0].value == "Explore a search"


def test_curves_page_offers_only_the_bins_a_sweep_can_make():
    """The shipped sweep was made without independent difficulty pools: the page offers bins by
    level only and says why, instead of offering oracle bins that end in an error."""
    at = app("curves.py")
    assert not at.exception, at.exception
    assert at.radio(key="cv_bins").options == ["level"]
    assert any("--difficulty-pool" in c.value for c in at.caption)
    assert at.checkbox(key="cv_charge").disabled
    assert not at.error


def test_curves_page_on_a_folder_that_keeps_only_some_trees(fake_sweep, tmp_path, monkeypatch):
    """The shipped sweep keeps summary.json for every cell and the trees of a few: the page
    counts every cell, marks the problems without a tree and says so when one is opened."""
    import shutil

    from ttc_viz.experiments.summary import write_summary

    d = tmp_path / "trimmed"
    shutil.copytree(fake_sweep, d)
    write_summary(d)
    for f in (d / "cells").glob("*beam-b4*.json"):
        if "L1-0" not in f.name:
            f.unlink()
    monkeypatch.setenv("TTC_VIZ_SWEEPS", str(d))
    at = app("curves.py")
    at.selectbox(key="cv_folder").set_value(str(d)).run()
    assert not at.exception, at.exception
    assert at.metric[0].value == "10" and at.metric[1].value == str(len(list(fake_sweep.glob("cells/*.json"))))
    at.selectbox(key="cv_pt_config").set_value("beam M=2").run()
    at.selectbox(key="cv_pt_budget").set_value(4).run()
    assert any("keeps the trees of" in c.value for c in at.caption)
    box = at.selectbox(key="cv_problem")
    missing = next(p for p in box.options if "no tree" in p)
    assert sum("no tree" not in p for p in box.options) == 1
    box.set_value(missing.removesuffix(" (no tree)")).run()
    at.button(key="cv_open").click().run()
    assert not at.exception and "keeps no tree" in at.error[0].value


def test_curves_page_warns_when_bins_are_too_small_to_cross_validate(tmp_path, monkeypatch):
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    run_sweep(FakeGenerator(), SymbolicVerifier(), SweepConfig(levels=(1, 2, 3, 4, 5), problems=1,
                                                              strategies=("best_of_n",), budgets=(1, 2), resamples=2),
              tmp_path)
    monkeypatch.setenv("TTC_VIZ_SWEEPS", str(tmp_path))
    at = app("curves.py")
    at.selectbox(key="cv_folder").set_value(str(tmp_path)).run()
    assert not at.exception
    assert "single problem" in at.warning[0].value


def test_curves_page_warns_when_bins_hold_a_few_problems(tmp_path, monkeypatch):
    from ttc_viz.experiments.sweep import SweepConfig, run_sweep

    run_sweep(FakeGenerator(), SymbolicVerifier(), SweepConfig(levels=(1, 2), problems=3, strategies=("best_of_n",),
                                                              budgets=(1, 2), resamples=2), tmp_path)
    monkeypatch.setenv("TTC_VIZ_SWEEPS", str(tmp_path))
    at = app("curves.py")
    at.selectbox(key="cv_folder").set_value(str(tmp_path)).run()
    assert not at.exception
    warning = at.warning[0].value
    assert warning.startswith("Some difficulty bins hold fewer than 5 problems (the smallest 3)")
    assert "below every configuration" in warning


def test_curves_page_explains_a_damaged_sweep(tmp_path, monkeypatch):
    (tmp_path / "summary.json").write_text('{"meta": 1}')
    monkeypatch.setenv("TTC_VIZ_SWEEPS", str(tmp_path))
    at = app("curves.py")
    at.selectbox(key="cv_folder").set_value(str(tmp_path)).run()
    assert not at.exception
    assert "damaged" in at.error[0].value


def test_learn_page_has_the_exchange_rate_calculator():
    at = app("learn.py")
    at.number_input(key="x_dinf").set_value(2000.0).run()  # R = 1
    vals = {m.label: m.value for m in at.metric}
    assert vals["R = inference / pretraining tokens"] == "1"
    assert vals["test-time multiplier for the small model"] == "53×"


# ---------------------------------------------------------------------------------------
# Safe to serve: the operator decides what visitors may load; uploads are bounded

def test_sidebar_offers_only_what_the_operator_allowed(monkeypatch):
    at = app()
    assert not at.exception
    assert at.sidebar.selectbox(key="preset").options == [
        "embedded: SmolLM2-135M-Instruct, fine-tuned (CPU, offline)",
        "embedded base: SmolLM2-135M-Instruct without the adapter"]
    opts = at.sidebar.selectbox(key="verifier").options
    assert [o.split()[0] for o in opts] == ["symbolic", "prm", "answer"]
    assert "knows the answer" in opts[2]  # the answer key is labelled as what it is
    assert len(at.sidebar.text_input) == 0 and len(at.sidebar.checkbox) == 0  # no free model id, no remote-code box
    monkeypatch.setenv("TTC_VIZ_MODELS", "qwen2.5-math-1.5b-instruct")
    monkeypatch.setenv("TTC_VIZ_VERIFIERS", "hf:peiyi9979/math-shepherd-mistral-7b-prm:math-shepherd")
    at = app()
    assert "qwen2.5-math-1.5b-instruct" in at.sidebar.selectbox(key="preset").options
    assert at.sidebar.selectbox(key="verifier").options[-1].startswith("hf:peiyi9979")


def test_remote_code_only_when_the_operator_enabled_it(monkeypatch):
    from ui import common

    seen = []
    monkeypatch.setattr(common, "get_generator", lambda spec, trust=False: seen.append((spec, trust)) or FakeGenerator())
    monkeypatch.setattr(common, "get_verifier", lambda name, trust=False: SymbolicVerifier())
    monkeypatch.setenv("TTC_VIZ_MODELS", "my/model")
    for env, want in ((None, False), ("1", True)):
        if env:
            monkeypatch.setenv("TTC_VIZ_TRUST_REMOTE_CODE", env)
        at = app()
        at.sidebar.selectbox(key="preset").set_value("my/model")
        at.sidebar.number_input(key="n").set_value(4)
        at.sidebar.number_input(key="m").set_value(2)
        at.run()
        run_search(at)
        assert not at.exception
        assert seen[-1] == ("my/model", want)


def test_a_model_the_operator_did_not_allow_cannot_be_started(monkeypatch):
    from ttc_viz.settings import SettingsError
    from ui import common

    with pytest.raises(SettingsError, match="not offered"):
        common.settings().model_spec("evil/remote-code-model")
    with pytest.raises(SettingsError, match="not offered"):
        common.settings().check_verifier("hf:evil/prm:qwen")


HOSTILE = "![tracker](http://evil.example/x.png) <img src=x onerror=alert(1)> [click](http://evil.example)"


def test_untrusted_problem_text_is_shown_as_text():
    tree = fake_tree()
    tree.problem["text"] = HOSTILE
    tree.problem["answer"] = "5` ![i](http://evil.example/a.png) `"
    at = app()
    at.session_state["tree"] = tree
    at.run()
    assert not at.exception
    import re

    md = " ".join(m.value for m in at.markdown) + " ".join(m.value for m in at.info)
    assert "tracker" in md
    outside_code = re.sub(r"`[^`]*`", "", md)  # inline code is shown literally
    assert not re.search(r"(?<!\\)\]\(http", outside_code)  # no link or image: "](" arrives escaped
    assert not re.search(r"(?<!\\)<img", outside_code)
    assert md.count("`") % 2 == 0  # an answer cannot close its code span early


def test_uploaded_tree_is_checked_rendered_off_screen_and_size_limited():
    at = app()
    good = fake_tree()
    at.file_uploader(key="tree_upload").set_value(("t.json", good.to_json().encode(), "application/json")).run()
    assert not at.exception and at.session_state["tree"].to_dict() == good.to_dict()
    # the file's name is the visitor's text: shown as itself, never as a link
    at.file_uploader(key="tree_upload").set_value(("[x](https://evil.test).json", good.to_json().encode(),
                                                   "application/json")).run()
    said = [s.value for s in at.success if "Loaded" in s.value]
    assert said and "\\[x\\]\\(https" in said[-1], said
    bad = good.to_dict()
    bad["nodes"][1]["score"] = "0.9"
    import json as _json

    at.file_uploader(key="tree_upload").set_value(("bad.json", _json.dumps(bad).encode(), "application/json")).run()
    assert not at.exception and any("not a ttc-viz tree" in e.value for e in at.error)
    assert at.session_state["tree"].to_dict() == good.to_dict()  # the page kept its tree
    at.run()  # and later reruns still work
    assert not at.exception
    from ui.common import MAX_UPLOAD_BYTES

    big = b" " * (MAX_UPLOAD_BYTES + 1)
    at.file_uploader(key="tree_upload").set_value(("big.json", big, "application/json")).run()
    assert not at.exception and any("MB" in e.value for e in at.error)


def test_a_tree_that_breaks_a_view_is_not_kept(monkeypatch):
    from ui import explore_panels

    def boom(tree):
        raise ZeroDivisionError("view broke")

    monkeypatch.setattr(explore_panels, "round_rows", boom)
    tree = fake_tree()
    at = app()
    at.file_uploader(key="tree_upload").set_value(("t.json", tree.to_json().encode(), "application/json")).run()
    assert any("cannot be shown" in e.value for e in at.error)
    assert "tree" not in at.session_state


def test_a_deep_uploaded_tree_loads_and_draws():
    from ttc_viz.tree import SearchTree

    t = SearchTree.new("best_of_n", {"n": 1, "aggregation": "last", "voting": "weighted"}, "deep?", None)
    parent = 0
    for i in range(1200):
        parent = t.add(parent, f"step {i}", iteration=1, score=0.5,
                       status="finished" if i == 1199 else "kept").id
    at = app()
    at.file_uploader(key="tree_upload").set_value(("d.json", t.to_json().encode(), "application/json")).run()
    assert not at.exception, at.exception
    assert len(at.session_state["tree"].nodes) == 1201


def test_rescore_has_a_size_cap():
    from ttc_viz.settings import MAX_RESCORE_STEPS
    from ttc_viz.tree import SearchTree

    t = SearchTree.new("best_of_n", {"n": 1, "aggregation": "last", "voting": "weighted"}, "big?", None)
    for i in range(MAX_RESCORE_STEPS + 1):
        t.add(0, f"s{i}", iteration=1, score=0.5, status="finished")
    at = app()
    at.session_state["tree"] = t
    at.run()
    assert not at.exception
    assert at.button(key="wi_rescore").disabled


def test_curves_page_opens_only_allowed_sweeps(tmp_path, monkeypatch):
    at = app("curves.py")
    assert not at.exception
    assert len(at.text_input) == 0
    from ttc_viz.experiments.cells import SHIPPED_SWEEP

    assert at.selectbox(key="cv_folder").options == ["the shipped sweep (data/sweep-smollm2)"]
    assert at.selectbox(key="cv_folder").value == str(SHIPPED_SWEEP)


def test_server_config_is_local_only_bounded_and_quiet():
    import tomllib

    cfg = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert cfg["server"]["address"] == "127.0.0.1"
    assert 1 <= cfg["server"]["maxUploadSize"] <= 16
    assert cfg["client"]["showErrorDetails"] == "none"
    from ui.common import MAX_UPLOAD_BYTES

    assert MAX_UPLOAD_BYTES == cfg["server"]["maxUploadSize"] * 1024 * 1024


def test_make_run_binds_localhost_and_serve_opens_on_purpose():
    import subprocess

    run = subprocess.run(["make", "-n", "-B", "run"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "--server.address 127.0.0.1" in run
    serve = subprocess.run(["make", "-n", "-B", "serve"], cwd=ROOT, capture_output=True, text=True, timeout=60).stdout
    assert "--server.address 0.0.0.0" in serve


def test_queue_message_is_plain_language():
    from ui.common import queue_message

    assert "next" in queue_message(1, 4)
    assert "2 searches ahead" in queue_message(3, 4)


def test_jsonl_upload_is_size_limited_and_shows_problems_as_text():
    from ui.common import MAX_UPLOAD_BYTES

    at = app()
    at.radio(key="source").set_value("From a JSONL file").run()
    row = '{"problem": "![x](http://evil.example/p.png) 2+3?", "answer": "5"}\n'
    at.file_uploader(key="upload").set_value((("n" * 300) + ".jsonl", row.encode(), "application/json")).run()
    assert not at.exception, at.exception
    assert at.button(key="run").disabled is False
    assert "\\]\\(http" in at.info[0].value  # escaped: shown, not fetched
    at.file_uploader(key="upload").set_value(("big.jsonl", b" " * (MAX_UPLOAD_BYTES + 1), "application/json")).run()
    assert not at.exception and any("MB" in w.value for w in at.warning)
    assert at.button(key="run").disabled


def _bench_result(tmp_path):
    from ttc_viz.experiments import bench_verifier as bv
    from ttc_viz.verifiers import load_verifier

    folder = Path(bv.__file__).resolve().parents[2] / "data" / bv.SHIPPED
    test, dev = bv.load_items(folder / "test.jsonl", 130), bv.load_items(folder / "dev.jsonl", 200)
    res = bv.bench({v: load_verifier(v) for v in ("symbolic", "answer-key")}, test, dev, bv.BenchConfig(bootstrap=20))
    f = tmp_path / "bench.json"
    f.write_text(__import__("json").dumps(res))
    return f, res


def test_verifiers_page_shows_the_table_a_plot_per_verifier_and_each_solution(tmp_path, monkeypatch):
    from ttc_viz.experiments import bench_verifier as bv

    f, res = _bench_result(tmp_path)
    monkeypatch.setattr(bv, "shipped_result", lambda: f)
    at = app("verifiers.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["verifier"]) == ["symbolic", "answer-key"]
    assert list(table["F1"])[1] == "100% [100, 100]"
    assert [t.label for t in at.tabs] == ["symbolic", "answer-key"]
    # only solutions where a verifier missed the first error: the symbolic checker's misses
    at.radio(key="vb_show").set_value("a verifier missed the first error").run()
    picks = at.selectbox(key="vb_pick").options
    assert picks and len(picks) < len(res["items"])
    steps = at.dataframe[1].value
    assert "first error" in list(steps["label"]) and "answer-key" in steps.columns
    # the answer key flags exactly the labelled step
    row = steps[steps["label"] == "first error"].iloc[0]
    assert row["answer-key"].endswith("⚑") and not row["symbolic"].endswith("⚑")


def test_verifiers_page_without_results_says_how_to_make_them(tmp_path, monkeypatch):
    from ttc_viz.experiments import bench_verifier as bv

    monkeypatch.setattr(bv, "shipped_result", lambda: tmp_path / "none.json")
    at = app("verifiers.py")
    assert not at.exception
    assert "ttc-viz bench-verifier" in at.info[0].value
    assert str(tmp_path) not in at.info[0].value  # the server's paths are not the visitor's business


def test_verifiers_page_opens_on_the_shipped_results():
    at = app("verifiers.py")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["verifier"]) == ["symbolic", "answer-key", "prm"]
    assert table.set_index("verifier").loc["answer-key", "F1"] == "100% [100, 100]"
    from ttc_viz.experiments.bench_verifier import load_result, shipped_result

    assert len(at.selectbox(key="vb_pick").options) == load_result(shipped_result())["data"]["solutions"]
