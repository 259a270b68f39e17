"""The ledger: what one job's planner, tasks and directories share.

One lock guards it all (the meter, the failures, the directory states); the
:class:`~stowtui.jobs.queue.Job` reads it for its public view.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Iterator

from ..managers import Artefact, Manager, exceptions
from ..managers.redact import redact
from ..managers.transfer import RequestSlots
from .journal import Journal, key
from .model import DirState, Failure, Skipped, Target
from .progress import Meter
from .reservations import RESERVATIONS, Reservations



class Ledger:
    """The shared record of one copy, move or delete job."""

    def __init__(
        self, kind: str, conflict: str = "skip", reservations: Reservations | None = None,
        slots: RequestSlots | None = None,
    ) -> None:
        self.kind = kind  # "copy", "move" or "delete"
        #: The queue's request slots: its tasks' requests, small and big, count against them.
        self.slots = slots
        self.conflict = conflict
        #: The claims on destination paths (shared with every other job).
        self.reservations = reservations or RESERVATIONS
        self.lock = threading.RLock()
        self.cancel = threading.Event()
        self.meter = Meter()
        self.failures: list[Failure] = []
        #: What a retry is to do again: targets (or, for a delete, artefacts or URLs).
        self.failed_targets: list[Target | Artefact | str] = []
        #: Sources left where they are on purpose, with the reason.
        self.skipped: list[Skipped] = []
        #: The job was reported over while work of it was still blocked (see
        #: Job.cancel): what that work ends with is no longer recorded.
        self.abandoned = False
        #: Directory URLs this job changed (for views to refresh).
        self.touched: set[str] = set()
        #: Source directories being walked, parents before their children.
        self.directories: list[DirState] = []
        #: Files this job (or the job it reruns or resumes) completed: journal keys of their source URLs.
        self.completed: set[int] = set()
        #: A rerun or resume: a complete copy at a destination is this job's own (no question asked).
        self.resuming = False
        #: The durable record of the job (journal.py), if it keeps one.
        self.journal: Journal | None = None
        #: In the names of this job's temporary files; a resume removes those of ``leftovers``' token.
        self.token = ""
        self.leftovers = ""
        #: A resumed job: the multipart uploads its first run left open (URLs by upload id).
        self.open_uploads: dict[str, str] = {}

    @property
    def cancelled(self) -> bool:
        return self.cancel.is_set()

    def fail(self, source: str, destination: str | None, error: BaseException, target=None) -> None:
        """Record that ``source`` did not make it; ``target`` is what a retry does again."""
        reason = redact(str(error) if isinstance(error, exceptions.StowError) else f"{type(error).__name__}: {error}")
        with self.lock:
            if self.abandoned:
                return
            self.failures.append(Failure(source, destination, reason, error))
            self.meter.files_failed += 1
            if target is not None:
                self.failed_targets.append(target)

    def skip(self, source: str, destination: str | None, reason: str) -> None:
        """Record that ``source`` was left where it is on purpose, and why."""
        with self.lock:
            self.skipped.append(Skipped(source, destination, redact(reason)))
            self.meter.files_skipped += 1

    def release(self, target, wrote: bool = True) -> None:
        """Give back the claim on a target's destination path (if it has one)."""
        claim = getattr(target, "claim", None)
        if claim is not None:
            self.reservations.release(claim, self, wrote)

    def complete(self, source: str) -> None:
        """The file at ``source`` (a URL) is through: recorded in memory and in the journal."""
        with self.lock:
            self.completed.add(key(source))
        if self.journal is not None:
            self.journal.done(source)

    def was_completed(self, source: str) -> bool:
        """Whether this job (or the one it reruns or resumes) completed the file at ``source``."""
        return bool(self.completed) and key(source) in self.completed

    def touch(self, manager: Manager, path: str) -> None:
        """The directory holding ``path`` changed."""
        with self.lock:
            self.touched.add(manager.url(manager.dirname(path)))

    @contextlib.contextmanager
    def working_on(self, name: str) -> Iterator[None]:
        """Show ``name`` among what is moving now, for as long as the block runs."""
        slot = threading.get_ident()
        with self.lock:
            self.meter.current[slot] = name
        try:
            yield
        finally:
            with self.lock:
                self.meter.current.pop(slot, None)
