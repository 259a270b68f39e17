"""Writing operations of every manager, with stow's signatures: ``mkdir``, ``rm``, ``touch``.

Mixed into :class:`~stowtui.managers.manager.Manager`. Each one starts from
what the backend holds now (one lookup) and refuses, before it changes
anything, what stow refuses: a non-empty directory without ``recursive``, an
existing directory with ``ignore_exists=False``.
"""

from __future__ import annotations

from . import exceptions
from .artefacts import Artefact, Directory, File
from .replace import replacing


def split_removals(found: list[Artefact | None], recursive: bool) -> tuple[list[Artefact], list[Directory]]:
    """(what goes with everything in it, the directories removed only if empty) of ``rm``'s targets."""
    trees, empty = [], []
    for artefact in found:
        if isinstance(artefact, Directory) and not artefact.is_link and not recursive:
            empty.append(artefact)
        elif artefact is not None:
            trees.append(artefact)
    return trees, empty


class WritesMixin:
    """``mkdir``, ``rm`` and ``touch`` from the plug-in hooks (``_mkdir``, ``_rm``, ``_rmdir``, ``_putBytes``)."""

    def mkdir(
        self, path: str, ignore_exists: bool = True, overwrite: bool = False, *, exist_ok: bool | None = None
    ) -> Directory:
        """Make a directory (and those above it).

        ``ignore_exists``: an existing directory is fine (else it is refused);
        ``overwrite``: an existing directory is replaced by an empty one.
        ``exist_ok`` is the older name of ``ignore_exists``.
        """
        if exist_ok is not None:
            ignore_exists = exist_ok
        path = self.normalise(path)
        if self.IMPLICIT_DIRECTORIES and path != "/" and ignore_exists and not overwrite:
            # Writing a marker where a directory exists is harmless, and a file of
            # the same name is no obstacle (S3 has both ``a`` and ``a/b``): no lookup.
            self.make_directory(path)
            return self._addArtefact(Directory(self, path))
        found = self.identify(path)
        existing = next((a for a in found if isinstance(a, Directory)), None)
        if existing is not None:
            if overwrite:
                with replacing(self, path, keep=lambda: (set(), set())) as target:
                    self._mkdir(target)
            elif not ignore_exists:
                raise exceptions.ArtefactExists(f"{self._abspath(path)} already exists")
            return self._ensureDirectory(path, cached=not overwrite)
        if found and not self.IMPLICIT_DIRECTORIES:
            raise exceptions.ArtefactExists(f"{self._abspath(path)} exists and is a file")
        self.make_directory(path)
        made = self.lookup(path) if not self.IMPLICIT_DIRECTORIES else None  # with its times, as a listing shows it
        return made if isinstance(made, Directory) else self._addArtefact(Directory(self, path))

    def removal(self, path: str, *, recursive: bool = False, ignore_missing: bool = False) -> Artefact | None:
        """What ``rm`` would delete at a path, asked of the backend now; ``None`` if missing and ignored.

        A directory that is not empty is refused without ``recursive``.
        """
        try:
            artefact = self.artefact(path)
        except exceptions.ArtefactNotFound:
            if ignore_missing:
                return None
            raise
        if isinstance(artefact, Directory) and not artefact.is_link and not recursive:
            if self._collect(artefact):
                raise exceptions.OperationNotPermitted(
                    f"{artefact.abspath} is a directory that is not empty; use recursive=True to delete it"
                )
        return artefact

    def rm(self, *paths: str, recursive: bool = False, ignore_missing: bool = False) -> None:
        """Delete files and directories; all are checked before any is deleted.

        Without ``recursive`` a directory must be empty, and is removed with a
        removal that cannot take anything in it (``_rmdir``).
        """
        found = [self.removal(p, recursive=recursive, ignore_missing=ignore_missing) for p in paths]
        trees, empty = split_removals(found, recursive)
        for artefact in trees:
            self.remove(artefact)
        for directory in empty:
            self.remove_empty_directory(directory)

    def touch(self, path: str) -> Artefact:
        """Make an empty file, or mark an existing one as modified now.

        Local files get their modification time set; an S3 object cannot change
        its time without being written again, so an existing one is left as it is.
        """
        path = self.normalise(path)
        found = self.identify(path)
        existing = next((a for a in found if isinstance(a, File)), None)
        if existing is None and found and not self.IMPLICIT_DIRECTORIES:
            existing = found[0]  # a directory: its time, like touch(1)
        if existing is None:
            self.write(b"", path)
        else:
            self._update_time(existing)
        return self._loadArtefact(path, cached=False)

    def _update_time(self, artefact: Artefact) -> None:
        """Mark an artefact as modified now, where the backend can (``LocalManager``: ``os.utime``)."""
