"""The stateless URL interface: every function takes URLs, local paths or artefacts.

URLs (``s3://bucket/key``, ``file:///tmp/x``), local paths (``/abs``,
``relative``, ``~/x``) or artefacts::

    from stowtui import stow
    stow.put(b"hello", "s3://bucket/greeting.txt")
    stow.cp("/data/logs", "s3://bucket/old-logs")     # gives s3://bucket/old-logs/...
    for artefact in stow.ls("s3://bucket/"):
        print(artefact.basename, artefact.size)

It sits above both the storage layer (:mod:`stowtui.managers`) and the job
engine (:mod:`stowtui.jobs`): copies, moves and deletes run on the engine and
wait for it, so there is one implementation of a move, used by the UI and by
scripts alike, and the storage layer never imports the engine.
"""

from __future__ import annotations

import contextlib
import os
from typing import IO, Iterator

from .jobs import default_queue
from .managers import exceptions
from .managers.artefacts import Artefact, Directory, File
from .managers.manager import LocalManager, Manager, RemoteManager
from .managers.registry import available, connect, location, set_defaults

__all__ = [
    "Artefact", "Directory", "File", "Manager", "LocalManager", "RemoteManager", "exceptions",
    "artefact", "ls", "exists", "isdir", "isfile", "get", "put", "cp", "mv", "rm", "mkdir",
    "localise", "open", "join", "dirname", "basename", "connect", "available", "set_defaults",
    "location", "url",
]


def url(target: Artefact | str) -> str:
    """The full location of a target (an absolute local path, or a URL)."""
    manager, path = location(target)
    return manager.url(path)


def artefact(target: Artefact | str) -> Artefact:
    """The file or directory at a URL."""
    if isinstance(target, Artefact):
        return target
    manager, path = location(target)
    return manager.artefact(path)


def ls(target: Artefact | str = ".", recursive: bool = False, refresh: bool = False) -> list[Artefact]:
    manager, path = location(target)
    return manager.ls(path, recursive=recursive, refresh=refresh)


def exists(target: Artefact | str) -> bool:
    manager, path = location(target)
    return manager.exists(path)


def isdir(target: Artefact | str) -> bool:
    manager, path = location(target)
    return manager.isdir(path)


def isfile(target: Artefact | str) -> bool:
    manager, path = location(target)
    return manager.isfile(path)


def get(source: Artefact | str, local_dest: str | os.PathLike | None = None) -> bytes | None:
    """The bytes of a file, or (with ``local_dest``) a copy of it on local disk."""
    manager, path = location(source)
    return manager.get(path, local_dest)


def _check_overwrite(manager: Manager, path: str, overwrite: bool) -> None:
    try:
        existing = manager.artefact(path)
    except exceptions.ArtefactNotFound:
        return
    if isinstance(existing, Directory) and not overwrite and manager.ls(path, refresh=True):
        raise exceptions.ArtefactExists(
            f"{existing.abspath} is a directory that is not empty; pass overwrite=True to write over it"
        )


def put(source: bytes | str | os.PathLike, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Write bytes, or a local file or directory, to ``destination``."""
    manager, path = location(destination)
    if isinstance(source, (bytes, bytearray, memoryview)):
        if not manager.IMPLICIT_DIRECTORIES:  # on S3 a file beside a directory of its name hides nothing
            _check_overwrite(manager, path, overwrite)
        manager.write(source, path)
    else:
        local = os.path.abspath(os.path.expanduser(os.fspath(source)))
        if not os.path.exists(local):
            raise exceptions.ArtefactNotFound(f"Cannot put {local}: it does not exist")
        if os.path.isdir(local) or not manager.IMPLICIT_DIRECTORIES:
            _check_overwrite(manager, path, overwrite)
        manager.upload(local, path)
    return manager.artefact(path)


def _wait(job) -> None:
    """Wait for a job of the engine; raise what made it fail."""
    job.wait()
    if job.failures:
        first = job.failures[0]
        if isinstance(first.error, exceptions.StowError) and len(job.failures) == 1:
            raise first.error
        reasons = "; ".join(f.reason for f in job.failures[:5])
        more = f" (and {len(job.failures) - 5} more)" if len(job.failures) > 5 else ""
        raise exceptions.BackendError(f"{job.title} failed for {len(job.failures)} item(s): {reasons}{more}")


def _run(source, destination, move: bool, overwrite: bool) -> Artefact:
    src = artefact(source)
    manager, path = location(destination)
    _wait(default_queue().transfer(src, destination, move=move, overwrite=overwrite))
    manager.refresh(path)
    return manager.artefact(path)


def cp(source: Artefact | str, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Copy so that ``destination`` is the copy's own path (across any two managers)."""
    return _run(source, destination, move=False, overwrite=overwrite)


def mv(source: Artefact | str, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Move so that ``destination`` is the artefact's new path; the source goes only once it is there."""
    return _run(source, destination, move=True, overwrite=overwrite)


def rm(target: Artefact | str, recursive: bool = False) -> None:
    """Delete a file, an empty directory, or (``recursive=True``) a directory and its contents."""
    manager, path = location(target)
    found = manager.artefact(path)
    if isinstance(found, Directory) and not recursive and not found.is_link and manager.ls(path, refresh=True):
        raise exceptions.OperationNotPermitted(
            f"{found.abspath} is a directory that is not empty; use recursive=True to delete it"
        )
    _wait(default_queue().delete([found]))  # the same engine as the app's F8


def mkdir(target: Artefact | str, exist_ok: bool = True) -> Directory:
    manager, path = location(target)
    return manager.mkdir(path, exist_ok=exist_ok)


@contextlib.contextmanager
def localise(target: Artefact | str) -> Iterator[str]:
    """A local path for the artefact; remote changes are uploaded when the block ends."""
    manager, path = location(target)
    with manager.localise(path) as local:
        yield local


@contextlib.contextmanager
def open(target: Artefact | str, mode: str = "r", **kwargs) -> Iterator[IO]:  # noqa: A001 - mirrors io.open
    manager, path = location(target)
    with manager.open(path, mode, **kwargs) as handle:
        yield handle


def join(*parts: str, separator: str = "/") -> str:
    """Join URL or path segments (``join('s3://b', 'dir', 'key')``)."""
    return Manager.join(*parts, separator=separator, joinAbsolutes=False)


def dirname(target: Artefact | str) -> str:
    manager, path = location(target)
    return manager.url(manager.dirname(path))


def basename(target: Artefact | str) -> str:
    if isinstance(target, Artefact):
        return target.basename
    return os.fspath(target).rstrip("/").rsplit("/", 1)[-1]
