"""Nothing reads for ever: get, open and put refuse what is not a regular file (a FIFO
nobody writes to, a link to /dev/zero) with a sentence, and never read a file past its
size when opened plus a bound."""

from __future__ import annotations

import os

import pytest

from stowtui import stow
from stowtui.managers import exceptions, regular


@pytest.fixture(params=["fifo", "zero"])
def endless(request, tmp_path):
    path = tmp_path / request.param
    if request.param == "fifo":
        os.mkfifo(path)  # nobody writes: a read would block for ever
    else:
        os.symlink("/dev/zero", path)  # a read would never end
    return str(path), ("named pipe" if request.param == "fifo" else "character device")


@pytest.mark.parametrize("call", [
    lambda path, tmp: stow.get(path),
    lambda path, tmp: stow.get(path, str(tmp / "copy")),
    lambda path, tmp: stow.open(path, "rb").read(),
    lambda path, tmp: stow.open(path).read(),
    lambda path, tmp: stow.open(path, "wb"),
    lambda path, tmp: stow.open(path, "ab"),
    lambda path, tmp: stow.put(path, str(tmp / "put")),
], ids=["get", "get-to-disk", "open-rb", "open-r", "open-wb", "open-ab", "put"])
def test_an_endless_source_is_refused_with_its_kind(endless, tmp_path, call):
    path, kind = endless
    with pytest.raises(exceptions.ArtefactTypeError, match=f"it is a {kind}, not a regular file"):
        call(path, tmp_path)
    assert not (tmp_path / "copy").exists() and not (tmp_path / "put").exists()


def test_a_file_is_not_read_past_its_size_plus_the_bound(tmp_path, monkeypatch):
    monkeypatch.setattr(regular, "GROWTH", 10)
    path = tmp_path / "growing"
    path.write_bytes(b"12345")
    reads = []

    def grow():  # another program appends between our reads
        reads.append(1)
        with open(path, "ab") as handle:
            handle.write(b"x" * 8)

    with pytest.raises(exceptions.BackendError, match="grew by more than"):
        regular.read_regular(str(path), 4, grow)
    assert len(reads) <= 6  # stopped soon after the bound, not at the end of a file that never ends


def test_regular_files_open_as_before(tmp_path):
    path = str(tmp_path / "f.txt")
    with stow.open(path, "w") as handle:
        handle.write("one")
    with stow.open(path, "a") as handle:
        handle.write(" two")
    with stow.open(path, "r+") as handle:
        assert handle.read() == "one two"
    with pytest.raises(FileExistsError):
        stow.open(path, "x")
    assert stow.get(path) == b"one two"
