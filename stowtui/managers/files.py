"""Working on a remote artefact through a local copy: ``localise`` and ``open``.

A remote manager (S3...) cannot hand out its files; these functions download
only the artefact asked for into a private temporary directory, let the caller
work on it, and upload what changed. The copy is always removed afterwards.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import weakref
from typing import IO, Iterator

from . import exceptions
from .artefacts import Directory, Owner

#: Modes that write (the file is uploaded again when closed).
WRITING = set("wax+")


def snapshot(local: str) -> dict[str, tuple[int, int]]:
    """(size, mtime) of every file below a local path, keyed by relative path."""
    if os.path.isfile(local):
        stats = os.stat(local)
        return {"": (stats.st_size, stats.st_mtime_ns)}
    found = {}
    for root, _, files in os.walk(local):
        for name in files:
            full = os.path.join(root, name)
            stats = os.stat(full)
            found[os.path.relpath(full, local).replace(os.sep, "/")] = (stats.st_size, stats.st_mtime_ns)
    return found


def _local_name(manager: "Owner", path: str) -> str:
    """The copy's name in its workspace: the artefact's own (tools go by its extension), or a
    short one where that cannot be a local name (longer than a file system takes)."""
    name = manager.basename(path)
    return name if name and len(name.encode("utf-8", "surrogateescape")) <= 200 else "artefact"


def _workspace_copy(manager: "Owner", path: str, workspace: str, *, needed: bool, file_only: bool = False):
    """(the artefact now at ``path`` or None, its local copy's path) inside ``workspace``.

    ``file_only``: a directory is refused before anything of it is downloaded."""
    local = os.path.join(workspace, _local_name(manager, path))
    try:
        artefact = manager.artefact(path)  # what is there now
    except exceptions.ArtefactNotFound:
        if needed:
            raise
        artefact = None
    if file_only and isinstance(artefact, Directory):
        raise exceptions.ArtefactTypeError(f"Cannot open {artefact.abspath}: it is a directory")
    if artefact is not None:
        manager._get(artefact, local)
    return artefact, local


@contextlib.contextmanager
def remote_localise(manager: "Owner", path: str) -> Iterator[str]:
    """``RemoteManager.localise``: a local copy of ``path``; what changed is uploaded when the block ends.

    If the block raises, nothing is uploaded.
    """
    with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
        artefact, local = _workspace_copy(manager, path, workspace, needed=False)
        before = snapshot(local) if os.path.exists(local) else {}
        yield local
        if not os.path.exists(local):
            return
        after = snapshot(local)
        if os.path.isfile(local):
            if after != before:
                manager._put(local, path)
        else:
            if artefact is None:
                manager._mkdir(path)
            for relative, state in after.items():
                if before.get(relative) != state:
                    manager._put(os.path.join(local, relative), manager._child(path, relative))
            for relative in set(before) - set(after):
                # Listed by the download above, in this same operation: the cache may answer.
                manager._rm(manager._loadArtefact(manager._child(path, relative)))
        manager._forget(path)


class WrittenBackFile:
    """A file object on a local copy of a remote file; ``close()`` uploads it if it was opened to write.

    It reads and writes as the file object it wraps (``io.open``'s), and is its
    own context manager: a ``with`` block that raises discards the changes.
    """

    def __init__(self, handle: IO, manager: "Owner", path: str, local: str, workspace: str, writing: bool,
                 fresh: bool = False):
        self._handle = handle
        self._manager = manager
        self._path = path
        self._local = local
        self._writing = writing
        # ``fresh`` (mode "w" or "x"): the file is written on close even if nothing was (as on disk).
        self._before = snapshot(local) if os.path.exists(local) and not fresh else None
        # Never closed (dropped, or the process ends): the copy still goes, nothing is uploaded.
        self._cleanup = weakref.finalize(self, shutil.rmtree, workspace, True)

    @property
    def url(self) -> str:
        return self._manager.url(self._path)

    def close(self) -> None:
        """Close the file; if it was opened to write and it changed, upload it. Then drop the copy."""
        if self._handle.closed and not self._cleanup.alive:
            return
        try:
            self._handle.close()
            if self._writing and (self._before is None or snapshot(self._local) != self._before):
                self._manager._put(self._local, self._path)
                self._manager._forget(self._path)
        finally:
            self._cleanup()

    def discard(self) -> None:
        """Close the file and drop the copy without uploading anything."""
        try:
            self._handle.close()
        finally:
            self._cleanup()

    def __enter__(self) -> "WrittenBackFile":
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.discard()

    def __iter__(self):
        return iter(self._handle)

    def __next__(self):
        return next(self._handle)

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __repr__(self) -> str:
        return f"<WrittenBackFile {self.url!r} mode={self._handle.mode!r}>"


def open_copy(manager: "Owner", path: str, mode: str = "r", **kwargs) -> WrittenBackFile:
    """``Manager.open`` for files that are not on local disk: a file object on a local copy."""
    writing = bool(WRITING & set(mode))
    workspace = tempfile.mkdtemp(prefix="stowtui-")
    try:
        if "w" in mode or "x" in mode:
            artefact, local = None, os.path.join(workspace, _local_name(manager, path))
            if "x" in mode and manager.exists(path):
                raise exceptions.ArtefactExists(f"Cannot create {manager.url(path)}: it already exists")
        else:
            # Reading, appending or updating starts from the file as it is now.
            artefact, local = _workspace_copy(manager, path, workspace, needed="r" in mode, file_only=True)
        if isinstance(artefact, Directory):
            raise exceptions.ArtefactTypeError(f"Cannot open {artefact.abspath}: it is a directory")
        handle = io.open(local, mode, **kwargs)
    except BaseException:
        shutil.rmtree(workspace, ignore_errors=True)
        raise
    return WrittenBackFile(handle, manager, path, local, workspace, writing, fresh="w" in mode or "x" in mode)
