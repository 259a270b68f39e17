"""Containment at the moment of writing (issue 20, item 5).

A destination directory checked when the job was planned is swapped for a
symbolic link to somewhere else while the job writes into it. Every local
write walks the destination with directory file descriptors (managers/anchored.py),
so the link is refused, never followed: nothing outside the destination
changes, and every source file is at its source or complete at its destination.
"""

from __future__ import annotations

import itertools
import os
import threading

import pytest

from sides import LocalSide, S3Side
from sshkit import ssh_home, sshd  # noqa: F401  (fixtures)
from stowtui.jobs import JobQueue, JobState, tasks
from stowtui.managers import registry
from stowtui.managers.fs import FS

from test_safety import outside, snapshot

FILES = 1500
SWAP_AFTER = 40  # files written before the swap: the rest are written after it


def _tree(count: int = FILES) -> dict[str, bytes]:
    return {f"p/sub/f{i:04d}.txt": f"file {i}\n".encode() * 3 for i in range(count)}


def _swap_after(monkeypatch, count: int, swap) -> threading.Event:
    """Run ``swap()`` once, inside the transfer of the ``count``-th file (no sleep:
    every transfer that starts after that one returns sees the link)."""
    real = tasks.transfer
    lock = threading.Lock()
    done = threading.Event()
    seen = [0]

    def transfer(request):
        real(request)
        with lock:
            seen[0] += 1
            if seen[0] == count:
                swap()
                done.set()

    monkeypatch.setattr(tasks, "transfer", transfer)
    return done


class SFTPSide(LocalSide):
    """A folder on this machine, read through ``sftp://myhost`` (the private sshd)."""

    def url(self, rel: str = "") -> str:
        return "sftp://myhost" + (os.path.join(self.root, rel) if rel else self.root)


class MemorySide:
    """A folder of fsspec's memory file system."""

    def __init__(self, name: str):
        import fsspec

        self.fs = fsspec.filesystem("memory")
        self.root = f"/{name}"

    def url(self, rel: str = "") -> str:
        return "memory:/" + self.root + (f"/{rel}" if rel else "")

    def write(self, rel: str, data: bytes) -> None:
        self.fs.pipe(f"{self.root}/{rel}", data)

    def exists(self, rel: str) -> bool:
        return self.fs.exists(f"{self.root}/{rel}")

    def read(self, rel: str) -> bytes:
        return self.fs.cat_file(f"{self.root}/{rel}")


@pytest.fixture
def source_side(request, s3, bucket, tmp_path):
    """The source of a swapped copy: local disk, S3, SFTP or fsspec's memory file system."""
    kind = request.param
    registry.forget_instances()
    if kind == "fs":
        yield LocalSide(tmp_path / "src"), 1500
    elif kind == "s3":
        yield S3Side(s3, "bucket", "src"), 1500
    elif kind == "sftp":
        request.getfixturevalue("ssh_home")
        yield SFTPSide(tmp_path / "src"), 300
    else:
        from fsspec.implementations.memory import MemoryFileSystem

        MemoryFileSystem.store.clear()
        yield MemorySide("src"), 300
        MemoryFileSystem.store.clear()
    for manager in set(registry._instances.values()):
        close = getattr(manager, "close", None)
        if kind == "sftp" and close is not None:
            close()
    registry.forget_instances()


@pytest.mark.parametrize("kind", ["copy", "move"])
@pytest.mark.parametrize("source_side", ["fs", "s3", "sftp", "memory"], indirect=True)
def test_a_folder_swapped_for_a_link_during_a_copy_is_never_written_through(
        source_side, tmp_path, monkeypatch, kind):
    # Across devices for a local move: copy, verify, delete (a rename would move the tree at once).
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src, files = source_side
    tree = _tree(files)
    for relative, data in tree.items():
        src.write(relative, data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_bytes(b"untouched")
    dest = tmp_path / "dest"
    dest.mkdir()
    sub = dest / "p" / "sub"

    def swap():  # what another local program does: the folder goes aside, a link takes its name
        link = dest / "p" / ".link"
        os.symlink(elsewhere, link)
        os.rename(sub, dest / "p" / "aside")
        for n in itertools.count(2):
            try:
                os.rename(link, sub)
                return
            except IsADirectoryError:  # a worker made the folder again in between: set that one aside too
                os.rename(sub, dest / "p" / f"aside{n}")

    swapped = _swap_after(monkeypatch, SWAP_AFTER, swap)
    before = snapshot(tmp_path)
    queue = JobQueue(workers=4)
    try:
        job = getattr(queue, kind)([src.url("p")], str(dest), conflict="overwrite")
        assert job.wait(120), f"{job!r} did not finish"
    finally:
        queue.shutdown()

    assert swapped.is_set(), f"{job!r}: {job.failures[:3]}"
    # Nothing outside the destination changed (the sources, for a copy, included).
    changed = outside(before, snapshot(tmp_path), "dest")
    mine = ("src" + os.sep,) if kind == "move" else ()
    changed = {k: v for k, v in changed.items() if not k.startswith(mine + ("home" + os.sep,))}  # ssh's known_hosts
    assert changed == {}
    assert sorted(os.listdir(elsewhere)) == ["keep.txt"]
    assert job.state is JobState.FAILED
    refused = [f for f in job.failures if "symbolic link, which is not followed" in f.reason]
    assert len(refused) >= files - SWAP_AFTER - 4 * 2  # all but those in flight at the swap
    # Every source file: at its source, or complete at its destination (the folders set aside are inside it).
    asides = [folder for folder in os.listdir(dest / "p") if folder.startswith("aside")]
    for relative, data in tree.items():
        name = relative.rsplit("/", 1)[1]
        at_source = src.exists(relative) and src.read(relative) == data
        written = any((dest / "p" / folder / name).is_file() and (dest / "p" / folder / name).read_bytes() == data
                      for folder in asides)
        assert at_source or written, relative
        if kind == "copy":
            assert at_source, relative
    # A failed file of a move stays at its source.
    for failure in refused:
        relative = "p/sub/" + failure.source.rsplit("/", 1)[1]
        assert src.read(relative) == tree[relative]
    assert not any(name.startswith(".stowtui-") for folder in asides for name in os.listdir(dest / "p" / folder))


def test_a_folder_swapped_for_a_link_is_not_made_through_either(tmp_path, monkeypatch):
    """The engine's directory makes walk the same way: a link where a folder of the
    destination should be is refused, and nothing is made at its target."""
    src = LocalSide(tmp_path / "src")
    for i in range(30):
        src.write(f"p/a/f{i:02d}", b"a")
        src.write(f"p/a/deeper/g{i:02d}", b"b")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    dest = tmp_path / "dest"
    dest.mkdir()

    def swap():
        os.rename(dest / "p", dest / "aside")
        os.symlink(elsewhere, dest / "p")

    _swap_after(monkeypatch, 5, swap)
    queue = JobQueue(workers=2)
    try:
        job = queue.copy([src.url("p")], str(dest), conflict="overwrite")
        assert job.wait(60)
    finally:
        queue.shutdown()

    assert list(elsewhere.iterdir()) == []
    assert job.state is JobState.FAILED
    assert all("symbolic link" in f.reason for f in job.failures), [f.reason for f in job.failures]
