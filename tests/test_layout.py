"""The house's rules, read from the code's own imports (every ``import`` anywhere in a module,
inside functions too: a lazy import is still a dependency).

* ``lm/``, ``verifiers/``, ``search/`` and ``grading/`` (serving) import neither ``train/`` nor
  ``experiments/``; ``train/`` does not import ``experiments/``;
* nothing in ``ttc_viz/`` imports ``cli/`` (but ``cli/`` itself) or the app's ``ui/``;
* ``views.py`` and ``plots.py`` run no model: they import no model backend (``lm/`` beyond its
  protocol, ``verifiers/``, ``train/``, ``experiments/``) and no torch, even indirectly;
* ``teach/`` reads recorded trees: it imports no model backend (``lm/`` and ``verifiers/`` beyond
  their protocols), no torch, no streamlit, neither ``train/`` nor ``experiments/``;
* no import circle;
* at most 14 flat modules in ``ttc_viz/``, and a strategy list that names every strategy file.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "ttc_viz"


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(pkg: Path = PKG) -> nx.DiGraph:
    """Module -> module it imports (ttc_viz's own modules, and the top-level name of any other)."""
    root = pkg.parent
    mods = {}
    for p in pkg.rglob("*.py"):
        parts = list(p.relative_to(root).with_suffix("").parts)
        mods[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    g = nx.DiGraph()
    for name, path in mods.items():
        g.add_node(name)
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    head = package[:len(package) - (node.level - 1)]
                    base = ".".join(head + ([node.module] if node.module else []))
                # ``from pkg import mod`` names a module; ``from mod import name`` the module
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in mods else base for a in node.names]
            else:
                continue
            for t in targets:
                g.add_edge(name, t if t.startswith("ttc_viz") else t.split(".")[0])
    return g


def _violations(g: nx.DiGraph, sources: tuple, forbidden: tuple) -> list[str]:
    return sorted(f"{a} -> {b}" for a, b in g.edges
                  if a.startswith(sources) and any(b == f or b.startswith(f + ".") for f in forbidden))


def check_rules(g: nx.DiGraph) -> list[str]:
    """Every broken rule, one line each (empty: the house holds)."""
    serving = tuple(f"ttc_viz.{p}" for p in ("lm", "verifiers", "search", "grading"))
    bad = [f"serving imports training or experiments: {v}"
           for v in _violations(g, serving, ("ttc_viz.train", "ttc_viz.experiments"))]
    bad += [f"train/ imports experiments/: {v}" for v in _violations(g, ("ttc_viz.train",), ("ttc_viz.experiments",))]
    bad += [f"the library imports the CLI or the UI: {a} -> {b}" for a, b in g.edges
            if not a.startswith("ttc_viz.cli") and (b == "ttc_viz.cli" or b.startswith("ttc_viz.cli.") or b == "ui")]
    pure = ("ttc_viz.views", "ttc_viz.plots")
    bad += [f"a view imports a model or torch: {a} -> {b}" for a, b in g.edges if a in pure and (
            b in ("torch", "transformers", "peft") or b.startswith(("ttc_viz.verifiers", "ttc_viz.train",
                                                                     "ttc_viz.experiments"))
            or (b.startswith("ttc_viz.lm") and b != "ttc_viz.lm.base"))]
    # teaching reads recorded trees: no model, no training, no sweeps (the UI draws the curves)
    bad += [f"teach/ imports a model, training or experiments: {a} -> {b}" for a, b in g.edges
            if a.startswith("ttc_viz.teach") and (
                b in ("torch", "transformers", "peft", "streamlit")
                or b.startswith(("ttc_viz.train", "ttc_viz.experiments"))
                or (b.startswith(("ttc_viz.lm", "ttc_viz.verifiers")) and b not in ("ttc_viz.lm.base",
                                                                                      "ttc_viz.verifiers.base")))]
    bad += [f"import circle: {' -> '.join(c + c[:1])}" for c in nx.simple_cycles(g)]
    return bad


def test_the_house_rules_hold():
    assert check_rules(import_graph()) == []


def _write(root: Path, files: dict) -> Path:
    for rel, text in files.items():
        f = root / "ttc_viz" / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(text)
    for d in [p for p in (root / "ttc_viz").rglob("*") if p.is_dir()] + [root / "ttc_viz"]:
        (d / "__init__.py").touch()
    return root / "ttc_viz"


@pytest.mark.parametrize("files, says", [
    ({"lm/embedded.py": "def f():\n    from ..train.generator import x\n", "train/generator.py": "x = 1\n"},
     "serving imports training"),
    ({"search/beam.py": "from ttc_viz.experiments import report\n", "experiments/report.py": ""},
     "serving imports training or experiments"),
    ({"train/prm.py": "from ..experiments.metrics import auroc\n", "experiments/metrics.py": ""},
     "train/ imports experiments/"),
    ({"jobs.py": "from .cli import main\n", "cli/main.py": ""}, "the library imports the CLI"),
    ({"views.py": "import torch\n"}, "a view imports a model or torch"),
    ({"plots.py": "from .lm.hf import HFGenerator\n", "lm/hf.py": ""}, "a view imports a model"),
    ({"a.py": "from . import b\n", "b.py": "def f():\n    from .a import g\n"}, "import circle"),
    ({"teach/why.py": "def f():\n    from ..experiments import report\n", "experiments/report.py": ""},
     "teach/ imports a model, training or experiments"),
    ({"teach/quiz.py": "from ..verifiers.learned import PRM\n", "verifiers/learned.py": ""},
     "teach/ imports a model"),
    ({"teach/lesson.py": "import streamlit\n"}, "teach/ imports"),
])
def test_each_rule_fails_when_broken(tmp_path, files, says):
    bad = check_rules(import_graph(_write(tmp_path, files)))
    assert any(says in b for b in bad), bad


def test_views_plots_and_teaching_load_no_model_library():
    code = ("import sys, ttc_viz.views, ttc_viz.plots, ttc_viz.teach.why, ttc_viz.teach.align, ttc_viz.teach.quiz, "
            "ttc_viz.teach.lesson, ttc_viz.teach.figures; "
            "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_the_core_stays_flat_and_small():
    flat = sorted(p.name for p in PKG.glob("*.py"))
    assert len(flat) <= 14, flat


def test_the_strategy_list_names_every_strategy_file():
    """A strategy is one file in search/ plus one line in its list; the machinery is not listed."""
    from ttc_viz import search

    machinery = {"__init__", "base", "spec", "stepwise", "whatif"}
    files = {p.stem for p in (PKG / "search").glob("*.py")} - machinery
    listed = {m.__name__.rsplit(".", 1)[1] for m in search.STRATEGY_MODULES}
    assert listed == files
    assert set(search.strategy_names()) == {m.SPEC.name for m in search.STRATEGY_MODULES}
