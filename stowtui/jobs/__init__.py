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

The modules, in the order a copy goes through them:

* :mod:`.queue` — ``JobQueue`` and ``Job``: starting jobs, bounding the tasks
  in flight, deciding when a job is over;
* :mod:`.planner` — ``Planner``: walking sources, conflicts, destination
  listings and directories, submitting tasks; names that would lead out of
  the destination are refused, special files skipped;
* :mod:`.reservations` — destination paths claimed for the job writing them,
  so that overlapping jobs never write one path at once;
* :mod:`.tasks` — one file copied or moved (put, verify, delete) or one
  artefact deleted; every byte goes through ``tasks.transfer``;
* :mod:`.directories` — when a source directory may be closed (sealing);
* :mod:`.ledger` and :mod:`.progress` — the state a job's parts share, and
  its counts, rate and ETA;
* :mod:`.model` — states, progress snapshots, failures, conflicts, policies.

The engine uses only the public API of ``stowtui.managers``.
"""

from .model import POLICIES, Conflict, Decision, Failure, JobState, Progress, Skipped
from .queue import Job, JobQueue, default_queue

__all__ = [
    "POLICIES", "Conflict", "Decision", "Failure", "Job", "JobQueue", "JobState", "Progress", "Skipped",
    "default_queue",
]
