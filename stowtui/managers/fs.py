"""The local disk manager.

Manager paths are absolute local paths (``/home/me/data``). Symbolic links are
shown as links (``is_link``), never followed by a delete or a walk. Writes go to
a short temporary name beside the destination (:mod:`.paths`) and are put in
place on success: replacing what is there only when asked to, otherwise with
``os.link`` + ``os.unlink``, which fails if a file appeared meanwhile.

FIFOs, sockets and devices are never opened by a copy (a read from a FIFO
blocks for ever): a listing marks them (``artefact.special``, e.g.
``"named pipe"``) and :func:`open_regular` refuses them.

Every write is held inside its destination by directory file descriptors
(:mod:`.anchored`): a symbolic link swapped in below the directory a job writes
into (``TransferRequest.within``) is refused, never followed.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import stat
import threading
import urllib.parse
from typing import IO, Iterator

from . import anchored, exceptions
from .artefacts import Artefact, Directory, File
from .inspection import SizeTotals
from .manager import LocalManager
from .oserrors import os_errors
from .regular import GROWTH, SPECIAL_KINDS, grew, open_file, open_regular, read_regular, refuse_special, special_kind  # noqa: F401 (fs's names)

CHUNK = 1024 * 1024


def copy_into(source: str, staged: anchored.Staged, callback=None, cancel: threading.Event | None = None) -> None:
    """Copy a local file's bytes into a staged file in chunks, reporting progress and
    stopping when cancelled; then its mode and times."""
    writer = staged.handle
    with open_regular(source) as reader:
        while True:
            if cancel is not None and cancel.is_set():
                raise exceptions.OperationCancelled(f"Copy of {source} was cancelled")
            chunk = reader.read(CHUNK)
            if not chunk:
                break
            writer.write(chunk)
            if callback is not None:
                callback(len(chunk))
    if cancel is not None and cancel.is_set():  # never put in place once cancelled
        raise exceptions.OperationCancelled(f"Copy of {source} was cancelled")
    staged.copy_stat(source)


class FS(LocalManager):
    """Local disk."""

    SUPPORTS_TRANSFER_OPTIONS = True
    SUPPORTS_NO_REPLACE = True
    SUPPORTS_REPLACES = True
    SUPPORTS_WITHIN = True

    def __init__(self, path: str = "/"):
        super().__init__()
        self._path = path

    # Paths -------------------------------------------------------------

    def _abspath(self, managerPath: str) -> str:
        return self.join(self._path, managerPath, joinAbsolutes=True)

    def _manager_path(self, local: str) -> str:
        return self.normalise(os.path.relpath(local, self._path) if self._path != "/" else local)

    @classmethod
    def _signatureFromURL(cls, url: urllib.parse.ParseResult):
        return {"path": "/"}, os.path.abspath(os.path.expanduser(url.path or "."))

    def toConfig(self) -> dict:
        return {"manager": "FS", "path": self._path}

    # Reading -----------------------------------------------------------

    def _artefact_from_stat(self, managerPath: str, stats: os.stat_result, abspath: str) -> Artefact:
        mode = stats.st_mode
        if stat.S_ISREG(mode):  # the common case first: no dict, no lookups (artefacts keep the floats)
            created = getattr(stats, "st_birthtime", stats.st_ctime)
            return File(self, managerPath, stats.st_size, stats.st_mtime, created, stats.st_atime)
        times = dict(
            modifiedTime=stats.st_mtime,
            createdTime=getattr(stats, "st_birthtime", stats.st_ctime),
            accessedTime=stats.st_atime,
        )
        is_link = stat.S_ISLNK(mode)
        target = None
        if is_link:
            with contextlib.suppress(OSError):
                target = os.readlink(abspath)
            try:
                followed = os.stat(abspath)
            except OSError:
                followed = None  # a broken link: shown as a file
            if followed is not None and stat.S_ISDIR(followed.st_mode):
                return Directory(self, managerPath, is_link=True, link_target=target, **times)
            size = followed.st_size if followed is not None else 0
            artefact = File(self, managerPath, size, is_link=True, link_target=target, **times)
            kind = special_kind(followed.st_mode) if followed is not None else None
            if kind is not None:
                artefact.special = kind
            return artefact
        if stat.S_ISDIR(mode):
            return Directory(self, managerPath, **times)
        artefact = File(self, managerPath, stats.st_size, **times)
        kind = special_kind(mode)
        if kind is not None:
            artefact.special = kind  # never opened by a copy
        return artefact

    def _identifyPath(self, managerPath: str):
        abspath = self._abspath(managerPath)
        try:
            stats = os.lstat(abspath)
        except FileNotFoundError:
            return None
        except NotADirectoryError:
            return None
        except OSError as error:
            with os_errors("look at", abspath):
                raise error
        return self._artefact_from_stat(managerPath, stats, abspath)

    def _ls(self, directory: str):
        return [a for page in self._lsPages(directory) for a in page]

    def _lsPages(self, directory: str, page_size: int = 1000):
        """One ``os.scandir`` pass: ``DirEntry.stat`` (an ``lstat``, links not followed) per entry, in pages."""
        abspath = self._abspath(directory)
        parent = self._child(directory, "")  # "/dir/": each child's path is this and its name
        page: list[Artefact] = []
        with os_errors("list", abspath), os.scandir(abspath) as entries:
            for entry in entries:
                try:
                    stats = entry.stat(follow_symlinks=False)
                except FileNotFoundError:
                    continue  # vanished while we listed
                page.append(self._artefact_from_stat(parent + entry.name, stats, entry.path))
                if len(page) >= page_size:
                    yield page
                    page = []
        yield page

    def _getBytes(self, source: Artefact) -> bytes:
        abspath = self._abspath(source.path)
        with os_errors("read", abspath):
            return read_regular(abspath, CHUNK)  # a FIFO or device refused; a growing file bounded

    def read_head(self, path: str, limit: int = 64 * 1024) -> bytes:
        abspath = self._abspath(self.normalise(path))
        self._check_readable(abspath)
        with os_errors("read", abspath), open_file(abspath, "rb") as handle:
            return handle.read(limit)

    @staticmethod
    def _check_readable(abspath: str) -> None:
        """A FIFO or a device would block a read (a worker thread cannot be stopped): refuse it."""
        with os_errors("read", abspath):
            mode = os.stat(abspath).st_mode
        if not stat.S_ISREG(mode):
            kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file (a pipe, socket or device)"
            raise exceptions.ArtefactTypeError(f"Cannot read {abspath}: it is {kind}")

    def read_range(self, path: str, start: int, length: int) -> bytes:
        """At most ``length`` bytes from offset ``start``: a seek and one bounded read."""
        abspath = self._abspath(self.normalise(path))
        if length <= 0:
            return b""
        self._check_readable(abspath)
        with os_errors("read", abspath), open_file(abspath, "rb") as handle:
            handle.seek(start)
            return handle.read(length)

    def du(self, path: str, every: int = 1000) -> Iterator[SizeTotals]:
        """Sizes below a directory with ``os.scandir`` (links are counted, never followed)."""
        abspath = self._abspath(self.normalise(path))
        totals = SizeTotals(abspath)
        with os_errors("measure", abspath):
            top = os.lstat(abspath)
        if not stat.S_ISDIR(top.st_mode):
            totals.add(top.st_size)
            yield totals.finish()
            return
        stack, seen = [abspath], 0
        while stack:
            try:
                entries = list(os.scandir(stack.pop()))
            except OSError:
                totals.skipped += 1
                continue
            for entry in entries:
                try:
                    stats = entry.stat(follow_symlinks=False)
                except OSError:
                    continue  # vanished while we counted
                if stat.S_ISDIR(stats.st_mode):
                    totals.directories += 1
                    stack.append(entry.path)
                else:
                    totals.add(stats.st_size if stat.S_ISREG(stats.st_mode) else 0)
                seen += 1
                if seen % every == 0:
                    yield totals.snapshot()
        yield totals.finish()

    def describe(self, path: str) -> dict:
        """Mode, owner, inode and link count: one ``lstat``."""
        import grp
        import pwd

        abspath = self._abspath(self.normalise(path))
        with os_errors("look at", abspath):
            stats = os.lstat(abspath)
        details = {
            "Mode": stat.filemode(stats.st_mode),
            "Owner": str(stats.st_uid),
            "Group": str(stats.st_gid),
            "Inode": stats.st_ino,
            "Links": stats.st_nlink,
        }
        with contextlib.suppress(KeyError):
            details["Owner"] = pwd.getpwuid(stats.st_uid).pw_name
        with contextlib.suppress(KeyError):
            details["Group"] = grp.getgrgid(stats.st_gid).gr_name
        if stat.S_ISLNK(stats.st_mode):
            with contextlib.suppress(OSError):
                details["LinkTarget"] = os.readlink(abspath)
        return details

    def _get(self, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        """Copy to a local path (FS to FS); a directory is copied whole."""
        self._copy_local(self._abspath(source.path), destination, callback, cancel, no_replace=no_replace)

    # Writing -----------------------------------------------------------

    def _copy_local(self, source: str, destination: str, callback=None, cancel=None, *, no_replace=False,
                    within: str | None = None, replaces=None) -> None:
        """Copy a local file or directory to the local path ``destination``, held inside
        ``within`` (a local path; None: the destination's own directory, or the
        directory itself): see :mod:`.anchored`."""
        with os_errors("copy", f"{source} to {destination}"):
            if os.path.isdir(source) and not os.path.islink(source):
                within = destination if within is None else within
                with anchored.reach(destination, within) as folder:
                    for entry in os.scandir(source):
                        if self._is_special(entry.path):
                            continue  # a FIFO, socket or device is never opened (nor copied)
                        self._copy_local(entry.path, os.path.join(destination, entry.name), callback, cancel,
                                         no_replace=no_replace, within=within)
                    anchored.copy_stat(source, folder.fd)
                return
            if os.path.islink(source) and not os.path.exists(source):
                raise exceptions.ArtefactNotFound(f"Cannot copy {source}: it is a broken symbolic link")
            with anchored.staged(destination, within, replace=not no_replace, replaces=replaces) as staged:
                copy_into(source, staged, callback, cancel)

    @staticmethod
    def _is_special(path: str) -> bool:
        try:
            return special_kind(os.stat(path).st_mode) is not None
        except OSError:
            return False  # a broken link: the copy says so

    def _within(self, within: str | None) -> str | None:
        return None if within is None else self._abspath(self.normalise(within))

    @contextlib.contextmanager
    def _staging(self, managerPath: str, no_replace: bool = False, replaces=None,
                 within: str | None = None) -> Iterator[anchored.Staged]:
        abspath = self._abspath(managerPath)
        with os_errors("write", abspath):
            with anchored.staged(abspath, self._within(within), replace=not no_replace, replaces=replaces) as staged:
                yield staged
        self._forget(managerPath)

    def _put(self, source: str, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        """A local file or directory to a manager path, held inside ``request.within`` and
        replacing only ``request.replaces``."""
        within = replaces = None
        if request is not None:
            within, replaces = self._within(request.within), request.replaces
        self._copy_local(source, self._abspath(destination), callback, cancel, no_replace=no_replace,
                         within=within, replaces=replaces)
        self._forget(destination)

    def _putBytes(self, fileBytes: bytes, destination: str):
        abspath = self._abspath(destination)
        with os_errors("write", abspath), anchored.staged(abspath) as staged:
            staged.handle.write(fileBytes)
        self._forget(destination)

    def _cp(self, source: Artefact, destination: str, *, callback=None, cancel=None, no_replace=False, request=None):
        self._put(self._abspath(source.path), destination, callback=callback, cancel=cancel, no_replace=no_replace,
                  request=request)

    def _rename(self, source: Artefact, destination: str, no_replace: bool = False, replaces=None,
                within: str | None = None) -> bool:
        """Move by renaming on one device; False across devices.

        ``no_replace``: a file already at ``destination`` is never replaced
        (``DestinationTaken``); a directory there means False (merge instead).
        ``replaces``: only that file is replaced (``DestinationChanged``), under the
        directory's lock. The destination's directory is reached from ``within``.
        """
        src, dst = self._abspath(source.path), self._abspath(destination)
        with os_errors("move", f"{src} to {dst}"):
            is_directory = os.path.isdir(src) and not os.path.islink(src)
            try:
                anchored.rename(src, dst, self._within(within), replace=not no_replace or is_directory,
                                replaces=replaces)
            except OSError as error:
                if error.errno == errno.EXDEV:
                    return False
                if no_replace and is_directory and error.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    return False  # something is there now: the engine merges into it
                raise
        self._forget(source.path)
        self._forget(destination)
        return True

    def _mv(self, source: Artefact, destination: str):
        if not self._rename(source, destination):
            # Another device: copy, then delete only what was copied.
            self._cp(source, destination)
            self._rm(source)
            self._forget(source.path)

    def _rm(self, artefact: Artefact, *, callback=None, cancel=None):
        abspath = self._abspath(artefact.path)
        with os_errors("delete", abspath):
            if os.path.isdir(abspath) and not os.path.islink(abspath):
                shutil.rmtree(abspath)  # rmtree unlinks links inside; it never follows them
            else:
                os.unlink(abspath)
        self._forget(artefact.path)

    def _sourceState(self, source: Artefact):
        """Size, time (ns) and inode of the file now (one ``lstat``), before a move reads it."""
        from .transfer import SourceState

        abspath = self._abspath(source.path)
        with os_errors("look at", abspath):
            stats = os.lstat(abspath)
        return SourceState(stats.st_size, None, stats.st_mtime_ns, stats.st_ino)

    def _rmIfUnchanged(self, source: Artefact, state) -> None:
        """A fresh ``lstat`` compared with ``state`` immediately before the unlink."""
        from .transfer import SourceState, changed

        abspath = self._abspath(source.path)
        try:
            stats = os.lstat(abspath)
        except FileNotFoundError:
            raise changed(abspath) from None
        now = SourceState(stats.st_size, None, stats.st_mtime_ns, stats.st_ino)
        if state.differs(now) or stat.S_ISDIR(stats.st_mode):
            raise changed(abspath)
        with os_errors("delete", abspath):
            os.unlink(abspath)

    def _mkdir(self, managerPath: str, within: str | None = None) -> None:
        abspath = self._abspath(managerPath)
        with os_errors("create directory", abspath):
            anchored.make_directory(abspath, self._within(within))

    def device(self, managerPath: str) -> int | None:
        """The device of a path (or its nearest existing parent), to tell if a rename can work."""
        abspath = self._abspath(managerPath)
        while True:
            try:
                return os.stat(abspath).st_dev
            except OSError:
                parent = os.path.dirname(abspath)
                if parent == abspath:
                    return None
                abspath = parent
