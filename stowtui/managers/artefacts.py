"""Artefacts: the files and directories a manager has loaded.

An artefact is a snapshot of what the manager learnt about one path (most
often from a directory listing). It never does I/O by itself except through
its manager.
"""

from __future__ import annotations

import datetime
import posixpath
from typing import TYPE_CHECKING, Iterator

import pytz

if TYPE_CHECKING:
    from .manager import Manager


def as_utc(value: datetime.datetime | float | int | None) -> datetime.datetime | None:
    """Return ``value`` as a timezone-aware UTC datetime (naive ones are taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=pytz.UTC)
    if value.tzinfo is None:
        return pytz.UTC.localize(value)
    return value.astimezone(pytz.UTC)


class Artefact:
    """What files and directories share: where they are and what is known of them."""

    def __init__(
        self,
        manager: "Manager",
        path: str,
        *,
        modifiedTime=None,
        createdTime=None,
        accessedTime=None,
        metadata: dict | None = None,
        content_type: str | None = None,
        storage_class: str | None = None,
        is_link: bool = False,
        link_target: str | None = None,
    ):
        self.manager = manager
        self.path = path
        self.modifiedTime = as_utc(modifiedTime)
        self.createdTime = as_utc(createdTime)
        self.accessedTime = as_utc(accessedTime)
        self.metadata = dict(metadata or {})
        self.content_type = content_type
        self.storage_class = storage_class
        self.is_link = is_link
        self.link_target = link_target

    # Names ---------------------------------------------------------------

    @property
    def basename(self) -> str:
        """The last segment of the path (``report.csv.gz``)."""
        return posixpath.basename(self.path)

    @property
    def name(self) -> str:
        """The basename without its extension (``report.csv``)."""
        return self._split_extension()[0]

    @property
    def extension(self) -> str:
        """The extension without the dot (``gz``), or ``""``."""
        return self._split_extension()[1]

    def _split_extension(self) -> tuple[str, str]:
        # Not posixpath.splitext: it skips all leading dots, so "..a" would lose its extension "a".
        stem, dot, extension = self.basename.rpartition(".")
        return (stem, extension) if dot and stem else (self.basename, "")

    @property
    def abspath(self) -> str:
        """The full location: an absolute local path, or a URL such as ``s3://bucket/key``."""
        return self.manager._abspath(self.path)

    @property
    def directory(self) -> "Directory":
        """The directory holding this artefact."""
        return self.manager._ensureDirectory(self.manager.dirname(self.path))

    @property
    def etag(self) -> str | None:
        return self.metadata.get("ETag")

    def __bool__(self) -> bool:
        # An artefact is always true, even an empty file or directory (whose
        # len() is 0): ``shadow or cached`` and ``if artefact:`` mean "is there one".
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.abspath!r}>"

    def __fspath__(self) -> str:
        if getattr(self.manager, "IS_LOCAL", False):  # Manager.IS_LOCAL: no import of manager.py here
            return self.abspath
        raise TypeError(f"{self.abspath} is not on local disk; use localise() to get a local copy")


class File(Artefact):
    """A file (an object, on S3)."""

    #: An S3 ``folder/`` key that holds bytes (some tools write them): the folder's
    #: marker, which a walk shows so a copy into S3 keeps it, but never a file of its
    #: own: listings leave it out and downloads write nothing for it.
    marker = False

    def __init__(
        self,
        manager: "Manager",
        path: str,
        size: int = 0,
        modifiedTime=None,
        createdTime=None,
        accessedTime=None,
        **kwargs,
    ):
        super().__init__(
            manager,
            path,
            modifiedTime=modifiedTime,
            createdTime=createdTime,
            accessedTime=accessedTime,
            **kwargs,
        )
        self.size = int(size or 0)

    def __len__(self) -> int:
        return self.size


class Directory(Artefact):
    """A directory (a common prefix or a ``key/`` marker, on S3).

    Its children are collected lazily: ``_collected`` says whether the
    manager has listed this level, and ``_contents`` holds what it found.
    """

    def __init__(self, manager: "Manager", path: str, **kwargs):
        super().__init__(manager, path, **kwargs)
        self._collected = False
        self._contents: dict[str, Artefact] = {}

    @property
    def collected(self) -> bool:
        return self._collected

    @staticmethod
    def key(artefact: Artefact) -> str:
        """A name unique within a listing: directories end in ``/``."""
        # A file and a directory may share a name on S3 (``a`` and ``a/b``).
        return artefact.basename + ("/" if isinstance(artefact, Directory) else "")

    def _add(self, artefact: Artefact) -> None:
        self._contents[self.key(artefact)] = artefact

    def _remove(self, artefact: Artefact) -> None:
        self._contents.pop(self.key(artefact), None)

    def __iter__(self) -> Iterator[Artefact]:
        return iter(list(self._contents.values()))

    def __len__(self) -> int:
        return len(self._contents)
