"""The public API is importable from ``ttc_viz`` itself, and the README's library snippet runs."""
import re
import subprocess
import sys
from pathlib import Path

import ttc_viz

ROOT = Path(__file__).resolve().parent.parent


def readme_library_snippet() -> str:
    text = (ROOT / "README.md").read_text()
    section = text.split("## As a library", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_every_public_name_resolves_and_importing_loads_no_model_library():
    assert {"Metered", "repick", "selected_path", "SearchTree", "run_search"} <= set(ttc_viz.__all__)
    for name in ttc_viz.__all__:
        assert getattr(ttc_viz, name) is not None, name
    code = ("import sys, ttc_viz; from ttc_viz import run_search, load_generator, load_verifier, SearchTree; "
            "print(sorted(m for m in ('torch', 'transformers', 'streamlit') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stderr[-1000:]


def test_the_readme_snippet_imports_from_ttc_viz_and_runs(monkeypatch, capsys):
    from fakes import FakeGenerator

    snippet = readme_library_snippet()
    imports = re.findall(r"^from (\S+) import", snippet, re.M)
    assert imports and set(imports) == {"ttc_viz"}, imports
    monkeypatch.setattr(ttc_viz, "load_generator", lambda spec, **kw: FakeGenerator())  # no model load here
    exec(compile(snippet, "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert "'weighted'" in out[0] and "Cost(generations=" in out[0]
    assert out[1] == str(ttc_viz.strategy_names())
