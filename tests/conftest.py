import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from ttc_viz.problems import Problem  # noqa: E402


@pytest.fixture(scope="session")
def embedded():
    """The real embedded SmolLM2 generator, loaded once per test session."""
    from ttc_viz.lm import load_generator
    from ttc_viz.lm.hf import HFConfig

    return load_generator("embedded", device="cpu", config=HFConfig(max_step_tokens=48, max_solution_tokens=160))


@pytest.fixture
def problem():
    return Problem(text="Ana has 2 apples and gets 3 more. How many apples?", answer="5")


# The longest test files (seconds on 2 CPU cores, from pytest --durations), in that order.
# Collected first, so make test's workers (pytest -n, whole files each) start with them and
# the last file any worker picks up is a short one. Others keep their order after these.
LONGEST_FIRST = ("test_remote_real.py", "test_browser.py", "test_real.py", "test_cli.py", "test_browser_lessons.py",
                 "test_grading_fuzz.py", "test_train_prm.py", "test_packaging.py", "test_embedded.py", "test_app.py")


def pytest_collection_modifyitems(session, config, items):
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: order within a file kept


def pytest_configure(config):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # One worker per core (make test runs pytest -n auto): a worker that also spreads torch
        # over every core slows the others many times over. Subprocesses inherit the setting.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        os.environ.setdefault("MKL_NUM_THREADS", "1")
        import torch

        torch.set_num_threads(1)
