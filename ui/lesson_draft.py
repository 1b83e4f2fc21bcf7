"""A teacher's lesson in the making: Explore's current view added as a slide, the lesson
downloaded as a file (``ttc_viz.teach.lesson``). The draft lives in this session only
(``DRAFT``); the Lessons page can present it before it is downloaded. Another page opens a
shipped lesson there with ``open_lesson``."""
from __future__ import annotations

import streamlit as st

from ttc_viz.teach.lesson import Lesson, LessonFormatError, add_slide
from ttc_viz.teach.quiz import quiz_rounds
from ttc_viz.tree import SearchTree
from ui.tree_state import EXPLORE, Cursor

DRAFT = "lesson_draft"
REQUEST = "ls_request"   # a shipped lesson another page asked the Lessons page to open


def open_lesson(name: str) -> None:
    """Ask the Lessons page to show the shipped lesson ``name`` (then switch to that page)."""
    st.session_state[REQUEST] = name


def draft() -> Lesson:
    if DRAFT not in st.session_state:
        st.session_state[DRAFT] = Lesson(title="My lesson")
    return st.session_state[DRAFT]


def download_button(lesson: Lesson, key: str) -> None:
    st.download_button("⬇ Download the lesson (.json)", lesson.to_json(), file_name="ttc-viz-lesson.json",
                       mime="application/json", key=key, disabled=not lesson.slides,
                       help="Load it on the Lessons page (here or on another server) to present it")


def add_view_panel(tree: SearchTree, cursor: Cursor = EXPLORE) -> None:
    """Explore's "Add this view to a lesson": the tree at the replay's round, the chosen node
    highlighted, a title, a caption and (where the round had a choice) a quiz."""
    lesson = draft()
    r = st.session_state.get(cursor.round, tree.iterations)
    node = st.session_state.get(cursor.pick)
    rounds = quiz_rounds(tree)
    quizzable = bool(rounds) and (rounds[0].kind == "answer" or r in {q.round for q in rounds})
    n = len(lesson.slides)
    with st.expander(f"Add this view to a lesson ({n} slide{'' if n == 1 else 's'} so far)", expanded=False):
        st.caption(f"A slide shows this tree at round {r}" + (f", node #{node} highlighted" if node else "")
                   + ". Captions are shown as plain text.")
        lesson.title = st.text_input("Lesson title", value=lesson.title, max_chars=120, key="ld_lesson_title") \
            or lesson.title
        st.text_input("Slide title", max_chars=120, key="ld_title")
        st.text_area("Caption", max_chars=1500, key="ld_caption", height=90)
        st.checkbox("Ask the class to be the verifier on this round", key="ld_quiz", disabled=not quizzable,
                    help=None if quizzable else "Nothing was cut in this round: there is no choice to make")
        st.button("Add slide", key="ld_add", icon=":material/add:", on_click=_add,
                  args=(tree, None if r >= tree.iterations else r, node, quizzable))
        said = st.session_state.pop("ld_said", None)
        if said:
            (st.error if said.startswith("Cannot") else st.success)(said)
        c1, c2 = st.columns(2)
        with c1:
            download_button(lesson, "ld_download")
        c2.button("Start over", key="ld_clear", disabled=not lesson.slides,
                  on_click=lambda: st.session_state.__setitem__(DRAFT, Lesson(title=lesson.title)))


def _add(tree: SearchTree, r: int | None, node: int | None, quizzable: bool) -> None:
    """The Add button's callback (it runs before the page is drawn, so the counts shown are current)."""
    lesson = draft()
    ss = st.session_state
    lesson.title = ss.get("ld_lesson_title") or lesson.title
    try:
        add_slide(lesson, tree, title=ss.get("ld_title", ""), caption=ss.get("ld_caption", ""), round=r,
                  highlight=[node] if node else [], quiz=bool(ss.get("ld_quiz") and quizzable))
    except LessonFormatError as e:
        ss["ld_said"] = f"Cannot add this slide: {e}"
    else:
        ss["ld_said"] = f"Added slide {len(lesson.slides)}."


__all__ = ["DRAFT", "REQUEST", "add_view_panel", "download_button", "draft", "open_lesson"]
