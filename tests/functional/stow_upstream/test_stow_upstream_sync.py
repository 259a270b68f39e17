"""stow 1.4.2's sync tests (``tests/test_stateless.py``: ``test_sync``,
``test_sync_with_delete``, ``test_sync_to_non_existent_location``,
``test_sync_overwrite``; stow by Kieran Bacon, https://github.com/Kieran-Bacon/stow),
run against stowtui through :mod:`stowshim`.

The scenarios and their assertions are stow's. One change: where stow sleeps a
millisecond so that a file written second is newer, the time is set instead
(``newer``), which is the condition that sleep stood for.
"""

import os
import tempfile

import pytest

import stowshim as stow


def newer(artefact):
    """Make a file written second certainly newer than one written before it."""
    stats = os.stat(artefact.abspath)
    os.utime(artefact.abspath, ns=(stats.st_atime_ns, stats.st_mtime_ns + 10_000_000))


@pytest.fixture
def directory():
    with tempfile.TemporaryDirectory() as place:
        yield place


def test_sync(directory):
    # The destination's file1 is newer than the source's: it is not replaced.
    stow.touch(stow.join(directory, "dir1", "file1.txt"))
    newer(stow.touch(stow.join(directory, "dir2", "file1.txt")).content(b"content"))
    # The source's file2 is newer: it replaces the destination's.
    stow.touch(stow.join(directory, "dir2", "file2.txt"))
    newer(stow.touch(stow.join(directory, "dir1", "file2.txt")).content(b"file2"))
    # Only at the destination: stays.
    stow.touch(stow.join(directory, "dir2", "file3.txt")).content(b"Original")
    # Only at the source: copied in.
    stow.touch(stow.join(directory, "dir1", "file4.txt")).content(b"copied")

    stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"))

    assert stow.artefact(stow.join(directory, "dir2", "file1.txt")).content() == b"content"
    assert stow.artefact(stow.join(directory, "dir2", "file2.txt")).content() == b"file2"
    assert stow.artefact(stow.join(directory, "dir2", "file3.txt")).content() == b"Original"
    assert stow.artefact(stow.join(directory, "dir2", "file4.txt")).content() == b"copied"


def test_sync_with_delete(directory):
    stow.touch(stow.join(directory, "dir1", "file1.txt"))
    newer(stow.touch(stow.join(directory, "dir2", "file1.txt")).content(b"content"))
    stow.touch(stow.join(directory, "dir2", "file2.txt"))
    newer(stow.touch(stow.join(directory, "dir1", "file2.txt")).content(b"file2"))
    stow.touch(stow.join(directory, "dir2", "file3.txt")).content(b"Original")

    stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"), delete=True)

    assert stow.artefact(stow.join(directory, "dir2", "file1.txt")).content() == b"content"
    assert stow.artefact(stow.join(directory, "dir2", "file2.txt")).content() == b"file2"
    with pytest.raises(stow.exceptions.ArtefactNotFound):
        stow.artefact(stow.join(directory, "dir2", "file3.txt"))


def test_sync_to_non_existent_location(directory):
    stow.touch(stow.join(directory, "dir1", "hello.txt"))

    stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"))

    assert stow.exists(stow.join(directory, "dir2", "hello.txt"))


def test_sync_overwrite(directory):
    # An empty source directory where the destination has a file: nothing to write, no error.
    stow.mkdir(stow.join(directory, "dir1", "there"))
    stow.touch(stow.join(directory, "dir2", "there"))
    stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"))

    # A source file where the destination has a directory: refused without overwrite.
    stow.touch(stow.join(directory, "dir1", "hello"))
    stow.mkdir(stow.join(directory, "dir2", "hello"))
    stow.mkdir(stow.join(directory, "dir2", "hello", "file1.txt"))
    with pytest.raises(stow.exceptions.OperationNotPermitted):
        stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"))

    stow.sync(stow.join(directory, "dir1"), stow.join(directory, "dir2"), overwrite=True)
    assert os.path.isfile(stow.join(directory, "dir2", "hello"))
