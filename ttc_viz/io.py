"""Atomic file writes: a reader sees the old file or the new one, never half of either.

``write_atomic(path, data)`` writes to a temporary file with a unique name in the same
folder (so the final rename never crosses a file system), flushes it to disk, then
``os.replace``s it over ``path``. Two writers racing on one path both succeed; the last
rename wins. A writer killed half-way leaves at most a hidden ``.tmp`` file behind, never
a truncated ``path``.

``read_json(data, limit=..., error=..., what=...)`` is the other side, for a file that may come
from anyone (a tree, a lesson): a size limit first, UTF-8 (a byte-order mark allowed), JSON
too deeply nested refused, and every failure one line in the caller's own error class;
``read_limited(path, ...)`` reads such a file's bytes, refusing a missing or oversized one.

``replace_dir(new, target)`` does the same for a folder (a training checkpoint): the old
folder is moved aside before the new one takes its name, and ``recover_dir(target)``
puts a complete copy back if a process was killed between the two renames.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path


def read_json(data: str | bytes, *, limit: int, error: type[Exception], what: str):
    """``data`` (JSON text, or UTF-8 bytes) parsed; ``error`` with a one-line message if it is
    longer than ``limit``, not UTF-8 or not JSON. ``what`` names the thing in messages ("a tree")."""
    if len(data) > limit:
        raise error(f"the file is {len(data) / 1e6:.1f} MB; {what} may be at most {limit / 1e6:.0f} MB")
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise error("not a text file (not UTF-8)") from None
    try:
        obj = json.loads(data.removeprefix("\ufeff"))
    except RecursionError:
        raise error(f"not {what}: nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, and integers longer than Python parses
        raise error(f"not JSON: {str(e)[:200]}") from None
    if not data.isascii() and not _encodable(data) or _SURROGATE_ESCAPE.search(data) and not _encodable(obj):
        raise error(f"not {what}: it holds a lone surrogate (such as \\ud800), which is not text")
    return obj


# a JSON escape of a UTF-16 surrogate; only then can parsed text hold one that is not paired
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _encodable(obj) -> bool:
    """Whether every string in ``obj`` (keys too) is valid Unicode: a lone surrogate cannot be
    written as UTF-8, so it would break every later write or display of the text."""
    try:
        if isinstance(obj, str):
            obj.encode("utf-8")
        else:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, RecursionError, ValueError):
        return False
    return True


def read_limited(path: str | Path, *, limit: int, error: type[Exception], what: str) -> bytes:
    """The bytes of ``path``; ``error`` if it is missing or larger than ``limit`` (checked before reading)."""
    p = Path(path)
    if not p.is_file():
        raise error(f"{what} file not found: {p}")
    if p.stat().st_size > limit:
        raise error(f"{p} is {p.stat().st_size / 1e6:.1f} MB; a {what} may be at most {limit / 1e6:.0f} MB")
    return p.read_bytes()


def write_atomic(path: str | Path, data: str | bytes, encoding: str = "utf-8") -> Path:
    """Replace ``path`` with ``data`` (text or bytes) atomically; returns the path."""
    path = Path(path)
    raw = data.encode(encoding) if isinstance(data, str) else bytes(data)
    # a short prefix: the temporary name must fit wherever ``path`` fits
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".tmp", dir=path.parent or ".")
    try:
        # mkstemp makes the file 0600; the file written takes the mode any new file would
        # (0666 less the umask), so a file one user writes another may read as usual
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


def _umask() -> int:
    """The process's umask (read without changing it where the system allows)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: read by setting it, and put it straight back
    os.umask(mask)
    return mask


def _aside(target: Path) -> Path:
    return target.with_name(target.name + ".old")


def replace_dir(new: str | Path, target: str | Path) -> None:
    """Give the complete folder ``new`` the name ``target``; the old ``target`` is removed.

    Order: old -> ``target.old``, new -> ``target``, then delete ``target.old``. Killed at
    any point, either ``target`` or ``target.old`` is a complete folder (see recover_dir)."""
    new, target = Path(new), Path(target)
    os.chmod(new, 0o777 & ~_umask())  # a ``mkdtemp`` folder is 0700; the folder kept is not
    old = _aside(target)
    if old.exists() and target.exists():
        shutil.rmtree(old)  # a leftover from an earlier interrupted swap; target is complete
    if target.exists():
        os.replace(target, old)
    os.replace(new, target)
    shutil.rmtree(old, ignore_errors=True)


def recover_dir(target: str | Path) -> bool:
    """If a swap was interrupted after the old folder was moved aside, move it back.
    Returns True when ``target`` exists afterwards."""
    target = Path(target)
    old = _aside(target)
    if not target.exists() and old.is_dir():
        os.replace(old, target)
    return target.exists()
