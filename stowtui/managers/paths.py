"""Where a transfer may write: names from listings checked before they become
destination paths, and the temporary names that writes go through.

A name that comes from a listing (an S3 key split on ``/``, a plug-in's
directory entry) is data: a key such as ``pics/../../x`` must not become a
path outside the destination. Like Python's ``tarfile.data_filter``, every
segment of a relative name is checked before anything is written, and on
local disk the real path of the directory written into must stay inside the
real destination (a symbolic link there is not followed out):

* a segment that is empty, ``.`` or ``..``, or holds ``/`` or NUL, is refused
  (a backslash is an ordinary character on POSIX);
* a refusal is an :class:`~.exceptions.UnsafePath` whose sentence names the
  key and says "points outside the destination".

Writes go to a short temporary name in the destination directory
(:func:`temporary_name`), so any name up to the file system's 255 bytes can be
written; :func:`is_temporary` tells them apart.
"""

from __future__ import annotations

import contextlib
import os
import stat
import threading

from . import exceptions

#: Temporary names are ``.stowtui-<12 hex>.part``: 26 bytes whatever the final name (34 with a job's token).
PART_PREFIX = ".stowtui-"
PART_SUFFIX = ".part"


class DestinationTaken(exceptions.ArtefactExists):
    """Something was written at a destination after it was checked, and was not replaced."""


class DestinationChanged(DestinationTaken):
    """The file a write was to replace is no longer the one compared (``TransferRequest.replaces``):
    another writer changed, replaced or removed it since; nothing was written."""


_owner = threading.local()


@contextlib.contextmanager
def owned_by(token: str):
    """Temporary names made on this thread inside the block carry ``token`` (a job's:
    a resumed job knows its own leftovers by it, see jobs/journal.py)."""
    before = getattr(_owner, "token", "")
    _owner.token = token
    try:
        yield
    finally:
        _owner.token = before


def temporary_name() -> str:
    """A new temporary name for a write in progress: ``.stowtui-[<job token>]<12 hex>.part``."""
    # secrets.token_hex(6) is this, without importing hashlib into every start-up.
    return f"{PART_PREFIX}{getattr(_owner, 'token', '')}{os.urandom(6).hex()}{PART_SUFFIX}"


def owned_temporary(name: str, token: str) -> bool:
    """True for a temporary name made for the job of ``token``."""
    return bool(token) and name.startswith(PART_PREFIX + token) and name.endswith(PART_SUFFIX)


def is_temporary(name: str) -> bool:
    """True for a name :func:`temporary_name` made (or one a library appended to)."""
    return name.startswith(PART_PREFIX) and PART_SUFFIX in name


def unsafe_segment(name: str) -> str | None:
    """Why ``name`` cannot be one segment of a destination path; None when it can."""
    if name in ("", ".", ".."):
        return "an empty segment" if not name else f"the segment {name!r}"
    if "/" in name:
        return "a '/' inside a name"
    if "\x00" in name:
        return "a NUL character"
    return None


def refusal(key: str, verb: str = "copied", detail: str = "") -> exceptions.UnsafePath:
    """The error for a key that would be written outside its destination (``error.detail``: why)."""
    said = f" ({detail})" if detail else ""
    error = exceptions.UnsafePath(f'The key "{key}" points outside the destination{said}; not {verb}')
    error.detail = detail
    return error


def unsafe_relative(relative: str) -> str | None:
    """Why a ``/``-separated relative name cannot be written below a destination; None when it can."""
    for part in relative.split("/"):
        reason = unsafe_segment(part)
        if reason is not None:
            return reason
    return None


def check_name(name: str, key: str, verb: str = "copied") -> None:
    """Refuse ``name`` as one segment of a destination path (``key`` names it for people)."""
    reason = unsafe_segment(name)
    if reason is not None:
        raise refusal(key, verb, reason)


def segments(relative: str, key: str, verb: str = "copied") -> list[str]:
    """The segments of a ``/``-separated relative name, each checked."""
    reason = unsafe_relative(relative)
    if reason is not None:
        raise refusal(key, verb, reason)
    return relative.split("/")


def inside(root: str, local: str) -> bool:
    """True when the real path of ``local`` is ``root``'s real path or below it."""
    real_root = os.path.realpath(root)
    real = os.path.realpath(local)
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)


def check_inside(root: str, local: str, key: str, verb: str = "copied") -> None:
    """Refuse to write into ``local`` when a symbolic link takes it out of ``root``."""
    if not inside(root, local):
        raise refusal(key, verb, f"{local} is a symbolic link that leads out of it")


def local_destination(root: str, relative: str, key: str, verb: str = "copied") -> str:
    """The local path of ``relative`` (``/``-separated) below ``root``, or a refusal."""
    path = os.path.join(root, *segments(relative, key, verb))
    check_inside(root, os.path.dirname(path), key, verb)
    return path


def upload_tree(local: str, destination: str, child, upload, mkdir, empty_only: bool = False) -> None:
    """Every regular file below the local folder ``local`` to the manager path ``destination``.

    ``child(directory, name)`` makes a manager path, ``upload(local_file, path)`` writes
    one file and ``mkdir(path)`` makes a directory (with ``empty_only``, only the
    directories that would otherwise not exist: where directories are implicit, as on
    S3). FIFOs, sockets and devices are never opened: they are left out.
    """
    for root, folders, files in os.walk(local):
        relative = os.path.relpath(root, local)
        base = destination if relative == "." else child(destination, relative.replace(os.sep, "/"))
        if not empty_only or (not folders and not files):
            mkdir(base)
        for name in files:
            path = os.path.join(root, name)
            try:
                regular = stat.S_ISREG(os.stat(path).st_mode)
            except OSError:
                continue  # vanished, or a broken link: nothing to send
            if regular:
                upload(path, child(base, name))
