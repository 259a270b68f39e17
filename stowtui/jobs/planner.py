"""The planner: one thread per job, from its sources to the tasks it submits.

It looks up sources given as URLs, walks each source directory with the
managers' batched listing (fresh, not a view's cached one), decides every
conflict from one listing per destination directory, creates destination
directories as it goes, and hands each file to a task (see :mod:`.tasks`)
through the job's bounded ``submit``, so transfers start while the walk goes
on. A move within one manager is a rename when the manager can do one.
"""

from __future__ import annotations

import dataclasses
import itertools
from typing import Callable

from ..managers import Artefact, Directory, File, Manager, exceptions
from . import directories, tasks
from .directories import DirState
from .ledger import Ledger
from .model import Conflict, Decision, Target, as_artefact, name_of

#: ``submit(task, target, size)``: run ``task(ledger, target)`` on the pool.
Submit = Callable[[Callable, object, int], None]


def _split_name(basename: str) -> tuple[str, str]:
    # Not posixpath.splitext: it differs for names of several leading dots
    # ("..foo" is (".", ".foo") here, as Artefact.name/extension split it).
    stem, dot, ext = basename.rpartition(".")
    return (stem, "." + ext) if dot and stem else (basename, "")


class Planner:
    """Plans one copy, move or delete job on its own thread."""

    def __init__(
        self,
        ledger: Ledger,
        submit: Submit,
        conflict: str = "skip",
        ask: Callable[[Conflict], Decision] | None = None,
        merge: bool = True,
    ):
        self.ledger = ledger
        self.conflict = conflict
        self._submit = submit
        self._ask = ask
        self._ask_all: str | None = None
        self._merge = merge
        #: One listing per destination directory, kept up to date with what this job writes.
        self._listings: dict[tuple[int, str], dict[str, Artefact]] = {}

    @property
    def kind(self) -> str:
        return self.ledger.kind

    def run(self, targets: list[Target] | list[Artefact | str]) -> None:
        """Plan every target (a delete's: every artefact or URL) until cancelled."""
        ledger = self.ledger
        if self.kind == "delete":
            for artefact in targets:
                if ledger.cancelled:
                    break
                self._submit(tasks.delete, artefact, size=0)
            return
        for target in targets:
            if ledger.cancelled:
                if target.parent is not None:
                    directories.count_child(ledger, target.parent)
                    directories.child_done(ledger, target.parent, ok=False)
                continue
            self.plan_target(target)

    # Destination listings ----------------------------------------------

    def _children(self, manager: Manager, folder: str) -> dict[str, Artefact]:
        """What a destination directory holds now, from one listing per job."""
        key = (id(manager), folder)
        listing = self._listings.get(key)
        if listing is None:
            try:
                if manager.IMPLICIT_DIRECTORIES and folder != "/":
                    # The raw pages: an empty one says all there is to know
                    # (nothing in the way), with no second request to prove
                    # whether the prefix "exists".
                    found = manager.scan(folder)
                else:
                    found = manager.ls(folder, refresh=True)
                listing = {Directory.key(a): a for a in found}
            except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError):
                listing = {}
            self._listings[key] = listing
        return listing

    def _existing(self, manager: Manager, path: str) -> Artefact | None:
        """What is at ``path`` now, from the listing of its directory."""
        listing = self._children(manager, manager.dirname(path))
        name = manager.basename(path)
        found = listing.get(name)  # not `or`: an empty file or directory is falsy (len 0)
        return found if found is not None else listing.get(name + "/")

    def _reserve(self, manager: Manager, path: str, artefact: Artefact) -> None:
        self._listings.setdefault((id(manager), manager.dirname(path)), {})[Directory.key(artefact)] = artefact

    def _make_directory(self, manager: Manager, path: str) -> None:
        self._listings.setdefault((id(manager), path), {})
        if not manager.IMPLICIT_DIRECTORIES:
            manager.make_directory(path)
            self.ledger.touch(manager, path)

    # Conflicts ---------------------------------------------------------

    def _fresh_name(self, manager: Manager, path: str) -> str:
        folder, base = manager.dirname(path), manager.basename(path)
        stem, ext = _split_name(base)
        for n in itertools.count(1):
            candidate = manager.child(folder, f"{stem} ({n}){ext}")
            if self._existing(manager, candidate) is None:
                return candidate
        raise AssertionError("unreachable")

    def _policy_for(self, source: Artefact, existing: Artefact, destination: str) -> str:
        if self.conflict != "ask":
            return self.conflict
        if self._ask_all:
            return self._ask_all
        if self._ask is None:
            return "skip"
        decision = self._ask(Conflict(source, existing, destination))
        if decision.action == "cancel":
            self.ledger.cancel.set()
            return "skip"
        if decision.apply_to_all:
            self._ask_all = decision.action
        return decision.action

    def _resolve(self, source: Artefact, manager: Manager, path: str, resume: bool = False) -> tuple[str, str]:
        """Decide what to do about ``path``: ("write"|"merge"|"skip", final path).

        ``resume``: a retry, whose directory at ``path`` is its own, to merge into.
        """
        existing = self._existing(manager, path)
        if existing is None:
            return "write", path
        source_is_dir = isinstance(source, Directory)
        if source_is_dir != isinstance(existing, Directory):
            # On S3 a file and a directory may share a name: only same kinds clash.
            other = self._listings[(id(manager), manager.dirname(path))].get(
                manager.basename(path) + ("/" if source_is_dir else "")
            )
            if other is None and manager.IMPLICIT_DIRECTORIES:
                return "write", path
            if other is None:
                kind = "directory" if isinstance(existing, Directory) else "file"
                raise exceptions.ArtefactTypeError(
                    f"Cannot write {source.abspath} to {manager.url(path)}: a {kind} of that name is in the way"
                )
            existing = other
        if source_is_dir:
            if self.conflict == "rename" and not resume:
                return "write", self._fresh_name(manager, path)
            return "merge", path
        policy = self._policy_for(source, existing, manager.url(path))
        if policy == "overwrite":
            return "write", path
        if policy == "rename":
            return "write", self._fresh_name(manager, path)
        if policy == "newer":
            newer = source.modifiedTime and existing.modifiedTime and source.modifiedTime > existing.modifiedTime
            return ("write" if newer else "skip"), path
        if policy == "different":
            differs = getattr(source, "size", None) != getattr(existing, "size", None)
            differs = differs or tasks.checksums_differ(source, existing)
            return ("write" if differs else "skip"), path
        return "skip", path

    def _refuse_self(self, source: Artefact, manager: Manager, path: str) -> None:
        if source.manager is not manager:
            return
        if source.path == path:
            raise exceptions.OperationNotPermitted(f"Cannot {self.kind} {source.abspath} onto itself")
        if isinstance(source, Directory) and path.startswith(source.path.rstrip("/") + "/"):
            raise exceptions.OperationNotPermitted(
                f"Cannot {self.kind} the directory {source.abspath} into itself ({manager.url(path)})"
            )

    def _is_copy_of(self, source: File, manager: Manager, path: str) -> bool:
        existing = self._existing(manager, path)
        return (
            isinstance(existing, File)
            and existing.size == source.size
            and not tasks.checksums_differ(source, existing)
        )

    # Planning ----------------------------------------------------------

    def plan_target(self, target: Target) -> None:
        """Plan one of the job's own targets; a failure is recorded, never raised."""
        parent = target.parent
        if parent is not None:
            directories.count_child(self.ledger, parent)
        try:
            if isinstance(target.source, str):
                target = dataclasses.replace(target, source=as_artefact(target.source))
            self.plan(target)
        except Exception as error:
            # Raised only before the target was handed to a task or a directory.
            self.ledger.fail(name_of(target.source), target.manager.url(target.path), error, target)
            if parent is not None:
                directories.child_done(self.ledger, parent, ok=False)

    def plan(self, target: Target) -> None:
        """Plan one looked-up target: a file goes to a task, a directory is walked."""
        ledger = self.ledger
        source, manager, parent = target.source, target.manager, target.parent
        self._refuse_self(source, manager, target.path)
        if target.resume and isinstance(source, File) and self._is_copy_of(source, manager, target.path):
            # A retry finds this job's own complete copy: only the source is left to do.
            self._submit(tasks.copy_file, dataclasses.replace(target, written=True), size=source.size)
            return
        action, path = self._resolve(source, manager, target.path, resume=target.resume)
        if action == "skip":
            self._skip(parent)
            return
        if action == "merge" and not self._merge and self._children(manager, path):
            raise exceptions.ArtefactExists(
                f"{manager.url(path)} is a directory that is not empty; pass overwrite=True to write over it"
            )
        self._reserve(manager, path, source)
        if isinstance(source, File):
            self._submit(tasks.copy_file, Target(source, manager, path, parent), size=source.size)
            return
        if (
            self.kind == "move"
            and action == "write"
            and source.manager is manager  # a rename never crosses managers
            and source.manager.rename(source, path)
        ):
            ledger.touch(manager, path)
            ledger.touch(source.manager, source.path)
            with ledger.lock:
                ledger.meter.files_done += 1
                ledger.meter.files_total += 1
            if parent is not None:
                directories.child_done(ledger, parent, ok=True)
            return
        self._plan_directory(Target(source, manager, path, parent), action)

    def _plan_directory(self, target: Target, action: str) -> None:
        """Walk a source directory; from here on its state reports to ``target.parent``."""
        root = DirState(target.source, target.manager, target.path, target.parent)
        self.ledger.directories.append(root)
        try:
            if action == "write":
                self._make_directory(target.manager, target.path)
            # else: merging into a directory that is there; its listing shows the conflicts
            self._walk_into(root)
        except Exception as error:
            # The walk stopped part-way: what it did not reach is still at the
            # source, so neither this directory nor any above it may be removed.
            directories.child_failed(self.ledger, root)
            self.ledger.fail(root.source.abspath, root.manager.url(root.target), error,
                             Target(root.source, root.manager, root.target, target.parent))

    def _walk_into(self, root: DirState) -> None:
        ledger = self.ledger
        source, manager = root.source, root.manager
        states = {source.path: root}
        source_manager = source.manager
        # Walk what is there now, not what a view listed a while ago: a copy
        # must not miss a file added since (and a move must not miss it either).
        source_manager.invalidate(source.path)
        for artefact in source_manager.walk(source.path):
            if ledger.cancelled:
                return
            parent = states.get(source_manager.dirname(artefact.path))
            if parent is None:  # under a directory that could not be made
                continue
            # Below the parent's *final* path, which a rename may have changed.
            child_path = manager.child(parent.target, artefact.basename)
            directories.count_child(ledger, parent)
            try:
                if artefact.is_link and isinstance(artefact, Directory):
                    raise exceptions.OperationNotPermitted(
                        f"Skipped {artefact.abspath}: it is a symbolic link to a directory, which is not followed"
                    )
                action, final = self._resolve(artefact, manager, child_path)
            except exceptions.StowError as error:
                ledger.fail(artefact.abspath, manager.url(child_path), error,
                            Target(artefact, manager, child_path, parent))
                directories.child_done(ledger, parent, ok=False)
                continue
            if action == "skip":
                self._skip(parent)
                continue
            self._reserve(manager, final, artefact)
            if isinstance(artefact, Directory):
                state = DirState(artefact, manager, final, parent)
                try:
                    if action == "write":
                        self._make_directory(manager, final)
                except exceptions.StowError as error:
                    ledger.fail(artefact.abspath, manager.url(final), error, Target(artefact, manager, final, parent))
                    directories.child_done(ledger, parent, ok=False)
                    continue
                states[artefact.path] = state
                ledger.directories.append(state)
            else:
                self._submit(tasks.copy_file, Target(artefact, manager, final, parent), size=artefact.size)

    def _skip(self, parent: DirState | None) -> None:
        with self.ledger.lock:
            self.ledger.meter.files_skipped += 1
        if parent is not None:
            directories.child_done(self.ledger, parent, ok=False)  # a skipped source stays: so does its directory
