"""What a job is about and what it reports.

Public: the conflict ``POLICIES``, :class:`JobState`, the :class:`Progress`
snapshot, :class:`Failure`, :class:`Skipped`, and :class:`Conflict` with its
:class:`Decision`.
Engine-internal: :class:`Target` (one thing to transfer) and the helpers that
turn the caller's sources and destinations (artefacts, URLs or local paths)
into manager locations (``stowtui.managers.location``, no I/O), or into
artefacts later, on the planner's thread.
"""

from __future__ import annotations

import dataclasses
import enum
import os
from typing import Iterator

from ..managers import Artefact, Directory, Manager, exceptions, location
from ..managers.transfer import SourceState


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
    planning: bool = True  # the total is still growing (the sources are not all listed yet)
    #: The files of the sources, once all are listed (see jobs/survey.py); None before.
    files_planned: int | None = None

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
class Skipped:
    """One source left where it is on purpose, and why (a sentence for people):
    a special file ("named pipe, not copied"), or a file that appeared at its
    destination while it was being written (not replaced)."""

    source: str
    destination: str | None
    reason: str


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
class Target:
    """One thing to transfer: a source artefact and the path it is to have."""

    source: Artefact | str  # a URL is looked up by the planner, not by the caller
    manager: Manager
    path: str
    #: The source directory it was found in, when that directory is to be
    #: closed (moved) once all its children are through.
    parent: DirState | None = None
    #: A retry: a complete copy already at ``path`` is this job's own.
    resume: bool = False
    #: The copy is known to be at ``path`` already: verify, then delete (move).
    written: bool = False
    #: Moved by a rename: nothing to verify or delete.
    renamed: bool = False
    #: The destination path this job claimed (a full URL; see reservations.py),
    #: released by the task once it is over.
    claim: str | None = None
    #: Never replace a file at ``path``: it was free when checked, and the
    #: policy is not "overwrite" (a file that appears meanwhile is kept).
    no_replace: bool = False
    #: The file at ``path`` that the planner decided to replace, as it was when it was
    #: compared (``transfer.SourceState`` of the listing: S3 size and ETag; local and SFTP
    #: size, mtime_ns, inode where known): the write replaces only that. None: nothing to
    #: compare (``no_replace``, or "overwrite" with nothing listed).
    replaces: SourceState | None = None
    #: The conflict policy that decided to write it ("overwrite", "newer", "different";
    #: None for the others): when the destination turns out to have changed since it was
    #: compared, the task decides again by it (``tasks.wins``) from a fresh look.
    policy: str | None = None
    #: The destination directory that the name of ``source`` is written into
    #: (when that name comes from the source, not from the caller): nothing
    #: below it may be written outside it.
    within: str | None = None


def name_of(source: Artefact | str) -> str:
    """The full location of a source, looked up or not."""
    return source.abspath if isinstance(source, Artefact) else source


def as_source(source: Artefact | str | os.PathLike) -> tuple[Artefact | str, str]:
    """(the artefact, or its full URL to look up later; its basename), with no I/O."""
    if isinstance(source, Artefact):
        return source, source.basename
    manager, path = location(source)
    return manager.url(path), manager.basename(path)


def looked_up(source: str) -> tuple[Artefact, Iterator[Artefact] | None]:
    """The artefact a source URL names, and the walk of it where finding it listed that
    already (``Manager.look_up_source``; now: call it off the caller's thread)."""
    manager, path = location(source)
    return manager.look_up_source(path)


def as_artefact(source: Artefact | str) -> Artefact:
    """The artefact a source names (a URL is looked up now: call it off the caller's thread)."""
    if isinstance(source, Artefact):
        return source
    manager, path = location(source)
    return manager.artefact(path, cached=True)  # a hit this job (or the view) listed; a miss asks


@dataclasses.dataclass
class DirState:
    """A source directory being walked: how many of its children are still pending."""

    source: Directory
    manager: Manager  # of the target
    target: str
    parent: "DirState | None"
    children: int = 0
    pending: int = 0
    failed: bool = False
    sealed: bool = False
    finished: bool = False
    #: Rebuilt by a retry: other things the first job left (skipped files)
    #: may still be in it, so it is removed only if a listing finds it empty.
    residual: bool = False
    #: The destination directory nothing below ``target`` may be written outside.
    within: str | None = None
    #: Its name leads outside the destination: nothing is written for it or
    #: below it (each file below is a failure), and it stays at the source.
    refused: exceptions.UnsafePath | None = None
