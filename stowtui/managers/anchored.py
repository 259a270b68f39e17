"""Local writes held inside their destination at the moment they are made.

A destination checked when a job was planned can change before a file is
written into it: another program may swap ``dest/p/sub`` for a symbolic link
to elsewhere. So no write goes by name from ``/``. The directory a write is
contained in — its *root*: the destination the user chose, which may itself be
reached through a link — is opened as given (made if missing), and every
directory below it with ``O_DIRECTORY | O_NOFOLLOW``, relative to the one above
(:func:`reach`; a missing one is made with ``mkdir(dir_fd=)``). The temporary
file is created in the last one (``O_CREAT | O_EXCL | O_NOFOLLOW``), written
through its descriptor, then linked or renamed to its name there (``dir_fd``),
and removed there on failure (:func:`staged`). A link found where a directory
should be is refused (:class:`LinkInTheWay`: nothing is written through it),
never followed. Nothing is kept across files: each write walks again, one
``open`` per segment, so nothing can go stale.

Replacing a file (:func:`place` with ``replace``) happens under an exclusive
``flock`` on the directory's own descriptor (no lock file in the user's
folder), so two stowtui processes serialise their compare-and-rename: with
``replaces`` (the file as it was when the decision to replace it was made) the
name is looked at again (``lstat``, ``dir_fd``) under the lock, and a file that
is not that one any more is not replaced (``paths.DestinationChanged``). A
placement that must not replace anything needs no lock: ``link`` fails by
itself if a name appeared.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import threading
import time
from typing import Iterator

from . import exceptions, paths

#: A directory on the way down: read-only, close-on-exec.
DIRECTORY = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
#: A directory below the root: never through a symbolic link.
STEP = DIRECTORY | os.O_NOFOLLOW
#: The temporary file: a new name, never a link's target.
NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
#: Errors of ``link`` on file systems without hard links (FAT, some network ones).
NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOSYS}
#: Errors of ``flock`` where a file system cannot lock a directory opened read-only
#: (NFS maps flock to POSIX locks, which want a descriptor open for writing).
NO_LOCKS = {errno.EBADF, errno.ENOLCK, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EINVAL}
#: Seconds a placement waits for another process's lock on its directory before it
#: gives up with a sentence (a stowtui holds it for one lstat and one rename).
LOCK_WAIT = 30.0
#: Locks of this process, by directory (striped: a bounded number, whatever the directories).
_THREAD_LOCKS = tuple(threading.Lock() for _ in range(64))


class LinkInTheWay(exceptions.UnsafePath):
    """A symbolic link where a directory of the destination should be: not followed."""


class Folder:
    """An open directory, reached from a root without following a link below it.
    Close it (or use it as a context manager): it holds a file descriptor."""

    __slots__ = ("fd", "path")

    def __init__(self, fd: int, path: str) -> None:
        self.fd = fd
        #: Where it is, for sentences only: it is never opened by this name again.
        self.path = path

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    def __enter__(self) -> Folder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def child(self, name: str) -> str:
        return os.path.join(self.path, name)

    @contextlib.contextmanager
    def locked(self, wait: float | None = None) -> Iterator[None]:
        """An exclusive ``flock`` on this directory while the block runs: every stowtui
        that replaces a file here takes it. Where the file system cannot lock
        (:data:`NO_LOCKS`) the block runs unlocked; a lock held for longer than
        ``wait`` seconds by someone else is a failure with a sentence, never a hang."""
        wait = LOCK_WAIT if wait is None else wait
        # flock is per open file: this process's threads, each with its own descriptor of the
        # directory, would poll against each other; they queue on a lock of the process first.
        found = os.fstat(self.fd)
        here = _THREAD_LOCKS[hash((found.st_dev, found.st_ino)) % len(_THREAD_LOCKS)]
        if not here.acquire(timeout=wait):
            raise exceptions.BackendError(
                f"Cannot write in {self.path}: it stayed locked for {wait:.0f} s; nothing was replaced")
        try:
            with self._flocked(wait):
                yield
        finally:
            here.release()

    @contextlib.contextmanager
    def _flocked(self, wait: float) -> Iterator[None]:
        """The ``flock`` itself, against other processes."""
        deadline = None
        pause = 0.0005
        held = True
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                now = time.monotonic()
                deadline = deadline if deadline is not None else now + wait
                if now >= deadline:
                    raise exceptions.BackendError(
                        f"Cannot write in {self.path}: another program has held a lock on it for "
                        f"{wait:.0f} s; nothing was replaced"
                    ) from None
                time.sleep(pause)  # another stowtui's lstat and rename: microseconds
                pause = min(pause * 2, 0.05)
            except OSError as error:
                if error.errno not in NO_LOCKS:
                    raise
                held = False  # no locks here: compared and renamed at once all the same
                break
        try:
            yield
        finally:
            if held:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


def _below(directory: str, root: str) -> list[str]:
    """The segments of ``directory`` below ``root`` (both absolute local paths)."""
    directory, root = os.path.normpath(directory), os.path.normpath(root)
    if directory == root:
        return []
    prefix = root.rstrip(os.sep) + os.sep
    if not directory.startswith(prefix):
        raise exceptions.UnsafePath(f"Cannot write in {directory}: it is not inside {root}")
    return directory[len(prefix):].split(os.sep)


def _open_root(root: str, make: bool) -> int:
    try:
        return os.open(root, DIRECTORY)
    except FileNotFoundError:
        if not make:
            raise
    os.makedirs(root, exist_ok=True)  # the place the user chose, as given
    return os.open(root, DIRECTORY)


def _in_the_way(fd: int, name: str, where: str, root: str) -> OSError | LinkInTheWay:
    """Why ``name`` (in the directory ``fd``) could not be opened as a directory."""
    try:
        mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
    except OSError as error:
        return error
    if stat.S_ISLNK(mode):
        return LinkInTheWay(
            f"Cannot write in {where}: it is a symbolic link, which is not followed inside the "
            f"destination {root}; nothing was written through it"
        )
    return NotADirectoryError(errno.ENOTDIR, "Not a directory", where)


def _step(fd: int, name: str, where: str, root: str, make: bool) -> int:
    """Open the directory ``name`` inside ``fd`` without following a link (made if missing)."""
    for attempt in (0, 1):
        try:
            return os.open(name, STEP, dir_fd=fd)
        except FileNotFoundError:
            if not make or attempt:
                raise
        except OSError as error:
            if error.errno in (errno.ELOOP, errno.ENOTDIR):
                raise _in_the_way(fd, name, where, root) from None
            raise
        with contextlib.suppress(FileExistsError):  # made meanwhile: opened (and checked) next
            os.mkdir(name, 0o777, dir_fd=fd)
    raise AssertionError("unreachable")


def reach(directory: str, root: str | None = None, make: bool = True) -> Folder:
    """Open the local directory ``directory``: ``root`` (itself or a directory above it;
    default: itself) as given, then each segment below it without following a link,
    made where missing (``make``). A link on the way is :class:`LinkInTheWay`."""
    root = directory if root is None else root
    segments = _below(directory, root)
    fd = _open_root(root, make)
    where = root
    try:
        for name in segments:
            where = os.path.join(where, name)
            following = _step(fd, name, where, root, make)
            os.close(fd)
            fd = following
    except BaseException:
        os.close(fd)
        raise
    return Folder(fd, where)


def _same(replaces, stats: os.stat_result | None) -> bool:
    """Whether ``stats`` (None: nothing there) is still the file ``replaces`` recorded
    (a ``transfer.SourceState``; a None field is not compared). Times within a
    microsecond are the same: a listing keeps them as float seconds."""
    if stats is None or not stat.S_ISREG(stats.st_mode):
        return False
    if replaces.size is not None and replaces.size != stats.st_size:
        return False
    if replaces.inode is not None and replaces.inode != stats.st_ino:
        return False
    return replaces.mtime_ns is None or abs(replaces.mtime_ns - stats.st_mtime_ns) < 1000


def look(folder: Folder, name: str) -> os.stat_result | None:
    """``lstat`` of ``name`` in ``folder``; None when nothing is there."""
    try:
        return os.stat(name, dir_fd=folder.fd, follow_symlinks=False)
    except FileNotFoundError:
        return None


def place(folder: Folder, temporary: str, name: str, replace: bool = True, replaces=None) -> None:
    """Give the finished file ``temporary`` (in ``folder``) the name ``name`` there.

    ``replace=False``: never replace what is there, even if it appeared after the
    caller looked (``link`` fails then): :class:`~.paths.DestinationTaken`.
    ``replaces``: replace only that file as it was compared (under the folder's lock),
    else :class:`~.paths.DestinationChanged` and nothing is replaced.
    """
    fd, where = folder.fd, folder.child(name)
    if not replace:
        try:
            os.link(temporary, name, src_dir_fd=fd, dst_dir_fd=fd, follow_symlinks=False)
        except FileExistsError:
            raise taken(where) from None
        except OSError as error:
            if error.errno not in NO_HARD_LINKS:
                raise
            # No hard links on this file system: look, then rename, under the lock.
            with folder.locked():
                if look(folder, name) is not None:
                    raise taken(where) from None
                os.rename(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)
            return
        try:
            os.unlink(temporary, dir_fd=fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=fd)  # the name just made: never leave one file under two names
            raise
        return
    with folder.locked():
        if replaces is not None and not _same(replaces, look(folder, name)):
            raise changed(where)
        os.replace(temporary, name, src_dir_fd=fd, dst_dir_fd=fd)


def taken(where: str) -> paths.DestinationTaken:
    return paths.DestinationTaken(
        f"Cannot write {where}: something appeared there while it was being written; it was not replaced"
    )


def changed(where: str) -> paths.DestinationChanged:
    return paths.DestinationChanged(
        f"{where} changed since it was compared; not replaced, the source stays"
    )


def rename(source: str, destination: str, within: str | None = None, replace: bool = True, replaces=None) -> None:
    """Move the local file or directory ``source`` (a path, as given) to ``destination``,
    whose directory is reached from ``within`` (see :func:`reach`). A file is placed as
    :func:`place` places (``replace``, ``replaces``); a directory is renamed onto a free
    name or an empty directory, as ``rename(2)`` does."""
    with reach(os.path.dirname(destination), within) as folder:
        name = os.path.basename(destination)
        is_directory = stat.S_ISDIR(os.lstat(source).st_mode)
        if is_directory or replace:
            with folder.locked() if not is_directory else contextlib.nullcontext():
                if replaces is not None and not _same(replaces, look(folder, name)):
                    raise changed(folder.child(name))
                os.rename(source, name, dst_dir_fd=folder.fd)
            return
        try:
            os.link(source, name, dst_dir_fd=folder.fd, follow_symlinks=False)
        except FileExistsError:
            raise taken(folder.child(name)) from None
        except OSError as error:
            if error.errno not in NO_HARD_LINKS:
                raise
            with folder.locked():
                if look(folder, name) is not None:
                    raise taken(folder.child(name)) from None
                os.rename(source, name, dst_dir_fd=folder.fd)
            return
        try:
            os.unlink(source)
        except OSError:
            with contextlib.suppress(OSError):
                os.unlink(name, dir_fd=folder.fd)
            raise


def make_directory(directory: str, within: str | None = None) -> None:
    """Make ``directory`` and those above it up to ``within`` (see :func:`reach`)."""
    reach(directory, within).close()


class Staged:
    """A new local file being written: a handle on a temporary name in its folder,
    which :func:`staged` gives its final name on success.

    Writers write ``handle`` (unbuffered, seekable); ``path`` (the temporary name)
    and ``destination`` are for sentences: neither is opened by name.
    """

    __slots__ = ("handle", "path", "destination")

    def __init__(self, handle, path: str, destination: str) -> None:
        self.handle = handle
        self.path = path
        self.destination = destination

    def set_times(self, accessed: float, modified: float) -> None:
        os.utime(self.handle.fileno(), (accessed, modified))

    def copy_stat(self, source: str) -> None:
        """Mode, times and extended attributes of the local file ``source``, as ``shutil.copystat``."""
        copy_stat(source, self.handle.fileno())


def copy_stat(source: str, fd: int) -> None:
    """``shutil.copystat`` onto an open descriptor (never a name that could be swapped)."""
    stats = os.stat(source)
    _copy_xattrs(source, fd)
    os.utime(fd, ns=(stats.st_atime_ns, stats.st_mtime_ns))
    with contextlib.suppress(NotImplementedError, PermissionError):
        os.chmod(fd, stat.S_IMODE(stats.st_mode))


def _copy_xattrs(source: str, fd: int) -> None:
    """Extended attributes, where both sides have them (as ``shutil._copyxattr`` does)."""
    if not hasattr(os, "listxattr"):
        return
    ignored = (errno.ENOTSUP, errno.ENODATA, errno.EINVAL, errno.EPERM, errno.EACCES)
    try:
        names = os.listxattr(source)
    except OSError as error:
        if error.errno not in ignored:
            raise
        return
    for name in names:
        try:
            os.setxattr(fd, name, os.getxattr(source, name))
        except OSError as error:
            if error.errno not in ignored:
                raise


@contextlib.contextmanager
def staged(destination: str, within: str | None = None, replace: bool = True, replaces=None) -> Iterator[Staged]:
    """A new file for the local path ``destination``: its folder reached from ``within``
    (:func:`reach`), a temporary name created there, put in place on success as
    :func:`place` says (``replace``, ``replaces``), removed on failure or cancel."""
    with reach(os.path.dirname(destination), within) as folder:
        temporary = paths.temporary_name()
        handle = open(os.open(temporary, NEW_FILE, 0o666, dir_fd=folder.fd), "wb", buffering=0)
        try:
            yield Staged(handle, folder.child(temporary), destination)
            handle.close()
            place(folder, temporary, os.path.basename(destination), replace, replaces)
        except BaseException:
            handle.close()
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=folder.fd)
            raise


def download_tree(source, walk, destination: str, download, key=None) -> None:
    """Every file that ``walk`` yields below the directory ``source`` into the local folder ``destination``.

    ``download(artefact, local)`` writes one file (held inside ``destination``: see
    :func:`reach`); ``key(artefact)`` is how a refusal
    names it (default: its path below ``source``). Names are data: one that would lead
    out of ``destination`` is not written, the rest are, then one refusal names them all.
    A ``folder/`` key with a body (``marker``) is its folder's marker: nothing is written for it.
    """
    from .artefacts import Directory  # artefacts never import this module: no cycle

    make_directory(destination)
    top = source.path.rstrip("/")
    refused: list[str] = []
    for artefact in walk:
        if getattr(artefact, "marker", False):
            continue
        relative = artefact.path[len(top) + 1:]
        name = key(artefact) if key is not None else relative
        try:
            local = paths.local_destination(destination, relative, name, "downloaded")
            if isinstance(artefact, Directory):
                paths.check_inside(destination, local, name, "downloaded")
                make_directory(local, destination)  # never through a link below it
            else:
                download(artefact, local)
        except exceptions.UnsafePath:
            if not isinstance(artefact, Directory):  # a refused directory's files say it
                refused.append(name)
    if refused:
        listed = ", ".join(f'"{name}"' for name in refused[:5])
        more = f" and {len(refused) - 5} more" if len(refused) > 5 else ""
        raise exceptions.UnsafePath(
            f"{len(refused)} key(s) under {source.abspath} point outside the destination {destination}; "
            f"not downloaded: {listed}{more} (everything else was)"
        )
