"""End to end in a real headless Chromium against `streamlit run app.py` on the real model:
type a problem, run a beam search, check that the tree's nodes are drawn, save a screenshot;
the same for sequential revisions (its chains drawn left to right, the prompted reviser named)."""
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.real]
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("st") / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
                             "--server.port", str(port), "--server.address", "127.0.0.1"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    yield url
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:  # a busy machine: the server did not stop in time
        proc.kill()
        proc.wait(30)


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        pytest.skip("chromium/chromedriver not installed (make browser-deps installs them)")
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--window-size=1500,1700"):
        opts.add_argument(a)
    opts.binary_location = CHROMIUM
    d = webdriver.Chrome(options=opts, service=webdriver.ChromeService(DRIVER))
    yield d
    d.quit()


def wait_for(pred, timeout, every=0.5):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(every)
    return None


def ready(d, css: str, timeout: float):
    """The first element matching ``css`` that is drawn and enabled, found afresh until it is (a
    slow first run draws widgets before they take input, and a rerun may swap them out)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    def find():
        try:
            return next((e for e in d.find_elements(By.CSS_SELECTOR, css) if e.is_displayed() and e.is_enabled()),
                        None)
        except StaleElementReferenceException:
            return None

    return wait_for(find, timeout)


def body_text(d) -> str:
    """The page's text, or "" while a rerun swaps the page out under us."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return d.find_element(By.TAG_NAME, "body").text
    except StaleElementReferenceException:
        return ""


def type_into(d, css: str, *keys, clear: bool = True, timeout: float = 120) -> None:
    """Click the element matching ``css`` once it takes input, empty it (``clear``), then send
    ``keys``; tried again while the page is still settling (not yet interactable, or swapped
    out by a rerun)."""
    from selenium.common.exceptions import ElementNotInteractableException, StaleElementReferenceException
    from selenium.webdriver.common.keys import Keys

    def attempt():
        el = ready(d, css, 5)
        if el is None:
            return None
        try:
            el.click()
            if clear:
                el.send_keys(Keys.CONTROL, "a")
                el.send_keys(Keys.DELETE)
            el.send_keys(*keys)
            return True
        except (ElementNotInteractableException, StaleElementReferenceException):
            time.sleep(1)
            return None

    assert wait_for(attempt, timeout), f"no element {css!r} took input in {timeout} s"


def test_type_run_see_the_tree(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(server)
    assert ready(d, "textarea", 180), "the Explore page did not render"
    type_into(d, "textarea", "Tom has 9 marbles and wins 5 more. Then he loses 3. "
              "How many marbles does Tom have now?", Keys.TAB)
    type_into(d, "input[aria-label^='Ground-truth']", "11", Keys.TAB)
    time.sleep(1.5)
    run = wait_for(lambda: [b for b in d.find_elements(By.TAG_NAME, "button") if "Run search" in b.text
                            and b.is_enabled()], 30)
    assert run
    example = _tree_id(d)  # the recorded example shown before any search
    assert example, "the recorded example's tree id is not shown"
    t0 = time.time()
    run[0].click()
    first = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point"), 180)
    t_first = time.time() - t0
    assert first, "no tree nodes appeared while the search ran"
    # done: a new tree (not the example) with its selected answer, for the problem typed
    done = wait_for(lambda: _tree_id(d) not in (None, example)
                    and d.find_elements(By.XPATH, "//*[contains(., 'Selected answer')]"), 600, every=1)
    t_done = time.time() - t0
    assert done, "the search did not finish"
    assert wait_for(lambda: "Tom has 9 marbles" in body_text(d), 30)
    assert "Ines has 13 pencils" not in body_text(d)  # the example is gone
    time.sleep(3)
    points = d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point")
    assert len(points) > 8
    # click a node: the path box below the tree follows the click
    def pick_text():
        return [i.get_attribute("value") for i in d.find_elements(By.CSS_SELECTOR, "input[aria-label='Path to node']")]

    before = pick_text()
    target = d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point")[1]  # a first-round step
    from selenium.webdriver import ActionChains

    ActionChains(d).move_to_element(target).click().perform()
    changed = wait_for(lambda: pick_text() != before and pick_text(), 60)
    assert changed, f"clicking a node did not select it: {before}"
    out = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))
    out.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(out / "explore.png"))
    print(f"first round drawn after {t_first:.1f} s, search finished after {t_done:.1f} s")


def test_curves_page_draws_the_shipped_sweep_and_a_click_picks_a_point(server, browser):
    from selenium.webdriver import ActionChains
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "curves")
    pts = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer .point"), 120)
    assert pts, "the curves page drew no points"
    traces = d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer .trace")
    assert len(traces) >= 4  # several strategies and the compute-optimal line
    time.sleep(2)

    def heading():
        return [e.text for e in d.find_elements(By.XPATH, "//p[contains(., 'at budget')]")]

    before = heading()
    # click a middle point of the first line: the two pickers below follow the click
    # (the default pick may be the point clicked; try a few until the pick changes)
    changed = None
    for idx in (2, 0, 1, 3, 4):
        points = d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer .point")
        if idx >= len(points):
            continue
        ActionChains(d).move_to_element(points[idx]).click().perform()
        changed = wait_for(lambda: heading() != before and heading(), 20)
        if changed:
            break
    assert changed, f"clicking a point did not pick it: {before}"
    out = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))
    out.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(out / "curves.png"))


def _set_number(d, label, value):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, f"input[aria-label='{label}']"), 60)
    assert box, f"no input {label!r}"
    box[0].send_keys(Keys.CONTROL, "a")
    box[0].send_keys(value, Keys.ENTER)
    assert wait_for(lambda: d.find_element(By.CSS_SELECTOR, f"input[aria-label='{label}']")
                    .get_attribute("value") == value, 30)
    time.sleep(0.8)


def test_a_revisions_run_draws_its_chains(server, browser):
    """Choose sequential revisions in the sidebar (its own parameter appears, beam's goes), run
    N = 2 as 1 chain of 2 attempts, and see the attempts drawn with their marks."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(server)
    assert ready(d, "textarea", 180), "the Explore page did not render"
    time.sleep(1)
    box = d.find_element(By.CSS_SELECTOR, "input[aria-label='Strategy']")
    box.click()
    box.send_keys("Sequential revisions", Keys.ENTER)
    seq = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "input[aria-label='Attempts per chain (seq)']"), 60)
    assert seq, "choosing revisions did not show its parameter"
    assert wait_for(lambda: not d.find_elements(By.CSS_SELECTOR, "input[aria-label='Beam width M']"), 60), \
        "beam's M stayed in the sidebar"  # (stale elements go once the rerun ends)
    _set_number(d, "Attempts per chain (seq)", "2")
    _set_number(d, "Budget N", "2")
    before = _tree_id(d)
    run = _run_button(d)
    assert run
    run[0].click()
    done = wait_for(lambda: (_tree_id(d) not in (None, before)
                             and d.find_elements(By.XPATH, "//*[contains(., 'Selected answer')]")),
                    600, every=2)
    assert done, "the revisions search did not finish"
    time.sleep(3)
    assert not d.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    body = d.find_element(By.TAG_NAME, "body").text
    # the reviser is named: prompted, or trained once the embedded model ships its revision adapter
    assert "revisions" in body and ("prompted reviser" in body or "trained reviser" in body)
    labels = [e.text for e in d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .textpoint")]
    marks = [t for t in labels if "✓" in t or "✗" in t]
    assert len(marks) == 2, labels  # two attempts, each with its score and mark
    out = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))
    out.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(out / "revisions.png"))


PROBLEMS = [("Tom has 9 marbles and wins 5 more. How many marbles does Tom have now?", "14"),
            ("A box holds 6 eggs. Mia buys 3 boxes. How many eggs does she have?", "18"),
            ("Leo reads 12 pages on Monday and 7 on Tuesday. How many pages did he read?", "19"),
            ("Sara had 20 stickers and gave 8 away. How many stickers are left?", "12"),
            ("Ben has 4 bags with 5 apples each. How many apples does he have?", "20")]
SMALL = {"Budget N": "4", "Beam width M": "2", "Max rounds": "2"}


def _fill(d, text, answer):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    boxes = wait_for(lambda: len(d.find_elements(By.CSS_SELECTOR, "input[aria-label='Max rounds']")) == 1, 180)
    assert ready(d, "textarea", 60) and boxes, "the Explore page did not render"
    for css, value in (("textarea", text), ("input[aria-label^='Ground-truth']", answer)):
        type_into(d, css, value, Keys.TAB)
        time.sleep(0.5)
    for label, value in SMALL.items():
        box = d.find_element(By.CSS_SELECTOR, f"input[aria-label='{label}']")
        box.send_keys(Keys.CONTROL, "a")
        box.send_keys(value, Keys.ENTER)
        time.sleep(0.8)
    for label, value in SMALL.items():
        assert d.find_element(By.CSS_SELECTOR, f"input[aria-label='{label}']").get_attribute("value") == value


def _run_button(d):
    from selenium.webdriver.common.by import By

    return wait_for(lambda: [b for b in d.find_elements(By.TAG_NAME, "button")
                             if "Run search" in b.text and b.is_enabled()], 30)


def _tree_id(d):
    """The shown tree's id, or None (also while the page swaps the element out under us:
    a rerun replaces it, and reading the old one raises a stale-element error)."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        for e in d.find_elements(By.XPATH, "//*[contains(text(), 'tree id ')]"):
            words = e.text.split()
            if "id" in words and words.index("id") + 1 < len(words):
                return words[words.index("id") + 1]
    except StaleElementReferenceException:
        return None
    return None


def test_four_sessions_search_at_once_and_a_fifth_is_queued(server, browser):
    """Five tabs = five sessions on one server (at most 4 searches at once by default): the
    first four search concurrently and get the trees the same seeded searches give one after
    another; the fifth waits in line with a message, then runs."""
    from selenium.webdriver.common.by import By

    d = browser
    first = d.current_window_handle
    tabs = []
    for i, (text, answer) in enumerate(PROBLEMS):
        if i:
            d.switch_to.new_window("tab")
        d.get(server)
        _fill(d, text, answer)
        tabs.append(d.current_window_handle)
    before = {}
    for h in tabs:  # press Run in all five, quickly
        d.switch_to.window(h)
        run = _run_button(d)
        assert run
        before[h] = _tree_id(d)  # the recorded example's id
        run[0].click()
    # One of the five waits in line (which one depends on which page reaches the queue first:
    # the first Run also loads the model and the PRM, a minute or more on a busy CPU).
    def queued_tab():
        for h in tabs:
            d.switch_to.window(h)
            if "Queued:" in d.find_element(By.TAG_NAME, "body").text:
                return h
        return None

    waiting = wait_for(queued_tab, 600, every=0.2)
    assert waiting, "no search was shown as queued"
    assert not d.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    ids = {}
    for h in tabs:
        d.switch_to.window(h)
        got = wait_for(lambda: (_tree_id(d) if _tree_id(d) not in (None, before[h]) and
                                d.find_elements(By.XPATH, "//*[contains(., 'Selected answer')]") else None),
                       600, every=2)
        assert got, "a search did not finish"
        ids[h] = got
        assert not d.find_elements(By.CSS_SELECTOR, "[data-testid='stException']")
    # the same searches, one after another, in this process
    from ttc_viz.lm import load_generator
    from ttc_viz.problems import make_problem
    from ttc_viz.search import SearchConfig, run
    from ttc_viz.verifiers import load_verifier
    from ttc_viz.views import tree_fingerprint

    from ttc_viz.settings import ALWAYS_VERIFIERS

    gen, ver = load_generator("embedded"), load_verifier(ALWAYS_VERIFIERS[0])  # the sidebar's default
    for h, (text, answer) in zip(tabs, PROBLEMS):
        cfg = SearchConfig(n=4, m=2, k=1, temperature=0.8, aggregation="last", voting="weighted", max_rounds=2,
                           seed=0)
        alone = run("beam", make_problem(text, answer), gen, ver, cfg)
        assert ids[h] == tree_fingerprint(alone), f"the concurrent search of {text!r} differs from a lone run"
    for h in tabs[1:]:
        d.switch_to.window(h)
        d.close()
    d.switch_to.window(first)


def test_verifiers_page_draws_the_table_a_plot_and_filters_solutions(server, browser):
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "verifiers")
    title = wait_for(lambda: d.find_elements(By.XPATH, "//h1[contains(., 'How good is each verifier')]"), 120)
    assert title, "the Verifiers page did not open"
    traces = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer .trace"), 120)
    assert len(traces) >= 3  # accuracy on erroneous, on correct, F1
    assert d.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']"), "no table"

    def label():
        return [e.text for e in d.find_elements(By.XPATH, "//label[contains(., 'Solution (')]")]

    from ttc_viz.experiments.bench_verifier import load_result, shipped_result

    every = f"({load_result(shipped_result())['data']['solutions']})"
    assert wait_for(lambda: any(every in t for t in label()), 60), label()
    missed = wait_for(lambda: [e for e in d.find_elements(By.XPATH, "//label[contains(., 'missed the first error')]")
                               if e.is_displayed()], 60)
    missed[0].click()
    changed = wait_for(lambda: label() and not any(every in t for t in label()) and label(), 60)
    assert changed, f"filtering did not change the solutions offered: {label()}"
    out = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))
    out.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(out / "verifiers.png"))
