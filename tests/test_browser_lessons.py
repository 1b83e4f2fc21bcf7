"""A shipped lesson in a real headless Chromium against `streamlit run app.py`: open it, step
through every slide, play one quiz round as the verifier, present it in large type, and meet no
exception on the way. No model runs: the lesson's trees are recorded. Screenshots of each slide
are saved (TTC_VIZ_SCREENSHOTS, else .pytest_cache)."""
import os
import time
from pathlib import Path

import pytest

from test_browser import ROOT, browser, server, wait_for  # noqa: F401  (the fixtures)
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


def _button(d, text):
    return wait_for(lambda: [b for b in d.find_elements(_by().TAG_NAME, "button") if text in b.text and b.is_enabled()],
                    30)


def _click(d, el) -> None:
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    time.sleep(0.3)
    el.click()


def test_a_shipped_lesson_steps_through_every_slide_and_plays_a_quiz(server, browser):
    from selenium.webdriver.common.keys import Keys

    By = _by()
    d = browser
    lesson = shipped_lesson("2-beam")
    OUT.mkdir(parents=True, exist_ok=True)
    d.get(server + "lessons")
    box = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "input[aria-label^='Shipped lessons']"), 120)
    assert box, "the Lessons page did not render"
    time.sleep(1)
    box[0].click()
    box[0].send_keys(lesson.title, Keys.ENTER)
    n = len(lesson.slides)
    assert wait_for(lambda: f"slide 1 of {n}" in _body(d) and lesson.slides[0].title in _body(d), 60)
    answered = False
    for i, slide in enumerate(lesson.slides):
        assert wait_for(lambda: f"slide {i + 1} of {n}" in _body(d) and slide.title in _body(d), 60), i
        if slide.quiz and not answered:   # play the first quiz: keep 4 of the 16 first steps
            def targets():  # all four drawn (the list of 16 may still be arriving, or be swapped out)
                from selenium.common.exceptions import StaleElementReferenceException

                try:
                    found = [b for b in d.find_elements(By.CSS_SELECTOR, "[data-testid='stCheckbox'] label")
                             if b.text.split(" ·")[0] in ("#1", "#3", "#9", "#16")]
                except StaleElementReferenceException:
                    return None
                return found if len(found) == 4 else None

            picks = wait_for(targets, 60)
            assert picks, _body(d)[-1500:]
            for b in picks:
                _click(d, b)
                time.sleep(0.8)
            _click(d, _button(d, "Reveal the verifier")[0])
            assert wait_for(lambda: "The verifier kept #1, #2, #4, #5" in _body(d), 60), _body(d)[-1500:]
            assert "You agreed on 1 of 4" in _body(d)
            answered = True
        else:
            assert wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point"), 60), i
        time.sleep(1)
        _no_exception(d)
        assert d.save_screenshot(str(OUT / f"lesson-slide-{i + 1}.png"))
        if i < n - 1:
            _click(d, _button(d, "Next")[0])
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
