"""Errors raised by the storage layer.

Each one carries a sentence a person can act on: what failed and where.
They all derive from :class:`StowError`, so callers (the UI, the job
engine) can catch one type and show ``str(error)``. Each also derives from
what a stow user (or plain Python) would catch for the same case: not-found
is a ``FileNotFoundError``, a refusal an ``OperationNotPermitted`` (and a
``PermissionError``), an unknown manager a ``ValueError``.
"""

from __future__ import annotations

from .redact import sentence


class StowError(Exception):
    """Base class of every storage-layer error. Its sentence never shows a URL's password
    nor a raw control character (a hostile name's ESC sequence)."""

    def __init__(self, *args) -> None:
        super().__init__(*(sentence(a) if isinstance(a, str) else a for a in args))

    def __str__(self) -> str:
        return sentence(super().__str__())


class ArtefactNotFound(StowError, FileNotFoundError):
    """No file or directory exists at the given location."""


class ArtefactTypeError(StowError, TypeError):
    """The artefact exists but is the wrong kind (a file where a directory is needed, ...)."""


class OperationNotPermitted(StowError, PermissionError):
    """The operation is refused: by the backend (access denied) or by a safety rule."""


class ArtefactExists(OperationNotPermitted, FileExistsError):
    """Something already exists where a new artefact was to be written (a refusal, as in stow)."""


class InvalidPath(StowError, ValueError):
    """A path or URL cannot be understood or is not allowed."""


class NotAPath(InvalidPath, TypeError):
    """Something that is not a path at all (``None``, a number...) was given where a path goes."""


class ManagerNotFound(StowError, LookupError, ValueError):
    """No manager is registered for a URL scheme or name."""


class UnsafePath(InvalidPath, OperationNotPermitted):
    """A name from a listing would be written outside its destination (``..``, ``/``...): refused."""


class BackendError(StowError, OSError):
    """The storage backend failed (network, server error, full disk...)."""


class SourceChanged(BackendError):
    """A moved file changed (or went) while it was copied: it is kept at its source."""


class BackendTimeout(BackendError, TimeoutError):
    """The storage backend did not answer in time."""


class OperationCancelled(StowError):
    """The operation was cancelled before it finished."""
