"""The fsspec adapter: a scheme no manager claims but fsspec knows opens through it.

Tests use fsspec's ``memory`` filesystem (process-wide, emptied around each
test) and, for the engine, the loopback S3 server. What a test seeds or checks
goes straight through fsspec, around stowtui.
"""

from __future__ import annotations

import collections
import sys
import threading

import fsspec
import pytest

from fsspec.implementations.memory import MemoryFileSystem

from sides import AWKWARD, seed
from stowtui import stow
from stowtui.jobs import JobQueue, JobState
from stowtui.managers import exceptions, paths, registry
from stowtui.managers.fsspec_adapter import FSSpec
from stowtui.managers.transfer import TransferRequest

TREE = {
    "a.txt": b"alpha",
    "sub/b.bin": bytes(range(256)) * 40,
    "sub/deeper/c.txt": b"",
    **{f"awk/{name}": name.encode() * 2 for name in AWKWARD},
}


class MemorySide:
    """A folder of fsspec's memory filesystem, read and written around stowtui."""

    kind = "memory"

    def __init__(self, name: str):
        self.fs = fsspec.filesystem("memory")
        self.root = f"/{name}"

    def url(self, rel: str = "") -> str:
        return "memory:/" + self.root + (f"/{rel}" if rel else "")

    def write(self, rel: str, data: bytes) -> None:
        self.fs.pipe(f"{self.root}/{rel}", data)

    def mkdir(self, rel: str) -> None:
        self.fs.makedirs(f"{self.root}/{rel}", exist_ok=True)

    def read(self, rel: str) -> bytes | None:
        path = f"{self.root}/{rel}"
        return self.fs.cat_file(path) if self.fs.isfile(path) else None  # cat() globs: [red]x

    def exists(self, rel: str = "") -> bool:
        return self.fs.exists(f"{self.root}/{rel}" if rel else self.root)

    def files(self, rel: str = "") -> dict[str, bytes]:
        base = f"{self.root}/{rel}".rstrip("/") + "/"
        return {key[len(base):]: self.fs.cat_file(key) for key in self.fs.store if key.startswith(base)}

    def leftovers(self) -> list[str]:
        return [key for key in self.fs.store if paths.is_temporary(key.rsplit("/", 1)[-1])]


@pytest.fixture
def memory():
    """An empty memory filesystem and a clean registry; emptied again afterwards."""
    registry.forget_instances()
    MemoryFileSystem.store.clear()
    MemoryFileSystem.pseudo_dirs[:] = [""]
    yield MemorySide
    MemoryFileSystem.store.clear()
    MemoryFileSystem.pseudo_dirs[:] = [""]
    registry.forget_instances()


@pytest.fixture
def ls_calls(monkeypatch):
    """Paths given to ``MemoryFileSystem.ls``, in order."""
    seen = []
    original = MemoryFileSystem.ls

    def ls(self, path, detail=True, **kwargs):
        seen.append(path)
        return original(self, path, detail=detail, **kwargs)

    monkeypatch.setattr(MemoryFileSystem, "ls", ls)
    return seen


def test_a_level_is_one_ls_with_sizes_and_kinds(memory, ls_calls):
    from stowtui import stow

    here = memory("here")
    seed(here, TREE, "data", empty_dirs=["hollow"])

    listed = {a.basename: a for a in stow.ls(here.url("data"))}

    assert ls_calls == ["/here/data"]
    assert set(listed) == {"a.txt", "sub", "awk", "hollow"}
    assert listed["a.txt"].size == 5 and type(listed["a.txt"]).__name__ == "File"
    assert listed["a.txt"].modifiedTime is not None and listed["a.txt"].modifiedTime.tzinfo is not None
    assert {type(listed[n]).__name__ for n in ("sub", "awk", "hollow")} == {"Directory"}
    assert listed["a.txt"].abspath == "memory://here/data/a.txt"
    assert sorted(a.basename for a in stow.ls(here.url("data/awk"))) == sorted(AWKWARD)
    assert stow.ls(here.url("data/hollow")) == []
    assert stow.get(here.url("data/sub/b.bin")) == TREE["sub/b.bin"]
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.ls(here.url("missing"))
    with pytest.raises(exceptions.ArtefactTypeError):
        stow.ls(here.url("data/a.txt"))


def test_the_registry_falls_back_on_fsspec_only_for_schemes_it_knows(memory):
    manager, path = registry.resolve("memory://here/x")

    assert isinstance(manager, FSSpec) and path == "/here/x"
    assert manager.toConfig() == {"manager": "memory", "protocol": "memory"}
    assert registry.connect(**manager.toConfig()) is manager
    assert registry.resolve("memory:///here/x") == (manager, "/here/x")
    assert "memory" not in registry.available()  # a fallback, not a registered manager
    with pytest.raises(exceptions.ManagerNotFound, match="'nosuchscheme'") as caught:
        registry.resolve("nosuchscheme://bucket/key")
    assert isinstance(caught.value, ValueError)
    assert isinstance(registry.resolve("sftp://host/x")[0], type(registry.resolve("ssh://host/x")[0]))
    assert not isinstance(registry.resolve("sftp://host/x")[0], FSSpec)  # native managers come first


@pytest.mark.parametrize("scheme,package", [("gs", "gcsfs"), ("az", "adlfs")])
def test_a_missing_backend_package_is_named(memory, monkeypatch, scheme, package):
    from stowtui import stow

    monkeypatch.setitem(sys.modules, package, None)  # not importable, whether installed or not

    with pytest.raises(exceptions.ManagerNotFound) as caught:
        stow.ls(f"{scheme}://bucket/")

    assert str(caught.value) == f"{scheme}:// needs the {package} package: pip install {package}"


def test_secret_storage_options_stay_out_of_the_config(memory):
    manager = registry.connect("memory", protocol="memory", token="s3cr3t", skip_instance_cache=True)

    config = manager.toConfig()
    assert "s3cr3t" not in repr(config) and "token" not in config
    assert config["skip_instance_cache"] is True and config["credentials"].startswith("fsspec-options-")
    assert registry.connect(**config) is manager


@pytest.mark.parametrize("other", ["fs", "s3"])
def test_round_trip_through_the_engine(memory, side, other):
    here, there = memory("here"), side(other, "there")
    seed(here, TREE, "data", empty_dirs=["hollow"])
    queue = JobQueue(workers=4)
    try:
        out = queue.copy([here.url("data")], there.url())
        assert out.wait(30) and out.state is JobState.DONE, out.failures
        back = queue.move([there.url("data")], here.url("back"))
        assert back.wait(30) and back.state is JobState.DONE, back.failures
    finally:
        queue.shutdown()

    assert here.files("back/data") == TREE
    assert here.fs.isdir("/here/back/data/hollow")
    assert here.files("data") == TREE  # the copy left its source
    assert not there.exists("data")  # the move took its source away
    assert not here.leftovers() and not there.leftovers()


def test_a_move_out_of_memory_removes_each_source_after_its_copy(memory, side):
    here, there = memory("here"), side("fs", "there")
    seed(here, TREE, "data")
    queue = JobQueue(workers=4)
    try:
        job = queue.move([here.url("data")], there.url())
        assert job.wait(30) and job.state is JobState.DONE, job.failures
    finally:
        queue.shutdown()

    assert there.files("data") == TREE
    assert not here.exists("data") and here.files() == {}


def test_cancel_of_an_upload_leaves_nothing_behind(memory, tmp_path):
    here = memory("here")
    here.mkdir("dst")
    big = tmp_path / "big.bin"
    big.write_bytes(b"z" * (5 * 1024 * 1024))
    manager, path = registry.resolve(here.url("dst"))
    cancel, moved = threading.Event(), []

    def progress(n):
        moved.append(n)
        if len(moved) == 2:
            cancel.set()

    with pytest.raises(exceptions.OperationCancelled):
        target = manager.child(path, "big.bin")
        manager.upload(str(big), target, TransferRequest(stow.artefact(str(big)), manager, target,
                                                         callback=progress, cancel=cancel))

    assert here.files("dst") == {} and not here.leftovers()
    assert sum(moved) == 2 * 1024 * 1024  # two chunks went before the cancel was seen
    manager.upload(str(big), manager.child(path, "big.bin"))
    assert here.read("dst/big.bin") == big.read_bytes()


def test_reads_stream_and_refuse_directories(memory, tmp_path):
    here = memory("here")
    here.write("f.bin", bytes(range(256)) * 8192)  # 2 MiB
    manager, path = registry.resolve(here.url())
    got = collections.Counter()

    source = manager.artefact(manager.child(path, "f.bin"))
    local, fs_path = registry.resolve(str(tmp_path / "f.bin"))
    manager.download(source, str(tmp_path / "f.bin"),
                     TransferRequest(source, local, fs_path, callback=lambda n: got.update(pieces=1, size=n)))

    assert (tmp_path / "f.bin").read_bytes() == bytes(range(256)) * 8192
    assert got == {"pieces": 2, "size": 2 * 1024 * 1024}
    assert manager.read_range(manager.child(path, "f.bin"), 300, 10) == (bytes(range(256)) * 2)[300:310]
    with pytest.raises(exceptions.ArtefactTypeError, match="directory"):
        manager.read_head(path)
