"""The manager model: the base classes ``Manager``, ``LocalManager`` and ``RemoteManager``.

A manager addresses artefacts by *manager paths*: ``/``-separated, starting
with ``/`` (``/`` is its root). Subclasses implement the abstract hooks named
after the original design (``_identifyPath``, ``_ls``, ``_put``...); the public
methods here build every operation from them and keep the manager's cache of
loaded artefacts (:mod:`.cache`) coherent. The wrappers the engine and the UI
call (``download``, ``upload``, ``rm``...), the writes with stow's signatures
(``mkdir``, ``rm``, ``touch``) and the inspection defaults (``read_range``, ``du``...)
are methods of this one class too. Replacing a destination is in :mod:`.replace`,
files opened through a local copy in :mod:`.files`, the values inspection hands
out (``SizeTotals``, ``Version``) in :mod:`.inspection`.

Freshness: the rule
-------------------
The cache makes browsing fast; it is never a licence to answer from memory.

1. **A miss is never trusted.** A path that is not in the cache, even in a
   level whose complete listing is cached, is asked of the backend before
   anything says it does not exist: one request (``_identifyPath``; on S3 a
   one-key ``ListObjectsV2`` with the path as prefix, or ``HeadObject`` where
   listing is denied; on disk an ``os.lstat``).
2. **Every public query starts from what the backend says now.** ``artefact``,
   ``exists``, ``isdir``, ``isfile``, ``identify`` and ``get`` ask
   the backend; ``ls``, ``lsPages``, ``walk`` and ``scan`` list again every
   level they show. The stateless interface (``stowtui.stow``) uses only these.
3. **Reuse happens inside one operation, and is asked for by name.** A walk
   or a recursive listing reuses the levels it listed itself; a job of the
   engine keeps its own listings of its destinations; a caller that holds the
   result of its own listing (the engine given a URL it looked up earlier)
   may pass ``cached=True`` to ``artefact``/``exists``/``isdir``/``isfile``,
   which then takes a cached *hit* — and still asks the backend on a miss.
   A job given a URL looks its source up with ``look_up_source``: where that
   lookup listed what is below a directory (S3: one listing of ``key``), the
   job's walk goes on from that listing instead of listing it again.
4. **Listings stay batched.** Opening a level is one request per 1,000
   entries (sizes, times and ETags come with it: no ``HeadObject`` per entry);
   opening a deep prefix costs only its own level, never its parents'.

Plug-in managers written to the guide's signatures work unchanged. Managers
that set ``SUPPORTS_TRANSFER_OPTIONS`` also accept ``callback`` (bytes moved),
``cancel`` (a ``threading.Event``) and ``request`` (the whole
:class:`~.transfer.TransferRequest`: request slots, staging name...) keyword
arguments on ``_get``, ``_put`` and ``_cp``, and ``callback``/``cancel`` on ``_rm``.
"""

from __future__ import annotations

import abc
import contextlib
import os
import posixpath
import shutil
import tempfile
import urllib.parse
from typing import IO, Callable, Iterator

from . import anchored, exceptions
from .anchored import Staged
from .artefacts import Artefact, Directory, File
from .cache import ArtefactCache
from .files import open_copy, remote_localise
from .inspection import SizeTotals, Version
from .oserrors import os_errors
from .regular import open_file, open_regular
from .transfer import TransferRequest
from .replace import replacing
from .urls import as_text, join_segments

__all__ = ["Manager", "LocalManager", "RemoteManager", "SizeTotals", "Version"]


def split_removals(found: list[Artefact | None], recursive: bool) -> tuple[list[Artefact], list[Directory]]:
    """(what goes with everything in it, the directories removed only if empty) of ``rm``'s targets."""
    trees, empty = [], []
    for artefact in found:
        if isinstance(artefact, Directory) and not artefact.is_link and not recursive:
            empty.append(artefact)
        elif artefact is not None:
            trees.append(artefact)
    return trees, empty


class Manager(abc.ABC):
    """Abstract base of every manager."""

    #: Managers that accept ``callback=``, ``cancel=`` and ``request=`` on ``_get``/``_put``/``_cp``.
    SUPPORTS_TRANSFER_OPTIONS = False
    #: Managers whose ``_get``/``_put``/``_cp``/``_rename``/``_staging`` also take
    #: ``no_replace=True``: never replace what is at the destination (see paths.DestinationTaken).
    SUPPORTS_NO_REPLACE = False
    #: Managers whose ``_rename``/``_staging`` also take ``replaces=`` (a ``transfer.SourceState``):
    #: replace only the file that was compared, else ``paths.DestinationChanged`` (their
    #: ``_get``/``_put``/``_cp`` read it as ``request.replaces``).
    SUPPORTS_REPLACES = False
    #: Local managers whose ``_rename``/``_staging``/``_mkdir`` also take ``within=`` (a manager
    #: path above the destination): nothing is written outside it, whatever changed there
    #: since planning (``_put``/``_cp`` read it as ``request.within``; see anchored.py).
    SUPPORTS_WITHIN = False
    #: Directories exist only through their contents (S3): no need to create them first.
    IMPLICIT_DIRECTORIES = False
    #: Artefacts are files on this machine (``os.fspath(artefact)`` gives their path).
    IS_LOCAL = False
    #: ``_lsPages`` gives one level in key order across its pages (S3: a directory
    #: sorts as its name and ``/``), so :meth:`lsOrdered` needs only sort within a page.
    LISTS_IN_KEY_ORDER = False

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

    def _identify(self, managerPath: str) -> list[Artefact]:
        """What the backend holds at a path now, in one request: nothing, a file, a directory
        (or, where a file and a directory may share a name, both; the file first)."""
        found = self._identifyPath(managerPath)
        return [] if found is None else [found]

    def _lookUpSource(self, managerPath: str) -> tuple[Artefact, Iterator[Artefact] | None]:
        """What a job is to read at a path, looked up now, and the walk of it where
        the lookup listed what is below it already (None: the job walks it itself).

        This default is one lookup; S3 finds a directory and the first page of its
        walk from one listing (``s3/sources.py``).
        """
        return self._loadArtefact(managerPath, cached=False), None

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
        """Remove an empty directory, and never anything in it.

        The guide's hooks cannot do that: ``_rm`` deletes a directory with
        everything below it, and checking that it is empty first leaves a moment
        in which a file written into it would go too. So this default removes
        nothing: a directory the backend still shows is refused, with a sentence.
        A manager that can remove an empty directory alone overrides it
        (``LocalManager``: ``os.rmdir``; S3: the directory's marker), and the
        engine leaves a refused directory in place and says so.
        """
        if not any(isinstance(a, Directory) for a in self._identify(directory.path)):
            return  # gone already: it existed only through what was in it
        raise exceptions.OperationNotPermitted(
            f"Cannot remove the directory {directory.abspath} on its own: this storage can only "
            "delete a directory together with everything in it, so it is left in place"
        )

    def _rename(self, source: Artefact, destination: str, no_replace: bool = False) -> bool:
        """Move by renaming, if this manager can do it in one cheap step; False otherwise."""
        return False

    def _sourceState(self, source: Artefact):
        """What a move is about to read of ``source`` (a ``transfer.SourceState``).

        This default takes what the artefact shows (its listing's size, ETag and
        time), with no request: a source changed after that listing differs from it.
        """
        from .transfer import SourceState

        return SourceState.of(source)

    def _rmIfUnchanged(self, source: Artefact, state) -> None:
        """Delete the file ``source`` only if it is still ``state`` (``transfer.SourceState``);
        else raise ``exceptions.SourceChanged`` and delete nothing.

        This default looks again (one lookup) just before an unconditional ``_rm``;
        a manager that can make the delete itself conditional does (S3: ``IfMatch``).
        """
        from .transfer import SourceState, changed

        found = self._identifyPath(source.path)
        if found is None or state.differs(SourceState.of(found)):
            raise changed(source.abspath)
        self._rm(source)

    def _lsPages(self, directory: str) -> Iterator[list[Artefact]]:
        """List one level page by page (default: one page from ``_ls``).

        A page may also hold the listed directory itself (an artefact whose path
        is ``directory``): the backend showing that it exists (an S3 marker or
        bucket), which is not one of its children.
        """
        listed = self._ls(directory)
        if listed is not None:
            yield [a for a in listed if a is not None]
            return
        # A guide-style _ls adds its artefacts itself; read them back.
        node = self._cache.get(directory, Directory)
        yield list(node) if node is not None else []

    def _walk(self, directory: Directory) -> Iterator[Artefact]:
        """Every artefact below ``directory``, each directory before its contents.

        This default lists every level again, once, as it goes down (a manager
        that can list a whole subtree at once does better).
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

    def _ask(self, managerPath: str) -> list[Artefact]:
        """What the backend holds at a path now (one request), recorded in the cache."""
        return self._cache.settle(managerPath, self._identify(managerPath))

    def _loadArtefact(self, managerPath: str, cached: bool = True) -> Artefact:
        """The artefact at a path (the file, where S3 also has a directory of that name).

        With ``cached``, a cached hit answers; a miss always asks the backend.
        """
        if cached:
            hit = self._cache.get(managerPath)
            if hit is not None:
                return hit
        found = self._ask(managerPath)
        if not found:
            raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(managerPath)}")
        return found[0]

    def _ensureDirectory(self, managerPath: str, cached: bool = True) -> Directory:
        """The directory at a path, or a clear error if it is missing or a file."""
        if cached:
            hit = self._cache.get(managerPath, Directory)
            if hit is not None:
                return hit
        found = self._ask(managerPath)
        for artefact in found:
            if isinstance(artefact, Directory):
                return artefact
        if found:
            raise exceptions.ArtefactTypeError(f"{self._abspath(managerPath)} is a file, not a directory")
        raise exceptions.ArtefactNotFound(f"Nothing exists at {self._abspath(managerPath)}")

    def _listable(self, managerPath: str) -> Directory:
        """The directory to list at a path.

        Where directories exist only through their contents (S3), nothing is
        looked up first: the listing itself shows that the directory is there
        (:meth:`_collectPages`). Elsewhere one lookup says whether it is a directory.
        """
        if self.IMPLICIT_DIRECTORIES or managerPath == "/":
            known = self._cache.get(managerPath, Directory)
            return known if known is not None else Directory(self, managerPath)
        return self._ensureDirectory(managerPath, cached=False)

    def _collect(self, directory: Directory) -> list[Artefact]:
        """The children of a directory, listed now."""
        for _ in self._collectPages(directory):
            pass
        return list(self._cache.get(directory.path, Directory) or directory)

    def _collectPages(self, directory: Directory) -> Iterator[list[Artefact]]:
        """List a directory now, page by page, replacing what the cache held of it.

        A listing that shows nothing proves nothing where directories exist only
        through their contents: unless the backend showed the directory itself
        (a marker, a bucket), one lookup says whether it is empty, a file, or gone.
        """
        self._cache.forget_contents(directory)
        shown = not self.IMPLICIT_DIRECTORIES or directory.path == "/"
        for page in self._lsPages(directory.path):
            children = []
            for artefact in page:
                if artefact is None:
                    continue
                if artefact.path == directory.path:
                    shown = True  # the directory itself, not a child
                    continue
                children.append(artefact)
            shown = shown or bool(children)
            if shown:
                directory = self._addArtefact(directory)
            yield [self._addArtefact(a) for a in children]
        if not shown:
            directory = self._ensureDirectory(directory.path, cached=False)
        directory._collected = True

    # ------------------------------------------------------------------
    # Paths
    # ------------------------------------------------------------------

    @staticmethod
    def join(*paths: str, separator: str = "/", joinAbsolutes: bool = False) -> str:
        """Join path segments; an absolute segment restarts the path unless ``joinAbsolutes``."""
        return join_segments(paths, separator, absolutes=joinAbsolutes)

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
    # Public queries: each one asks the backend (the freshness rule above)
    # ------------------------------------------------------------------

    def artefact(self, path: str, *, cached: bool = False) -> Artefact:
        """The file or directory at a path, as the backend has it now.

        ``cached``: inside one operation, a cached hit may answer (a miss is still asked).
        """
        return self._loadArtefact(self.normalise(path), cached=cached)

    def identify(self, path: str) -> list[Artefact]:
        """Everything at a path now, in one request: ``[]``, a file, a directory, or (S3) both."""
        return self._ask(self.normalise(path))

    def exists(self, path: str, *, cached: bool = False) -> bool:
        """Whether anything is at a path now."""
        try:
            self.artefact(path, cached=cached)
            return True
        except exceptions.ArtefactNotFound:
            return False

    def isdir(self, path: str, *, cached: bool = False) -> bool:
        """Whether a directory is at a path now (on S3, beside a file of that name or not)."""
        try:
            self._ensureDirectory(self.normalise(path), cached=cached)
            return True
        except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError):
            return False

    def isfile(self, path: str, *, cached: bool = False) -> bool:
        """Whether a file is at a path now."""
        try:
            return isinstance(self.artefact(path, cached=cached), File)
        except exceptions.ArtefactNotFound:
            return False

    def ls(
        self, path: str = "/", recursive: bool = False, *, ignore_missing: bool = False
    ) -> list[Artefact]:
        """The contents of a directory (and, recursively, of every directory below it), listed now.

        ``ignore_missing``: a directory that is not there lists as empty.
        """
        try:
            directory = self._listable(self.normalise(path))
            if recursive:  # a folder's marker is not a file of its own (S3 folder/ keys with a body)
                return [a for a in self._walk(directory) if not getattr(a, "marker", False)]
            return self._collect(directory)
        except exceptions.ArtefactNotFound:
            if ignore_missing:
                return []
            raise

    def lsPages(self, path: str = "/") -> Iterator[list[Artefact]]:
        """One level, listed now, page by page as the backend answers (for views that fill in).

        """
        yield from self._collectPages(self._listable(self.normalise(path)))

    def lsOrdered(self, path: str, key: Callable[[Artefact], str], page_size: int = 1000) -> Iterator[list[Artefact]]:
        """One level, listed now, in pages sorted by ``key`` across the whole level (for comparisons).

        Nothing is cached. A backend that lists in key order (``LISTS_IN_KEY_ORDER``,
        with ``key`` that order) is passed through page by page, so a level of a
        million keys is never held whole; any other level is listed, then sorted.
        A directory that is not there lists as nothing where directories exist
        only through their contents; elsewhere it raises ``ArtefactNotFound``.
        """
        path = self.normalise(path)

        def children(page):
            return [a for a in page if a is not None and a.path != path]

        if self.LISTS_IN_KEY_ORDER:
            for page in self._lsPages(path):
                found = children(page)
                if found:
                    found.sort(key=key)
                    yield found
            return
        level = [a for page in self._lsPages(path) for a in children(page)]
        level.sort(key=key)
        for start in range(0, len(level), page_size):
            yield level[start:start + page_size]

    def walk(self, path: str) -> Iterator[Artefact]:
        """Every artefact below a directory, listed now, each directory before its contents."""
        yield from self._walk(self._listable(self.normalise(path)))

    def refresh(self, path: str) -> None:
        """Forget what is cached at and below a path."""
        self._forget(self.normalise(path))

    def get(self, path: str, local_dest: str | None = None) -> bytes | None:
        """The bytes of a file, or (with ``local_dest``) a copy of a file or directory on local disk."""
        artefact = self.artefact(path)
        if local_dest is None:
            if isinstance(artefact, Directory):
                raise exceptions.ArtefactTypeError(
                    f"{artefact.abspath} is a directory; give a local destination to download it"
                )
            return self._getBytes(artefact)
        local_dest = os.path.abspath(os.path.expanduser(as_text(local_dest, "a local path")))
        parent = os.path.dirname(local_dest)
        if parent:
            with os_errors("create directory", parent):
                os.makedirs(parent, exist_ok=True)
        self._get(artefact, local_dest)
        return None

    def source_state(self, source: Artefact):
        """What a move is about to read of a file (``transfer.SourceState``), for ``remove_if_unchanged``."""
        return self._sourceState(source)

    def remove_if_unchanged(self, source: Artefact, state) -> None:
        """Delete a moved file only if it is still what was copied (``state``, from ``source_state``);
        a file that changed meanwhile stays, with ``exceptions.SourceChanged``."""
        try:
            self._rmIfUnchanged(source, state)
        finally:
            self._forget(source.path)

    @abc.abstractmethod
    def localise(self, path: str):
        """A context manager giving a local path for an artefact (which may not exist yet)."""

    def open(self, path: str, mode: str = "r", **kwargs) -> IO:
        """A file object for a file of this manager, usable with or without ``with``.

        This default works on a local copy, written back when the file is closed
        (a ``with`` block that raises writes nothing back).
        """
        return open_copy(self, self.normalise(path), mode, **kwargs)

    # ------------------------------------------------------------------
    # Operations the engine, the UI and scripts call (hooks wrapped; the cache kept coherent)
    # ------------------------------------------------------------------

    def url(self, path: str) -> str:
        """The full location of a manager path (an absolute local path, or a URL)."""
        return self._abspath(self.normalise(path))

    def child(self, directory: str, name: str) -> str:
        """The manager path of ``name`` inside ``directory``."""
        return self._child(self.normalise(directory), name)

    def look_up_source(self, path: str) -> tuple[Artefact, Iterator[Artefact] | None]:
        """The artefact a job is to read at a path, and, where finding it listed what is
        below it, the walk that goes on from that listing (else None: walk it with ``walk``).

        A cached hit answers (a view's listing, which the job was given); a miss
        asks the backend. The walk is this one job's: it is fresh once, then spent.
        """
        path = self.normalise(path)
        hit = self._cache.get(path)
        if hit is not None:
            return hit, None
        return self._lookUpSource(path)

    def scan(self, path: str) -> list[Artefact]:
        """One level straight from the backend, page by page, bypassing the cache.

        An empty or missing directory is an empty list: no second request is
        spent proving which (what conflict checks need to know).
        """
        path = self.normalise(path)
        return [a for page in self._lsPages(path) for a in page if a is not None and a.path != path]

    def _transfer_options(self, request: TransferRequest | None) -> dict:
        """The hook's keywords for a request: ``callback``, ``cancel`` and the ``request`` itself
        to managers that take them, ``no_replace`` to those that can keep a destination."""
        if request is None:
            return {}
        options = {"callback": request.callback, "cancel": request.cancel, "request": request}
        options = options if self.SUPPORTS_TRANSFER_OPTIONS else {}
        return {**options, **self._no_replace(request is not None and request.no_replace)}

    def _no_replace(self, no_replace: bool) -> dict:
        return {"no_replace": True} if no_replace and self.SUPPORTS_NO_REPLACE else {}

    def download(self, source: Artefact, local: str, request: TransferRequest | None = None) -> None:
        """Write an artefact of this manager to a local path (as ``request`` says, if given).

        With ``request.staged`` (a local manager's staged file) the bytes go into it; a
        manager whose hooks take no request writes a private temporary file first, whose
        bytes are then copied into it (never a name in the destination)."""
        staged = request.staged if request is not None else None
        if staged is not None and not self.SUPPORTS_TRANSFER_OPTIONS:
            with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
                part = os.path.join(workspace, "part")
                self._get(source, part)
                with open_regular(part) as reader:
                    shutil.copyfileobj(reader, staged.handle)
            return
        self._get(source, local, **self._transfer_options(request))

    def upload(self, local: str, path: str, request: TransferRequest | None = None) -> None:
        """Write a local file or directory to a manager path (as ``request`` says, if given)."""
        self._put(local, path, **self._transfer_options(request))
        self._forget(path)

    def write(self, data: bytes, path: str) -> None:
        """Write bytes to a manager path."""
        self._putBytes(bytes(data), path)
        self._forget(path)

    def copy_within(self, source: Artefact, path: str, request: TransferRequest | None = None) -> None:
        """Copy an artefact of this manager to another path of it (as ``request`` says, if given)."""
        self._cp(source, path, **self._transfer_options(request))
        self._forget(path)

    def rename(self, source: Artefact, path: str, no_replace: bool = False, replaces=None,
               within: str | None = None) -> bool:
        """Move by renaming when that is one cheap step; False when it is not possible.

        ``replaces`` (a ``transfer.SourceState``): the file at ``path`` the caller decided
        to replace, as compared; a manager that ``SUPPORTS_REPLACES`` replaces only that
        (else ``paths.DestinationChanged``). ``within``: where it ``SUPPORTS_WITHIN``, the
        move never lands outside that directory."""
        options = self._no_replace(no_replace)
        if replaces is not None and self.SUPPORTS_REPLACES:
            options["replaces"] = replaces
        if within is not None and self.SUPPORTS_WITHIN:
            options["within"] = within
        moved = self._rename(source, path, **options)
        if moved:
            self._forget(source.path)
            self._forget(path)
        return moved

    def move_within(self, source: Artefact, path: str) -> None:
        """Move an artefact to another path of this manager: a rename where one can, else ``_mv``."""
        if not self.rename(source, path):
            self._mv(source, path)
            self._forget(source.path)
            self._forget(path)

    def make_directory(self, path: str, within: str | None = None) -> None:
        """Create a directory (or its marker) without looking first (``within``: see ``rename``)."""
        self._mkdir(path, **({"within": within} if within is not None and self.SUPPORTS_WITHIN else {}))
        self._forget(path)

    # ------------------------------------------------------------------
    # Writing with stow's signatures: mkdir, rm, touch (each starts from one lookup)
    # ------------------------------------------------------------------

    def mkdir(
        self, path: str, ignore_exists: bool = True, overwrite: bool = False
    ) -> Directory:
        """Make a directory (and those above it).

        ``ignore_exists``: an existing directory is fine (else it is refused);
        ``overwrite``: an existing directory is replaced by an empty one.
        """
        path = self.normalise(path)
        if self.IMPLICIT_DIRECTORIES and path != "/" and ignore_exists and not overwrite:
            # Writing a marker where a directory exists is harmless, and a file of
            # the same name is no obstacle (S3 has both ``a`` and ``a/b``): no lookup.
            self.make_directory(path)
            return self._addArtefact(Directory(self, path))
        found = self.identify(path)
        existing = next((a for a in found if isinstance(a, Directory)), None)
        if existing is not None:
            if overwrite:
                with replacing(self, path, keep=lambda: (set(), set())) as target:
                    self._mkdir(target)
            elif not ignore_exists:
                raise exceptions.ArtefactExists(f"{self._abspath(path)} already exists")
            return self._ensureDirectory(path, cached=not overwrite)
        if found and not self.IMPLICIT_DIRECTORIES:
            raise exceptions.ArtefactExists(f"{self._abspath(path)} exists and is a file")
        self.make_directory(path)
        made = next(iter(self.identify(path)), None) if not self.IMPLICIT_DIRECTORIES else None  # with its times, as a listing shows it
        return made if isinstance(made, Directory) else self._addArtefact(Directory(self, path))

    def removal(self, path: str, *, recursive: bool = False, ignore_missing: bool = False) -> Artefact | None:
        """What ``rm`` would delete at a path, asked of the backend now; ``None`` if missing and ignored.

        A directory that is not empty is refused without ``recursive``.
        """
        try:
            artefact = self.artefact(path)
        except exceptions.ArtefactNotFound:
            if ignore_missing:
                return None
            raise
        if isinstance(artefact, Directory) and not artefact.is_link and not recursive:
            if self._collect(artefact):
                raise exceptions.OperationNotPermitted(
                    f"{artefact.abspath} is a directory that is not empty; use recursive=True to delete it"
                )
        return artefact

    def rm(self, *targets: str | Artefact, recursive: bool = False, ignore_missing: bool = False,
           callback=None, cancel=None) -> None:
        """Delete files and directories; all are checked before any is deleted.

        A path is looked up now (:meth:`removal`); an artefact is taken as the caller
        found it (no lookup: the engine's own listing said what it is). Without
        ``recursive`` a directory is removed with a removal that cannot take anything in
        it (``_rmdir``: one that is not empty is refused, never emptied).
        ``callback(n)`` (objects deleted) and ``cancel`` reach managers that take them.
        """
        found = [t if isinstance(t, Artefact) else self.removal(t, recursive=recursive, ignore_missing=ignore_missing)
                 for t in targets]
        trees, empty = split_removals(found, recursive)
        options = {"callback": callback, "cancel": cancel} if self.SUPPORTS_TRANSFER_OPTIONS else {}
        for artefact in trees:
            self._rm(artefact, **options)
            self._forget(artefact.path)
        for directory in empty:
            self._rmdir(directory)
            self._forget(directory.path)

    def touch(self, path: str) -> Artefact:
        """Make an empty file, or mark an existing one as modified now.

        Local files get their modification time set; an S3 object cannot change
        its time without being written again, so an existing one is left as it is.
        """
        path = self.normalise(path)
        found = self.identify(path)
        existing = next((a for a in found if isinstance(a, File)), None)
        if existing is None and found and not self.IMPLICIT_DIRECTORIES:
            existing = found[0]  # a directory: its time, like touch(1)
        if existing is None:
            self.write(b"", path)
        else:
            self._update_time(existing)
        return self._loadArtefact(path, cached=False)

    def _update_time(self, artefact: Artefact) -> None:
        """Mark an artefact as modified now, where the backend can (``LocalManager``: ``os.utime``)."""

    # ------------------------------------------------------------------
    # Inspection (viewer, info panel): defaults from the hooks alone; our managers do better
    # ------------------------------------------------------------------

    def read_head(self, path: str, limit: int = 64 * 1024) -> bytes:
        """At most ``limit`` bytes from the start of a file (managers override to read only those)."""
        return self._getBytes(self.artefact(path))[:limit]

    def read_range(self, path: str, start: int, length: int) -> bytes:
        """At most ``length`` bytes from offset ``start`` (``b""`` past the end).

        This default reads the whole file; our managers override it to read only the range.
        """
        if length <= 0:
            return b""
        return self._getBytes(self.artefact(path))[start:start + length]

    def du(self, path: str, every: int = 1000) -> Iterator[SizeTotals]:
        """The size of everything below a directory, as running totals.

        Yields a growing :class:`SizeTotals` as the count goes on (at least every
        ``every`` entries) and a last one with ``done`` set. Stop iterating to
        cancel: no further request is made. This default walks the manager's listing.
        """
        totals = SizeTotals(self._abspath(self.normalise(path)))
        seen = 0
        for artefact in self.walk(path):
            if isinstance(artefact, Directory):
                totals.directories += 1
            else:
                totals.add(getattr(artefact, "size", 0) or 0, artefact.storage_class)
            seen += 1
            if seen % every == 0:
                yield totals.snapshot()
        yield totals.finish()

    def describe(self, path: str) -> dict:
        """What a listing does not tell about one artefact (the info panel's second half).

        Keys are the backend's own names. The default knows nothing more.
        """
        return {}

    def versions(self, path: str) -> list[Version]:
        """Every version of a file, newest first; only versioned stores have them."""
        raise exceptions.OperationNotPermitted(f"{self._abspath(self.normalise(path))} has no versions here")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.toConfig()!r}>"


class LocalManager(Manager):
    """A manager whose artefacts are directly reachable on local disk."""

    IS_LOCAL = True

    def _rmdir(self, directory: Directory) -> None:
        """``os.rmdir``: the operating system refuses a directory that is not empty."""
        abspath = self._abspath(directory.path)
        with os_errors("remove the directory", abspath):
            os.rmdir(abspath)
        self._forget(directory.path)

    def _update_time(self, artefact: Artefact) -> None:
        with os_errors("touch", artefact.abspath):
            os.utime(self._abspath(artefact.path))

    @contextlib.contextmanager
    def localise(self, path: str) -> Iterator[str]:
        path = self.normalise(path)
        try:
            yield self._abspath(path)
        finally:
            self._forget(path)

    def open(self, path: str, mode: str = "r", **kwargs) -> IO:
        """The real file, opened as ``io.open`` does (directories above it are made for writing);
        only a regular file: a FIFO, socket or device is refused, never blocked on."""
        path = self.normalise(path)
        local = self._abspath(path)
        with os_errors("open", local):
            if any(m in mode for m in "wax+"):
                os.makedirs(os.path.dirname(local) or ".", exist_ok=True)
                self._forget(path)
            return open_file(local, mode, **kwargs)

    @contextlib.contextmanager
    def staging(self, path: str, no_replace: bool = False, replaces=None, within: str | None = None) -> Iterator[Staged]:
        """A new local file (``anchored.Staged``: write its ``handle``) that becomes ``path`` only
        on success: replacing only ``replaces`` (where the manager ``SUPPORTS_REPLACES``) and
        written inside ``within`` (where it ``SUPPORTS_WITHIN``)."""
        options = self._no_replace(no_replace)
        if replaces is not None and self.SUPPORTS_REPLACES:
            options["replaces"] = replaces
        if within is not None and self.SUPPORTS_WITHIN:
            options["within"] = within
        with self._staging(path, **options) as staged:
            yield staged
        self._forget(path)

    @contextlib.contextmanager
    def _staging(self, managerPath: str) -> Iterator[Staged]:
        """A new local file that becomes ``managerPath`` only on success (this default: one
        in a private folder, then ``_put``)."""
        with tempfile.TemporaryDirectory() as directory:
            local = os.path.join(directory, "staged")
            with anchored.staged(local) as staged:
                yield staged
            self._put(local, managerPath)


class RemoteManager(Manager):
    """A manager whose artefacts must be fetched to be worked on locally."""

    def localise(self, path: str):
        """Download only the artefact asked for; upload what changed when the block ends.

        The temporary copy is always removed. If the block raises, nothing is uploaded.
        """
        return remote_localise(self, self.normalise(path))
