"""A sync's plan: from two listings per level to copy tasks, then deletes.

:class:`SyncPlanner` takes the place of the :class:`~.planner.Planner` in a
sync job (``JobQueue.sync``). Level by level, it lists the source and the
destination directory (``Manager.lsOrdered``: pages in one order, never a
whole tree, on S3 never a whole level) and compares them as they come
(:mod:`.compare`): what is missing or different is handed to a copy task
(:func:`.tasks.copy_file`) at once; a directory missing at the destination is
walked without listing the destination below it (there is nothing there);
no file is downloaded or looked up one by one to decide.

``delete=True``: what is only at the destination is deleted, and only after
every copy succeeded and every level of both sides was listed completely (a
level that could not be listed may hide what is not extra after all). A
cancelled or failed sync deletes nothing.

A destination directory is made only when a file is written into it (the
top one always): an empty source directory makes nothing. Where a file and
a directory of one name meet (not on S3, which holds both), the one at the
destination is replaced only with ``overwrite=True``.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Iterator

from ..managers import Artefact, Directory, File, Manager, exceptions, paths
from ..managers.transfer import SourceState
from . import tasks
from .compare import Comparator, Outcome, compare_files, compare_levels, ordering
from .ledger import Ledger
from .model import Target

Submit = Callable[[Callable, object, int], None]


@dataclasses.dataclass
class Plan:
    """What a sync decided, for a preview (``SyncPlanner.preview``) or its report."""

    #: (source, destination URL) of each file sent where nothing is (listed in a preview only).
    send: list[tuple[Artefact, str]] = dataclasses.field(default_factory=list)
    #: ... and of each file sent over a different one (listed in a preview only).
    replace: list[tuple[Artefact, str]] = dataclasses.field(default_factory=list)
    sending: int = 0
    replacing: int = 0
    delete: list[Artefact] = dataclasses.field(default_factory=list)  # only at the destination
    kept: int = 0  # different, but the destination is newer (check_modified_times)
    same: int = 0
    complete: bool = True  # every level of both sides was listed


@dataclasses.dataclass
class SyncOptions:
    delete: bool = False
    check_modified_times: bool = True
    comparator: Comparator | None = None
    overwrite: bool = False


class SyncPlanner:
    """Plans one sync job on its own thread (or, with ``preview``, only says what it would do)."""

    def __init__(self, ledger: Ledger, submit: Submit, drain: Callable[[], None], source: Artefact,
                 manager: Manager, path: str, options: SyncOptions):
        self.ledger = ledger
        self._submit = submit
        self._drain = drain
        self.source = source
        self.manager = manager
        self.path = path
        self.options = options
        self.plan = Plan()
        #: Destination directories that a file stands in the way of (name -> that file).
        self._blockers: dict[str, Artefact] = {}
        self._order = ordering(source.manager, manager)

    # The job's entry point ---------------------------------------------

    def run(self, targets=None) -> None:
        ledger = self.ledger
        tasks.abort_open_uploads(ledger)
        try:
            self._walk(execute=True)
        except Exception as error:
            self.plan.complete = False
            ledger.fail(self.source.abspath, self.manager.url(self.path), error)
        if not self.options.delete or not self.plan.delete:
            return
        self._drain()  # the deletes wait for every copy
        with ledger.lock:
            failed = bool(ledger.failures)
        if ledger.cancelled or failed or not self.plan.complete:
            return
        for artefact in self.plan.delete:
            if ledger.cancelled:
                break
            self._submit(tasks.delete, artefact, 0)

    def preview(self) -> Plan:
        """What :meth:`run` would do now, from the same listings, doing nothing."""
        self._walk(execute=False)
        return self.plan

    # Walking -----------------------------------------------------------

    def _level(self, manager: Manager, path: str, exists: bool) -> Iterator[Artefact]:
        if not exists:
            return
        try:
            for page in manager.lsOrdered(path, self._order):
                yield from page
        except exceptions.ArtefactNotFound:
            if manager is self.source.manager:
                raise
        except exceptions.ArtefactTypeError:
            if manager is self.source.manager:
                raise

    def _walk(self, execute: bool) -> None:
        source, manager, plan = self.source, self.manager, self.plan
        if isinstance(source, File):
            self._single(execute)
            return
        found = manager.identify(self.path)
        exists = any(isinstance(a, Directory) for a in found)
        blocker = next((a for a in found if isinstance(a, File)), None)
        if blocker is not None and not manager.IMPLICIT_DIRECTORIES:
            self._clear(blocker, execute, "directory")
            exists = False
        if not exists and execute and not manager.IMPLICIT_DIRECTORIES:
            manager.make_directory(self.path)
            self.ledger.touch(manager, self.path)
        made = {self.path} if not manager.IMPLICIT_DIRECTORIES else set()
        stack: list[tuple[Artefact, str, bool]] = [(source, self.path, True)]
        while stack:
            if self.ledger.cancelled:
                return
            folder, target, there = stack.pop()
            if there:
                made.add(target)
            pending: list[tuple[Artefact, str, bool]] = []
            differences = compare_levels(
                self._level(source.manager, folder.path, True),
                self._level(manager, target, there),
                order=self._order,
                check_modified_times=self.options.check_modified_times,
                comparator=self.options.comparator,
            )
            for difference in differences:
                if self.ledger.cancelled:
                    return
                child = manager.child(target, difference.name)
                one, other = difference.source, difference.destination
                outcome = difference.outcome
                if outcome is Outcome.CLASH:
                    if isinstance(one, Directory):
                        self._blockers[child] = other  # replaced only if a file is written below it
                    else:
                        self._clear(other, execute, "file")
                    outcome = Outcome.MISSING
                    other = None
                if outcome is Outcome.EXTRA:
                    if self.options.delete or not execute:  # kept only where they will be deleted or shown
                        plan.delete.append(other)
                    continue
                if not self._safe(difference.name, one):
                    continue  # a name that leads out of the destination: refused, the rest goes on
                if isinstance(one, Directory):
                    if not one.is_link:
                        pending.append((one, child, other is not None))
                elif getattr(one, "marker", False):
                    continue
                elif getattr(one, "special", None):
                    if execute:
                        self.ledger.skip(one.abspath, manager.url(child), f"{one.abspath}: {one.special}, not copied")
                elif outcome is Outcome.SAME:
                    plan.same += 1
                elif outcome is Outcome.KEPT:
                    plan.kept += 1
                else:
                    self._count(one, child, replacing=other is not None, listed=not execute)
                    if execute:
                        self._ensure(target, made)
                        self._send(one, child, other)
            stack.extend(reversed(pending))

    def _single(self, execute: bool) -> None:
        """A file synced onto a file: sent if missing or different."""
        manager, source = self.manager, self.source
        found = [a for a in manager.identify(self.path) if isinstance(a, File)]
        if found:
            outcome = compare_files(source, found[0], self.options.check_modified_times, self.options.comparator)
            if outcome is not Outcome.DIFFERENT:
                self.plan.same += outcome is Outcome.SAME
                self.plan.kept += outcome is Outcome.KEPT
                return
        self._count(source, self.path, replacing=bool(found), listed=not execute)
        if execute:
            self._send(source, self.path, found[0] if found else None)

    def _count(self, source: File, path: str, replacing: bool, listed: bool) -> None:
        plan = self.plan
        if replacing:
            plan.replacing += 1
        else:
            plan.sending += 1
        if listed:
            (plan.replace if replacing else plan.send).append((source, self.manager.url(path)))

    # Writing -----------------------------------------------------------

    def _safe(self, name: str, source: Artefact) -> bool:
        """Whether a name from the source's listing may be a segment of a destination path
        (anything may, in a key store); a refused one is a failure naming it."""
        if self.manager.IMPLICIT_DIRECTORIES:
            return True
        try:
            paths.check_name(name, source.abspath)
        except exceptions.UnsafePath as error:
            self.plan.complete = False  # what is below it was not compared: nothing is extra for sure
            self.ledger.fail(source.abspath, None, error)
            return False
        return True

    def _clear(self, blocker: Artefact, execute: bool, kind: str) -> None:
        """A file where a directory goes, or the other way round: replaced only with ``overwrite``."""
        if not self.options.overwrite:
            what = "directory" if isinstance(blocker, Directory) else "file"
            raise exceptions.OperationNotPermitted(
                f"{blocker.abspath} is a {what} where the sync writes a {kind}; pass overwrite=True to replace it"
            )
        if execute:
            blocker.manager.rm(blocker, recursive=True)
            self.ledger.touch(blocker.manager, blocker.path)

    def _ensure(self, folder: str, made: set[str]) -> None:
        """Make a destination directory (and those above it) before its first file."""
        if self.manager.IMPLICIT_DIRECTORIES or folder in made:
            return
        above = folder
        while above not in made:
            blocker = self._blockers.pop(above, None)
            if blocker is not None:
                self._clear(blocker, True, "directory")
            above = self.manager.dirname(above)
        self.manager.make_directory(folder, within=self.path)  # never through a link below the destination
        self.ledger.touch(self.manager, folder)
        while folder not in made:
            made.add(folder)
            folder = self.manager.dirname(folder)

    def _send(self, source: File, path: str, there: Artefact | None = None) -> None:
        """Send a file to ``path``, replacing only ``there`` (the file listed and compared
        there, as it was), or nothing when nothing was listed: a file that appears or
        changes meanwhile is kept, and the source stays (a skip)."""
        within = self.path if isinstance(self.source, Directory) else None  # never written through a link below it
        if isinstance(there, File):
            target = Target(source, self.manager, path, replaces=SourceState.of(there), within=within)
        else:
            target = Target(source, self.manager, path, no_replace=True, within=within)
        self._submit(tasks.copy_file, target, source.size)
