import os
import threading

from ttc_viz.io import recover_dir, replace_dir, write_atomic


def test_write_atomic_text_and_bytes(tmp_path):
    p = tmp_path / "a.json"
    write_atomic(p, "héllo")
    assert p.read_text(encoding="utf-8") == "héllo"
    write_atomic(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert [x.name for x in tmp_path.iterdir()] == ["a.json"]


def test_concurrent_writers_never_fail_or_tear(tmp_path):
    """Many threads writing one path: every write succeeds, the file is always one whole write."""
    p = tmp_path / "cell.json"
    errors, payloads = [], [(str(i) * 2000) for i in range(10)]

    def writer(i):
        for _ in range(60):
            try:
                write_atomic(p, payloads[i])
            except Exception as e:  # noqa: BLE001
                errors.append(e)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert p.read_text() in payloads
    assert [x.name for x in tmp_path.iterdir()] == ["cell.json"]


def test_long_names_that_fit_still_fit_with_the_temporary_name(tmp_path):
    name = "x" * (os.pathconf(tmp_path, "PC_NAME_MAX") - 5) + ".json"
    write_atomic(tmp_path / name, "ok")
    assert (tmp_path / name).read_text() == "ok"


def test_replace_dir_and_recovery_after_a_kill_between_renames(tmp_path):
    target, new = tmp_path / "checkpoint", tmp_path / "checkpoint.tmp"
    target.mkdir()
    (target / "state.json").write_text("old")
    new.mkdir()
    (new / "state.json").write_text("new")
    replace_dir(new, target)
    assert (target / "state.json").read_text() == "new" and not new.exists()
    assert not (tmp_path / "checkpoint.old").exists()
    # killed after the old folder was moved aside, before the new one took its name
    os.replace(target, tmp_path / "checkpoint.old")
    assert not target.exists()
    assert recover_dir(target)
    assert (target / "state.json").read_text() == "new"
