"""Inspection (the viewer and the info panel): bounded reads, sizes, details, versions.

:class:`SizeTotals` (``Manager.du``) and :class:`Version` (``Manager.versions``)
are the plain values inspection hands out: no manager, no I/O, safe to keep in a UI thread.
"""

from __future__ import annotations

import dataclasses


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
