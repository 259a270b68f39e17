"""The stateless URL interface, with stow's names and signatures.

Every function takes URLs (``s3://bucket/key``, ``file:///tmp/x``), local
paths (``/abs``, ``relative``, ``~/x``) or artefacts::

    from stowtui import stow
    stow.put(b"hello", "s3://bucket/greeting.txt")
    stow.cp("/data/logs", "s3://bucket/old-logs")     # gives s3://bucket/old-logs/...
    for artefact in stow.ls("s3://bucket/"):
        print(artefact.basename, artefact.size)

Every call starts from what the backend holds now: nothing is answered from
a listing taken earlier (the freshness rule of :mod:`stowtui.managers.manager`).

It sits above both the storage layer (:mod:`stowtui.managers`) and the job
engine (:mod:`stowtui.jobs`): copies, moves and deletes run on the engine and
wait for it, so there is one implementation of a move, used by the UI and by
scripts alike, and the storage layer never imports the engine.
"""

from __future__ import annotations

import contextlib
import os
from typing import IO, Callable, Iterator

from .jobs import default_queue
from .managers import exceptions
from .managers.artefacts import Artefact, Directory, File
from .managers.fs import refuse_special
from .managers.manager import LocalManager, Manager, RemoteManager
from .managers.urls import as_text, basename, dirname, join, shown_text, splitext
from .managers.registry import available, connect, location, set_defaults
from .managers.replace import Tree, local_tree, obstacle, refusal, replacing, tree
from .managers.manager import split_removals

__all__ = [
    "Artefact", "Directory", "File", "Manager", "LocalManager", "RemoteManager", "exceptions",
    "artefact", "ls", "exists", "isdir", "isfile", "getsize", "getmtime", "get", "put", "cp", "mv", "rm",
    "mkdir", "touch", "localise", "open", "join", "dirname", "basename", "splitext", "connect", "available",
    "set_defaults", "location", "url", "sync",
]


def url(target: Artefact | str) -> str:
    """The full location of a target (an absolute local path, or a URL)."""
    manager, path = location(target)
    return manager.url(path)


# Queries -----------------------------------------------------------------


def artefact(target: Artefact | str) -> Artefact:
    """The file or directory at a URL, as the backend has it now (an artefact is returned as it is)."""
    if isinstance(target, Artefact):
        return target
    manager, path = location(target)
    return manager.artefact(path)


def ls(target: Artefact | str = ".", recursive: bool = False, *, ignore_missing: bool = False,
       refresh: bool | None = None) -> list[Artefact]:
    """What a directory holds now (``recursive``: everything below it).

    ``ignore_missing``: a directory that is not there lists as empty.
    ``refresh`` is accepted from older callers; every listing is taken again.
    """
    manager, path = location(target)
    return manager.ls(path, recursive=recursive, ignore_missing=ignore_missing)


def exists(*targets: Artefact | str) -> bool:
    """True only if every target exists now."""
    for target in targets:
        manager, path = location(target)
        if not manager.exists(path):
            _refuse_undecodable(target)
            return False
    return True


def _refuse_undecodable(target) -> None:
    """A name that is not valid text and names nothing is bad input, not a plain "no".

    A lone surrogate in a ``str`` is how Python carries a local name that is not
    UTF-8 (``os.listdir`` gives them): such a name is used as it is while it names
    something. One that names nothing is most likely text decoded wrongly, and
    an ``exists`` answering False would hide that.
    """
    text = os.fspath(target) if isinstance(target, (str, os.PathLike)) else ""
    if isinstance(text, str):
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise exceptions.InvalidPath(
                f"{shown_text(text)} is not valid text (it holds a lone surrogate) and nothing of that name exists"
            ) from None


def isdir(target: Artefact | str) -> bool:
    manager, path = location(target)
    return manager.isdir(path)


def isfile(target: Artefact | str) -> bool:
    manager, path = location(target)
    return manager.isfile(path)


def getsize(target: Artefact | str) -> int:
    """The size of a file now, or the total size of the files below a directory (one walk)."""
    manager, path = location(target)
    found = manager.artefact(path)
    if isinstance(found, File):
        return found.size
    return sum(a.size for a in manager.walk(path) if isinstance(a, File))


def getmtime(target: Artefact | str) -> float | None:
    """When an artefact was last modified (a POSIX timestamp), now; ``None`` where the backend keeps
    no time (an S3 prefix without a marker)."""
    manager, path = location(target)
    when = manager.artefact(path).modifiedTime
    return when.timestamp() if when is not None else None


def get(source: Artefact | str, local_dest: str | os.PathLike | None = None) -> bytes | None:
    """The bytes of a file, or (with ``local_dest``) a copy of it on local disk."""
    manager, path = location(source)
    return manager.get(path, local_dest)


# Writes ------------------------------------------------------------------


def _write(manager: Manager, path: str, overwrite: bool, source_is_dir: bool, keep: Callable[[], Tree] | None,
           write: Callable[[str, bool], None], moving: bool = False) -> Artefact:
    """Write a new artefact at ``path``: ``write(target, merge)`` does it.

    Files in the way are written over. A directory in the way (or, on local
    disk, a file where a directory goes) is refused without ``overwrite``, and
    with it replaced, its old contents gone only once the new ones are complete
    (:mod:`stowtui.managers.replace`).
    """
    blocker = obstacle(manager, path, source_is_dir)
    if blocker is None:
        write(path, False)
    elif not overwrite:
        raise refusal(blocker)
    else:
        with replacing(manager, path, keep, moving) as target:
            write(target, target == path)  # S3 writes in place, over the old keys
    found = manager.identify(path)  # what was written, of the kind written (S3 may hold both at one name)
    for artefact in found:
        if isinstance(artefact, Directory) == source_is_dir:
            return artefact
    if found:
        return found[0]
    raise exceptions.ArtefactNotFound(f"Nothing exists at {manager.url(path)} after writing it")


def put(source: bytes | str | os.PathLike, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Write bytes, or a local file or directory, to ``destination``.

    ``overwrite``: a directory at ``destination`` is replaced (without it, refused).
    """
    manager, path = location(destination)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _write(manager, path, overwrite, False, None, lambda target, _: manager.write(data, target))
    text = as_text(source, "bytes or a local path")
    if "://" in text:  # never read as a local path named "s3:/..."
        raise exceptions.InvalidPath(f"Cannot put {text}: put sends bytes or a local file; to copy from a URL use cp")
    local = os.path.abspath(os.path.expanduser(text))
    if not os.path.exists(local):
        raise exceptions.ArtefactNotFound(f"Cannot put {local}: it does not exist")
    is_dir = os.path.isdir(local)
    if not is_dir:
        refuse_special(local, os.stat(local).st_mode)  # a FIFO, socket or device is never read
    return _write(manager, path, overwrite, is_dir, (lambda: local_tree(local)) if is_dir else None,
                  lambda target, _: manager.upload(local, target))


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
    src_manager, src_path = location(source)
    src = src_manager.artefact(src_path)  # what is there now, even for an artefact listed earlier
    manager, path = location(destination)
    verb = "move" if move else "copy"
    if src.manager is manager and src.path == path:
        raise exceptions.OperationNotPermitted(f"Cannot {verb} {src.abspath} onto itself")
    is_dir = isinstance(src, Directory) and not src.is_link

    def write(target: str, merge: bool) -> None:
        place = Artefact(manager, target)  # a location for the engine, nothing looked up
        job = default_queue().transfer(src, place, move=move, overwrite=merge)
        _wait(job)
        if not is_dir and job.skipped:  # the one file was left where it is (a FIFO...): say why
            raise exceptions.OperationNotPermitted(job.skipped[0].reason)

    keep = (lambda: tree(src.manager, src.path)) if is_dir else None
    return _write(manager, path, overwrite, is_dir, keep, write, moving=move)


def cp(source: Artefact | str, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Copy so that ``destination`` is the copy's own path (across any two managers).

    ``overwrite``: a directory at ``destination`` is replaced (without it, refused).
    """
    return _run(source, destination, move=False, overwrite=overwrite)


def mv(source: Artefact | str, destination: Artefact | str, overwrite: bool = False) -> Artefact:
    """Move so that ``destination`` is the artefact's new path; the source goes only once it is there.

    ``overwrite``: a directory at ``destination`` is replaced (without it, refused).
    """
    return _run(source, destination, move=True, overwrite=overwrite)


def rm(*targets: Artefact | str, recursive: bool = False, ignore_missing: bool = False) -> None:
    """Delete files, empty directories, or (``recursive=True``) directories with their contents.

    Every target is checked before anything is deleted: one directory that is
    not empty, without ``recursive``, and nothing is deleted at all.
    """
    places = [location(target) for target in targets]  # every target understood first
    found = [manager.removal(path, recursive=recursive, ignore_missing=ignore_missing) for manager, path in places]
    trees, empty = split_removals(found, recursive)
    if trees:
        _wait(default_queue().delete(trees))  # the same engine as the app's F8
    for directory in empty:
        directory.manager.rm(directory)  # a removal that never takes what is in it


def mkdir(target: Artefact | str, ignore_exists: bool = True, overwrite: bool = False) -> Directory:
    """Make a directory. ``ignore_exists``: an existing one is fine (else refused);
    ``overwrite``: an existing one is replaced by an empty one."""
    manager, path = location(target)
    return manager.mkdir(path, ignore_exists, overwrite)


def touch(target: Artefact | str) -> Artefact:
    """Make an empty file, or mark a local one as modified now."""
    manager, path = location(target)
    return manager.touch(path)


@contextlib.contextmanager
def localise(target: Artefact | str) -> Iterator[str]:
    """A local path for the artefact; remote changes are uploaded when the block ends."""
    manager, path = location(target)
    with manager.localise(path) as local:
        yield local


def open(target: Artefact | str, mode: str = "r", **kwargs) -> IO:  # noqa: A001 - mirrors io.open
    """A file object, with or without ``with``: the real file on local disk; elsewhere a local
    copy, written back when it is closed."""
    manager, path = location(target)
    return manager.open(path, mode, **kwargs)


def sync(source: Artefact | str, destination: Artefact | str, *, delete: bool = False,
         check_modified_times: bool = True, artefact_comparator: Callable[[File, File], bool] | None = None,
         overwrite: bool = False) -> None:
    """Make ``destination`` hold what ``source`` holds, sending only what is missing or different there.

    A file is sent when it is missing at the destination or differs: with
    ``check_modified_times`` (stow's rule) when the source was modified after
    the destination (a newer destination is kept); otherwise by size, or by
    ETag where both sides are S3 objects of one part; ``artefact_comparator(source,
    destination)`` returning True means "the same" and replaces those checks.
    Decisions come from the two listings, level by level: no file is
    downloaded or looked up to compare. A destination that does not exist is
    created.

    ``delete``: what exists only at the destination is deleted, after every
    copy succeeded, and never when a listing could not be completed.
    ``overwrite``: a file where the source has a directory (or a directory
    where it has a file) is replaced; without it, refused.
    """
    job = default_queue().sync(source, destination, delete=delete, check_modified_times=check_modified_times,
                               artefact_comparator=artefact_comparator, overwrite=overwrite)
    _wait(job)
