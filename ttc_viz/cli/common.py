"""What every subcommand shares: the parser class, argument types, output checks, the
progress bar, and loading the generator and verifier a command names.

Every mistake in the input is reported as one line on stderr with exit code 2, before any
model loads (``Parser.error`` for argparse's own, ``main`` for the ValueErrors raised here).
"""
from __future__ import annotations

import argparse
import os
import sys

from ..problems import LEVELS

MAX_INT = 2**31 - 1  # larger is a typo; it would only mean hours of work or unbounded memory
DEVICES = ("auto", "cpu", "cuda", "mps")


class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2 (argparse prints usage too by default)
        sys.stderr.write(f"ttc-viz: error: {message} (see ttc-viz {self.prog.split()[-1]} --help)\n")
        sys.exit(2)


# ---------------------------------------------------------------------------------------
# argument types: checked by argparse, before anything runs

def _whole(s: str, lo: int) -> int:
    try:
        v = int(s.strip()) if len(s) <= 20 else None
    except ValueError:
        v = None
    if v is None:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {s[:40]!r}")
    if not lo <= v <= MAX_INT:
        kind = "a positive" if lo == 1 else "a non-negative"
        raise argparse.ArgumentTypeError(f"expected {kind} whole number, got {v}")
    return v


def positive_int(s: str) -> int:
    """A whole number >= 1 (budgets, batch sizes, counts that must do something)."""
    return _whole(s, 1)


def at_most(hi: int):
    """A whole number from 1 to ``hi``: for a setting whose larger values are a typo that would
    only take hours or all the memory (a LoRA rank, problems per level)."""
    def check(s: str) -> int:
        v = _whole(s, 1)
        if v > hi:
            raise argparse.ArgumentTypeError(f"expected at most {hi:,}, got {v:,}")
        return v
    return check


def count(s: str) -> int:
    """A whole number >= 0 (indices, seeds, counts where 0 means none)."""
    return _whole(s, 0)


def temperature(s: str) -> float:
    """A sampling temperature, a finite number from 0 to 2 (checked before any model loads;
    ``nan`` would otherwise pass every comparison and sample nonsense)."""
    try:
        v = float(s) if len(s) <= 40 else None
    except ValueError:
        v = None
    if v is None or not 0.0 <= v <= 2.0:  # NaN fails the comparison too
        raise argparse.ArgumentTypeError(f"expected a temperature from 0 to 2, got {s[:40]!r}")
    return v


MAX_DATASET_BYTES = 1 << 30


def dataset(s: str) -> str:
    """A data set: a name (synthetic, classroom) or a .jsonl file. An existing path must be an
    ordinary file of at most 1 GB: a FIFO would block forever, ``/dev/zero`` never ends."""
    if s in ("synthetic", "classroom") or not os.path.exists(s):
        return s  # a name, or a missing file the loader reports by name
    if os.path.isdir(s):
        return s
    import stat

    mode = os.stat(s).st_mode
    if not stat.S_ISREG(mode):
        raise argparse.ArgumentTypeError(f"{s[:200]} is not an ordinary file (a pipe or a device?); "
                                         "give a .jsonl file")
    size = os.path.getsize(s)
    if size > MAX_DATASET_BYTES:
        raise argparse.ArgumentTypeError(f"{s[:200]} is {size / 1e9:.1f} GB; a data set may be at most "
                                         f"{MAX_DATASET_BYTES / 1e9:.0f} GB")
    return s


def check_problem_text(prob) -> None:
    """A problem read from a file must be text (a lone surrogate, ``\\ud800`` in JSON, is
    not): refused in one line before any model sees it."""
    for what, v in (("problem", prob.text), ("answer", prob.answer)):
        try:
            (v or "").encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(f"the {what} holds a lone surrogate (such as \\ud800), which is not text") from None


def device(s: str) -> str:
    """auto, cpu, cuda, cuda:<index> or mps; anything else fails here, not inside torch."""
    head, _, idx = s.partition(":")
    if head in DEVICES and (not idx or (head == "cuda" and idx.isdigit() and len(idx) < 4)):
        return s
    raise argparse.ArgumentTypeError(f"unknown device {s[:40]!r}; use auto, cpu, cuda, cuda:<index> or mps")


def levels(s: str) -> tuple:
    """``1-3`` or ``1,2,5``, each a synthetic level: checked before any range is built, so a
    typo such as 1-100000000 is one short error line, not a hundred-million-element tuple."""
    lo_level, hi_level = min(LEVELS), max(LEVELS)
    bad = f"levels must look like 1-3 or 1,2,5 with levels {lo_level}-{hi_level}; got {s[:40]!r}"
    try:
        if "-" in s:
            lo, hi = (int(x) for x in s.split("-", 1) if len(x) <= 20)
            vals = (lo, hi)
        else:
            vals = tuple(int(x) for x in s.split(",") if len(x) <= 20)
            if len(vals) != len(s.split(",")):
                raise ValueError
    except ValueError:
        raise ValueError(bad) from None
    if not vals or any(v not in LEVELS for v in vals) or ("-" in s and vals[0] > vals[1]):
        raise ValueError(bad)
    return tuple(range(vals[0], vals[1] + 1)) if "-" in s else tuple(dict.fromkeys(vals))


def ints(s: str, what: str, most: int = 64) -> tuple:
    """Up to ``most`` comma-separated whole numbers (budgets, beam widths, depths)."""
    parts = [x for x in s.split(",") if x.strip()]
    bad = f"{what} must be up to {most} comma-separated whole numbers, e.g. 1,2,4,8; got {s[:40]!r}"
    if len(parts) > most or any(len(x) > 20 for x in parts):
        raise ValueError(bad)
    try:
        vals = tuple(int(x) for x in parts)
    except ValueError:
        raise ValueError(bad) from None
    if not vals:
        raise ValueError(f"{what} is empty")
    return vals


def minutes(value: float | None) -> float | None:
    if value is not None and value <= 0:
        raise ValueError(f"--minutes must be positive, got {value}")
    return value


# ---------------------------------------------------------------------------------------
# options several commands take, written once

def add_device(p: argparse.ArgumentParser) -> None:
    p.add_argument("--device", default="auto", type=device,
                   help="auto | cpu | cuda | cuda:<index> | mps (default auto: the GPU if there is one)")


def add_quiet(p: argparse.ArgumentParser) -> None:
    p.add_argument("--quiet", action="store_true", help="no progress bar or loading messages")


def add_lora_training(p: argparse.ArgumentParser, save_every: int) -> None:
    """The options both adapter trainers (train-prm, train-gen) take."""
    p.add_argument("--layers", type=positive_int, default=12, help="top layers given LoRA (default 12 of 30)")
    p.add_argument("--rank", type=at_most(256), default=16, help="LoRA rank, up to 256 (default 16)")
    p.add_argument("--minutes", type=float, help="stop (checkpointed) after this many minutes")
    p.add_argument("--save-every", type=positive_int, default=save_every,
                   help=f"checkpoint every this many steps (default {save_every})")
    p.add_argument("--fp32", action="store_true", help="no bfloat16 autocast")
    p.add_argument("--seed", type=count, default=0, help="random seed (default 0)")
    add_device(p)
    add_quiet(p)


# ---------------------------------------------------------------------------------------
# outputs, checked before any model loads

def check_writable(path: str, inputs=()) -> None:
    """Refuse an output path that cannot be written, before any model is loaded or any
    search runs: a folder, a missing or read-only folder, a name too long for the file
    system, or one of the command's own input files."""
    if not path or not path.strip():
        raise ValueError("the output path is empty")
    full = os.path.abspath(path)
    d, name = os.path.split(full)
    if os.path.isdir(full):
        raise ValueError(f"cannot write {path}: it is a folder; give a file name")
    if not os.path.isdir(d):
        raise ValueError(f"cannot write {path}: folder {d} does not exist")
    try:
        name_max = os.pathconf(d, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    if len(name.encode("utf-8", "surrogateescape")) > name_max:
        raise ValueError(f"cannot write {path[:60]}...: the file name is longer than this file system allows "
                         f"({name_max} bytes)")
    if not os.access(d, os.W_OK | os.X_OK) or (os.path.exists(full) and not os.access(full, os.W_OK)):
        raise ValueError(f"cannot write {path}: permission denied")
    _probe_folder(d, path)
    for src in inputs:
        if src and os.path.exists(src) and os.path.exists(full) and os.path.samefile(src, full):
            raise ValueError(f"--out {path} is the input file {src}; writing there would destroy it")


def _probe_folder(d: str, path: str) -> None:
    """Create and remove a file in folder ``d``: permissions alone do not say whether a file
    can be made there (``/proc``, a read-only mount, a full disk, and root passes every
    permission check)."""
    import tempfile

    try:
        fd, probe = tempfile.mkstemp(prefix=".ttc-viz-probe-", dir=d)
    except OSError as e:
        raise ValueError(f"cannot write {path}: {e.strerror or e}") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


def check_out_dir(path: str, inputs=(), flag: str = "--out") -> None:
    """An output folder: a folder or nothing yet (under a writable parent), never an input."""
    if not path or not path.strip():
        raise ValueError("the output folder is empty")
    full = os.path.abspath(path)
    if os.path.exists(full) and not os.path.isdir(full):
        raise ValueError(f"{flag} {path} is a file; give a folder")
    for src in inputs:
        if src and os.path.exists(src) and os.path.abspath(src).startswith(full + os.sep):
            raise ValueError(f"{flag} {path} holds the input {src}; use another folder")
    probe = full
    while not os.path.exists(probe):
        probe = os.path.dirname(probe)
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ValueError(f"cannot write {path}: permission denied")


# ---------------------------------------------------------------------------------------
# talking while working

def say(a, msg: str) -> None:
    if not getattr(a, "quiet", False):
        print(msg, file=sys.stderr)


def quiet_libraries(a) -> None:
    """--quiet also silences transformers' own loading bars."""
    if getattr(a, "quiet", False):
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


class Progress:
    """The one progress bar of a long command (tqdm on stderr; nothing with --quiet). Its
    methods are the callbacks the library takes, so no command writes its own."""

    def __init__(self, a, total: int, desc: str, unit: str):
        self.bar = None
        if not getattr(a, "quiet", False):
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit=unit, file=sys.stderr)

    def at(self, done: int, **postfix) -> None:
        if self.bar is not None:
            self.bar.n = done
            if postfix:
                self.bar.set_postfix(postfix, refresh=False)
            self.bar.refresh()

    def __call__(self, done: int, _total=None, _elapsed=None) -> None:
        """``progress(done, total, elapsed)``: MC labels, eval-prm, sweeps."""
        self.at(done)

    def training(self, done: int, _total, loss: float) -> None:
        """``progress(done, total, loss)``: the adapter trainers."""
        self.at(done, loss=f"{loss:.3f}")

    def log(self, message: str) -> None:
        """A line that does not break the bar."""
        (self.bar.write if self.bar is not None else lambda m: print(m, file=sys.stderr))(message)

    def close(self, ended_early: bool = False) -> None:
        if self.bar is not None:
            if ended_early:  # a search that finished before max rounds: the bar ends full
                self.bar.total = self.bar.n
            self.bar.close()


def train_with_progress(a, total: int, batch_size: int, train, done) -> None:
    """Run an adapter trainer (``train(progress=, log=)``) under one bar; say how it ended:
    finished (then ``done(result)``, e.g. where the adapter is) or stopped on time at a checkpoint."""
    bar = Progress(a, total, "training", "step")
    try:
        res = train(progress=bar.training, log=bar.log)
    finally:
        bar.close()
    if res["finished"]:
        print(f"trained {res['step']} steps ({res['step'] * batch_size} solutions) in {res['seconds'] / 60:.1f} min; "
              + done(res))
    else:
        print(f"stopped at step {res['step']} of {total} (checkpoint in {a.out}/checkpoint); "
              "rerun the same command to continue")


# ---------------------------------------------------------------------------------------
# models

def load_generator_for(a, spec: str, **kw):
    from ..lm import load_generator

    say(a, f"loading model {spec} ...")
    quiet_libraries(a)
    return load_generator(spec, device=a.device, **kw)


def load_search_models(a):
    """(generator, verifier, verifier spec) for ``--model`` / ``--verifier`` (a preset name
    gives both; see presets.resolve). A bad verifier fails before anything loads."""
    from ..lm.hf import HFConfig
    from ..presets import resolve
    from ..verifiers import check_spec, load_verifier

    gen_spec, ver_spec = resolve(a.model, a.verifier)
    check_spec(ver_spec)
    quiet_libraries(a)
    say(a, f"loading verifier {ver_spec} ...")
    verifier = load_verifier(ver_spec, device=a.device, trust_remote_code=a.trust_remote_code)
    gen = load_generator_for(a, gen_spec, trust_remote_code=a.trust_remote_code,
                             config=HFConfig(batch_size=a.batch_size))
    return gen, verifier, ver_spec


def add_search_models(p: argparse.ArgumentParser) -> None:
    """--model, --verifier and what loading them takes (solve, sweep)."""
    p.add_argument("--model", default="embedded",
                   help="'embedded' (SmolLM2-135M with the project's fine-tuned adapter, offline), "
                        "'embedded-base' (the base model), 'embedded:<adapter file>', a preset name from "
                        "'ttc-viz models', or a Hugging Face model id / local folder (default embedded)")
    p.add_argument("--verifier", default=None,
                   help="symbolic (exact arithmetic checker; the embedded preset's default), prm (the project's "
                        "own learned PRM), answer-key (exact step labels for synthetic problems: what a perfect PRM "
                        "would say; it knows the answer), prm:<adapter file>, or a real PRM as "
                        "hf:<id or folder>:<math-shepherd|rlhflow|qwen> (default: the model preset's)")
    add_device(p)
    p.add_argument("--batch-size", type=positive_int, default=64, help="sequences decoded together (default 64)")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="allow a hub model's own Python code to run (only for models you trust)")
