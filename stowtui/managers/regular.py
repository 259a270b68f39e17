"""Reading local files that must be regular: a FIFO, socket or device is refused, never opened.

Each open is non-blocking (no FIFO can block it) and checked again on the open
descriptor, so a name swapped for a FIFO after a look is still refused; a read
stops a file that grows without end. Used by ``LocalManager.open``, ``fs.py``
and the uploads of every manager; it imports nothing of the managers but
their exceptions.
"""

from __future__ import annotations

import errno
import io
import os
import stat
from typing import IO

from . import exceptions

#: How far past the size it had when opened a file is read (one being appended to);
#: past that, the read is refused: nothing reads for ever.
GROWTH = 64 * 1024 * 1024

#: What a file that is not regular nor a directory is, as people say it.
SPECIAL_KINDS = {
    stat.S_IFIFO: "named pipe",
    stat.S_IFSOCK: "socket",
    stat.S_IFCHR: "character device",
    stat.S_IFBLK: "block device",
}


def special_kind(mode: int) -> str | None:
    """``"named pipe"``, ``"socket"``... for a special file's mode; None for others."""
    return SPECIAL_KINDS.get(stat.S_IFMT(mode))


def refuse_special(path: str, mode: int) -> None:
    """Refuse to read anything but a regular file (a FIFO, socket, device or directory)."""
    if not stat.S_ISREG(mode):
        kind = special_kind(mode) or ("directory" if stat.S_ISDIR(mode) else "special file")
        raise exceptions.ArtefactTypeError(f"Cannot copy {path}: it is a {kind}, not a regular file; not copied")


def _open_checked(path: str) -> int:
    """A descriptor on the regular file ``path``: opened non-blocking (no FIFO can block the
    open) and checked again on the open file, then made blocking."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        refuse_special(path, os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
    except BaseException:
        os.close(descriptor)
        raise
    return descriptor


def open_regular(path: str) -> IO[bytes]:
    """Open a regular file for reading; a FIFO, socket or device is refused, never opened
    (a non-blocking open, checked again on the open file, so no FIFO can block it)."""
    refuse_special(path, os.stat(path).st_mode)
    descriptor = _open_checked(path)
    try:
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def grew(path: str) -> exceptions.BackendError:
    return exceptions.BackendError(
        f"Cannot read {path}: it grew by more than {GROWTH // (1024 * 1024)} MiB while being read; not read"
    )


def read_regular(path: str, chunk: int, between=None) -> bytes:
    """All the bytes of a regular file, read straight from its descriptor.

    For a caller that has looked at ``path`` already (``os.stat`` and
    :func:`refuse_special`): the open file is checked again, as :func:`open_regular`
    does, without its buffered file object (which costs an ``fstat``, an ``ioctl`` and an
    ``lseek`` more per file, and a read more). ``between()`` runs before each read of
    ``chunk`` bytes (a cancel check that raises).
    """
    descriptor = _open_checked(path)
    try:
        parts, left = [], os.fstat(descriptor).st_size + GROWTH
        while True:
            if between is not None:
                between()
            data = os.read(descriptor, min(chunk, left + 1))
            if not data:
                return b"".join(parts)
            left -= len(data)
            if left < 0:
                raise grew(path)  # to the end of file, but never for ever
            parts.append(data)
    finally:
        os.close(descriptor)


def open_file(path: str, mode: str = "r", **kwargs) -> IO:
    """``io.open(path, mode)`` of a regular file only: opened non-blocking (a FIFO can block
    neither a read nor a write open) and checked on the open file; a FIFO, socket, device
    or directory is refused with a sentence."""

    def opener(name: str, flags: int) -> int:
        try:
            descriptor = os.open(name, flags | os.O_NONBLOCK, 0o666)
        except OSError as error:
            if error.errno == errno.ENXIO:  # a FIFO opened for writing with no reader
                raise exceptions.ArtefactTypeError(
                    f"Cannot open {path}: it is a named pipe, not a regular file") from None
            raise
        try:
            found = os.fstat(descriptor).st_mode
            if not stat.S_ISREG(found):
                kind = special_kind(found) or ("directory" if stat.S_ISDIR(found) else "special file")
                raise exceptions.ArtefactTypeError(f"Cannot open {path}: it is a {kind}, not a regular file")
            os.set_blocking(descriptor, True)
        except BaseException:
            os.close(descriptor)
            raise
        return descriptor

    return io.open(path, mode, opener=opener, **kwargs)
