"""End to end in a real headless Chromium against `streamlit run app.py` on the real model:
type a problem, run a beam search, check that the tree's nodes are drawn, save a screenshot."""
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
    proc.wait(10)


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


def test_type_run_see_the_tree(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    d.get(server)
    area = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, "textarea"), 120)
    assert area, "the Explore page did not render"
    ta = area[0]
    ta.send_keys(Keys.CONTROL, "a")
    ta.send_keys(Keys.DELETE)
    ta.send_keys("Tom has 9 marbles and wins 5 more. Then he loses 3. How many marbles does Tom have now?")
    ta.send_keys(Keys.TAB)
    answer = d.find_element(By.CSS_SELECTOR, "input[aria-label^='Ground-truth']")
    answer.send_keys(Keys.CONTROL, "a")
    answer.send_keys(Keys.DELETE)
    answer.send_keys("11", Keys.TAB)
    time.sleep(1.5)
    run = wait_for(lambda: [b for b in d.find_elements(By.TAG_NAME, "button") if "Run search" in b.text
                            and b.is_enabled()], 30)
    assert run
    t0 = time.time()
    run[0].click()
    first = wait_for(lambda: d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .point"), 180)
    t_first = time.time() - t0
    assert first, "no tree nodes appeared while the search ran"
    done = wait_for(lambda: d.find_elements(By.XPATH, "//*[contains(., 'Selected answer')]"), 400, every=1)
    t_done = time.time() - t0
    assert done, "the search did not finish"
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
    target = d.find_elements(By.CSS_SELECTOR, ".js-plotly-plot .scatterlayer .point")[2]
    ActionChains(d).move_to_element(target).click().perform()
    changed = wait_for(lambda: heading() != before and heading(), 60)
    assert changed, f"clicking a point did not pick it: {before}"
    out = Path(os.environ.get("TTC_VIZ_SCREENSHOTS", ROOT / ".pytest_cache"))
    out.mkdir(parents=True, exist_ok=True)
    assert d.save_screenshot(str(out / "curves.png"))
