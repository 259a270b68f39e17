"""The manager model: the base classes ``Manager``, ``LocalManager`` and ``RemoteManager``.

A manager addresses artefacts by *manager paths*: ``/``-separated, starting
with ``/`` (``/`` is its root). Subclasses implement the abstract hooks named
after the original design (``_identifyPath``, ``_ls``, ``_put``...); the public
methods here build every operation from them and keep the manager's cache of
loaded artefacts (:mod:`.cache`) coherent. The inspection defaults and the
values they return (``SizeTotals``, ``Version``) are in :mod:`.inspection`.

Plug-in managers written to the guide's signatures work unchanged. Managers
that set ``SUPPORTS_TRANSFER_OPTIONS`` also accept ``callback`` (bytes moved)
and ``cancel`` (a ``threading.Event``) keyword arguments on ``_get``, ``_put``
and ``_cp``, which the job engine uses for progress and cancellation.
"""

from __future__ import annotations

import abc
import contextlib
import io
import os
import posixpath
import tempfile
import urllib.parse
from typing import IO, Iterator

from . import exceptions
from .artefacts import Artefact, Directory, File
from .cache import ArtefactCache
from .inspection import InspectionDefaults, SizeTotals, Version

__all__ = ["Manager", "LocalManager", "RemoteManager", "SizeTotals", "Version"]


class Manager(InspectionDefaults, abc.ABC):
    """Abstract base of every manager."""

    #: Managers that accept ``callback=`` and ``cancel=`` on ``_get``/``_put``/``_cp``.
    SUPPORTS_TRANSFER_OPTIONS = False
    #: Managers whose ``_get``/``_put``/``_cp``/``_rename``/``_staging`` also take
    #: ``no_replace=True``: never replace what is at the destination (see paths.DestinationTaken).
    SUPPORTS_NO_REPLACE = False
    #: Directories exist only through their contents (S3): no need to create them first.
    IMPLICIT_DIRECTORIES = False
    #: Artefacts are files on this machine (``os.fspath(artefact)`` gives their path).
    IS_LOCAL = False

    def __new__(cls, *args, **kwargs):
        # The cache is set up here so that a plug-in whose __init__ forgets
        # to call super().__init__() still works.
        self = super().__new__(cls)
        self._cache = ArtefactCache(self)
        return self

    def __init__(self, *args, **kwargs):
        pass

    # ------------------------------------------------------------------
    # Abstract hooks: the plug-in contract (names kept from the guide)
    # ------------------------------------------------------------------

    @abc.abstractmethod
    def _abspath(self, managerPath: str) -> str:
        """The full location of a manager path (local path or URL)."""

    @abc.abstractmethod
    def _identifyPath(self, managerPath: str) -> Artefact | None:
        """Look one path up in the backend; ``None`` when nothing is there."""

    @abc.abstractmethod
    def _get(self, source: Artefact, destination: str):
        """Copy an artefact (file or directory) to a local path."""

    @abc.abstractmethod
    def _getBytes(self, source: Artefact) -> bytes:
        """Read a whole file."""

    @abc.abstractmethod
    def _put(self, source: str, destination: str):
        """Copy a local file or directory to a manager path."""

    @abc.abstractmethod
    def _putBytes(self, fileBytes: bytes, destination: str):
        """Write bytes to a manager path."""

    @abc.abstractmethod
    def _cp(self, source: Artefact, destination: str):
        """Copy an artefact within this manager."""

    @abc.abstractmethod
    def _mv(self, source: Artefact, destination: str):
        """Move an artefact within this manager."""

    @abc.abstractmethod
    def _ls(self, directory: str):
        """List one level: add (``_addArtefact``) or return every child of ``directory``."""

    @abc.abstractmethod
    def _rm(self, artefact: Artefact):
        """Delete an artefact (a directory with everything in it)."""

    @classmethod
    @abc.abstractmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult) -> tuple[dict, str]:
        """Split a URL into (manager config, manager path)."""

    @abc.abstractmethod
    def toConfig(self) -> dict:
        """The config that ``connect(**config)`` turns back into this manager (no secrets)."""

    # ------------------------------------------------------------------
    # Optional hooks with generic defaults; our managers do better
    # ------------------------------------------------------------------

    def _mkdir(self, managerPath: str) -> None:
        """Create an empty directory (default: put an empty local directory).

        A directory that is already there is left alone: a guide-style ``_put``
        of a directory (``shutil.copytree``) refuses an existing destination.
        """
        if isinstance(self._identifyPath(managerPath), Directory):
            return
        with tempfile.TemporaryDirectory() as empty:
            self._put(empty, managerPath)

    def _rmdir(self, directory: Directory) -> None:
        """Remove a directory known to be empty."""
        self._rm(directory)

    def _rename(self, source: Artefact, destination: str, no_replace: bool = False) -> bool:
        """Move by renaming, if this manager can do it in one cheap step; False otherwise."""
        return False

    def _lsPages(self, directory: str) -> Iterator[list[Artefact]]:
        """List one level page by page (default: one page from ``_ls``)."""
        listed = self._ls(directory)
        if listed is not None:
            yield [a for a in listed if a is not None]
            return
        # A guide-style _ls adds its artefacts itself; read them back.
        node = self._cache.get(directory)
        yield list(node) if isinstance(node, Directory) else []

    def _walk(self, directory: Directory, cached: bool = False) -> Iterator[Artefact]:
        """Every artefact below ``directory``, each directory before its contents.

        ``cached``: complete listings in the cache may answer (``ls(recursive=True)``);
        otherwise a manager that can should ask the backend (``walk``, which jobs use).
        This default lists each level that is not cached yet.
        """
        stack = [directory]
        while stack:
            current = stack.pop()
            for child in self._collect(current):
                yield child
                if isinstance(child, Directory) and not child.is_link:
                    stack.append(child)

    # ------------------------------------------------------------------
    # The cache of loaded artefacts (cache.py), through the guide's hooks
    # ------------------------------------------------------------------

    @property
    def _paths(self) -> dict[str, Artefact]:
        """Path -> loaded artefact: what the guide's ``_loadArtefact`` special case reads."""
        return self._cache.paths

    def _addArtefact(self, artefact: Artefact | None) -> Artefact | None:
        """Record an artefact (and the directories above it) in the cache."""
        return self._cache.add(artefact)

    def _forget(self, path: str) -> None:
        """Drop a path and everything cached below it; the directory above must be listed again."""
        self._cache.forget(path)

    def _collect(self, directory: Directory, refresh: bool = False) -> list[Artefact]:
        """The children of a directory, listing it if it has not been listed."""
        for _ in self._collectPages(directory, refresh=refresh):
            pass
        return list(directory)

    def _collectPages(self, directory: Directory, refresh: bool = False) -> Iterator[list[Artefact]]:
        """List a directory page by page, replacing what the cache held of it."""
        if directory._collected and not refresh:
            yield list(directory)
            return
        self._cache.forget_contents(directory)
        provisional = self._cache.get(directory.path) is None
        for page in self._lsPages(directory.path):
            if provisional and page:
                directory = self._addArtefact(directory)
                provisional = False
            yield [self._addArtefact(a) for a in page if a is not None]
        if provisional:
            directory = self._prove(directory)
        directory._collected = True

    def _prove(self, directory: Directory) -> Directory:
        """A listing found nothing: is it an empty directory, a file, or nothing at all?"""
        found = self._identifyPath(directory.path)
        if found is None:
            raise exceptions.ArtefactNotFound(f"Nothing exists at {directory.abspath}")
        if not isinstance(found, Directory):
            self._addArtefact(found)
            raise exceptions.ArtefactTypeError(f"{directory.abspath} is a file, not a directory")
        return self._addArtefact(directory)

    def _listable(self, managerPath: str) -> Directory:
        """The directory to list at a path.

        Where directories exist only through their contents (S3), an unknown
        path is listed straight away: the listing itself proves it exists, so
        no lookup request is spent first.
        """
        if self._cache.get(managerPath) is None and self.IMPLICIT_DIRECTORIES and managerPath != "/":
            if self._listedWithout(managerPath):
                raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(managerPath)}")
            return Directory(self, managerPath)
        return self._ensureDirectory(managerPath)

    def _listedWithout(self, managerPath: str) -> bool:
        """True when the cached listing of the parent is complete and this path is not in it."""
        if managerPath == "/" or self._cache.get(managerPath) is not None:
            return False
        parent = self._cache.get(self.dirname(managerPath), Directory)
        return parent is not None and parent._collected

    def _loadArtefact(self, managerPath: str) -> Artefact:
        """The artefact at a path, from the cache or the backend."""
        cached = self._cache.get(managerPath)
        if cached is not None:
            return cached
        if self._listedWithout(managerPath):
            raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(managerPath)}")
        artefact = self._identifyPath(managerPath)
        if artefact is None:
            raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(managerPath)}")
        return self._addArtefact(artefact)

    def _ensureDirectory(self, managerPath: str) -> Directory:
        """The directory at a path, or a clear error if it is missing or a file."""
        artefact = self._loadArtefact(managerPath)
        if isinstance(artefact, Directory):
            return artefact
        shadow = self._cache.get(managerPath, Directory)  # S3: a file and a directory of one name
        if shadow is not None:
            return shadow
        raise exceptions.ArtefactTypeError(f"{self._abspath(managerPath)} is a file, not a directory")

    # ------------------------------------------------------------------
    # Paths
    # ------------------------------------------------------------------

    @staticmethod
    def join(*paths: str, separator: str = "/", joinAbsolutes: bool = False) -> str:
        """Join path segments; an absolute segment restarts the path unless ``joinAbsolutes``."""
        result = ""
        for segment in paths:
            if not segment:
                continue
            if not result or (segment.startswith(separator) and not joinAbsolutes):
                result = segment
            else:
                result = result.rstrip(separator) + separator + segment.lstrip(separator)
        return result

    @staticmethod
    def dirname(path: str) -> str:
        # Not posixpath.dirname: of "/b/a//k" (S3 keys may hold "//") it gives "/b/a", not "/b/a/".
        head = path.rsplit("/", 1)[0] if "/" in path else ""
        return head or "/"

    @staticmethod
    def basename(path: str) -> str:
        return posixpath.basename(path)

    def _child(self, directory: str, name: str) -> str:
        return (directory.rstrip("/") or "") + "/" + name

    @staticmethod
    def normalise(path: str) -> str:
        """A manager path: leading ``/``, no trailing ``/`` (but ``/`` itself)."""
        path = "/" + path.lstrip("/") if not path.startswith("/") else path
        if len(path) > 1 and path.endswith("/"):
            path = path.rstrip("/") or "/"
        return path

    # ------------------------------------------------------------------
    # Public operations on manager paths
    # ------------------------------------------------------------------

    def artefact(self, path: str) -> Artefact:
        return self._loadArtefact(self.normalise(path))

    def exists(self, path: str) -> bool:
        try:
            self.artefact(path)
            return True
        except exceptions.ArtefactNotFound:
            return False

    def isdir(self, path: str) -> bool:
        try:
            self._ensureDirectory(self.normalise(path))
            return True
        except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError):
            return False

    def isfile(self, path: str) -> bool:
        try:
            return isinstance(self.artefact(path), File)
        except exceptions.ArtefactNotFound:
            return False

    def ls(self, path: str = "/", recursive: bool = False, refresh: bool = False) -> list[Artefact]:
        """The contents of a directory (and, recursively, of every directory below it)."""
        directory = self._listable(self.normalise(path))
        if recursive:
            return list(self._walk(directory, cached=not refresh))
        return self._collect(directory, refresh=refresh)

    def lsPages(self, path: str = "/", refresh: bool = False) -> Iterator[list[Artefact]]:
        """One level, page by page as the backend answers (for views that fill in)."""
        yield from self._collectPages(self._listable(self.normalise(path)), refresh=refresh)

    def walk(self, path: str) -> Iterator[Artefact]:
        """Every artefact below a directory, each directory before its contents."""
        yield from self._walk(self._listable(self.normalise(path)))

    def refresh(self, path: str) -> None:
        """Forget what is cached at and below a path."""
        self._forget(self.normalise(path))

    def get(self, path: str, local_dest: str | None = None) -> bytes | None:
        artefact = self.artefact(path)
        if local_dest is None:
            if isinstance(artefact, Directory):
                raise exceptions.ArtefactTypeError(
                    f"{artefact.abspath} is a directory; give a local destination to download it"
                )
            return self._getBytes(artefact)
        local_dest = os.path.abspath(os.path.expanduser(os.fspath(local_dest)))
        parent = os.path.dirname(local_dest)
        if parent:
            os.makedirs(parent, exist_ok=True)
        self._get(artefact, local_dest)
        return None

    def mkdir(self, path: str, exist_ok: bool = True) -> Directory:
        path = self.normalise(path)
        if self.IMPLICIT_DIRECTORIES and path != "/":
            # A file of the same name is no obstacle (S3 has both ``a`` and ``a/b``),
            # and writing a marker where a directory exists is harmless: without
            # exist_ok=False, no lookup is spent.
            known = self._cache.get(path, Directory)
            if known is None and not exist_ok and self.isdir(path):
                known = self._cache.get(path, Directory)
            if known is not None:
                if not exist_ok:
                    raise exceptions.ArtefactExists(f"{self._abspath(path)} already exists")
                return known
            self._mkdir(path)
            made = Directory(self, path)
            parent = self._cache.get(self.dirname(path), Directory)
            if parent is not None and parent._collected:
                return self._addArtefact(made)  # the parent's listing stays complete
            # Not cached: whether a file of the same name exists is not known here.
            return made
        try:
            existing = self._loadArtefact(path)
        except exceptions.ArtefactNotFound:
            existing = None
        if existing is not None:
            if isinstance(existing, Directory) or self._cache.get(path, Directory) is not None:
                if not exist_ok:
                    raise exceptions.ArtefactExists(f"{self._abspath(path)} already exists")
                return self._ensureDirectory(path)
            raise exceptions.ArtefactExists(f"{self._abspath(path)} exists and is a file")
        self._mkdir(path)
        self._forget(path)
        made = self._identifyPath(path)  # with its times, as a listing would show it
        return self._addArtefact(made if isinstance(made, Directory) else Directory(self, path))

    def rm(self, path: str, recursive: bool = False) -> None:
        artefact = self.artefact(path)
        if isinstance(artefact, Directory) and not recursive and not artefact.is_link:
            if self._collect(artefact, refresh=True):
                raise exceptions.OperationNotPermitted(
                    f"{artefact.abspath} is a directory that is not empty; use recursive=True to delete it"
                )
        self._rm(artefact)
        self._forget(artefact.path)

    def touch(self, path: str) -> File:
        self._putBytes(b"", self.normalise(path))
        self._forget(self.normalise(path))
        return self.artefact(path)

    # ------------------------------------------------------------------
    # The public API for code above the storage layer (engine, UI, scripts).
    # Nothing outside ``stowtui/managers`` calls a private hook: these wrap
    # them, hand over ``callback``/``cancel`` only to managers that take them,
    # and keep the cache coherent after each write. Paths are manager paths
    # as the manager made them (an S3 key may end in ``/``): not normalised.
    # ------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The full location of a manager path (an absolute local path, or a URL)."""
        return self._abspath(self.normalise(path))

    def child(self, directory: str, name: str) -> str:
        """The manager path of ``name`` inside ``directory``."""
        return self._child(self.normalise(directory), name)

    def lookup(self, path: str) -> Artefact | None:
        """What the backend holds at a path now (never the cache); ``None`` when nothing."""
        path = self.normalise(path)
        self._forget(path)
        return self._addArtefact(self._identifyPath(path))

    def scan(self, path: str) -> list[Artefact]:
        """One level straight from the backend, page by page, bypassing the cache.

        An empty or missing directory is an empty list: no second request is
        spent proving which (what conflict checks need to know).
        """
        return [a for page in self._lsPages(self.normalise(path)) for a in page if a is not None]

    def invalidate(self, path: str) -> None:
        """The listing of a directory is out of date: the next one asks the backend."""
        self._cache.invalidate(self.normalise(path))

    def _transfer_options(self, callback, cancel, no_replace: bool = False) -> dict:
        options = {"callback": callback, "cancel": cancel} if self.SUPPORTS_TRANSFER_OPTIONS else {}
        return {**options, **self._no_replace(no_replace)}

    def _no_replace(self, no_replace: bool) -> dict:
        return {"no_replace": True} if no_replace and self.SUPPORTS_NO_REPLACE else {}

    def download(self, source: Artefact, local: str, callback=None, cancel=None, no_replace=False) -> None:
        """Write an artefact of this manager to a local path."""
        self._get(source, local, **self._transfer_options(callback, cancel, no_replace))

    def upload(self, local: str, path: str, callback=None, cancel=None, no_replace=False) -> None:
        """Write a local file or directory to a manager path."""
        self._put(local, path, **self._transfer_options(callback, cancel, no_replace))
        self._forget(path)

    def write(self, data: bytes, path: str) -> None:
        """Write bytes to a manager path."""
        self._putBytes(bytes(data), path)
        self._forget(path)

    def copy_within(self, source: Artefact, path: str, callback=None, cancel=None, no_replace=False) -> None:
        """Copy an artefact of this manager to another path of it."""
        self._cp(source, path, **self._transfer_options(callback, cancel, no_replace))
        self._forget(path)

    def rename(self, source: Artefact, path: str, no_replace: bool = False) -> bool:
        """Move by renaming when that is one cheap step; False when it is not possible."""
        moved = self._rename(source, path, **self._no_replace(no_replace))
        if moved:
            self._forget(source.path)
            self._forget(path)
        return moved

    def remove(self, artefact: Artefact, callback=None, cancel=None) -> None:
        """Delete an artefact and everything under it (no questions: callers ask first)."""
        self._rm(artefact, **self._transfer_options(callback, cancel))
        self._forget(artefact.path)

    def remove_empty_directory(self, directory: Directory) -> None:
        """Remove a directory known to be empty."""
        self._rmdir(directory)
        self._forget(directory.path)

    def make_directory(self, path: str) -> None:
        """Create a directory (or its marker) without looking first."""
        self._mkdir(path)
        self._forget(path)

    @abc.abstractmethod
    def localise(self, path: str):
        """A context manager giving a local path for an artefact (which may not exist yet)."""

    @contextlib.contextmanager
    def open(self, path: str, mode: str = "r", **kwargs) -> Iterator[IO]:
        """Open a file for reading or writing, through ``localise``."""
        with self.localise(path) as local:
            if any(m in mode for m in "wax+"):
                os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
            with io.open(local, mode, **kwargs) as handle:
                yield handle

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.toConfig()!r}>"


class LocalManager(Manager):
    """A manager whose artefacts are directly reachable on local disk."""

    IS_LOCAL = True

    @contextlib.contextmanager
    def localise(self, path: str) -> Iterator[str]:
        path = self.normalise(path)
        try:
            yield self._abspath(path)
        finally:
            self._forget(path)

    @contextlib.contextmanager
    def staging(self, path: str, no_replace: bool = False) -> Iterator[str]:
        """A local path to write a new file to; it becomes ``path`` only on success."""
        with self._staging(path, **self._no_replace(no_replace)) as local:
            yield local
        self._forget(path)

    @contextlib.contextmanager
    def _staging(self, managerPath: str) -> Iterator[str]:
        """A local path to write a new file to; it becomes ``managerPath`` only on success."""
        with tempfile.TemporaryDirectory() as directory:
            local = os.path.join(directory, "staged")
            yield local
            self._put(local, managerPath)


def _snapshot(local: str) -> dict[str, tuple[int, int]]:
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


class RemoteManager(Manager):
    """A manager whose artefacts must be fetched to be worked on locally."""

    @contextlib.contextmanager
    def localise(self, path: str) -> Iterator[str]:
        """Download only the artefact asked for; upload what changed when the block ends.

        The temporary copy is always removed. If the block raises, nothing is uploaded.
        """
        path = self.normalise(path)
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, self.basename(path) or "artefact")
            try:
                artefact = self._loadArtefact(path)
            except exceptions.ArtefactNotFound:
                artefact = None
            if artefact is not None:
                self._get(artefact, local)
            before = _snapshot(local) if os.path.exists(local) else {}
            yield local
            if not os.path.exists(local):
                return
            after = _snapshot(local)
            if os.path.isfile(local):
                if after != before:
                    self._put(local, path)
            else:
                if artefact is None:
                    self._mkdir(path)
                for relative, state in after.items():
                    if before.get(relative) != state:
                        self._put(os.path.join(local, relative), self._child(path, relative))
                for relative in set(before) - set(after):
                    self._rm(self._loadArtefact(self._child(path, relative)))
            self._forget(path)
