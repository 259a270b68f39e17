"""Containment at the moment of writing (issue 20, item 5).

A destination directory checked when the job was planned is swapped for a
symbolic link to somewhere else while the job writes into it. Every local
write walks the destination with directory file descriptors (managers/anchored.py),
so the link is refused, never followed: nothing outside the destination
changes, and every source file is at its source or complete at its destination.
"""

from __future__ import annotations

import os
import threading

import pytest

from sides import LocalSide, S3Side
from stowtui.jobs import JobQueue, JobState, tasks
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


@pytest.mark.parametrize("kind", ["copy", "move"])
@pytest.mark.parametrize("src_kind", ["fs", "s3"])
def test_a_folder_swapped_for_a_link_during_a_copy_is_never_written_through(
        s3, bucket, tmp_path, monkeypatch, kind, src_kind):
    # Across devices for a local move: copy, verify, delete (a rename would move the tree at once).
    monkeypatch.setattr(FS, "_rename", lambda self, source, destination, **options: False)
    src = LocalSide(tmp_path / "src") if src_kind == "fs" else S3Side(s3, "bucket", "src")
    tree = _tree()
    for relative, data in tree.items():
        src.write(relative, data)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_bytes(b"untouched")
    dest = tmp_path / "dest"
    dest.mkdir()
    sub = dest / "p" / "sub"

    def swap():  # what another local program does: the folder goes aside, a link takes its name
        os.rename(sub, dest / "p" / "aside")
        os.symlink(elsewhere, sub)

    swapped = _swap_after(monkeypatch, SWAP_AFTER, swap)
    before = snapshot(tmp_path)
    queue = JobQueue(workers=4)
    try:
        job = getattr(queue, kind)([src.url("p")], str(dest), conflict="overwrite")
        assert job.wait(120), f"{job!r} did not finish"
    finally:
        queue.shutdown()

    assert swapped.is_set()
    # Nothing outside the destination changed (the sources, for a copy, included).
    changed = outside(before, snapshot(tmp_path), "dest")
    if kind == "move" or src_kind == "s3":
        changed = {k: v for k, v in changed.items() if not k.startswith("src" + os.sep)}
    assert changed == {}
    assert sorted(os.listdir(elsewhere)) == ["keep.txt"]
    assert job.state is JobState.FAILED
    refused = [f for f in job.failures if "symbolic link, which is not followed" in f.reason]
    assert len(refused) >= FILES - SWAP_AFTER - 4 * 2  # all but those in flight at the swap
    # Every source file: at its source, or complete at its destination (the folder set aside is inside it).
    for relative, data in tree.items():
        name = relative.rsplit("/", 1)[1]
        at_source = src.exists(relative) and src.read(relative) == data
        written = any((dest / "p" / folder / name).is_file() and (dest / "p" / folder / name).read_bytes() == data
                      for folder in ("aside",))
        assert at_source or written, relative
        if kind == "copy":
            assert at_source, relative
    # A failed file of a move stays at its source.
    for failure in refused:
        relative = "p/sub/" + failure.source.rsplit("/", 1)[1]
        assert src.read(relative) == tree[relative]
    assert not any(name.startswith(".stowtui-") for name in os.listdir(dest / "p" / "aside"))


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
