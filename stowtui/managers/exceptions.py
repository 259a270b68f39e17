"""Errors raised by the storage layer.

Each one carries a sentence a person can act on: what failed and where.
They all derive from :class:`StowError`, so callers (the UI, the job
engine) can catch one type and show ``str(error)``.
"""

from __future__ import annotations


class StowError(Exception):
    """Base class of every storage-layer error."""


class ArtefactNotFound(StowError, FileNotFoundError):
    """No file or directory exists at the given location."""


class ArtefactTypeError(StowError, TypeError):
    """The artefact exists but is the wrong kind (a file where a directory is needed, ...)."""


class ArtefactExists(StowError, FileExistsError):
    """Something already exists where a new artefact was to be written."""


class OperationNotPermitted(StowError, PermissionError):
    """The operation is refused: by the backend (access denied) or by a safety rule."""


class InvalidPath(StowError, ValueError):
    """A path or URL cannot be understood or is not allowed."""


class ManagerNotFound(StowError, LookupError):
    """No manager is registered for a URL scheme or name."""


class BackendError(StowError, OSError):
    """The storage backend failed (network, server error, full disk...)."""


class OperationCancelled(StowError):
    """The operation was cancelled before it finished."""
