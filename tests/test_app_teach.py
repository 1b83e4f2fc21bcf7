"""The teaching features in the app (streamlit.testing.v1.AppTest): the why-card on Explore, two
trees aligned on Compare, "Be the verifier", and Lessons (stepping through, a quiz slide,
presentation mode, an uploaded lesson, a lesson built from Explore's view)."""
import json
import zlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from test_app import fake_tree
from ttc_viz.examples import load_example
from ttc_viz.teach.lesson import SHIPPED, Lesson, add_slide, parse_lesson, shipped_lesson
from ttc_viz.views import tree_fingerprint

ROOT = Path(__file__).resolve().parent.parent


def app(page: str | None = None, **state) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    if page:
        at.switch_page(str(ROOT / "ui" / page))
        at.run()
    return at


def texts(at) -> str:
    return " ".join(m.value for m in at.markdown)


# ---------------------------------------------------------------------------------------
# 1. Why kept, why pruned

def test_choosing_a_node_opens_its_why_card_and_a_re_score_joins_the_what_ifs():
    tree = fake_tree()
    pruned = next(n for n in tree.nodes if n.status == "pruned")
    at = app(tree=tree)
    at.selectbox(key="main_nodepick").set_value(pruned.id).run()
    assert not at.exception
    assert f"Why \\#{pruned.id} was pruned" in texts(at)
    assert "It ranked" in texts(at) and "to survive it had to beat" in texts(at)
    whatifs = [d.value for d in at.dataframe if "what if" in d.value.columns]
    assert whatifs and "one more kept (top 5)" in list(whatifs[0]["what if"])
    at.selectbox(key="wi_verifier").set_value("symbolic").run()
    at.button(key="wi_rescore").click().run()
    assert not at.exception and "Re-scored by" in texts(at)
    whatifs = [d.value for d in at.dataframe if "what if" in d.value.columns]
    assert "re-scored by symbolic" in list(whatifs[0]["what if"])


def test_the_why_card_of_a_rollout_and_of_the_root():
    tree = fake_tree("lookahead", k=1)
    roll = next(n for n in tree.nodes if n.status == "rollout")
    at = app(tree=tree)
    at.selectbox(key="main_nodepick").set_value(roll.id).run()
    assert not at.exception and "rollout step" in texts(at) and "never kept or cut itself" in texts(at)


# ---------------------------------------------------------------------------------------
# 2. Two trees aligned

def test_compare_aligns_the_recorded_beam_and_dvts_trees_by_default():
    at = app("compare.py")
    assert not at.exception
    assert at.selectbox(key="al_a").value == "recorded example: beam"
    assert at.selectbox(key="al_b").value == "recorded example: dvts"
    assert "They share 20 steps" in texts(at) and "They part at step 1" in texts(at)
    assert [c.key for c in at.get("plotly_chart")] == ["al_fig"]
    answers = at.dataframe[0].value
    assert list(answers["answer"]) == ["11", "24"] and list(answers["A count"]) == [4, 1]


def test_compare_aligns_the_trees_run_there_and_refuses_two_problems():
    at = app("compare.py")
    at.session_state["cmp_trees"] = [fake_tree("beam"), fake_tree("dvts")]
    at.run()
    assert not at.exception
    assert at.selectbox(key="al_a").value.startswith("run here: beam")
    assert at.selectbox(key="al_b").value.startswith("run here: dvts")
    assert "They share" in texts(at)
    at.selectbox(key="al_b").set_value("recorded example: beam").run()
    assert not at.exception
    assert any("different problems" in w.value for w in at.warning)


def test_an_uploaded_tree_to_align_is_checked():
    at = app("compare.py")
    at.selectbox(key="al_b").set_value("an uploaded tree").run()
    at.file_uploader(key="al_up_b").set_value(("x.json", b"{broken", "application/json")).run()
    assert not at.exception and any("not a ttc-viz tree" in e.value for e in at.error)
    good = load_example("dvts").to_json().encode()
    at.file_uploader(key="al_up_b").set_value(("d.json", good, "application/json")).run()
    assert not at.exception and "They part at step 1" in texts(at)


# ---------------------------------------------------------------------------------------
# 3. You be the verifier

def test_be_the_verifier_on_the_recorded_beam_search():
    at = app("verifier_game.py")
    assert not at.exception and at.title[0].value == "You be the verifier"
    key = f"vq_{tree_fingerprint(load_example('beam'))}_q1"
    for i in (1, 3):
        at.checkbox(key=f"{key}_c{i}").check()
    at.button(key=f"{key}_reveal").click().run()
    assert any("keep exactly 4" in w.value for w in at.warning)   # two is not four: nothing revealed
    for i in (9, 16):
        at.checkbox(key=f"{key}_c{i}").check()
    at.button(key=f"{key}_reveal").click().run()
    assert not at.exception
    assert "The verifier kept \\#1, \\#2, \\#4, \\#5" in texts(at) or "The verifier kept #1, #2, #4, #5" in texts(at)
    assert any("you 1, the verifier 4" in i.value for i in at.info)
    assert at.checkbox(key=f"{key}_c1").disabled                   # a revealed round is locked
    assert at.checkbox(key=f"{key}_c1".replace("_q1", "_q2").replace("_c1", "_c17"))  # round 2 is open now


def test_be_the_verifier_on_best_of_n_picks_the_answer_then_reveals_the_votes():
    at = app("verifier_game.py")
    at.selectbox(key="vq_source").set_value("example:best_of_n").run()
    key = f"vq_{tree_fingerprint(load_example('best_of_n'))}_q1"
    at.radio(key=f"{key}_answer").set_value("24").run()
    at.button(key=f"{key}_reveal").click().run()
    assert not at.exception
    assert "You picked `24` ✗ wrong; the weighted vote picked `11` ✓ right" in texts(at)
    votes = at.dataframe[0].value
    assert list(votes["answer"])[0] == "11" and "weighted" in list(votes["picked by"])[0]


def test_be_the_verifier_plays_the_tree_open_in_explore():
    tree = fake_tree()
    at = app("verifier_game.py", tree=tree)
    assert at.selectbox(key="vq_source").value == "the tree open in Explore"
    assert not at.exception and f"vq_{tree_fingerprint(tree)}_q1_reveal" in [b.key for b in at.button]


# ---------------------------------------------------------------------------------------
# 4. Lessons

def test_every_shipped_lesson_steps_through_every_slide():
    at = app("lessons.py")
    for name in SHIPPED:
        at.selectbox(key="ls_pick").set_value(name).run()
        lesson = shipped_lesson(name)
        for i, slide in enumerate(lesson.slides):
            assert not at.exception, (name, i)
            assert f"slide {i + 1} of {len(lesson.slides)}" in texts(at)
            assert slide.title in texts(at).replace("\\", "")
            if i < len(lesson.slides) - 1:
                at.button(key="ls_next").click().run()
        assert at.button(key="ls_next").disabled
        at.button(key="ls_prev").click().run()
        assert f"slide {len(lesson.slides) - 1} of" in texts(at)


def test_a_quiz_slide_plays_a_round_and_presentation_mode_sets_large_type():
    at = app("lessons.py")
    at.selectbox(key="ls_pick").set_value("2-beam").run()
    at.button(key="ls_next").click().run()          # slide 2: keep 4 of 16
    key = f"ls_{zlib.crc32(b'shipped:2-beam'):08x}_1_q1"
    assert not at.get("plotly_chart")               # the tree (it shows the scores) waits for the reveal
    for i in (1, 2, 4, 5):
        at.checkbox(key=f"{key}_c{i}").check()
    at.button(key=f"{key}_reveal").click().run()
    assert not at.exception and "You agreed on **4 of 4**" in texts(at)
    assert len(at.get("plotly_chart")) == 1
    at.toggle(key="ls_present").set_value(True).run()
    assert not at.exception
    assert any("font-size: 1.9rem" in m.value for m in at.markdown)   # the presentation CSS
    assert "slide 2 of 7" in texts(at)                               # the place is kept


def test_an_uploaded_lesson_is_checked_and_its_text_shown_as_text():
    at = app("lessons.py")
    at.radio(key="ls_source").set_value("Upload a lesson").run()
    bad = {"format": "ttc-viz-lesson", "title": "x", "slides": [{"tree": "example:beam", "highlight": [999]}]}
    at.file_uploader(key="ls_upload").set_value(("bad.json", json.dumps(bad).encode(), "application/json")).run()
    assert not at.exception and any("not a node of its tree" in e.value for e in at.error)
    mine = Lesson(title="<b>Mine</b>")
    add_slide(mine, fake_tree(), title="[click](http://evil.example)", caption="<img src=x onerror=alert(1)>")
    at.file_uploader(key="ls_upload").set_value(("mine.json", mine.to_json().encode(), "application/json")).run()
    assert not at.exception and any("Loaded mine\\.json" in s.value for s in at.success)
    shown = texts(at)
    assert "\\<img src\\=x onerror\\=alert\\(1\\)\\>" in shown and "\\[click\\]\\(http" in shown  # escaped
    assert len(at.get("plotly_chart")) == 1


def test_a_teacher_adds_explore_s_view_as_a_slide_and_presents_it():
    tree = fake_tree()
    at = app(tree=tree)
    at.button(key="main_prev").click().run()       # replay: round T-1
    node = tree.leaves("pruned")[0].id if tree.leaves("pruned") else 1
    at.selectbox(key="main_nodepick").set_value(min(node, 2)).run()
    at.text_input(key="ld_title").input("Look here")
    at.text_area(key="ld_caption").input("The verifier cut this one.")
    at.button(key="ld_add").click().run()
    assert not at.exception and any("Added slide 1" in s.value for s in at.success)
    draft = at.session_state["lesson_draft"]
    slide = draft.slides[0]
    assert (slide.title, slide.round, slide.highlight) == ("Look here", tree.iterations - 1, [min(node, 2)])
    assert parse_lesson(draft.to_json()).slides[0].to_dict() == slide.to_dict()   # what the download holds
    assert at.get("download_button")
    at.switch_page(str(ROOT / "ui" / "lessons.py"))
    at.run()
    at.radio(key="ls_source").set_value("Your lesson (built on Explore)").run()
    assert not at.exception and "Look here" in texts(at) and "slide 1 of 1" in texts(at)


def test_the_curves_page_opens_its_lesson():
    at = app("curves.py")
    at.button(key="cv_lesson").click().run()
    assert not at.exception
    assert at.selectbox(key="ls_pick").value == "3-difficulty"
    assert "slide 1 of 7" in texts(at) and len(at.get("plotly_chart")) == 1
