"""The planner: one thread per job, from its sources to the tasks it submits.

It looks up sources given as URLs (on S3 the lookup's listing is the first
page of the walk), walks each source directory with the managers' batched
listing (fresh, not a view's cached one), decides every conflict from one
listing per destination directory (none where nothing can be in the way:
"overwrite" into a key store, :meth:`Planner._blind`), creates destination
directories as it goes, and hands each file to a task (see :mod:`.tasks`)
through the job's bounded ``submit``, so transfers start while the walk goes
on. A move within one manager is a rename when the manager can do one.

What it trusts nothing about:

* names from a listing are data: a destination path is built from the
  source's relative name, and one with an empty, ``.`` or ``..`` segment (or a
  local directory that a symbolic link takes out of the destination) is
  refused, a failure naming the key (:mod:`stowtui.managers.paths`). Only
  where paths resolve: into a key store (S3: ``IMPLICIT_DIRECTORIES``) a key
  such as ``a/../b`` or ``a/`` is copied as the key it is, leading nowhere;
* other jobs: a destination file's path is claimed before its conflict is
  decided (:mod:`.reservations`), and looked up again if another job wrote it
  since this job's listing;
* special files (a FIFO, a socket, a device) are never opened: each is
  skipped with its kind, and its directory stays.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import itertools
from typing import Callable

from ..managers import Artefact, Directory, File, Manager, exceptions, paths
from ..managers.transfer import SourceState
from . import directories, tasks
from .ledger import Ledger
from .model import Conflict, Decision, DirState, Target, looked_up, name_of
from .survey import Ahead, Survey

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
        #: When each listing was taken (a tick of the reservations; 0: assumed, never listed).
        self._ticks: dict[tuple[int, str], int] = {}
        #: The answers to "ask" by destination URL, until the file's target takes its one.
        self._answers: dict[str, str] = {}
        #: id(source directory) -> (it, its walk) where looking up a URL listed its first level.
        self._walks: dict[int, tuple[Artefact, object]] = {}

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
        tasks.abort_open_uploads(ledger)
        survey = Survey(ledger, targets).start()  # the total, early: listed ahead of the transfers
        for target, found in zip(targets, survey.found):
            if ledger.cancelled:
                if target.parent is not None:
                    directories.count_child(ledger, target.parent)
                    directories.child_done(ledger, target.parent, ok=False)
                continue
            self.plan_target(target, found)

    # Destination listings ----------------------------------------------

    def _children(self, manager: Manager, folder: str) -> dict[str, Artefact]:
        """What a destination directory holds now, from one listing per job."""
        key = (id(manager), folder)
        listing = self._listings.get(key)
        if listing is None and self._blind(manager):
            listing = self._listings[key] = {}  # assumed, never listed (tick 0)
        if listing is None:
            tick = self.ledger.reservations.now()  # before asking: a write after it is news
            try:
                if manager.IMPLICIT_DIRECTORIES and folder != "/":
                    # The raw pages: an empty one says all there is to know
                    # (nothing in the way), with no second request to prove
                    # whether the prefix "exists".
                    found = manager.scan(folder)
                else:
                    found = manager.ls(folder)
                listing = {Directory.key(a): a for a in found}
            except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError):
                listing = {}
            if self.ledger.leftovers:
                self._remove_leftovers(manager, listing)
            self._listings[key] = listing
            self._ticks[key] = tick
        return listing

    def _remove_leftovers(self, manager: Manager, listing: dict[str, Artefact]) -> None:
        """A resumed job: the temporary files its first run left (a crash mid-file) go."""
        for name, artefact in list(listing.items()):
            if isinstance(artefact, File) and paths.owned_temporary(name, self.ledger.leftovers):
                try:
                    manager.rm(artefact, recursive=True)
                except exceptions.StowError:
                    continue
                del listing[name]

    def _blind(self, manager: Manager) -> bool:
        """Whether this job writes into ``manager`` without listing what is there.

        Only what a listing could change is skipped: with "overwrite" every file
        is written whatever is in its place, and in a key store (S3) a directory
        and a file of one name do not clash, so nothing there is in the way. A
        directory is merged into as it is (``merge``: not refused for holding
        something). Any other policy decides from a listing.
        """
        return self.conflict == "overwrite" and self._merge and manager.IMPLICIT_DIRECTORIES

    def _existing(self, manager: Manager, path: str) -> Artefact | None:
        """What is at ``path`` now, from the listing of its directory."""
        listing = self._children(manager, manager.dirname(path))
        name = manager.basename(path)
        found = listing.get(name)  # not `or`: an empty file or directory is falsy (len 0)
        return found if found is not None else listing.get(name + "/")

    def _reserve(self, manager: Manager, path: str, artefact: Artefact) -> None:
        self._listings.setdefault((id(manager), manager.dirname(path)), {})[Directory.key(artefact)] = artefact

    def _make_directory(self, manager: Manager, path: str, within: str | None = None) -> None:
        # Assumed empty, never listed: whatever another job writes in it is news (tick 0).
        self._listings.setdefault((id(manager), path), {})
        if not manager.IMPLICIT_DIRECTORIES:
            manager.make_directory(path, within=within)  # never through a link below ``within``
            self.ledger.touch(manager, path)

    # Claims (see reservations.py) -------------------------------------

    def _claim(self, manager: Manager, path: str) -> bool:
        """Claim a destination file's path for this job, waiting while another job
        holds it; then the listing tells the truth about it. False: cancelled."""
        folder = manager.dirname(path)
        self._children(manager, folder)
        since = self._ticks.get((id(manager), folder), 0)
        stale = self.ledger.reservations.claim(manager.url(path), self.ledger, since, self.ledger.cancel)
        if stale is None:
            return False
        if stale and not self._blind(manager):  # what is there now would change nothing
            self._look_again(manager, path)
        return True

    def _try_claim(self, manager: Manager, path: str) -> bool:
        """Claim a path only if no other job holds it and nothing is there now."""
        since = self._ticks.get((id(manager), manager.dirname(path)), 0)
        stale = self.ledger.reservations.try_claim(manager.url(path), self.ledger, since)
        if stale is None:
            return False
        if stale:
            self._look_again(manager, path)
            if self._existing(manager, path) is not None:
                self._unclaim(manager, path)
                return False
        return True

    def _unclaim(self, manager: Manager, path: str) -> None:
        self.ledger.reservations.release(manager.url(path), self.ledger, wrote=False)

    def _look_again(self, manager: Manager, path: str) -> None:
        """Another job wrote ``path`` (claimed) after it was listed: ask the backend
        what is there now; if that fails, the claim is given back."""
        listing = self._children(manager, manager.dirname(path))
        name = manager.basename(path)
        try:
            found = next(iter(manager.identify(path)), None)
        except BaseException:
            self._unclaim(manager, path)
            raise
        listing.pop(name, None)
        listing.pop(name + "/", None)
        if found is not None:
            listing[Directory.key(found)] = found

    def _decide_file(self, source: File, manager: Manager, path: str, resume: bool = False):
        """(action, final path) for a file, its final path claimed when the action is
        "write" (a task releases it); None when cancelled while waiting for a claim."""
        if not self._claim(manager, path):
            return None
        try:
            action, final = self._resolve(source, manager, path, resume)
        except BaseException:
            self._unclaim(manager, path)
            raise
        if action != "write" or final != path:
            self._unclaim(manager, path)  # skipped, or written under a fresh name (claimed)
        return action, final

    def _submit_file(self, source: File, manager: Manager, path: str, parent: DirState | None,
                     within: str | None = None) -> None:
        """Hand one file, its destination ``path`` decided, to a task (written inside
        ``within``, else its directory's)."""
        target = self._file_target(source, manager, path, parent)
        target.within = parent.within if parent is not None and parent.within is not None else within
        self._reserve(manager, path, source)
        self._submit(tasks.copy_file, target, size=source.size)

    def _file_target(self, source: File, manager: Manager, path: str, parent: DirState | None) -> Target:
        """The task's target for a file to write at its claimed ``path``."""
        there = self._children(manager, manager.dirname(path)).get(manager.basename(path))
        policy = self._answers.pop(manager.url(path), None) or self.conflict
        policy = policy if policy in tasks.DECIDING else None
        if isinstance(there, File):
            # Decided to replace the file listed there: it replaces only that file as compared.
            return Target(source, manager, path, parent, claim=manager.url(path),
                          replaces=SourceState.of(there), policy=policy)
        # Nothing listed there: replace nothing (or anything, for "overwrite"). A file
        # that appears meanwhile is kept, or decided on again by the task (``policy``).
        no_replace = self.conflict != "overwrite"
        return Target(source, manager, path, parent, claim=manager.url(path), no_replace=no_replace, policy=policy)

    # Conflicts ---------------------------------------------------------

    def _fresh_name(self, manager: Manager, path: str, claim: bool = False) -> str:
        """``name (1).ext``, ``name (2).ext``...: the first free one (``claim``: claimed)."""
        folder, base = manager.dirname(path), manager.basename(path)
        stem, ext = _split_name(base)
        for n in itertools.count(1):
            candidate = manager.child(folder, f"{stem} ({n}){ext}")
            if self._existing(manager, candidate) is None and (not claim or self._try_claim(manager, candidate)):
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
        if policy == "rename":
            return "write", self._fresh_name(manager, path, claim=True)
        if not tasks.wins(policy, source, existing):
            return "skip", path
        if self.conflict == "ask":
            self._answers[manager.url(path)] = policy  # the task decides again by it, if need be
        return "write", path

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

    def plan_target(self, target: Target, found: concurrent.futures.Future | None = None) -> None:
        """Plan one of the job's own targets; a failure is recorded, never raised.

        ``found``: the survey's (source, walk) for it, where the survey looked it up.
        """
        parent = target.parent
        if parent is not None:
            directories.count_child(self.ledger, parent)
        walk = None
        try:
            if found is not None and found.result() is not None:
                source, walk = found.result()
            elif isinstance(target.source, str):
                source, walk = looked_up(target.source)
            else:
                source = target.source
            if walk is not None:  # listed already (the lookup's first level, or the survey): go on from it
                self._walks[id(source)] = (source, walk)
            target = dataclasses.replace(target, source=source)
            self.plan(target)
        except Exception as error:
            # Raised only before the target was handed to a task or a directory.
            self.ledger.fail(name_of(target.source), target.manager.url(target.path), error, target)
            if parent is not None:
                directories.child_done(self.ledger, parent, ok=False)
        finally:
            self._walks.clear()  # a walk is this target's alone
            if isinstance(walk, Ahead):
                walk.drop()

    def plan(self, target: Target) -> None:
        """Plan one looked-up target: a file goes to a task, a directory is walked."""
        ledger = self.ledger
        source, manager, parent = target.source, target.manager, target.parent
        self._refuse_self(source, manager, target.path)
        if target.within is not None:
            self._check_top(target)
        if isinstance(source, File) and getattr(source, "special", None):
            self._skip(parent, source, manager.url(target.path))
            return
        if isinstance(source, File) and self._resumed(source, manager, target.path, parent):
            return
        if target.resume and isinstance(source, File) and self._is_copy_of(source, manager, target.path):
            # A retry finds this job's own complete copy: only the source is left to do.
            self._submit(tasks.copy_file, dataclasses.replace(target, written=True), size=source.size)
            return
        if isinstance(source, File):
            decided = self._decide_file(source, manager, target.path, resume=target.resume)
            if decided is None:  # cancelled while another job held the path
                if parent is not None:
                    directories.child_done(ledger, parent, ok=False)
                return
            action, path = decided
        else:
            action, path = self._resolve(source, manager, target.path, resume=target.resume)
        if action == "skip":
            self._skip(parent)
            return
        if action == "merge" and not self._merge and self._children(manager, path):
            raise exceptions.ArtefactExists(
                f"{manager.url(path)} is a directory that is not empty; pass overwrite=True to write over it"
            )
        if isinstance(source, File):
            self._submit_file(source, manager, path, parent, target.within)
            return
        self._reserve(manager, path, source)
        if (
            self.kind == "move"
            and action == "write"
            and source.manager is manager  # a rename never crosses managers
            and source.manager.rename(source, path, no_replace=True, within=target.within)
        ):
            ledger.touch(manager, path)
            ledger.touch(source.manager, source.path)
            with ledger.lock:
                ledger.meter.files_done += 1
                ledger.meter.files_total += 1
            if parent is not None:
                directories.child_done(ledger, parent, ok=True)
            return
        within = target.within if target.within is not None else path
        self._plan_directory(Target(source, manager, path, parent, within=within), action)

    def _check_top(self, target: Target) -> None:
        """A target named after its source: that name is data too (an S3 key ``a/..``)."""
        manager = target.manager
        if manager.IMPLICIT_DIRECTORIES:
            return  # a key store: names lead nowhere
        paths.check_name(manager.basename(target.path), target.source.basename)
        if isinstance(target.source, Directory) and manager.IS_LOCAL:
            paths.check_inside(manager.url(target.within), manager.url(target.path), target.source.basename)

    def _plan_directory(self, target: Target, action: str) -> None:
        """Walk a source directory; from here on its state reports to ``target.parent``."""
        root = DirState(target.source, target.manager, target.path, target.parent, within=target.within)
        self.ledger.directories.append(root)
        try:
            if action == "write":
                self._make_directory(target.manager, target.path, target.within)
            # else: merging into a directory that is there; its listing shows the conflicts
            self._walk_into(root)
        except Exception as error:
            # The walk stopped part-way: what it did not reach is still at the
            # source, so neither this directory nor any above it may be removed.
            directories.child_failed(self.ledger, root)
            self.ledger.fail(root.source.abspath, root.manager.url(root.target), error,
                             Target(root.source, root.manager, root.target, target.parent))

    def _refusal(self, root: DirState, parent: DirState, artefact: Artefact, path: str):
        """Why ``artefact`` may not be written at ``path`` (an UnsafePath), or None."""
        if parent.manager.IMPLICIT_DIRECTORIES:
            return None  # a key store: "a/../b" is a key like any other there
        relative = artefact.path[len(root.source.path.rstrip("/")) + 1:]
        reason = paths.unsafe_relative(relative)
        if reason is None and parent.refused is not None:
            reason = parent.refused.detail
        manager = parent.manager
        if reason is None and isinstance(artefact, Directory) and manager.IS_LOCAL and parent.within is not None:
            local = manager.url(path)
            if not paths.inside(manager.url(parent.within), local):
                reason = f"{local} is a symbolic link that leads out of it"
        return None if reason is None else paths.refusal(f"{root.source.basename}/{relative}", detail=reason)

    def _walk_into(self, root: DirState) -> None:
        ledger = self.ledger
        source, manager = root.source, root.manager
        states = {source.path: root}
        source_manager = source.manager
        primed = self._walks.pop(id(source), None)
        if primed is not None and primed[0] is source:
            walk = primed[1]  # listed just now, by the lookup of this source
        else:
            # walk lists every level now (the freshness rule), not what a view listed a
            # while ago: a copy must not miss a file added since (nor a move).
            walk = source_manager.walk(source.path)
        for artefact in walk:
            if ledger.cancelled:
                return
            parent = states.get(source_manager.dirname(artefact.path))
            if parent is None:  # under a directory that could not be made
                continue
            # Below the parent's *final* path, which a rename may have changed.
            child_path = manager.child(parent.target, artefact.basename)
            directories.count_child(ledger, parent)
            if getattr(artefact, "marker", False) and not manager.IMPLICIT_DIRECTORIES:
                # A ``folder/`` key with a body marks its folder (made with the walk):
                # its bytes have nowhere to go outside a key store. A move keeps it
                # (and so its folder) at the source, and says so.
                if ledger.kind == "move" and artefact.size:
                    ledger.skip(artefact.abspath, None,
                                f"{artefact.abspath} is a folder marker holding {artefact.size:,} bytes, which a "
                                f"folder of {manager.url(parent.target)} cannot hold; kept at the source")
                directories.child_done(ledger, parent, ok=not (ledger.kind == "move" and artefact.size))
                continue
            refused = self._refusal(root, parent, artefact, child_path)
            if refused is not None:
                # Nothing is written for it; it stays at the source, and so do the directories above.
                if isinstance(artefact, Directory):
                    states[artefact.path] = state = DirState(artefact, manager, child_path, parent, refused=refused)
                    state.failed = True
                    ledger.directories.append(state)
                else:
                    ledger.fail(artefact.abspath, None, refused)
                    directories.child_done(ledger, parent, ok=False)
                continue
            if getattr(artefact, "special", None):
                self._skip(parent, artefact, manager.url(child_path))
                continue
            if isinstance(artefact, File) and self._resumed(artefact, manager, child_path, parent):
                continue
            try:
                if artefact.is_link and isinstance(artefact, Directory):
                    raise exceptions.OperationNotPermitted(
                        f"Skipped {artefact.abspath}: it is a symbolic link to a directory, which is not followed"
                    )
                if isinstance(artefact, File):
                    decided = self._decide_file(artefact, manager, child_path)
                    if decided is None:  # cancelled while another job held the path
                        directories.child_done(ledger, parent, ok=False)
                        return
                    action, final = decided
                else:
                    action, final = self._resolve(artefact, manager, child_path)
            except exceptions.StowError as error:
                ledger.fail(artefact.abspath, manager.url(child_path), error,
                            Target(artefact, manager, child_path, parent))
                directories.child_done(ledger, parent, ok=False)
                continue
            if action == "skip":
                self._skip(parent)
                continue
            if isinstance(artefact, File):
                self._submit_file(artefact, manager, final, parent)
                continue
            self._reserve(manager, final, artefact)
            state = DirState(artefact, manager, final, parent, within=parent.within)
            try:
                if action == "write":
                    self._make_directory(manager, final, parent.within)
            except exceptions.StowError as error:
                ledger.fail(artefact.abspath, manager.url(final), error, Target(artefact, manager, final, parent))
                directories.child_done(ledger, parent, ok=False)
                continue
            states[artefact.path] = state
            ledger.directories.append(state)

    def _resumed(self, source: File, manager: Manager, path: str, parent: DirState | None) -> bool:
        """A rerun or resume: a file this job completed is counted done, and not sent again
        nor asked about; one whose complete copy is at ``path`` (done, not yet journaled)
        is only verified (and, for a move, its source removed). True when handled here."""
        ledger = self.ledger
        if not ledger.resuming:
            return False
        if ledger.was_completed(source.abspath):
            with ledger.lock:
                ledger.meter.files_done += 1
                ledger.meter.files_total += 1
                ledger.meter.bytes_done += source.size or 0
                ledger.meter.bytes_total += source.size or 0
            if parent is not None:
                directories.child_done(ledger, parent, ok=True)
            return True
        if self._is_copy_of(source, manager, path):
            self._submit(tasks.copy_file, Target(source, manager, path, parent, written=True), size=source.size)
            return True
        return False

    def _skip(self, parent: DirState | None, special: File | None = None, destination: str | None = None) -> None:
        """A source left where it is (by the conflict policy, or a ``special`` file, with its kind)."""
        if special is not None:
            self.ledger.skip(special.abspath, destination, f"{special.abspath}: {special.special}, not copied")
        else:
            with self.ledger.lock:
                self.ledger.meter.files_skipped += 1
        if parent is not None:
            directories.child_done(self.ledger, parent, ok=False)  # a skipped source stays: so does its directory
