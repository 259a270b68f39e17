"""The artefact cache: what a manager has learnt of its paths, and the one way to ask it.

Every manager keeps the artefacts it has loaded (from listings and lookups):
the directories it hands out keep their identity and their children, and one
operation (a walk, a job) may reuse what it listed itself. It never stands for
the backend in a stateless answer, and a path missing from it proves nothing
(the freshness rule in :mod:`.manager`). A path maps to one artefact, with
one exception: S3 can hold an object ``a`` and, below a prefix of the same name,
``a/b``. Then the file is the path's artefact and the directory is kept beside
it (its *shadow*). :meth:`ArtefactCache.get` answers for both.

The cache does no I/O. The manager decides when to fill it and when what it
holds is out of date (:meth:`~ArtefactCache.settle`, :meth:`~ArtefactCache.forget`).
"""

from __future__ import annotations

import threading

from .artefacts import Artefact, Directory, File, Owner


class ArtefactCache:
    """The artefacts one manager has loaded, by manager path.

    Invariant: a path has a shadow directory only while its artefact is a file.
    """

    def __init__(self, manager: "Owner"):
        self._manager = manager
        self.lock = threading.RLock()
        self.root = Directory(manager, "/")
        #: Path -> artefact (the file, where a directory shares its name). The guide's
        #: ``_loadArtefact`` special case reads it as ``manager._paths``; write through ``add``.
        self.paths: dict[str, Artefact] = {"/": self.root}
        self._shadows: dict[str, Directory] = {}

    def get(self, path: str, kind: type[Artefact] = Artefact) -> Artefact | None:
        """What is cached at ``path`` and is a ``kind``; ``None`` when nothing is.

        ``get(path)`` gives the artefact of the path (the file, where S3 has a file
        and a directory of that name); ``get(path, Directory)`` the directory.
        """
        if kind is Directory:
            found = self._shadows.get(path) or self.paths.get(path)
        else:
            found = self.paths.get(path)
        return found if isinstance(found, kind) else None

    def add(self, artefact: Artefact | None) -> Artefact | None:
        """Record an artefact (and the directories above it); return the one now cached."""
        if artefact is None:
            return None
        with self.lock:
            path = artefact.path
            existing = self.paths.get(path)
            if existing is None:  # most of a listing: a path not seen before
                self.paths[path] = artefact
            elif isinstance(existing, Directory) and isinstance(artefact, Directory):
                # Keep what was collected below it; refresh what is known of it (the times as
                # kept, not converted: see Artefact; metadata only where the new one has some).
                if artefact._modified is not None:
                    existing._modified = artefact._modified
                if artefact._created is not None:
                    existing._created = artefact._created
                if artefact._metadata or artefact._etag is not None:
                    existing.metadata.update(artefact.metadata)
                return existing
            if isinstance(existing, File) and isinstance(artefact, Directory):
                # S3: a key that is both an object and a prefix.
                artefact = self._shadows.setdefault(path, artefact)
            elif isinstance(existing, Directory) and isinstance(artefact, File):
                self._shadows[path] = existing
                self.paths[path] = artefact
            else:
                self.paths[path] = artefact
            if path != "/":
                self._parent(path)._add(artefact)
            return artefact

    def _parent(self, path: str) -> Directory:
        parent_path = self._manager.dirname(path)
        parent = self.get(parent_path, Directory)
        if parent is None:
            parent = self.add(Directory(self._manager, parent_path))
        return parent

    def forget(self, path: str) -> None:
        """Drop a path and everything cached below it; the directory above must be listed again."""
        with self.lock:
            if path == "/":
                self._empty(self.root)
                self.root._collected = False
                return
            for node in (self._shadows.get(path), self.paths.get(path)):
                if node is not None:
                    self._drop(node)
            self._stale_above(path)

    def settle(self, path: str, found: list[Artefact]) -> list[Artefact]:
        """Record what the backend holds at ``path`` now (a file, a directory, both, or nothing).

        What it no longer holds is dropped; a directory that is still there keeps
        its object (and what was collected below it). Returns the cached
        artefacts, the file first (what ``get(path)`` gives).
        """
        with self.lock:
            file = next((a for a in found if not isinstance(a, Directory)), None)
            folder = next((a for a in found if isinstance(a, Directory)), None)
            if path != "/":
                cached_folder, cached_file = self.get(path, Directory), self.get(path, File)
                if cached_folder is not None and folder is None:
                    self._drop(cached_folder)
                if cached_file is not None and file is None:
                    self._drop(cached_file)
            return [self.add(a) for a in (file, folder) if a is not None]

    def _drop(self, node: Artefact) -> None:
        """Remove one cached artefact, with everything below it, from the tables and its parent."""
        path = node.path
        if self._shadows.get(path) is node:
            del self._shadows[path]
        elif self.paths.get(path) is node:
            del self.paths[path]
            shadow = self._shadows.pop(path, None)
            if shadow is not None:  # the directory of that name is the path's artefact now
                self.paths[path] = shadow
        if isinstance(node, Directory):
            self._empty(node)
        parent = self.get(self._manager.dirname(path), Directory)
        if parent is not None:
            parent._remove(node)

    def _empty(self, directory: Directory) -> None:
        """Forget everything cached below a directory (it stays, not collected)."""
        stack = list(directory._contents.values())
        directory._contents.clear()
        directory._collected = False
        while stack:
            node = stack.pop()
            if self.paths.get(node.path) is node:
                del self.paths[node.path]
            if self._shadows.get(node.path) is node:
                del self._shadows[node.path]
            if isinstance(node, Directory):
                stack.extend(node._contents.values())
                node._contents.clear()
                node._collected = False

    def _stale_above(self, path: str) -> None:
        # The listing that must be taken again is the nearest cached directory
        # above: a write to a/b/c where a/b was unknown may have created a/b
        # (and on S3 it has), so the listing of a no longer holds all of a.
        dirname = self._manager.dirname
        ancestor = dirname(path)
        while True:
            node = self.get(ancestor, Directory)
            if node is not None:
                node._collected = False
                return
            if ancestor == "/":
                return
            ancestor = dirname(ancestor)

    def forget_contents(self, directory: Directory) -> None:
        """Empty a directory before it is listed again (the listing replaces its contents)."""
        with self.lock:
            self._empty(directory)
