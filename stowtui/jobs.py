"""The transfer engine: copy, move and delete jobs on one shared thread pool.

Nothing here knows about Textual; the UI only starts jobs and reads their
``progress``. The design follows the manager guide's "threading the leaves":

* ``JobQueue.copy/move/delete`` return a :class:`Job` at once; sources given
  as URLs are looked up by the job's planning thread, never by the caller;
* the planning thread walks each source with the managers' batched listing
  (fresh, not a view's cached one), creates destination directories as it
  goes and submits one task per file, so transfers start while the walk goes
  on; a semaphore bounds the tasks in flight, so a 100,000-file tree never
  holds 100,000 futures;
* conflicts are found in one listing per destination directory;
* a move is put, verify, then delete the source, all inside one task;
* a source directory is removed only once its walk is sealed and every child
  under it succeeded, decided under a lock, by whichever thread is last (the
  job is not done before that);
* a failed job can be retried for just what failed; a retried move also
  removes the source directories the first one had to keep.

Whatever happens (a failure, a cancel, a full disk), every file is at its
source or, complete, at its destination.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import enum
import itertools
import os
import threading
import time
from typing import Callable, Sequence

from .managers import exceptions
from .managers.artefacts import Artefact, Directory, File
from .managers.manager import Manager
from .managers.transfer import transfer

POLICIES = ("overwrite", "skip", "rename", "newer", "different", "ask")


class JobState(str, enum.Enum):
    PLANNING = "planning"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        return self in (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


@dataclasses.dataclass(frozen=True)
class Progress:
    """A snapshot of a job's progress; cheap to take from any thread."""

    files_done: int = 0
    files_total: int = 0
    files_failed: int = 0
    files_skipped: int = 0
    bytes_done: int = 0
    bytes_total: int = 0
    current: tuple[str, ...] = ()
    rate: float = 0.0  # bytes per second: over the last few seconds (on average, once done)
    eta: float | None = None  # seconds; None while the total is still growing, 0 once done
    planning: bool = True

    @property
    def fraction(self) -> float:
        if self.bytes_total:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files_total:
            return min(1.0, self.files_done / self.files_total)
        return 0.0 if self.planning else 1.0


@dataclasses.dataclass(frozen=True)
class Failure:
    """One source that did not make it, and why (a sentence for people)."""

    source: str
    destination: str | None
    reason: str
    error: BaseException | None = dataclasses.field(default=None, compare=False, repr=False)


@dataclasses.dataclass(frozen=True)
class Conflict:
    """A destination that already exists; handed to the ``ask`` callback."""

    source: Artefact
    existing: Artefact
    destination: str


@dataclasses.dataclass(frozen=True)
class Decision:
    """The answer to a :class:`Conflict`: a policy name or ``"cancel"``."""

    action: str
    apply_to_all: bool = False


@dataclasses.dataclass
class _DirState:
    """A source directory being walked: how many of its children are still pending."""

    source: Directory
    manager: Manager  # of the target
    target: str
    parent: "_DirState | None"
    children: int = 0
    pending: int = 0
    failed: bool = False
    sealed: bool = False
    finished: bool = False
    #: Rebuilt by a retry: other things the first job left (skipped files)
    #: may still be in it, so it is removed only if a listing finds it empty.
    residual: bool = False


@dataclasses.dataclass
class _Target:
    """One thing to transfer: a source artefact and the path it is to have."""

    source: Artefact | str  # a URL is looked up by the planner, not by the caller
    manager: Manager
    path: str
    #: The source directory it was found in, when that directory is to be
    #: closed (moved) once all its children are through.
    parent: _DirState | None = None
    #: A retry: a complete copy already at ``path`` is this job's own.
    resume: bool = False
    #: The copy is known to be at ``path`` already: verify, then delete (move).
    written: bool = False
    #: Moved by a rename: nothing to verify or delete.
    renamed: bool = False


def _split_name(basename: str) -> tuple[str, str]:
    stem, dot, ext = basename.rpartition(".")
    return (stem, "." + ext) if dot and stem else (basename, "")


class Job:
    """A copy, move or delete running on a :class:`JobQueue`."""

    _ids = itertools.count(1)

    def __init__(
        self,
        queue: "JobQueue",
        kind: str,
        targets: list[_Target] | list[Artefact],
        conflict: str = "skip",
        ask: Callable[[Conflict], Decision] | None = None,
        title: str | None = None,
        merge: bool = True,
    ):
        if conflict not in POLICIES:
            raise ValueError(f"Unknown conflict policy {conflict!r}; use one of {', '.join(POLICIES)}")
        self.id = next(self._ids)
        self.kind = kind
        self.conflict = conflict
        self.title = title or kind
        self._queue = queue
        self._targets = targets
        self._ask = ask
        self._merge = merge
        self._ask_all: str | None = None
        self._lock = threading.RLock()
        self._cancel = threading.Event()
        self._finished = threading.Event()
        self._state = JobState.PLANNING
        self._files_done = self._files_total = self._files_failed = self._files_skipped = 0
        self._bytes_done = 0.0
        self._bytes_total = 0
        self._current: dict[int, str] = {}
        self._samples: collections.deque = collections.deque(maxlen=50)
        self._first_byte: float | None = None  # when bytes began to move
        self._failures: list[Failure] = []
        self._failed_targets: list[_Target | Artefact] = []
        self._outstanding = 0
        self._planning = True
        self._dir_states: list[_DirState] = []
        self._listings: dict[tuple[int, str], dict[str, Artefact]] = {}
        self._touched: set[str] = set()
        self._callbacks: list[Callable[["Job"], None]] = []
        self._slots = threading.Semaphore(queue.max_pending)
        self.started = time.monotonic()
        self.ended: float | None = None

    # Public view -------------------------------------------------------

    @property
    def state(self) -> JobState:
        return self._state

    @property
    def failures(self) -> list[Failure]:
        with self._lock:
            return list(self._failures)

    @property
    def touched(self) -> set[str]:
        """Directory URLs this job changed (for views to refresh)."""
        with self._lock:
            return set(self._touched)

    @property
    def progress(self) -> Progress:
        with self._lock:
            finished = self._state.finished
            now = (self.ended or time.monotonic()) if finished else time.monotonic()
            done = self._bytes_done
            self._samples.append((now, done))
            while len(self._samples) > 2 and now - self._samples[0][0] > 5:
                self._samples.popleft()
            first_time, first_bytes = self._samples[0]
            if now - first_time >= 1.0 and not finished:
                rate = (done - first_bytes) / (now - first_time)  # the last few seconds
            elif self._first_byte is not None and now - self._first_byte >= 0.05:
                rate = done / (now - self._first_byte)  # on average, since bytes began to move
            else:
                rate = 0.0
            rate = max(rate, 0.0)
            if finished:
                eta = 0.0
            elif self._planning or rate <= 0:
                eta = None  # the total is still growing, or nothing is moving yet
            else:
                eta = max(self._bytes_total - done, 0) / rate
            return Progress(
                files_done=self._files_done,
                files_total=self._files_total,
                files_failed=self._files_failed,
                files_skipped=self._files_skipped,
                bytes_done=int(done),
                bytes_total=self._bytes_total,
                current=tuple(self._current.values()),
                rate=rate,
                eta=eta,
                planning=self._planning,
            )

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends; True if it did within ``timeout``."""
        return self._finished.wait(timeout)

    def cancel(self) -> None:
        """Stop: pending files are dropped, running ones stop at their next chunk."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def add_done_callback(self, callback: Callable[["Job"], None]) -> None:
        with self._lock:
            if not self._state.finished:
                self._callbacks.append(callback)
                return
        callback(self)

    def retry(self) -> "Job | None":
        """A new job for just the files that failed (None if nothing failed).

        A retried move also removes the source directories the first job had
        to keep because of those files, once they are through (and if nothing
        else is left in them).
        """
        with self._lock:
            targets = list(self._failed_targets)
        if not targets:
            return None
        job = Job(self._queue, self.kind, [], self.conflict, self._ask, title=f"Retry: {self.title}", merge=self._merge)
        job._targets = job._adopt(targets) if self.kind != "delete" else targets
        return self._queue._start(job)

    def _adopt(self, targets: list[_Target]) -> list[_Target]:
        """Targets of another job, with fresh copies of the directories they belong to."""
        copies: dict[int, _DirState] = {}

        def copy(state: _DirState | None) -> _DirState | None:
            if state is None:
                return None
            if id(state) not in copies:
                parent = copy(state.parent)  # parents first, so they are sealed last
                copies[id(state)] = _DirState(state.source, state.manager, state.target, parent, residual=True)
                self._dir_states.append(copies[id(state)])
                if parent is not None:
                    self._count_child(parent)  # it reports to its parent when it closes
            return copies[id(state)]

        return [_Target(t.source, t.manager, t.path, copy(t.parent), resume=True) for t in targets]

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self._state.value}>"

    # Bookkeeping ------------------------------------------------------

    def _fail(self, source: str, destination: str | None, error: BaseException, target=None) -> None:
        reason = str(error) if isinstance(error, exceptions.StowError) else f"{type(error).__name__}: {error}"
        with self._lock:
            self._failures.append(Failure(source, destination, reason, error))
            self._files_failed += 1
            if target is not None:
                self._failed_targets.append(target)

    def _touch(self, manager: Manager, path: str) -> None:
        with self._lock:
            self._touched.add(manager._abspath(manager.dirname(path)))

    def _finish_if_idle(self) -> None:
        with self._lock:
            if self._planning or self._outstanding or self._state.finished:
                return
            if self._cancel.is_set():
                self._state = JobState.CANCELLED
            elif self._failures:
                self._state = JobState.FAILED
            else:
                self._state = JobState.DONE
            self.ended = time.monotonic()
            callbacks, self._callbacks = self._callbacks, []
        self._finished.set()
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # a listener's bug must not break the engine
                pass

    # Planning ----------------------------------------------------------

    def _run_planner(self) -> None:
        try:
            if self.kind == "delete":
                for artefact in self._targets:
                    if self._cancel.is_set():
                        break
                    self._submit(self._delete_task, artefact, size=0)
            else:
                for target in self._targets:
                    if self._cancel.is_set():
                        if target.parent is not None:
                            self._count_child(target.parent)
                            self._child_done(target.parent, ok=False)
                        continue
                    self._plan_target(target)
        finally:
            try:
                # Sealed while still "planning": the last task cannot end
                # the job while a directory is still being closed here.
                for state in reversed(self._dir_states):  # deepest first
                    self._seal(state)
            finally:
                with self._lock:
                    self._planning = False
                    if self._state is JobState.PLANNING:
                        self._state = JobState.RUNNING
                self._finish_if_idle()

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
            self.cancel()
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
            if not differs and source.etag and existing.etag and "-" not in source.etag + existing.etag:
                differs = source.etag != existing.etag
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

    def _count_child(self, parent: _DirState) -> None:
        with self._lock:
            parent.children += 1
            parent.pending += 1

    def _plan_target(self, target: _Target) -> None:
        """Plan one of the job's own targets; a failure is recorded, never raised."""
        parent = target.parent
        if parent is not None:
            self._count_child(parent)
        try:
            if isinstance(target.source, str):
                target = dataclasses.replace(target, source=_as_artefact(target.source))
            self._plan(target)
        except Exception as error:
            # Raised only before the target was handed to a task or a directory.
            self._fail(_name(target.source), target.manager._abspath(target.path), error, target)
            if parent is not None:
                self._child_done(parent, ok=False)

    def _plan(self, target: _Target) -> None:
        source, manager, parent = target.source, target.manager, target.parent
        self._refuse_self(source, manager, target.path)
        if target.resume and isinstance(source, File) and self._is_copy_of(source, manager, target.path):
            # A retry finds this job's own complete copy: only the source is left to do.
            self._submit(self._file_task, dataclasses.replace(target, written=True), size=source.size)
            return
        action, path = self._resolve(source, manager, target.path, resume=target.resume)
        if action == "skip":
            self._skip(target, parent)
            return
        if action == "merge" and not self._merge and self._children(manager, path):
            raise exceptions.ArtefactExists(
                f"{manager.url(path)} is a directory that is not empty; pass overwrite=True to write over it"
            )
        self._reserve(manager, path, source)
        if isinstance(source, File):
            self._submit(self._file_task, _Target(source, manager, path, parent), size=source.size)
            return
        if (
            self.kind == "move"
            and action == "write"
            and source.manager is manager  # a rename never crosses managers
            and source.manager.rename(source, path)
        ):
            self._touch(manager, path)
            self._touch(source.manager, source.path)
            with self._lock:
                self._files_done += 1
                self._files_total += 1
            if parent is not None:
                self._child_done(parent, ok=True)
            return
        self._plan_directory(_Target(source, manager, path, parent), action)

    def _is_copy_of(self, source: File, manager: Manager, path: str) -> bool:
        existing = self._existing(manager, path)
        return (
            isinstance(existing, File)
            and existing.size == source.size
            and not (source.etag and existing.etag and "-" not in source.etag + existing.etag
                     and source.etag != existing.etag)
        )

    def _plan_directory(self, target: _Target, action: str) -> None:
        """Walk a source directory; from here on its state reports to ``target.parent``."""
        root = _DirState(target.source, target.manager, target.path, target.parent)
        self._dir_states.append(root)
        try:
            if action == "write":
                self._make_directory(target.manager, target.path)
            # else: merging into a directory that is there; its listing shows the conflicts
            self._walk_into(root)
        except Exception as error:
            # The walk stopped part-way: what it did not reach is still at the
            # source, so neither this directory nor any above it may be removed.
            self._child_failed(root)
            self._fail(root.source.abspath, root.manager._abspath(root.target), error,
                       _Target(root.source, root.manager, root.target, target.parent))

    def _walk_into(self, root: _DirState) -> None:
        source, manager = root.source, root.manager
        states = {source.path: root}
        source_manager = source.manager
        # Walk what is there now, not what a view listed a while ago: a copy
        # must not miss a file added since (and a move must not miss it either).
        source_manager.invalidate(source.path)
        for artefact in source_manager.walk(source.path):
            if self._cancel.is_set():
                return
            parent = states.get(source_manager.dirname(artefact.path))
            if parent is None:  # under a directory that could not be made
                continue
            # Below the parent's *final* path, which a rename may have changed.
            child_path = manager.child(parent.target, artefact.basename)
            self._count_child(parent)
            try:
                if artefact.is_link and isinstance(artefact, Directory):
                    raise exceptions.OperationNotPermitted(
                        f"Skipped {artefact.abspath}: it is a symbolic link to a directory, which is not followed"
                    )
                action, final = self._resolve(artefact, manager, child_path)
            except exceptions.StowError as error:
                self._fail(artefact.abspath, manager._abspath(child_path), error,
                           _Target(artefact, manager, child_path, parent))
                self._child_done(parent, ok=False)
                continue
            if action == "skip":
                self._skip(_Target(artefact, manager, final, parent), parent)
                continue
            self._reserve(manager, final, artefact)
            if isinstance(artefact, Directory):
                state = _DirState(artefact, manager, final, parent)
                try:
                    if action == "write":
                        self._make_directory(manager, final)
                except exceptions.StowError as error:
                    self._fail(artefact.abspath, manager._abspath(final), error, _Target(artefact, manager, final, parent))
                    self._child_done(parent, ok=False)
                    continue
                states[artefact.path] = state
                self._dir_states.append(state)
            else:
                self._submit(self._file_task, _Target(artefact, manager, final, parent), size=artefact.size)

    def _make_directory(self, manager: Manager, path: str) -> None:
        self._listings.setdefault((id(manager), path), {})
        if not manager.IMPLICIT_DIRECTORIES:
            manager.make_directory(path)
            self._touch(manager, path)

    def _skip(self, target: _Target, parent: _DirState | None) -> None:
        with self._lock:
            self._files_skipped += 1
        if parent is not None:
            self._child_done(parent, ok=False)  # a skipped source stays: so does its directory

    def _submit(self, task, target, size: int) -> None:
        """Hand ``target`` to the pool once a slot is free (so pending tasks stay bounded)."""
        parent = getattr(target, "parent", None)
        while not self._slots.acquire(timeout=0.2):
            if self._cancel.is_set():
                if parent is not None:
                    self._child_done(parent, ok=False)
                return
        with self._lock:
            self._outstanding += 1
            self._files_total += 1
            self._bytes_total += size or 0
            if self._state is JobState.PLANNING:
                self._state = JobState.RUNNING
        try:
            self._queue._executor.submit(self._guarded, task, target)
        except RuntimeError:  # the queue was shut down: nothing more will run
            self._slots.release()
            with self._lock:
                self._outstanding -= 1
                self._files_total -= 1
                self._bytes_total -= size or 0
            self.cancel()
            if parent is not None:
                self._child_done(parent, ok=False)

    def _guarded(self, task, target) -> None:
        try:
            task(target)
        finally:
            self._slots.release()
            with self._lock:
                self._outstanding -= 1
            self._finish_if_idle()

    # Tasks -------------------------------------------------------------

    def _file_task(self, target: _Target) -> None:
        source, manager, path, parent = target.source, target.manager, target.path, target.parent
        ok = False
        if self._cancel.is_set():
            if parent is not None:
                self._child_done(parent, ok=False)
            return
        slot = threading.get_ident()
        moved = 0.0

        def advance(amount: float) -> None:
            nonlocal moved
            moved += amount
            with self._lock:
                if self._first_byte is None:
                    self._first_byte = time.monotonic()
                self._bytes_done += amount

        with self._lock:
            self._current[slot] = source.abspath
        try:
            if target.written:
                advance(source.size)
            elif self.kind == "move" and source.manager is manager and source.manager.rename(source, path):
                advance(source.size)
                target = dataclasses.replace(target, renamed=True)
            else:
                transfer(source, manager, path, advance, self._cancel)
            if self.kind == "move" and not target.renamed:
                # Put, verify, then delete: in this order, in this one task.
                self._verify(source, manager, path)
                if self._cancel.is_set():
                    raise exceptions.OperationCancelled(f"Cancelled before {source.abspath} was removed")
                source.manager.remove(source)
                self._touch(source.manager, source.path)
            self._touch(manager, path)
            ok = True
            with self._lock:
                self._files_done += 1
        except exceptions.OperationCancelled as error:
            with self._lock:
                self._bytes_done -= moved
            if not self._cancel.is_set():  # stopped by something else than this job's cancel
                self._fail(source.abspath, manager.url(path), error, target)
        except BaseException as error:
            with self._lock:
                self._bytes_done -= moved
            self._fail(source.abspath, manager.url(path), error, target)
        finally:
            with self._lock:
                self._current.pop(slot, None)
            if parent is not None:
                self._child_done(parent, ok)

    def _verify(self, source: File, manager: Manager, path: str) -> None:
        """The destination must exist with the source's size before the source goes."""
        found = manager.lookup(path)
        if not isinstance(found, File):
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager.url(path)} could not be found after writing"
            )
        if found.size != source.size:
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager.url(path)} has {found.size} bytes, not {source.size}"
            )
        if source.etag and found.etag and "-" not in source.etag + found.etag and source.etag != found.etag:
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager.url(path)} has a different checksum"
            )

    def _delete_task(self, artefact: Artefact | str) -> None:
        slot = threading.get_ident()
        with self._lock:
            self._current[slot] = _name(artefact)

        def removed(count: int) -> None:
            with self._lock:
                self._files_done += count
                self._files_total += count

        try:
            if self._cancel.is_set():
                return
            artefact = _as_artefact(artefact)
            manager = artefact.manager
            manager.remove(artefact, removed, self._cancel)
            self._touch(manager, artefact.path)
            with self._lock:
                self._files_done += 1
        except exceptions.OperationCancelled:
            pass
        except BaseException as error:
            self._fail(_name(artefact), None, error, artefact)
        finally:
            with self._lock:
                self._current.pop(slot, None)

    # Directories -------------------------------------------------------

    def _seal(self, state: _DirState) -> None:
        with self._lock:
            state.sealed = True
            ready = self._ready(state)
        if ready:
            self._close_directory(state)

    def _ready(self, state: _DirState) -> bool:
        """Under the lock: True exactly once, when the directory can be closed."""
        if state.finished or not state.sealed or state.pending:
            return False
        state.finished = True
        return True

    def _child_failed(self, state: _DirState) -> None:
        """Keep ``state`` and every directory above it (without closing any)."""
        with self._lock:
            node = state
            while node is not None:
                node.failed = True
                node = node.parent

    def _child_done(self, state: _DirState, ok: bool) -> None:
        with self._lock:
            if not ok:
                node = state
                while node is not None:
                    node.failed = True
                    node = node.parent
            state.pending -= 1
            ready = self._ready(state)
        if ready:
            self._close_directory(state)

    def _close_directory(self, state: _DirState) -> None:
        """All of a directory's children are through: finish it, then tell its parent."""
        ok = not state.failed and not self._cancel.is_set()
        source = state.source
        try:
            if state.children == 0 and ok and state.manager.IMPLICIT_DIRECTORIES:
                state.manager.make_directory(state.target)  # an empty directory still needs its marker
                self._touch(state.manager, state.target)
            if self.kind == "move" and ok and state.residual:
                # What the first job skipped may still be in it: leave it then.
                ok = not source.manager.ls(source.path, refresh=True)
            if self.kind == "move" and ok:
                source.manager.remove_empty_directory(source)
                self._touch(source.manager, source.path)
        except exceptions.ArtefactNotFound:
            pass  # already gone (S3: a directory goes with its last object)
        except Exception as error:
            ok = False
            self._fail(source.abspath, state.manager.url(state.target), error,
                       _Target(source, state.manager, state.target, state.parent))
        if state.parent is not None:
            self._child_done(state.parent, ok)


def _name(source: Artefact | str) -> str:
    return source.abspath if isinstance(source, Artefact) else source


def _as_source(source: Artefact | str | os.PathLike) -> tuple[Artefact | str, str]:
    """(the artefact, or its full URL to look up later; its basename), with no I/O."""
    if isinstance(source, Artefact):
        return source, source.basename
    manager, path = _as_location(os.fspath(source))
    return manager.url(path), manager.basename(path)


def _as_artefact(source: Artefact | str) -> Artefact:
    if isinstance(source, Artefact):
        return source
    from .managers.registry import resolve

    manager, path = resolve(source)
    return manager.artefact(path, cached=True)  # a hit this job (or the view) listed; a miss asks


def _as_location(destination: Artefact | str) -> tuple[Manager, str]:
    if isinstance(destination, Artefact):
        return destination.manager, destination.path
    from .managers.registry import resolve

    manager, path = resolve(destination)
    return manager, manager.normalise(path)


class JobQueue:
    """Jobs sharing one thread pool of ``workers`` threads."""

    def __init__(self, workers: int = 8, max_pending: int | None = None):
        self.workers = workers
        self.max_pending = max_pending or workers * 4
        self._executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="stowtui-job")
        self._lock = threading.Lock()
        self._jobs: list[Job] = []

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    def _start(self, job: Job) -> Job:
        with self._lock:
            self._jobs.append(job)
        threading.Thread(target=job._run_planner, name=f"stowtui-plan-{job.id}", daemon=True).start()
        return job

    def _into(self, sources: Sequence[Artefact | str], destination_dir: Artefact | str) -> list[_Target]:
        manager, folder = _as_location(destination_dir)
        targets = []
        for source in sources:
            source, basename = _as_source(source)
            targets.append(_Target(source, manager, manager.child(folder, basename)))
        return targets

    @staticmethod
    def _title(verb: str, sources: Sequence, destination=None) -> str:
        names = [s.abspath if isinstance(s, Artefact) else str(s) for s in sources]
        what = names[0] if len(names) == 1 else f"{len(names)} items"
        where = ""
        if destination is not None:
            where = " to " + (destination.abspath if isinstance(destination, Artefact) else str(destination))
        return f"{verb} {what}{where}"

    def copy(self, sources, destination_dir, conflict: str = "skip", ask=None) -> Job:
        """Copy each source into ``destination_dir`` under its own name."""
        sources = list(sources)
        job = Job(self, "copy", self._into(sources, destination_dir), conflict, ask,
                  title=self._title("Copy", sources, destination_dir))
        return self._start(job)

    def move(self, sources, destination_dir, conflict: str = "skip", ask=None) -> Job:
        """Move each source into ``destination_dir`` under its own name."""
        sources = list(sources)
        job = Job(self, "move", self._into(sources, destination_dir), conflict, ask,
                  title=self._title("Move", sources, destination_dir))
        return self._start(job)

    def delete(self, sources) -> Job:
        """Delete each source (a directory with everything in it)."""
        sources = list(sources)
        artefacts = [_as_source(s)[0] for s in sources]
        return self._start(Job(self, "delete", artefacts, title=self._title("Delete", sources)))

    def transfer(self, source, destination, move: bool = False, overwrite: bool = False) -> Job:
        """Copy or move ``source`` so that ``destination`` is its own new path.

        Files in the way are replaced; a non-empty directory in the way is
        merged into only with ``overwrite=True``.
        """
        artefact, _ = _as_source(source)
        manager, path = _as_location(destination)
        verb = "move" if move else "copy"
        job = Job(self, verb, [_Target(artefact, manager, path)], "overwrite",
                  title=self._title(verb.title(), [source], destination), merge=overwrite)
        return self._start(job)

    def shutdown(self, cancel: bool = True) -> None:
        if cancel:
            for job in self.jobs:
                job.cancel()
        self._executor.shutdown(wait=True, cancel_futures=False)


_default: JobQueue | None = None
_default_lock = threading.Lock()


def default_queue() -> JobQueue:
    """The process-wide queue that the stateless interface and the app share."""
    global _default
    with _default_lock:
        if _default is None:
            _default = JobQueue()
        return _default
