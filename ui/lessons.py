"""Lessons: a teacher steps a class through prepared slides (``ttc_viz.teach.lesson``): a
shipped lesson, an uploaded one, or the one being built from Explore. Presentation mode hides
the sidebar and sets everything in large type, to be read from the back of a room.

An uploaded lesson is a visitor's file: it is checked field by field when parsed, every slide
is drawn once off screen before the page keeps it, and its text is shown as plain text."""
import zlib

import streamlit as st

from ttc_viz.experiments.cells import SHIPPED_SWEEP
from ttc_viz.experiments.figures import curves_figure
from ttc_viz.experiments.report import build
from ttc_viz.teach.figures import BIG_FONT, leaf_columns, slide_figure
from ttc_viz.teach.lesson import MAX_LESSON_BYTES, SHIPPED, Lesson, LessonFormatError, parse_lesson, shipped_lesson
from ttc_viz.teach.quiz import quiz_rounds
from ui.common import md_escape
from ui.lesson_draft import DRAFT, REQUEST, download_button
from ui.quiz_view import quiz_round, score_of

SOURCES = ("A shipped lesson", "Upload a lesson", "Your lesson (built on Explore)")
SLIDE = "ls_slide"          # the slide shown (0-based)
SHOWN = "ls_shown"          # which lesson that index belongs to
UPLOADED = "ls_uploaded"    # (file name, size, Lesson) of the last good upload
QUIET = {"displayModeBar": False}   # presented figures: no tool bar over the title
WIDE = 20                   # leaf columns beyond which a presented tree takes the full width, its caption below

# the presentation layout: fixed CSS written here (nothing from a lesson file is ever put in it)
PRESENT_CSS = """<style>
section[data-testid="stSidebar"], div[data-testid="stSidebarCollapsedControl"] {display: none;}
.block-container {max-width: 100%; padding-top: 1.5rem;}
div[data-testid="stMarkdownContainer"] p, div[data-testid="stMarkdownContainer"] li {font-size: 1.9rem; line-height: 1.4;}
div[data-testid="stMarkdownContainer"] h2 {font-size: 3rem;}
div[data-testid="stCaptionContainer"] p {font-size: 1.3rem;}
button p, div[data-testid="stCheckbox"] p, div[data-testid="stRadio"] p {font-size: 1.5rem !important;}
</style>"""


@st.cache_resource(show_spinner=False)
def _shipped(name: str) -> Lesson:
    return shipped_lesson(name)


@st.cache_data(show_spinner="Reading the shipped sweep…", max_entries=2)
def _report(folder: str) -> dict:
    return build(folder)   # its default bins: independent pools where it has them, else levels


def _bin(slide) -> object:
    return "all" if slide.bin == "all" else int(slide.bin)


def slide_fig(lesson: Lesson, slide, big: bool):
    """The figure of one slide (raises on a slide that cannot be drawn)."""
    if slide.view == "curves":
        rep = _report(str(SHIPPED_SWEEP))
        b = _bin(slide)
        if b not in rep["curves"]:
            raise LessonFormatError(f"the shipped sweep has no difficulty bin {slide.bin}")
        fig = curves_figure(rep, b, slide.x)
        if big:
            # the slide's title says which bin; the legend goes above the plot, in rows (at 3/5 of a
            # projector's width a legend at the side squeezes the plot)
            fig.update_layout(font=dict(size=BIG_FONT - 6), height=540, title_text="", margin=dict(t=100),
                              legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, font=dict(size=BIG_FONT - 6)))
        return fig
    tree = lesson.tree(slide.tree)
    tall = 560 if _narrow(lesson, slide) else 460   # a wide tree leaves room for its caption below
    return slide_figure(tree, slide.round, slide.highlight, big=big, height=tall if big else None)


def _narrow(lesson: Lesson, slide) -> bool:
    """Whether a slide's figure reads at 3/5 of the width (a tree of few columns, or curves)."""
    return slide.view == "curves" or leaf_columns(lesson.tree(slide.tree), slide.round) <= WIDE


def _choose() -> tuple[str, Lesson | None]:
    """(an id of the lesson chosen, the lesson), from the source picked above the slides."""
    asked = st.session_state.pop(REQUEST, None)
    if asked in SHIPPED:  # set before the widgets are drawn, so they show it
        st.session_state["ls_source"], st.session_state["ls_pick"] = SOURCES[0], asked
    src = st.radio("Lesson", SOURCES, horizontal=True, key="ls_source")
    if src == SOURCES[0]:
        name = st.selectbox("Shipped lessons", SHIPPED, key="ls_pick", format_func=lambda n: _shipped(n).title)
        return f"shipped:{name}", _shipped(name)
    if src == SOURCES[1]:
        up = st.file_uploader("A lesson file (.json)", type=["json"], key="ls_upload",
                              help=f"Up to {MAX_LESSON_BYTES / 1e6:.0f} MB; made with “Add this view to a lesson” "
                                   "on Explore, or by hand (see the README)")
        if up is not None and (st.session_state.get(UPLOADED) or ("", -1))[:2] != (up.name, up.size):
            lesson = _check_upload(up)
            if lesson is not None:
                st.session_state[UPLOADED] = (up.name, up.size, lesson)
        got = st.session_state.get(UPLOADED)
        return (f"upload:{got[0]}:{got[1]}", got[2]) if got else ("upload", None)
    lesson = st.session_state.get(DRAFT)
    if lesson is None or not lesson.slides:
        st.info("No slides yet: on Explore, open “Add this view to a lesson” under the tree.")
        return "draft", None
    download_button(lesson, "ls_download")
    return f"draft:{len(lesson.slides)}", lesson


def _check_upload(up) -> Lesson | None:
    if up.size > MAX_LESSON_BYTES:
        st.error(f"That file is {up.size / 1e6:.1f} MB; a lesson may be at most {MAX_LESSON_BYTES / 1e6:.0f} MB.")
        return None
    try:
        lesson = parse_lesson(up.getvalue())
    except LessonFormatError as e:
        st.error(f"That file is not a lesson: {e}")
        return None
    try:
        for s in lesson.slides:  # drawn once off screen: a lesson that would break the page is refused here
            slide_fig(lesson, s, big=False)
    except Exception as e:  # noqa: BLE001 - whatever breaks a slide, the page keeps what it had
        st.error(f"That lesson cannot be shown ({type(e).__name__}: {str(e)[:200]}).")
        return None
    st.success(f"Loaded {md_escape(up.name)}: {len(lesson.slides)} slides.")
    return lesson


def _step(delta: int, n: int) -> None:
    st.session_state[SLIDE] = max(0, min(n - 1, st.session_state.get(SLIDE, 0) + delta))


def page_lessons() -> None:
    present = st.session_state.get("ls_present", False)
    if present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)
        with st.expander("Lesson", expanded=False):  # still drawn, so the choice keeps its state
            lid, lesson = _choose()
    else:
        st.title("Lessons")
        st.caption("Step a class through prepared slides: each shows a recorded tree at one round (or the shipped "
                   "sweep's curves), with a caption and, where marked, a round to play as the verifier.")
        lid, lesson = _choose()
    st.toggle("Presentation mode (large type, no sidebar)", key="ls_present")
    if lesson is None:
        return
    if st.session_state.get(SHOWN) != lid:
        st.session_state[SHOWN], st.session_state[SLIDE] = lid, 0
    n = len(lesson.slides)
    i = min(st.session_state.get(SLIDE, 0), n - 1)
    st.session_state[SLIDE] = i
    slide = lesson.slides[i]
    c1, c2, c3 = st.columns([1, 4, 1])
    c1.button("◀ Previous", key="ls_prev", disabled=i == 0, on_click=_step, args=(-1, n), width="stretch")
    c2.markdown(f"**{md_escape(lesson.title)}** · slide {i + 1} of {n}")
    c3.button("Next ▶", key="ls_next", disabled=i == n - 1, on_click=_step, args=(1, n), width="stretch")
    if slide.title:
        st.markdown(f"## {md_escape(slide.title)}")
    if slide.quiz:  # the question first, then the round; the tree (which shows the scores) once it is revealed
        if slide.caption:
            st.markdown(md_escape(slide.caption))
        _quiz_slide(lesson, slide, f"ls_{zlib.crc32(lid.encode('utf-8')):08x}_{i}", present)  # (lid holds a file name)
    elif present and slide.caption and _narrow(lesson, slide):  # one screen: the figure beside the caption
        left, right = st.columns([3, 2], gap="large")
        left.plotly_chart(slide_fig(lesson, slide, present), key=f"ls_fig_{i}", width="stretch", config=QUIET)
        right.markdown(md_escape(slide.caption))
    else:
        st.plotly_chart(slide_fig(lesson, slide, present), key=f"ls_fig_{i}", width="stretch",
                        config=QUIET if present else None)
        if slide.caption:
            st.markdown(md_escape(slide.caption))
    if i == 0 and lesson.description and not present:
        st.caption(lesson.description)


def _quiz_slide(lesson: Lesson, slide, key: str, present: bool) -> None:
    tree = lesson.tree(slide.tree)
    rounds = quiz_rounds(tree)
    q = next((x for x in rounds if x.kind == "answer" or slide.round in (None, x.round)), rounds[0])
    quiz_round(tree, q, key)
    if score_of(tree, [q], key).rounds:
        st.plotly_chart(slide_fig(lesson, slide, present), key=f"{key}_after", width="stretch")


page_lessons()
