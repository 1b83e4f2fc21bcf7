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


def test_atomic_writes_take_the_umask_like_any_new_file(tmp_path):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.json", "{}")
        new = tmp_path / "new"
        new.mkdir(mode=0o700)
        replace_dir(new, tmp_path / "kept")
        os.umask(0o077)
        write_atomic(tmp_path / "b.json", "{}")
    finally:
        os.umask(old)
    assert (tmp_path / "a.json").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "kept").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o600


def test_a_lone_surrogate_is_refused_when_read():
    import pytest

    from ttc_viz.io import read_json
    from ttc_viz.tree import SearchTree, TreeFormatError
    good = SearchTree.new("beam", {}, "What is 1+1?", "2")
    good.add(0, "The answer is 2.", iteration=1, score=0.5, status="finished")
    text = good.to_json()
    assert SearchTree.from_json(text).nodes[1].text == "The answer is 2."
    for bad in (text.replace("What is", "What \\ud800is"), text.replace('"2"', '"\\uDFFF"'),
                text.replace('"text": "What', '"\\ud83d": 1, "text": "What')):
        with pytest.raises(TreeFormatError, match="surrogate|unknown fields"):
            SearchTree.from_json(bad)
        with pytest.raises(TreeFormatError, match="surrogate|unknown fields"):
            SearchTree.from_json(bad.encode())
    # a surrogate pair is one character, and fine; so is an escaped backslash before "ud800"
    assert read_json('["\\ud83d\\ude00", "\\\\ud800"]', limit=100, error=ValueError, what="x") == ["😀", "\\ud800"]
    with pytest.raises(ValueError, match="surrogate"):
        read_json('"\\ud800"', limit=100, error=ValueError, what="x")
    with pytest.raises(ValueError, match="surrogate"):
        read_json('"\ud800"', limit=100, error=ValueError, what="x")
