"""The walk that holds local writes inside their destination (managers/anchored.py)."""

from __future__ import annotations

import fcntl
import os

import pytest

from stowtui.managers import anchored, exceptions, paths
from stowtui.managers.transfer import SourceState


def test_a_link_in_the_middle_is_refused_and_nothing_is_made_through_it(tmp_path):
    root, elsewhere = tmp_path / "root", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, root / "a")

    with pytest.raises(anchored.LinkInTheWay, match=r"root/a: it is a symbolic link, which is not followed") as info:
        anchored.reach(str(root / "a" / "b"), str(root))
    with pytest.raises(anchored.LinkInTheWay):
        with anchored.staged(str(root / "a" / "f"), str(root)) as staged:
            staged.handle.write(b"x")

    assert isinstance(info.value, exceptions.UnsafePath)
    assert list(elsewhere.iterdir()) == []


def test_a_link_at_the_root_is_followed_as_given(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    os.symlink(real, tmp_path / "chosen")

    with anchored.staged(str(tmp_path / "chosen" / "x" / "y" / "f"), str(tmp_path / "chosen")) as staged:
        staged.handle.write(b"data")

    assert (real / "x" / "y" / "f").read_bytes() == b"data"


def test_a_file_where_a_folder_goes_is_not_a_directory(tmp_path):
    (tmp_path / "a").write_bytes(b"")
    with pytest.raises(NotADirectoryError):
        anchored.reach(str(tmp_path / "a" / "b"), str(tmp_path))


def test_a_path_outside_the_root_is_refused(tmp_path):
    with pytest.raises(exceptions.UnsafePath, match="not inside"):
        anchored.reach(str(tmp_path / "x"), str(tmp_path / "y"))


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    with pytest.raises(RuntimeError):
        with anchored.staged(str(tmp_path / "f")) as staged:
            staged.handle.write(b"half")
            raise RuntimeError("cut")
    assert os.listdir(tmp_path) == []


def _state(path) -> SourceState:
    stats = os.stat(path)
    return SourceState(stats.st_size, None, round(stats.st_mtime * 1e9), None)  # as a listing keeps it


def test_a_replacement_replaces_only_the_file_that_was_compared(tmp_path):
    target = tmp_path / "f"
    target.write_bytes(b"old")
    compared = _state(target)
    with anchored.staged(str(target), replaces=compared) as staged:
        staged.handle.write(b"new")
    assert target.read_bytes() == b"new"

    target.write_bytes(b"someone else's")  # changed since it was compared
    with pytest.raises(paths.DestinationChanged, match="changed since it was compared; not replaced"):
        with anchored.staged(str(target), replaces=compared) as staged:
            staged.handle.write(b"mine")
    assert target.read_bytes() == b"someone else's"
    assert os.listdir(tmp_path) == ["f"]

    target.unlink()  # gone since it was compared: nothing is put there either
    with pytest.raises(paths.DestinationChanged):
        with anchored.staged(str(target), replaces=compared) as staged:
            staged.handle.write(b"mine")
    assert os.listdir(tmp_path) == []


def test_a_replacement_waits_for_the_folder_lock_and_gives_up_with_a_sentence(tmp_path, monkeypatch):
    """Every replacing placement takes the directory's flock: one held elsewhere (another
    process's descriptor) keeps it from renaming, and a lock held too long is a sentence."""
    target = tmp_path / "f"
    target.write_bytes(b"old")
    monkeypatch.setattr(anchored, "LOCK_WAIT", 0.2)
    held = os.open(tmp_path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(exceptions.BackendError, match="held a lock on it"):
            with anchored.staged(str(target), replaces=_state(target)) as staged:
                staged.handle.write(b"new")
        assert target.read_bytes() == b"old" and os.listdir(tmp_path) == ["f"]
        with anchored.staged(str(tmp_path / "g"), replace=False) as staged:  # a new name needs no lock
            staged.handle.write(b"g")
        fcntl.flock(held, fcntl.LOCK_UN)
        with anchored.staged(str(target), replaces=_state(target)) as staged:
            staged.handle.write(b"new")
    finally:
        os.close(held)
    assert target.read_bytes() == b"new" and (tmp_path / "g").read_bytes() == b"g"


def test_a_rename_replaces_only_the_file_that_was_compared_and_keeps_its_source(tmp_path):
    (tmp_path / "src").write_bytes(b"mine")
    (tmp_path / "dst").mkdir()
    (tmp_path / "dst" / "f").write_bytes(b"old")
    compared = _state(tmp_path / "dst" / "f")
    (tmp_path / "dst" / "f").write_bytes(b"newer, theirs")

    with pytest.raises(paths.DestinationChanged):
        anchored.rename(str(tmp_path / "src"), str(tmp_path / "dst" / "f"), str(tmp_path / "dst"), replaces=compared)
    assert (tmp_path / "src").read_bytes() == b"mine"
    assert (tmp_path / "dst" / "f").read_bytes() == b"newer, theirs"

    anchored.rename(str(tmp_path / "src"), str(tmp_path / "dst" / "f"), str(tmp_path / "dst"),
                    replaces=_state(tmp_path / "dst" / "f"))
    assert (tmp_path / "dst" / "f").read_bytes() == b"mine" and not (tmp_path / "src").exists()


def test_a_rename_through_a_swapped_link_is_refused(tmp_path):
    (tmp_path / "src").write_bytes(b"mine")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "dst").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "dst" / "sub")

    with pytest.raises(anchored.LinkInTheWay):
        anchored.rename(str(tmp_path / "src"), str(tmp_path / "dst" / "sub" / "f"), str(tmp_path / "dst"))
    assert (tmp_path / "src").read_bytes() == b"mine" and os.listdir(tmp_path / "elsewhere") == []
