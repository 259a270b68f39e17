"""Artefacts: the files and directories a manager has loaded.

An artefact is a snapshot of what the manager learnt about one path (most
often from a directory listing). It never does I/O by itself except through
its manager.
"""

from __future__ import annotations

import datetime
import posixpath
import threading
from typing import Iterator, Protocol

import pytz



class Owner(Protocol):
    """What an artefact needs of the manager that made it (``Manager`` is one): artefacts,
    the cache and the storage layer's helper modules name their manager by this, never
    by importing the class that imports them."""

    IS_LOCAL: bool

    def _abspath(self, managerPath: str) -> str: ...

    @staticmethod
    def dirname(path: str) -> str: ...


def as_utc(value: datetime.datetime | float | int | None) -> datetime.datetime | None:
    """Return ``value`` as a timezone-aware UTC datetime (naive ones are taken as UTC)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=pytz.UTC)
    if value.tzinfo is None:
        return pytz.UTC.localize(value)
    if value.tzinfo is pytz.UTC:
        return value  # already one (datetimes are immutable: no copy needed)
    return value.astimezone(pytz.UTC)


def _kept_time(value):
    """A time as an artefact keeps it: as given (a POSIX timestamp or a datetime), checked, not converted."""
    if value is None or isinstance(value, (int, float, datetime.datetime)):
        return value
    raise TypeError(f"An artefact's time is a datetime or a POSIX timestamp, not {value!r}")


def _utc_time(slot: str, doc: str) -> property:
    """A public time attribute over a slot holding the raw value: an aware UTC datetime
    (``as_utc``) is made when the attribute is read, never when the artefact is built."""

    def read(self):
        return as_utc(getattr(self, slot))

    def write(self, value):
        setattr(self, slot, _kept_time(value))

    return property(read, write, doc=doc)


def _timestamp(value) -> float | None:
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return float(value)
    return as_utc(value).timestamp()


#: Makes an artefact's metadata dict the first time it is asked for (two threads must not make two).
_metadata_lock = threading.Lock()


class Artefact:
    """What files and directories share: where they are and what is known of them.

    Entries are compact, since a pane may show a million of them: slots, times kept
    as given (a float from ``stat``, the datetime S3 sent) and turned into aware UTC
    datetimes only when ``modifiedTime``/``createdTime``/``accessedTime`` is read, and
    no metadata dict until one is asked for (a listing's ETag waits in a slot). A
    plug-in or a subclass may still set attributes of its own (``__dict__``).
    """

    __slots__ = (
        "manager", "path", "_modified", "_created", "_accessed", "_metadata", "_etag", "storage_class",
        "__dict__", "__weakref__",
    )

    #: Rare in a listing, so not slots: set on an instance (its ``__dict__``) only where known.
    content_type: str | None = None
    is_link: bool = False
    link_target: str | None = None

    def __init__(
        self,
        manager: "Owner",
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
        etag: str | None = None,
    ):
        self.manager = manager
        self.path = path
        self._modified = _kept_time(modifiedTime)
        self._created = _kept_time(createdTime)
        self._accessed = _kept_time(accessedTime)
        if metadata:
            self._metadata = dict(metadata)
            if etag is not None:
                self._metadata["ETag"] = etag
            self._etag = None
        else:
            self._metadata = None
            self._etag = etag
        self.storage_class = storage_class
        if content_type is not None:
            self.content_type = content_type
        if is_link:
            self.is_link = is_link
        if link_target is not None:
            self.link_target = link_target

    modifiedTime = _utc_time("_modified", "When it was last modified: an aware UTC datetime, or None.")
    createdTime = _utc_time("_created", "When it was created (on S3, the object's LastModified), or None.")
    accessedTime = _utc_time("_accessed", "When it was last read, where the backend tells, or None.")

    @property
    def modified_timestamp(self) -> float | None:
        """``modifiedTime`` as POSIX seconds, without making a datetime where a float was kept
        (a sort key for a million rows)."""
        return _timestamp(self._modified)

    @property
    def metadata(self) -> dict:
        """What the backend tells beyond names, sizes and times (``ETag``, a bucket's ``region``...);
        a dict of this artefact's own, which callers may update."""
        found = self._metadata
        if found is None:
            with _metadata_lock:
                found = self._metadata
                if found is None:
                    found = self._metadata = {"ETag": self._etag} if self._etag is not None else {}
                    self._etag = None
        return found

    @metadata.setter
    def metadata(self, value: dict | None) -> None:
        with _metadata_lock:
            self._metadata, self._etag = dict(value or {}), None

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
        """The directory holding this artefact (its path; no request: ``manager.artefact`` asks)."""
        return Directory(self.manager, self.manager.dirname(self.path))

    @property
    def etag(self) -> str | None:
        found = self._metadata
        return found.get("ETag") if found is not None else self._etag

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

    __slots__ = ("size",)

    def __init__(
        self,
        manager: "Owner",
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
    manager has listed this level, and ``_contents`` holds what it found
    (by path, the string the child already holds; a directory's path with a
    ``/`` after it, since S3 may hold a file and a directory of one name).
    """

    __slots__ = ("_collected", "_contents")

    def __init__(self, manager: "Owner", path: str, **kwargs):
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

    @staticmethod
    def _entry_key(artefact: Artefact) -> str:
        return artefact.path + "/" if isinstance(artefact, Directory) else artefact.path

    def _add(self, artefact: Artefact) -> None:
        self._contents[self._entry_key(artefact)] = artefact

    def _remove(self, artefact: Artefact) -> None:
        self._contents.pop(self._entry_key(artefact), None)

    def __iter__(self) -> Iterator[Artefact]:
        return iter(list(self._contents.values()))

    def __len__(self) -> int:
        return len(self._contents)
