"""The queue and its jobs: :class:`JobQueue` starts copy, move and delete
jobs on one shared thread pool; :func:`default_queue` is the process-wide one.

A job is what the caller holds: its state, progress, failures, skipped
files and retry. It composes a :class:`~.planner.Planner` (run on the job's
own thread) and the per-file tasks of :mod:`.tasks` (run on the pool), which
share the job's :class:`~.ledger.Ledger`; here it bounds the tasks in flight
and decides when the job is over.

A cancel ends the job within :data:`ABANDON_AFTER` seconds whatever it is
doing: work still blocked then (a request to a silent endpoint) is abandoned.
It goes on in the background until its request gives up, but nothing it does
after the cancel puts a file in place or deletes a source, and what it ends
with is not recorded.
"""

from __future__ import annotations

import collections
import concurrent.futures
import dataclasses
import itertools
import threading
import time
from typing import Callable, Sequence

from ..managers import Artefact, location
from ..managers.connections import WORKERS
from ..managers.redact import redact
from ..managers.transfer import RequestSlots
from . import directories, journal
from .ledger import Ledger
from .model import (
    POLICIES, Conflict, Decision, Failure, JobState, Progress, Skipped, Target, as_source, name_of,
)
from .planner import Planner
from .reservations import RESERVATIONS, Reservations

#: Seconds after ``cancel()`` at which a job still running is reported cancelled
#: (its blocked work abandoned), so that a cancel always ends it within 2 s.
ABANDON_AFTER = 1.5


class Job:
    """A copy, move or delete running on a :class:`JobQueue`."""

    _ids = itertools.count(1)

    def __init__(
        self,
        queue: JobQueue,
        kind: str,
        targets: list[Target] | list[Artefact | str],
        conflict: str = "skip",
        ask: Callable[[Conflict], Decision] | None = None,
        title: str | None = None,
        merge: bool = True,
        planner: Callable[[Ledger, Callable, Callable[[], None]], object] | None = None,
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
        self._ledger = Ledger(kind, conflict, queue.reservations, queue.slots)
        self._lock = self._ledger.lock
        #: ``planner(ledger, submit, drain)``: another plan than a copy's (a sync's), run the same way.
        self._planner = (planner(self._ledger, self._submit, self._drain) if planner is not None
                         else Planner(self._ledger, self._submit, conflict, ask, merge))
        self._idle = threading.Condition(self._lock)
        self._plan_with = planner
        self._finished = threading.Event()
        self._state = JobState.PLANNING
        self._planning = True
        self._outstanding = 0  # tasks submitted and not yet over
        self._slots = threading.Semaphore(queue.max_pending)
        self._callbacks: list[Callable[[Job], None]] = []
        self._abandon_timer: threading.Timer | None = None
        self._joined = False  # counted among the running jobs of the reservations
        #: What the journal's header says of the job (copy and move jobs only), see journal.py.
        self.header: journal.Header | None = None
        self.started = time.monotonic()
        self.ended: float | None = None

    # Public view -------------------------------------------------------

    @property
    def state(self) -> JobState:
        return self._state

    @property
    def failures(self) -> list[Failure]:
        with self._lock:
            return list(self._ledger.failures)

    @property
    def skipped(self) -> list[Skipped]:
        """Sources left where they are on purpose (special files...), each with its reason."""
        with self._lock:
            return list(self._ledger.skipped)

    @property
    def touched(self) -> set[str]:
        """Directory URLs this job changed (for views to refresh)."""
        with self._lock:
            return set(self._ledger.touched)

    @property
    def progress(self) -> Progress:
        with self._lock:
            finished = self._state.finished
            now = (self.ended or time.monotonic()) if finished else time.monotonic()
            return self._ledger.meter.snapshot(now, finished, self._planning)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job ends; True if it did within ``timeout``."""
        return self._finished.wait(timeout)

    def cancel(self) -> None:
        """Stop: pending files are dropped, running ones stop at their next chunk.

        The job ends within :data:`ABANDON_AFTER` seconds: what is still blocked
        then (a request that gets no answer) is abandoned.
        """
        self._ledger.cancel.set()
        with self._lock:
            if self._state.finished or self._abandon_timer is not None:
                return
            self._abandon_timer = threading.Timer(ABANDON_AFTER, self._abandon)
            self._abandon_timer.daemon = True
        self._abandon_timer.start()

    def _abandon(self) -> None:
        """Cancelled a while ago and still running: report it cancelled now."""
        with self._lock:
            if self._state.finished:
                return
            self._ledger.abandoned = True
        self._end(JobState.CANCELLED)

    @property
    def tasks_made(self) -> int:
        """Files handed to the pool and not yet over: at most the queue's ``max_pending``,
        however many the job holds (its tasks are made as the workers take them)."""
        with self._lock:
            return self._outstanding

    @property
    def cancelled(self) -> bool:
        return self._ledger.cancelled

    def add_done_callback(self, callback: Callable[[Job], None]) -> None:
        with self._lock:
            if not self._state.finished:
                self._callbacks.append(callback)
                return
        callback(self)

    def retry(self) -> Job | None:
        """A new job for just the files that failed (None if nothing failed).

        A retried move also removes the source directories the first job had
        to keep because of those files, once they are through (and if nothing
        else is left in them).
        """
        with self._lock:
            targets = list(self._ledger.failed_targets)
        if not targets:
            return None
        if self._plan_with is not None:  # a sync: planned again, from what both sides hold now
            return self._queue._start(self._replanned(f"Retry: {self.title}"))
        job = Job(self._queue, self.kind, [], self.conflict, self._ask, title=f"Retry: {self.title}", merge=self._merge)
        job._targets = directories.adopt(job._ledger, targets) if self.kind != "delete" else targets
        self._hand_down(job)
        return self._queue._start(job)

    @property
    def journal_path(self) -> str | None:
        """Where this job's journal is (None: it keeps none)."""
        kept = self._ledger.journal
        return str(kept.path) if kept is not None else None

    def rerun(self) -> Job:
        """The same job again (a cancelled one's Retry): what this one completed is
        counted done and not sent again, and no question is asked about it."""
        if self._plan_with is not None:
            return self._queue._start(self._replanned(self.title))
        job = Job(self._queue, self.kind, self._targets, self.conflict, self._ask, title=self.title, merge=self._merge)
        self._hand_down(job)
        return self._queue._start(job)

    def _replanned(self, title: str) -> Job:
        """A sync again (its Retry or rerun), journaled like the first."""
        job = Job(self._queue, self.kind, [], self.conflict, title=title, planner=self._plan_with)
        job._ledger.leftovers = self._ledger.token
        if self.header is not None:
            job.header = dataclasses.replace(self.header, token=journal.new_token(), created=0.0, title=title)
        return job

    def _hand_down(self, job: Job) -> None:
        """What a retry or rerun takes over: the files this job completed, its journal's header."""
        with self._lock:
            job._ledger.completed = set(self._ledger.completed)
        job._ledger.resuming = True
        job._ledger.leftovers = self._ledger.token
        if self.header is not None:
            job.header = dataclasses.replace(self.header, token=journal.new_token(), created=0.0)

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self._state.value}>"

    # Running -----------------------------------------------------------

    def _run(self) -> None:
        """The job's own thread: plan everything, then seal the directories."""
        try:
            self._planner.run(self._targets)
        finally:
            try:
                # Sealed while still "planning": the last task cannot end
                # the job while a directory is still being closed here.
                directories.seal_all(self._ledger)
            finally:
                with self._lock:
                    self._planning = False
                    if self._state is JobState.PLANNING:
                        self._state = JobState.RUNNING
                self._finish_if_idle()

    def _submit(self, task: Callable, target, size: int) -> None:
        """Run ``task(ledger, target)`` on the pool once a slot is free (so pending tasks stay bounded)."""
        parent = getattr(target, "parent", None)
        while not self._slots.acquire(timeout=0.2):
            if self.cancelled:
                self._ledger.release(target, wrote=False)
                if parent is not None:
                    directories.child_done(self._ledger, parent, ok=False)
                return
        meter = self._ledger.meter
        with self._lock:
            self._outstanding += 1
            meter.files_total += 1
            meter.bytes_total += size or 0
            if self._state is JobState.PLANNING:
                self._state = JobState.RUNNING
        try:
            self._queue._run(self, task, target)
        except RuntimeError:  # the queue was shut down: nothing more will run
            self._slots.release()
            with self._lock:
                self._outstanding -= 1
                meter.files_total -= 1
                meter.bytes_total -= size or 0
            self.cancel()
            self._ledger.release(target, wrote=False)
            if parent is not None:
                directories.child_done(self._ledger, parent, ok=False)

    def _guarded(self, task: Callable, target) -> None:
        try:
            task(self._ledger, target)
        finally:
            with self._lock:  # counted out before its place is free: tasks_made stays within max_pending
                self._outstanding -= 1
                if not self._outstanding:
                    self._idle.notify_all()
            self._slots.release()
            self._finish_if_idle()

    def _drain(self) -> None:
        """Wait (on the planning thread) until every task submitted so far is over, or the job is cancelled."""
        with self._idle:
            while self._outstanding and not self.cancelled:
                self._idle.wait(0.2)

    def _finish_if_idle(self) -> None:
        self._end()

    def _end(self, state: JobState | None = None) -> None:
        """End the job (exactly once) and tell the waiters and the listeners.

        ``state`` None: only if nothing is left to do, in the state that follows from it.
        """
        with self._lock:
            if self._state.finished:
                return
            if state is None:
                if self._planning or self._outstanding:
                    return
                if self.cancelled:
                    state = JobState.CANCELLED
                elif self._ledger.failures:
                    state = JobState.FAILED
                else:
                    state = JobState.DONE
            self._state = state
            self.ended = time.monotonic()
            callbacks, self._callbacks = self._callbacks, []
            kept = self._ledger.journal
            joined, self._joined = self._joined, False
            timer = self._abandon_timer
        if timer is not None:
            timer.cancel()
        if joined:
            self._queue.reservations.leave()
        if kept is not None:
            kept.end(state.value, keep=self._queue.keep_journals and state is not JobState.DONE)
        self._finished.set()
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # a listener's bug must not break the engine
                pass


class JobQueue:
    """Jobs sharing one thread pool of ``workers`` threads, and at most ``workers`` small-file requests in flight.

    The workers make the requests of small files themselves, each holding one of
    the queue's :class:`RequestSlots` (which allow fewer while the server answers
    ``SlowDown``): so ``workers`` bounds them for all of the queue's jobs
    together. Big files go through the managers' multipart machinery, whose
    request threads are the queue's own too (at most 10 parts at a time for all
    of them: ``s3.managed.PARTS_IN_FLIGHT``). Tasks run on as many threads as the slots
    serve (:meth:`_run`), so a thread ending a request takes the next file itself.
    """

    def __init__(self, workers: int = WORKERS, max_pending: int | None = None, reservations: Reservations | None = None,
                 journal: bool = False):
        self.workers = workers
        #: Copy and move jobs keep a journal (jobs/journal.py), so that a crash can be resumed.
        self.journal = journal
        #: A job that ends cancelled or failed keeps its journal (``*.ended``): set once the
        #: app has detached, for the Retry of the next session.
        self.keep_journals = False
        self.slots = RequestSlots(workers)
        self.max_pending = max_pending or workers * 4
        #: Claims on destination paths: by default shared with every queue of the process.
        self.reservations = reservations or RESERVATIONS
        self._executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix="stowtui-job")
        self._lock = threading.Lock()
        self._jobs: list[Job] = []
        # Tasks waiting for a runner (_runner: a pool thread taking them one after another),
        # and how many runners there are; both under _tasks_lock.
        self._tasks: collections.deque = collections.deque()
        self._runners = 0
        self._running: collections.Counter = collections.Counter()  # tasks running, by job
        self._tasks_lock = threading.Lock()
        self._closed = False

    def _run(self, job: Job, task: Callable, target) -> None:
        """Run ``job``'s ``task`` of ``target`` on the pool (``Job._guarded``), after the tasks
        already waiting; RuntimeError once shut down.

        The pool runs as many tasks at once as the request slots can serve (:meth:`_wanted`),
        not one per thread: a task that took a thread only to wait for a slot cost a
        hand-over between threads per file (64 threads taking turns at 8 slots on a
        loopback endpoint: 0.1-0.16 ms of CPU a file more than 8 threads; benchmarks/FIELD.md).
        """
        with self._tasks_lock:
            if self._closed:
                raise RuntimeError("cannot run new tasks after shutdown")
            self._tasks.append((job, task, target))
            start = not self._runners or self._wanted()
            if start:
                self._runners += 1
        if start:
            self._start_runner()

    def _wanted(self) -> bool:
        """Whether another runner should take tasks (with ``_tasks_lock`` held), up to ``workers``:
        while there are fewer runners than slots allowed, or while no runner holds or waits
        for a slot (their work takes none: deletes, local copies, a big file's parts)."""
        slots, runners = self.slots, self._live_runners()
        return self._runners < self.workers and (runners < slots.allowed or not (slots.held or slots.waiting))

    def _live_runners(self) -> int:
        """Runners less those still in a task of a job that has ended (abandoned after a cancel,
        blocked on a silent endpoint): they must not hold up other jobs' tasks."""
        return self._runners - sum(count for job, count in self._running.items() if job.state.finished)

    def _surplus(self) -> bool:
        """Whether there are more runners than wanted (with ``_tasks_lock`` held): taken on while
        none held a slot (the first ones wait for the client to be made), or before the window
        shrank; one more than the slots allowed ends after its task, once runners use slots."""
        slots = self.slots
        return self._live_runners() > slots.allowed and bool(slots.held or slots.waiting)

    def _start_runner(self) -> None:
        try:
            self._executor.submit(self._runner)
        except RuntimeError:  # shutting down: the runners there are take what is queued
            with self._tasks_lock:
                self._runners -= 1

    def _runner(self) -> None:
        """Take the waiting tasks one after another until there are none or this runner is one
        too many (starting another while more are wanted)."""
        while True:
            with self._tasks_lock:
                if not self._tasks or self._surplus():
                    self._runners -= 1
                    return
                job, task, target = self._tasks.popleft()
                self._running[job] += 1
                more = bool(self._tasks) and self._wanted()
                if more:
                    self._runners += 1
            if more:
                self._start_runner()
            try:
                job._guarded(task, target)
            except Exception:  # noqa: BLE001 - a task records its own failures (Job._guarded);
                pass  # like the executor's future nobody read, nothing else would see it
            finally:
                with self._tasks_lock:
                    self._running[job] -= 1
                    if not self._running[job]:
                        del self._running[job]

    @property
    def jobs(self) -> list[Job]:
        with self._lock:
            return list(self._jobs)

    def _start(self, job: Job) -> Job:
        if job.header is not None:
            job._ledger.token = job.header.token
        if self.journal and job.header is not None:
            try:
                job._ledger.journal = journal.Journal(job.header, completed=job._ledger.completed)
            except OSError:
                pass  # no state directory (a read-only home): the job runs, unjournaled
        self.reservations.join()
        job._joined = True
        with self._lock:
            self._jobs.append(job)
        threading.Thread(target=job._run, name=f"stowtui-plan-{job.id}", daemon=True).start()
        return job

    def _into(self, sources: Sequence[Artefact | str], destination_dir: Artefact | str) -> list[Target]:
        manager, folder = location(destination_dir)
        targets = []
        for source in sources:
            source, basename = as_source(source)
            # The name comes from the source: checked by the planner (within=).
            targets.append(Target(source, manager, manager.child(folder, basename), within=folder))
        return targets

    @staticmethod
    def _title(verb: str, sources: Sequence, destination=None) -> str:
        names = [s.abspath if isinstance(s, Artefact) else str(s) for s in sources]
        what = names[0] if len(names) == 1 else f"{len(names)} items"
        where = ""
        if destination is not None:
            where = " to " + (destination.abspath if isinstance(destination, Artefact) else str(destination))
        return redact(f"{verb} {what}{where}")  # a URL's password is never shown

    def copy(self, sources, destination_dir, conflict: str = "skip", ask=None) -> Job:
        """Copy each source into ``destination_dir`` under its own name."""
        return self._copy_or_move("copy", list(sources), destination_dir, conflict, ask)

    def move(self, sources, destination_dir, conflict: str = "skip", ask=None) -> Job:
        """Move each source into ``destination_dir`` under its own name."""
        return self._copy_or_move("move", list(sources), destination_dir, conflict, ask)

    def _copy_or_move(self, kind: str, sources: list, destination_dir, conflict: str, ask) -> Job:
        title = self._title(kind.title(), sources, destination_dir)
        job = Job(self, kind, self._into(sources, destination_dir), conflict, ask, title=title)
        manager, folder = location(destination_dir)
        job.header = journal.Header(kind, [name_of(as_source(s)[0]) for s in sources], manager.url(folder),
                                    conflict, title, into=True, token=journal.new_token())
        return self._start(job)

    def resume(self, record: journal.Record, ask=None) -> Job:
        """Start again a job cut short (a journal of :func:`journal.interrupted`): the files it
        completed are counted done, not sent again and not asked about; its journal goes once
        the new one (which carries them) is written."""
        header = record.header
        if header.kind == "sync":  # planned again from both sides: what it completed is the same there now
            job = self._sync_job(header.sources[0], header.destination, **header.options)
            job._ledger.leftovers = header.token
            job._ledger.open_uploads = dict(record.uploads)
            self._start(job)
            journal.discard(record)
            return job
        if header.into:
            targets = self._into(header.sources, header.destination)
        else:
            manager, path = location(header.destination)
            targets = [Target(as_source(header.sources[0])[0], manager, path)]
        job = Job(self, header.kind, targets, header.policy, ask, title=header.title, merge=header.merge)
        job._ledger.completed = set(record.completed)
        job._ledger.resuming = True
        job._ledger.leftovers = header.token
        job._ledger.open_uploads = dict(record.uploads)
        job.header = dataclasses.replace(header, token=journal.new_token(), created=0.0)
        self._start(job)
        journal.discard(record)
        return job

    def delete(self, sources) -> Job:
        """Delete each source (a directory with everything in it)."""
        sources = list(sources)
        artefacts = [as_source(s)[0] for s in sources]
        return self._start(Job(self, "delete", artefacts, title=self._title("Delete", sources)))

    def transfer(self, source, destination, move: bool = False, overwrite: bool = False,
                 conflict: str = "overwrite", ask=None) -> Job:
        """Copy or move ``source`` so that ``destination`` is its own new path.

        Files in the way are dealt with by ``conflict`` (replaced, by default); a
        non-empty directory in the way is merged into only with ``overwrite=True``.
        """
        artefact, _ = as_source(source)
        manager, path = location(destination)
        verb = "move" if move else "copy"
        title = self._title(verb.title(), [source], destination)
        job = Job(self, verb, [Target(artefact, manager, path)], conflict, ask, title=title, merge=overwrite)
        job.header = journal.Header(verb, [name_of(artefact)], manager.url(path), conflict, title, into=False,
                                    merge=overwrite, token=journal.new_token())
        return self._start(job)

    def sync(self, source, destination, *, delete: bool = False, check_modified_times: bool = True,
             artefact_comparator=None, overwrite: bool = False) -> Job:
        """Make ``destination`` hold what ``source`` holds (see :mod:`.sync`): missing and
        different files are sent; ``delete``: what is only at the destination goes, after them."""
        return self._start(self._sync_job(source, destination, delete=delete,
                                          check_modified_times=check_modified_times,
                                          artefact_comparator=artefact_comparator, overwrite=overwrite))

    def _sync_job(self, source, destination, *, delete: bool = False, check_modified_times: bool = True,
                  artefact_comparator=None, overwrite: bool = False) -> Job:
        from .sync import SyncOptions, SyncPlanner

        if isinstance(source, Artefact):
            artefact = source
        else:  # looked up now (never an earlier call's cached answer), on the caller's thread: a missing source is its error
            source_manager, source_path = location(source)
            artefact = source_manager.artefact(source_path)
        manager, path = location(destination)
        options = SyncOptions(delete, check_modified_times, artefact_comparator, overwrite)
        title = self._title("Sync", [source], destination)
        job = Job(self, "sync", [], "overwrite", title=title,
                  planner=lambda ledger, submit, drain: SyncPlanner(ledger, submit, drain, artefact, manager, path,
                                                                    options))
        job.header = journal.Header("sync", [artefact.abspath], manager.url(path), "overwrite", title, into=False,
                                    merge=overwrite, token=journal.new_token(),
                                    options={"delete": delete, "check_modified_times": check_modified_times,
                                             "overwrite": overwrite})
        return job

    def shutdown(self, cancel: bool = True) -> None:
        if cancel:
            for job in self.jobs:
                job.cancel()
        with self._tasks_lock:
            self._closed = True
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
