"""The operations that code above the storage layer calls on manager paths (engine, UI, scripts).

Mixed into :class:`~stowtui.managers.manager.Manager`. Nothing outside
``stowtui/managers`` calls a private hook: these wrap them, hand over
``callback``/``cancel`` only to managers that take them, and keep the cache
coherent after each write. Paths are manager paths as the manager made them
(an S3 key may end in ``/``): not normalised, except where said.
"""

from __future__ import annotations

from typing import Iterator

from .artefacts import Artefact, Directory


class OperationsMixin:
    """URLs, lookups, listings and transfers by manager path, for the engine and the UI."""

    def url(self, path: str) -> str:
        """The full location of a manager path (an absolute local path, or a URL)."""
        return self._abspath(self.normalise(path))

    def child(self, directory: str, name: str) -> str:
        """The manager path of ``name`` inside ``directory``."""
        return self._child(self.normalise(directory), name)

    def lookup(self, path: str) -> Artefact | None:
        """What the backend holds at a path now (never the cache); ``None`` when nothing."""
        found = self.identify(path)
        return found[0] if found else None

    def look_up_source(self, path: str) -> tuple[Artefact, Iterator[Artefact] | None]:
        """The artefact a job is to read at a path, and, where finding it listed what is
        below it, the walk that goes on from that listing (else None: walk it with ``walk``).

        A cached hit answers (a view's listing, which the job was given); a miss
        asks the backend. The walk is this one job's: it is fresh once, then spent.
        """
        path = self.normalise(path)
        hit = self._cache.get(path)
        if hit is not None:
            return hit, None
        return self._lookUpSource(path)

    def scan(self, path: str) -> list[Artefact]:
        """One level straight from the backend, page by page, bypassing the cache.

        An empty or missing directory is an empty list: no second request is
        spent proving which (what conflict checks need to know).
        """
        path = self.normalise(path)
        return [a for page in self._lsPages(path) for a in page if a is not None and a.path != path]

    def invalidate(self, path: str) -> None:
        """The listing of a directory is out of date: the next one asks the backend."""
        self._cache.invalidate(self.normalise(path))

    def _transfer_options(self, callback, cancel, no_replace: bool = False) -> dict:
        options = {"callback": callback, "cancel": cancel} if self.SUPPORTS_TRANSFER_OPTIONS else {}
        return {**options, **self._no_replace(no_replace)}

    def _no_replace(self, no_replace: bool) -> dict:
        return {"no_replace": True} if no_replace and self.SUPPORTS_NO_REPLACE else {}

    def download(self, source: Artefact, local: str, callback=None, cancel=None, no_replace=False) -> None:
        """Write an artefact of this manager to a local path."""
        self._get(source, local, **self._transfer_options(callback, cancel, no_replace))

    def upload(self, local: str, path: str, callback=None, cancel=None, no_replace=False) -> None:
        """Write a local file or directory to a manager path."""
        self._put(local, path, **self._transfer_options(callback, cancel, no_replace))
        self._forget(path)

    def write(self, data: bytes, path: str) -> None:
        """Write bytes to a manager path."""
        self._putBytes(bytes(data), path)
        self._forget(path)

    def copy_within(self, source: Artefact, path: str, callback=None, cancel=None, no_replace=False) -> None:
        """Copy an artefact of this manager to another path of it."""
        self._cp(source, path, **self._transfer_options(callback, cancel, no_replace))
        self._forget(path)

    def rename(self, source: Artefact, path: str, no_replace: bool = False) -> bool:
        """Move by renaming when that is one cheap step; False when it is not possible."""
        moved = self._rename(source, path, **self._no_replace(no_replace))
        if moved:
            self._forget(source.path)
            self._forget(path)
        return moved

    def move_within(self, source: Artefact, path: str) -> None:
        """Move an artefact to another path of this manager: a rename where one can, else ``_mv``."""
        if not self.rename(source, path):
            self._mv(source, path)
            self._forget(source.path)
            self._forget(path)

    def remove(self, artefact: Artefact, callback=None, cancel=None) -> None:
        """Delete an artefact and everything under it (no questions: callers ask first)."""
        self._rm(artefact, **self._transfer_options(callback, cancel))
        self._forget(artefact.path)

    def remove_empty_directory(self, directory: Directory) -> None:
        """Remove a directory that should be empty; one that is not is refused, never emptied."""
        self._rmdir(directory)
        self._forget(directory.path)

    def make_directory(self, path: str) -> None:
        """Create a directory (or its marker) without looking first."""
        self._mkdir(path)
        self._forget(path)
