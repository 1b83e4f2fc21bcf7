"""A shipped lesson in a real headless Chromium against `streamlit run app.py`: open it, step
through every slide, play one quiz round as the verifier, present it in large type, and meet no
exception on the way. No model runs: the lesson's trees are recorded. Screenshots of each slide
are saved (TTC_VIZ_SCREENSHOTS, else .pytest_cache)."""
import os
import time
from pathlib import Path

import pytest

from test_browser import ROOT, browser, ready, server, type_into, wait_for  # noqa: F401  (the fixtures)
from ttc_viz.teach.lesson import shipped_lesson

pytestmark = [pytest.mark.browser]
OUT = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))


def _by():
    from selenium.webdriver.common.by import By

    return By


def _body(d) -> str:
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        return d.find_element(_by().TAG_NAME, "body").text
    except StaleElementReferenceException:  # a rerun swapped the page out under us
        return ""


def _no_exception(d) -> None:
    assert not d.find_elements(_by().CSS_SELECTOR, "[data-testid='stException']"), _body(d)[-2000:]


def _click(d, el) -> None:
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.3)
    el.click()


def _tick(d, node: str) -> bool | None:
    """Tick the quiz box of candidate ``node`` ("#3"), if it is drawn (None while it is not)."""
    from selenium.common.exceptions import StaleElementReferenceException

    try:
        for b in d.find_elements(_by().CSS_SELECTOR, "[data-testid='stCheckbox'] label"):
            if b.text.split(" ·")[0] == node:
                _click(d, b)
                return True
    except StaleElementReferenceException:
        pass
    return None


def _press(d, text) -> None:
    """Click the enabled button labelled ``text``, finding it again while a rerun swaps the page."""
    from selenium.common.exceptions import StaleElementReferenceException

    def press():
        try:
            b = [b for b in d.find_elements(_by().TAG_NAME, "button") if text in b.text and b.is_enabled()]
            if b:
                _click(d, b[0])
                return True
        except StaleElementReferenceException:
            pass
        return None

    assert wait_for(press, 60), f"no button {text!r}"


def test_a_shipped_lesson_steps_through_every_slide_and_plays_a_quiz(server, browser):
    from selenium.webdriver.common.keys import Keys

    By = _by()
    d = browser
    lesson = shipped_lesson("2-beam")
    OUT.mkdir(parents=True, exist_ok=True)
    d.get(server + "lessons")
    assert ready(d, "input[aria-label^='Shipped lessons']", 180), "the Lessons page did not render"
    type_into(d, "input[aria-label^='Shipped lessons']", lesson.title, Keys.ENTER, clear=False)
    n = len(lesson.slides)
    assert wait_for(lambda: f"slide 1 of {n}" in _body(d) and lesson.slides[0].title in _body(d), 60)
    answered = False
    for i, slide in enumerate(lesson.slides):
        assert wait_for(lambda: f"slide {i + 1} of {n}" in _body(d) and slide.title in _body(d), 60), i
        if slide.quiz and not answered:   # play the first quiz: keep 4 of the 16 first steps
            for node in ("#1", "#3", "#9", "#16"):   # each box found afresh: a tick reruns the page
                assert wait_for(lambda: _tick(d, node), 60), (node, _body(d)[-1500:])
                time.sleep(0.8)
            _press(d, "Reveal the verifier")
            assert wait_for(lambda: "The verifier kept #1, #2, #4, #5" in _body(d), 60), _body(d)[-1500:]
            assert "You agreed on 1 of 4" in _body(d)
            answered = True
        elif slide.quiz:  # a later quiz: its candidates are asked first, the tree waits for the reveal
            assert wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "[data-testid='stCheckbox'] label"), 60), i
            assert not d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point"), "the quiz showed the scores first"
        else:
            assert wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point"), 60), i
        time.sleep(1)
        _no_exception(d)
        assert d.save_screenshot(str(OUT / f"lesson-slide-{i + 1}.png"))
        if i < n - 1:
            _press(d, "Next")
    assert answered
    # presentation mode: large type, no sidebar, the same slide
    toggle = [t for t in d.find_elements(By.TAG_NAME, "label") if "Presentation mode" in t.text]
    _click(d, toggle[0])
    assert wait_for(lambda: not [s for s in d.find_elements(By.CSS_SELECTOR, "section[data-testid='stSidebar']")
                                 if s.is_displayed()], 30), "the sidebar stayed in presentation mode"
    assert f"slide {n} of {n}" in _body(d)
    caption = [p for p in d.find_elements(By.CSS_SELECTOR, "div[data-testid='stMarkdownContainer'] p")
               if p.text.startswith("Subtree 1 falls")]
    assert caption and float(caption[0].value_of_css_property("font-size").rstrip("px")) >= 28
    _no_exception(d)
    assert d.save_screenshot(str(OUT / "lesson-presented.png"))
