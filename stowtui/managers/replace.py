"""Writing over what is at a path with ``overwrite=True``: the old goes only once the new is complete.

A file written over a file simply replaces it (each manager writes files
atomically). What needs more is a *directory* in the way (or, on local disk, a
file where a directory goes): after success the destination holds exactly the
new artefact, and nothing of the old one goes before the new one is complete.
Which way that is done depends on the manager:

* **Swap** (local disk, and every manager where a file and a directory cannot
  share a name): the new artefact is written to a temporary sibling (a short
  temporary name of :mod:`.paths`); then the old one is renamed aside, the new one
  renamed into place, and the old one deleted. A failure while writing deletes
  the sibling and leaves the old artefact untouched.
* **Write, then prune** (S3, where directories exist only through their keys
  and a rename is a copy of everything): the new keys are written in place,
  over the old ones, and only then are the keys below the path that the new
  artefact does not hold deleted. A failure while writing deletes nothing.
"""

from __future__ import annotations

import contextlib
import os
from typing import Callable, Iterator

from . import exceptions, paths
from .artefacts import Artefact, Directory, Owner

#: (relative paths of files, relative paths of directories) of a new directory's contents.
Tree = tuple[set[str], set[str]]


def obstacle(manager: "Owner", path: str, source_is_dir: bool) -> Artefact | None:
    """What at ``path`` a write would have to replace, rather than just write over (one lookup).

    That is a directory (unless it is empty and a directory is written into it),
    a link to a directory, or, where a file and a directory cannot share a name,
    a file where a directory goes.
    """
    for found in manager.identify(path):
        if isinstance(found, Directory) and not found.is_link:
            if source_is_dir and not _has_contents(manager, path):
                continue  # writing a directory into an empty one replaces nothing
            return found
        if found.is_link or (source_is_dir and not manager.IMPLICIT_DIRECTORIES):
            return found
    return None


def refusal(found: Artefact) -> exceptions.ArtefactExists:
    """The error for an artefact in the way when ``overwrite`` was not given."""
    if isinstance(found, Directory) and not found.is_link:
        what = "a directory that is not empty" if len(found) or found.collected else "a directory"
        return exceptions.ArtefactExists(f"{found.abspath} is {what}; pass overwrite=True to replace it")
    return exceptions.ArtefactExists(f"{found.abspath} is in the way; pass overwrite=True to replace it")


def _has_contents(manager: "Owner", path: str) -> bool:
    """Whether a directory holds anything, from its first page (one request)."""
    try:
        return any(page for page in manager.lsPages(path))
    except exceptions.ArtefactNotFound:
        return False


def local_tree(local: str) -> Tree:
    """What a local directory holds, as relative ``/``-separated paths."""
    files, dirs = set(), set()
    for root, folders, names in os.walk(local):
        relative = os.path.relpath(root, local)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        dirs.update(prefix + name for name in folders)
        files.update(prefix + name for name in names)
    return files, dirs


def tree(manager: "Owner", directory: str) -> Tree:
    """What a directory of a manager holds now (one walk), as relative paths."""
    files, dirs = set(), set()
    start = len(manager.normalise(directory).rstrip("/")) + 1
    for artefact in manager.walk(directory):
        (dirs if isinstance(artefact, Directory) else files).add(artefact.path[start:])
    return files, dirs


@contextlib.contextmanager
def replacing(manager: "Owner", path: str, keep: Callable[[], Tree] | None = None,
              moving: bool = False) -> Iterator[str]:
    """Write the new artefact to the path this yields; what was at ``path`` goes when the block succeeds.

    ``keep`` tells what the new artefact will hold when it is a directory (it is
    asked before the block runs, so a source about to be moved can still be
    walked); ``None`` when the new artefact is a file. ``moving``: the block
    moves (deletes each source once its copy is in place), so a block that fails
    halfway leaves what it wrote: those files exist nowhere else.
    """
    path = manager.normalise(path)
    if manager.IMPLICIT_DIRECTORIES:
        kept = keep() if keep is not None else None
        yield path
        _prune(manager, path, kept)
        return
    parent = manager.dirname(path)
    new = manager.child(parent, paths.temporary_name())
    try:
        yield new
    except BaseException as error:
        if moving and next(iter(manager.identify(new)), None) is not None:
            # Files already moved are only there: kept, and said where (the old artefact stays too).
            raise exceptions.BackendError(
                f"{error}. What was moved already is kept in {manager.url(new)}; "
                f"{manager.url(path)} was not replaced, and the rest is still at its source"
            ) from error
        _discard(manager, new)
        raise
    _swap(manager, path, new, manager.child(parent, paths.temporary_name()))


def _swap(manager: "Owner", path: str, new: str, aside: str) -> None:
    """Rename the old artefact aside, the new one into place, then delete the old one."""
    old = next(iter(manager.identify(path)), None)
    if old is not None:
        manager.move_within(old, aside)
    try:
        manager.move_within(manager.artefact(new), path)
    except BaseException:
        if old is not None:
            manager.move_within(manager.artefact(aside), path)  # the old one back where it was
        _discard(manager, new)
        raise
    if old is not None:
        manager.rm(manager.artefact(aside), recursive=True)


def _discard(manager: "Owner", path: str) -> None:
    """Delete what a failed write left at a temporary path (if anything)."""
    with contextlib.suppress(exceptions.StowError):
        found = next(iter(manager.identify(path)), None)
        if found is not None:
            manager.rm(found, recursive=True)


def _prune(manager: "Owner", path: str, kept: Tree | None) -> None:
    """Delete what is below ``path`` and not in ``kept`` (everything, when ``kept`` is None)."""
    if kept is None:  # a file replaced the directory of its name
        for found in manager.identify(path):
            if isinstance(found, Directory):
                manager.rm(found, recursive=True)
        return
    files, dirs = kept
    dirs = set(dirs) | {name.rsplit("/", depth)[0] for name in files for depth in range(1, name.count("/") + 1)}
    start = len(path.rstrip("/")) + 1
    gone: list[str] = []
    for artefact in list(manager.walk(path)):
        relative = artefact.path[start:]
        if any(relative.startswith(prefix) for prefix in gone):
            continue  # went with a directory above it
        if isinstance(artefact, Directory):
            if relative not in dirs:
                manager.rm(artefact, recursive=True)
                gone.append(relative + "/")
        elif relative not in files:
            manager.rm(artefact, recursive=True)
