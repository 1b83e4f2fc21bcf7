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


def pytest_configure(config):
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
