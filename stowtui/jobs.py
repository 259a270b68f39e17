"""The transfer engine: copy, move and delete jobs on one shared thread pool.

Nothing here knows about Textual; the UI only starts jobs and reads their
``progress``. The design follows the manager guide's "threading the leaves":

* a planning thread per job walks each source with the managers' batched
  listing, creates destination directories as it goes and submits one task
  per file, so transfers start while the walk goes on; a semaphore bounds the
  tasks in flight, so a 100,000-file tree never holds 100,000 futures;
* a move is put, verify, then delete the source, all inside one task;
* a source directory is removed only once its walk is sealed and every child
  under it succeeded, decided under a lock, by whichever thread is last.

Whatever happens (a failure, a cancel, a full disk), every file is at its
source or, complete, at its destination.
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import dataclasses
import enum
import itertools
import os
import tempfile
import threading
import time
from typing import Callable, Iterable, Sequence

from .managers import exceptions
from .managers.artefacts import Artefact, Directory, File
from .managers.manager import LocalManager, Manager

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
    rate: float = 0.0  # bytes per second, over the last few seconds
    eta: float | None = None  # seconds; None while the total is still growing
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


@dataclasses.dataclass
class _Target:
    """One thing to transfer: a source artefact and the path it is to have."""

    source: Artefact
    manager: Manager
    path: str


def _split_name(basename: str) -> tuple[str, str]:
    stem, dot, ext = basename.rpartition(".")
    return (stem, "." + ext) if dot and stem else (basename, "")


def _options(manager: Manager, callback, cancel) -> dict:
    return {"callback": callback, "cancel": cancel} if manager.SUPPORTS_TRANSFER_OPTIONS else {}


def transfer_file(source: File, manager: Manager, path: str, callback=None, cancel=None) -> None:
    """Write one file to ``manager`` at ``path``, by the cheapest route there is."""
    source_manager = source.manager
    if source_manager is manager:
        manager._cp(source, path, **_options(manager, callback, cancel))
    elif isinstance(source_manager, LocalManager):
        manager._put(source_manager._abspath(source.path), path, **_options(manager, callback, cancel))
    elif isinstance(manager, LocalManager):
        with manager._staging(path) as local:
            source_manager._get(source, local, **_options(source_manager, callback, cancel))
    else:
        half = (lambda n: callback(n / 2)) if callback else None
        with tempfile.TemporaryDirectory(prefix="stowtui-") as workspace:
            local = os.path.join(workspace, "part")
            source_manager._get(source, local, **_options(source_manager, half, cancel))
            manager._put(local, path, **_options(manager, half, cancel))
    manager._forget(path)


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
            now = time.monotonic()
            self._samples.append((now, self._bytes_done))
            while len(self._samples) > 2 and now - self._samples[0][0] > 5:
                self._samples.popleft()
            first_time, first_bytes = self._samples[0]
            elapsed = now - first_time
            rate = (self._bytes_done - first_bytes) / elapsed if elapsed > 0.2 else 0.0
            remaining = self._bytes_total - self._bytes_done
            eta = remaining / rate if rate > 0 and not self._planning else None
            return Progress(
                files_done=self._files_done,
                files_total=self._files_total,
                files_failed=self._files_failed,
                files_skipped=self._files_skipped,
                bytes_done=int(self._bytes_done),
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
        """A new job for just the files that failed (None if nothing failed)."""
        with self._lock:
            targets = list(self._failed_targets)
        if not targets:
            return None
        return self._queue._start(
            Job(self._queue, self.kind, targets, self.conflict, self._ask, title=f"Retry: {self.title}")
        )

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
                        break
                    try:
                        self._plan(target)
                    except Exception as error:
                        self._fail(target.source.abspath, target.manager._abspath(target.path), error, target)
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
                listing = {Directory._key(a): a for a in manager.ls(folder, refresh=True)}
            except (exceptions.ArtefactNotFound, exceptions.ArtefactTypeError):
                listing = {}
            self._listings[key] = listing
        return listing

    def _existing(self, manager: Manager, path: str) -> Artefact | None:
        """What is at ``path`` now, from the listing of its directory."""
        listing = self._children(manager, manager.dirname(path))
        name = manager.basename(path)
        return listing.get(name) or listing.get(name + "/")

    def _reserve(self, manager: Manager, path: str, artefact: Artefact) -> None:
        self._listings.setdefault((id(manager), manager.dirname(path)), {})[Directory._key(artefact)] = artefact

    def _fresh_name(self, manager: Manager, path: str) -> str:
        folder, base = manager.dirname(path), manager.basename(path)
        stem, ext = _split_name(base)
        for n in itertools.count(1):
            candidate = manager._child(folder, f"{stem} ({n}){ext}")
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

    def _resolve(self, source: Artefact, manager: Manager, path: str) -> tuple[str, str]:
        """Decide what to do about ``path``: ("write"|"merge"|"skip", final path)."""
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
                    f"Cannot write {source.abspath} to {manager._abspath(path)}: a {kind} of that name is in the way"
                )
            existing = other
        if source_is_dir:
            if self.conflict == "rename":
                return "write", self._fresh_name(manager, path)
            return "merge", path
        policy = self._policy_for(source, existing, manager._abspath(path))
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
                f"Cannot {self.kind} the directory {source.abspath} into itself ({manager._abspath(path)})"
            )

    def _plan(self, target: _Target) -> None:
        source, manager = target.source, target.manager
        self._refuse_self(source, manager, target.path)
        action, path = self._resolve(source, manager, target.path)
        if action == "skip":
            self._skip(target, None)
            return
        if action == "merge" and not self._merge and self._children(manager, path):
            raise exceptions.ArtefactExists(
                f"{manager._abspath(path)} is a directory that is not empty; pass overwrite=True to write over it"
            )
        self._reserve(manager, path, source)
        if isinstance(source, File):
            self._submit(self._file_task, _Target(source, manager, path), None, size=source.size)
            return
        if (
            self.kind == "move"
            and action == "write"
            and source.manager is manager  # a rename never crosses managers
            and source.manager._rename(source, path)
        ):
            self._touch(manager, path)
            self._touch(source.manager, source.path)
            with self._lock:
                self._files_done += 1
                self._files_total += 1
            return
        self._plan_directory(source, manager, path, action)

    def _plan_directory(self, source: Directory, manager: Manager, path: str, action: str) -> None:
        root = _DirState(source, manager, path, None)
        self._dir_states.append(root)
        if action == "write":
            self._make_directory(manager, path)
        # else: merging into a directory that is there; its listing shows the conflicts
        try:
            self._walk_into(root)
        except BaseException:
            # The walk stopped part-way: what it did not reach is still at the
            # source, so no directory above it may be removed.
            self._child_failed(root)
            raise

    def _walk_into(self, root: _DirState) -> None:
        source, manager = root.source, root.manager
        states = {source.path: root}
        source_manager = source.manager
        for artefact in source_manager.walk(source.path):
            if self._cancel.is_set():
                return
            parent = states.get(source_manager.dirname(artefact.path))
            if parent is None:  # under a directory that could not be made
                continue
            # Below the parent's *final* path, which a rename may have changed.
            child_path = manager._child(parent.target, artefact.basename)
            with self._lock:
                parent.children += 1
                parent.pending += 1
            try:
                if artefact.is_link and isinstance(artefact, Directory):
                    raise exceptions.OperationNotPermitted(
                        f"Skipped {artefact.abspath}: it is a symbolic link to a directory, which is not followed"
                    )
                action, final = self._resolve(artefact, manager, child_path)
            except exceptions.StowError as error:
                self._fail(artefact.abspath, manager._abspath(child_path), error, _Target(artefact, manager, child_path))
                self._child_done(parent, ok=False)
                continue
            if action == "skip":
                self._skip(_Target(artefact, manager, final), parent)
                continue
            self._reserve(manager, final, artefact)
            if isinstance(artefact, Directory):
                state = _DirState(artefact, manager, final, parent)
                try:
                    if action == "write":
                        self._make_directory(manager, final)
                except exceptions.StowError as error:
                    self._fail(artefact.abspath, manager._abspath(final), error, _Target(artefact, manager, final))
                    self._child_done(parent, ok=False)
                    continue
                states[artefact.path] = state
                self._dir_states.append(state)
            else:
                self._submit(self._file_task, _Target(artefact, manager, final), parent, size=artefact.size)

    def _make_directory(self, manager: Manager, path: str) -> None:
        self._listings.setdefault((id(manager), path), {})
        if not manager.IMPLICIT_DIRECTORIES:
            manager._mkdir(path)
            manager._forget(path)
            self._touch(manager, path)

    def _skip(self, target: _Target, parent: _DirState | None) -> None:
        with self._lock:
            self._files_skipped += 1
        if parent is not None:
            self._child_done(parent, ok=False)  # a skipped source stays: so does its directory

    def _submit(self, task, *args, size: int) -> None:
        while not self._slots.acquire(timeout=0.2):
            if self._cancel.is_set():
                if len(args) > 1 and args[1] is not None:
                    self._child_done(args[1], ok=False)
                return
        with self._lock:
            self._outstanding += 1
            self._files_total += 1
            self._bytes_total += size or 0
            if self._state is JobState.PLANNING:
                self._state = JobState.RUNNING
        self._queue._executor.submit(self._guarded, task, *args)

    def _guarded(self, task, *args) -> None:
        try:
            task(*args)
        finally:
            self._slots.release()
            with self._lock:
                self._outstanding -= 1
            self._finish_if_idle()

    # Tasks -------------------------------------------------------------

    def _file_task(self, target: _Target, parent: _DirState | None) -> None:
        source, manager, path = target.source, target.manager, target.path
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
                self._bytes_done += amount

        with self._lock:
            self._current[slot] = source.abspath
        try:
            if self.kind == "move" and source.manager is manager and source.manager._rename(source, path):
                advance(source.size)
            else:
                transfer_file(source, manager, path, advance, self._cancel)
                if self.kind == "move":
                    self._verify(source, manager, path)
                    if self._cancel.is_set():
                        raise exceptions.OperationCancelled(f"Cancelled before {source.abspath} was removed")
                    source.manager._rm(source)
                    self._touch(source.manager, source.path)
            self._touch(manager, path)
            ok = True
            with self._lock:
                self._files_done += 1
        except exceptions.OperationCancelled:
            with self._lock:
                self._bytes_done -= moved
        except BaseException as error:
            with self._lock:
                self._bytes_done -= moved
            self._fail(source.abspath, manager._abspath(path), error, target)
        finally:
            with self._lock:
                self._current.pop(slot, None)
            if parent is not None:
                self._child_done(parent, ok)

    def _verify(self, source: File, manager: Manager, path: str) -> None:
        """The destination must exist with the source's size before the source goes."""
        manager._forget(path)
        found = manager._identifyPath(path)
        if not isinstance(found, File):
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager._abspath(path)} could not be found after writing"
            )
        if found.size != source.size:
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager._abspath(path)} has {found.size} bytes, not {source.size}"
            )
        if source.etag and found.etag and "-" not in source.etag + found.etag and source.etag != found.etag:
            raise exceptions.BackendError(
                f"Kept {source.abspath}: its copy at {manager._abspath(path)} has a different checksum"
            )

    def _delete_task(self, artefact: Artefact) -> None:
        manager = artefact.manager
        slot = threading.get_ident()
        with self._lock:
            self._current[slot] = artefact.abspath

        def removed(count: int) -> None:
            with self._lock:
                self._files_done += count
                self._files_total += count

        try:
            if self._cancel.is_set():
                return
            manager._rm(artefact, **_options(manager, removed, self._cancel))
            manager._forget(artefact.path)
            self._touch(manager, artefact.path)
            with self._lock:
                self._files_done += 1
        except exceptions.OperationCancelled:
            pass
        except BaseException as error:
            self._fail(artefact.abspath, None, error, artefact)
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
            if state.children == 0 and ok:
                state_manager = state.manager
                if state_manager.IMPLICIT_DIRECTORIES:
                    state_manager._mkdir(state.target)  # an empty directory still needs its marker
                    self._touch(state_manager, state.target)
            if self.kind == "move" and ok:
                source.manager._rmdir(source)
                self._touch(source.manager, source.path)
        except Exception as error:
            ok = False
            self._fail(source.abspath, None, error)
        if state.parent is not None:
            self._child_done(state.parent, ok)


def _as_artefact(source: Artefact | str) -> Artefact:
    if isinstance(source, Artefact):
        return source
    from .managers.registry import resolve

    manager, path = resolve(source)
    return manager.artefact(path)


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
            artefact = _as_artefact(source)
            targets.append(_Target(artefact, manager, manager._child(folder, artefact.basename)))
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
        sources = list(sources)
        artefacts = [_as_artefact(s) for s in sources]
        return self._start(Job(self, "delete", artefacts, title=self._title("Delete", sources)))

    def transfer(self, source, destination, move: bool = False, overwrite: bool = False) -> Job:
        """Copy or move ``source`` so that ``destination`` is its own new path.

        Files in the way are replaced; a non-empty directory in the way is
        merged into only with ``overwrite=True``.
        """
        artefact = _as_artefact(source)
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
