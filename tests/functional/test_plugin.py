"""A manager written the way the guide shows plugs in through an entry point and works unchanged.

The module below is the guide's example (``designing-managers.md``, "Abstract
methods") with only the imports, the class name, the root directory and the
manager name in ``toConfig`` changed. It is installed the way pip would leave
it: a ``*.dist-info`` directory with an ``entry_points.txt`` on ``sys.path``.
"""

import os
import sys
import textwrap

import pytest
import pytz

from stowtui.managers import exceptions, registry
from stowtui.managers.artefacts import Directory, File

GUIDE_STYLE_MANAGER = '''
import datetime
import os
import shutil
import urllib.parse

import pytz

from stowtui.managers.artefacts import Artefact, Directory, File
from stowtui.managers.manager import LocalManager

ROOT = {root!r}


class Sandbox(LocalManager):
    """Everything under one local directory, addressed as sandbox:///path."""

    def __init__(self, path: str = ROOT):
        self._path = path

    def _abspath(self, managerPath: str) -> str:
        path = self.join(self._path, managerPath, joinAbsolutes=True)

        if os.name == 'nt':
            path = path.replace('/', '\\\\')

        return path

    def _identifyPath(self, managerPath: str):

        abspath = self._abspath(managerPath)

        if os.path.exists(abspath):

            stats = os.stat(abspath)

            # Created time
            createdTime = datetime.datetime.utcfromtimestamp(stats.st_ctime)
            createdTime = pytz.UTC.localize(createdTime)

            # Modified time
            modifiedTime = datetime.datetime.utcfromtimestamp(stats.st_mtime)
            modifiedTime = pytz.UTC.localize(modifiedTime)

            # Access time
            accessedTime = datetime.datetime.utcfromtimestamp(stats.st_atime)
            accessedTime = pytz.UTC.localize(accessedTime)

            if os.path.isfile(abspath):
                return File(
                    self,
                    managerPath,
                    stats.st_size,
                    modifiedTime,
                    createdTime,
                    accessedTime,
                )

            elif os.path.isdir(abspath):
                return Directory(
                    self,
                    managerPath,
                    createdTime=createdTime,
                    modifiedTime=modifiedTime,
                    accessedTime=accessedTime,
                )

        return None

    def _get(self, source: Artefact, destination: str):

        # Convert source path
        sourceAbspath = self._abspath(source.path)

        # Identify download method
        method = shutil.copytree if os.path.isdir(sourceAbspath) else shutil.copy

        # Download
        method(sourceAbspath, destination)

    def _getBytes(self, source: Artefact) -> bytes:
        with open(self._abspath(source.path), "rb") as handle:
            return handle.read()

    def _put(self, source: str, destination: str):
        # Convert destination path
        destinationAbspath = self._abspath(destination)

        # Ensure the destination
        os.makedirs(os.path.dirname(destinationAbspath), exist_ok=True)

        # Select the put method
        method = shutil.copytree if os.path.isdir(source) else shutil.copy

        # Perform the putting
        method(source, destinationAbspath)

    def _putBytes(self, fileBytes: bytes, destination: str):

        # Convert destination path
        destinationAbspath = self._abspath(destination)

        # Makesure the destination exists
        os.makedirs(os.path.dirname(destinationAbspath), exist_ok=True)

        # Write the byte file
        with open(destinationAbspath, "wb") as handle:
            handle.write(fileBytes)

    def _cp(self, source: Artefact, destination: str):
        self._put(self._abspath(source.path), destination)

    def _mv(self, source: Artefact, destination: str):

        # Convert the source and destination
        source, destination = self._abspath(source.path), self._abspath(destination)

        # Ensure the destination location
        os.makedirs(os.path.dirname(destination), exist_ok=True)

        # Move the source artefact
        os.rename(source, destination)

    def _ls(self, directory: str):

        # Get a path to the folder
        abspath = self._abspath(directory)

        # Iterate over the folder and identify every object - add the created
        for art in os.listdir(abspath):
            self._addArtefact(
                self._identifyPath(
                    self.join(directory, art, separator='/')
                )
            )

    def _rm(self, artefact: Artefact):

        # Convert the artefact
        artefact = self._abspath(artefact.path)

        # Select method for deleting
        method = shutil.rmtree if os.path.isdir(artefact) else os.remove

        # Remove the artefact
        method(artefact)

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        return {{"path": ROOT}}, os.path.abspath(os.path.expanduser(url.path or "/"))

    def toConfig(self):
        return {{'manager': 'SANDBOX', 'path': self._path}}
'''


@pytest.fixture
def sandbox(tmp_path, monkeypatch, stow):
    """The guide-style manager installed under the ``sandbox`` entry point; yields its root."""
    root = tmp_path / "sandbox-root"
    root.mkdir()
    site = tmp_path / "site"
    (site / "sandbox_plugin-1.0.dist-info").mkdir(parents=True)
    (site / "sandbox_plugin-1.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: sandbox-plugin\nVersion: 1.0\n"
    )
    (site / "sandbox_plugin-1.0.dist-info" / "entry_points.txt").write_text(
        "[stow_managers]\nsandbox = sandbox_manager:Sandbox\n"
    )
    (site / "sandbox_manager.py").write_text(textwrap.dedent(GUIDE_STYLE_MANAGER.format(root=str(root))))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "sandbox_manager", raising=False)
    registry.rescan()
    yield root
    registry.rescan()
    sys.modules.pop("sandbox_manager", None)


def test_the_plug_in_is_found_through_its_entry_point(sandbox, stow):
    assert "sandbox" in registry.available()
    cls = registry.manager_class("SandBox")
    assert cls.__module__ == "sandbox_manager" and cls.__name__ == "Sandbox"
    manager, path = registry.resolve("SANDBOX:///notes/a.txt")
    assert type(manager) is cls and path == "/notes/a.txt"
    assert stow.connect(**manager.toConfig()) is manager


def test_put_ls_get_and_rm_through_urls(sandbox, stow, tmp_path):
    (tmp_path / "local.txt").write_bytes(b"from disk")

    stow.put(b"hello", "sandbox:///notes/a.txt")
    stow.put(str(tmp_path / "local.txt"), "sandbox:///notes/b.txt")
    stow.mkdir("sandbox:///empty")

    assert (sandbox / "notes" / "a.txt").read_bytes() == b"hello"
    listed = {a.basename: a for a in stow.ls("sandbox:///notes")}
    assert sorted(listed) == ["a.txt", "b.txt"]
    assert isinstance(listed["a.txt"], File) and listed["a.txt"].size == 5
    assert listed["a.txt"].modifiedTime.tzinfo is pytz.UTC
    assert listed["a.txt"].abspath == str(sandbox / "notes" / "a.txt")
    assert sorted((type(a).__name__, a.basename) for a in stow.ls("sandbox://")) == [
        ("Directory", "empty"), ("Directory", "notes")
    ]
    assert stow.isdir("sandbox:///notes") and stow.isfile("sandbox:///notes/a.txt")
    assert stow.get("sandbox:///notes/b.txt") == b"from disk"
    stow.get("sandbox:///notes", str(tmp_path / "fetched"))
    assert sorted(os.listdir(tmp_path / "fetched")) == ["a.txt", "b.txt"]

    with pytest.raises(exceptions.OperationNotPermitted, match="recursive=True"):
        stow.rm("sandbox:///notes")
    stow.rm("sandbox:///notes/a.txt")
    assert [a.basename for a in stow.ls("sandbox:///notes")] == ["b.txt"]
    stow.rm("sandbox:///notes", recursive=True)
    assert not stow.exists("sandbox:///notes") and not (sandbox / "notes").exists()
    with pytest.raises(exceptions.ArtefactNotFound):
        stow.get("sandbox:///notes/b.txt")


@pytest.mark.parametrize("other", ["s3://bucket/there", "fs", "sandbox:///there"])
def test_copy_and_move_files_and_directories_to_and_from_the_plug_in(sandbox, stow, bucket, tmp_path, other):
    if other == "fs":
        other = str(tmp_path / "there")
    stow.put(b"one", "sandbox:///tree/one.txt")
    stow.put(b"two", "sandbox:///tree/sub/two #2.txt")

    stow.cp("sandbox:///tree", other)  # out of the plug-in
    stow.cp(stow.join(other, "sub", "two #2.txt"), "sandbox:///back/single.txt")  # into it: a file
    stow.cp(other, "sandbox:///back/tree")  # into it: a directory
    stow.mv("sandbox:///back/single.txt", "sandbox:///moved.txt")

    # Once, in a full run (session 7), there/one.txt was not found here (not seen in 45 runs alone):
    # what is on disk, should it happen again.
    on_disk = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "site" not in p.parts)
    assert stow.exists(stow.join(other, "one.txt")), on_disk
    assert stow.get(stow.join(other, "one.txt")) == b"one"
    assert stow.get(stow.join(other, "sub", "two #2.txt")) == b"two"
    assert (sandbox / "back" / "tree" / "sub" / "two #2.txt").read_bytes() == b"two"
    assert (sandbox / "moved.txt").read_bytes() == b"two"
    assert not (sandbox / "back" / "single.txt").exists()


def test_a_directory_moves_out_of_the_plug_in(sandbox, stow, bucket):
    stow.put(b"1", "sandbox:///d/f")
    stow.put(b"2", "sandbox:///d/e/g")

    stow.mv("sandbox:///d", "s3://bucket/d")

    assert sorted(a.path for a in stow.ls("s3://bucket/d", recursive=True)) == [
        "/bucket/d/e", "/bucket/d/e/g", "/bucket/d/f"
    ]
    assert not (sandbox / "d").exists()


def test_localise_and_open_give_the_real_file(sandbox, stow):
    stow.put(b"before", "sandbox:///doc.txt")

    with stow.localise("sandbox:///doc.txt") as local:
        assert local == str(sandbox / "doc.txt")
        with open(local, "ab") as handle:
            handle.write(b" and after")
    with stow.open("sandbox:///new.txt", "w") as handle:
        handle.write("written")

    assert stow.get("sandbox:///doc.txt") == b"before and after"
    assert stow.artefact("sandbox:///doc.txt").size == len(b"before and after")
    assert (sandbox / "new.txt").read_text() == "written"


def test_the_guide_constructors_give_utc_artefacts(sandbox, stow):
    stow.put(b"x", "sandbox:///f")
    stow.mkdir("sandbox:///d")
    f, d = stow.artefact("sandbox:///f"), stow.artefact("sandbox:///d")

    assert isinstance(f, File) and isinstance(d, Directory)
    for artefact in (f, d):
        for when in (artefact.modifiedTime, artefact.createdTime, artefact.accessedTime):
            assert when.tzinfo is pytz.UTC
    assert abs(f.modifiedTime.timestamp() - os.stat(sandbox / "f").st_mtime) < 1


# ---------------------------------------------------------------------------
# Issue 8, item 5: removing a directory never becomes a recursive delete
# ---------------------------------------------------------------------------


def test_a_non_empty_directory_is_never_removed_by_the_default_rmdir(sandbox, stow, monkeypatch):
    from stowtui.managers.manager import Manager

    stow.put(b"keep", "sandbox:///full/keep.txt")
    manager, path = registry.resolve("sandbox:///full")
    directory = manager.artefact(path)
    deleted = []
    monkeypatch.setattr(type(manager), "_rm", lambda self, artefact: deleted.append(artefact.path))

    # A local plug-in: os.rmdir, which the operating system refuses for a directory that is not empty.
    with pytest.raises(exceptions.OperationNotPermitted, match="not empty"):
        manager.rm(directory)
    # The base class's default (a plug-in not on local disk) has no non-recursive removal: it refuses.
    with pytest.raises(exceptions.OperationNotPermitted, match="on its own"):
        Manager._rmdir(manager, directory)

    assert deleted == []  # the guide's recursive _rm was never called
    assert (sandbox / "full" / "keep.txt").read_bytes() == b"keep"


def test_an_empty_plug_in_directory_is_removed_and_rm_without_recursive_never_takes_contents(sandbox, stow):
    stow.mkdir("sandbox:///empty")
    stow.put(b"x", "sandbox:///full/x")

    stow.rm("sandbox:///empty")
    with pytest.raises(exceptions.OperationNotPermitted, match="not empty"):
        stow.rm("sandbox:///empty-not", "sandbox:///full", ignore_missing=True)

    assert not (sandbox / "empty").exists()
    assert (sandbox / "full" / "x").read_bytes() == b"x"


def test_a_directory_moves_within_the_plug_in_and_its_source_goes(sandbox, stow):
    stow.put(b"1", "sandbox:///src/a")
    stow.put(b"2", "sandbox:///src/sub/b")

    stow.mv("sandbox:///src", "sandbox:///dst")

    assert (sandbox / "dst" / "a").read_bytes() == b"1" and (sandbox / "dst" / "sub" / "b").read_bytes() == b"2"
    assert not (sandbox / "src").exists()
