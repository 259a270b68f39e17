"""Inspection (the viewer and the info panel): bounded reads, sizes, details, versions.

:class:`InspectionDefaults` holds what every manager can do with its plug-in
hooks alone; our managers override it to ask their backend for only what is
needed. :class:`SizeTotals` (``du``) and :class:`Version` (``versions``) are
the plain values it hands out: no manager, no I/O, safe to keep in a UI thread.
"""

from __future__ import annotations

import dataclasses
from typing import Iterator

from . import exceptions
from .artefacts import Directory


@dataclasses.dataclass
class SizeTotals:
    """A running total of a size computation (``Manager.du``)."""

    url: str
    objects: int = 0
    bytes: int = 0
    directories: int = 0
    #: Storage class -> [objects, bytes] (S3; ``None`` where the store has no classes).
    by_class: dict = dataclasses.field(default_factory=dict)
    #: Directories that could not be read (permission denied...): left out of the totals.
    skipped: int = 0
    done: bool = False

    def add(self, size: int, storage_class: str | None = None) -> None:
        self.objects += 1
        self.bytes += size
        if storage_class:
            counts = self.by_class.setdefault(storage_class, [0, 0])
            counts[0] += 1
            counts[1] += size

    def snapshot(self) -> "SizeTotals":
        """A copy to hand to another thread while counting goes on."""
        return dataclasses.replace(self, by_class={k: list(v) for k, v in self.by_class.items()})

    def finish(self) -> "SizeTotals":
        """Mark the count complete and return the last snapshot."""
        self.done = True
        return self.snapshot()


@dataclasses.dataclass(frozen=True)
class Version:
    """One version of an object in a versioned bucket."""

    version_id: str
    size: int
    modified: object  # datetime
    is_latest: bool
    etag: str | None = None
    storage_class: str | None = None
    delete_marker: bool = False


class InspectionDefaults:
    """The inspection API of :class:`~stowtui.managers.manager.Manager`, from its hooks alone."""

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
