"""Detached runs: the per-user registry of processes that went on with their jobs
after their terminal went away (see :mod:`stowtui.detach`). No Textual here.

Each detached process keeps one file, ``<pid>.json``, in
``$XDG_RUNTIME_DIR/stowtui/`` (or ``$XDG_STATE_HOME/stowtui/runs/`` where there is
no runtime directory): its jobs, their counts and failures, rewritten (a new
file renamed over the old one) as they progress, and marked ``ended`` once the
last job is over. The directory is the user's own, mode 0700: a directory of
another owner is refused, so two users never see each other's jobs.

The next ``stowtui`` of the user reads them (:func:`read_runs`): a run still
going is followed through its file (:class:`RemoteJob`, cancelled through a
``<pid>.cancel`` file the detached process reads); an ended one is shown once
and its file removed.
"""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path
from typing import Callable

from .jobs.model import Failure, JobState, Progress

#: How often a detached process rewrites its file, and how often a follower reads it (seconds).
INTERVAL = 0.25


def state_home() -> Path:
    """``$XDG_STATE_HOME/stowtui`` (``~/.local/state/stowtui`` by default)."""
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "stowtui"


def private_dir(path: Path) -> Path:
    """``path``, made if missing: a directory of ours, mode 0700 (another owner's is refused)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise PermissionError(f"{path} is not a directory of yours; stowtui keeps its jobs elsewhere or not at all")
    if stat.S_IMODE(info.st_mode) != 0o700:
        os.chmod(path, 0o700)
    return path


def runs_dir() -> Path:
    """The user's directory of detached runs (made, 0700)."""
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    return private_dir(Path(runtime) / "stowtui" if runtime else state_home() / "runs")


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step (a new file, mode 0600, renamed over it)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(temporary, path)


def job_record(job) -> dict:
    """What a follower needs to show one job: its title, state, counts and first failures."""
    progress = job.progress
    return {
        "id": job.id, "title": job.title, "kind": job.kind, "state": job.state.value,
        "files_done": progress.files_done, "files_total": progress.files_total,
        "files_failed": progress.files_failed, "files_skipped": progress.files_skipped,
        "bytes_done": progress.bytes_done, "bytes_total": progress.bytes_total,
        "rate": progress.rate, "eta": progress.eta, "planning": progress.planning,
        "failures": [{"source": f.source, "destination": f.destination, "reason": f.reason}
                     for f in job.failures[:20]],
        "journal": getattr(job, "journal_path", None),
    }


class RunFile:
    """The file a detached process keeps about its jobs."""

    def __init__(self, directory: Path | None = None, pid: int | None = None):
        self.directory = directory or runs_dir()
        self.pid = pid or os.getpid()
        self.path = self.directory / f"{self.pid}.json"
        self.cancel_path = self.directory / f"{self.pid}.cancel"
        self.started = time.time()

    def write(self, jobs: list, ended: bool = False) -> None:
        record = {"pid": self.pid, "uid": os.getuid(), "started": self.started, "updated": time.time(),
                  "ended": ended, "jobs": [job_record(job) for job in jobs]}
        write_private(self.path, json.dumps(record).encode())

    def cancelled(self) -> set[int]:
        """Job ids a follower asked to cancel (the request is taken: the file goes)."""
        try:
            text = self.cancel_path.read_text()
        except OSError:
            return set()
        self.cancel_path.unlink(missing_ok=True)
        return {int(word) for word in text.split() if word.isdigit()}


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Run:
    """A detached run as a follower sees it: read again at most every :data:`INTERVAL`."""

    def __init__(self, path: Path, record: dict):
        self.path = path
        self.record = record
        self.pid = int(record["pid"])
        self._read = time.monotonic()
        self.lost = False  # the process is gone without saying its jobs ended

    @property
    def ended(self) -> bool:
        return bool(self.record.get("ended")) or self.lost

    def refresh(self) -> dict:
        if self.ended or time.monotonic() - self._read < INTERVAL:
            return self.record
        self._read = time.monotonic()
        try:
            self.record = json.loads(self.path.read_bytes())
        except (OSError, ValueError):
            if not alive(self.pid):
                self.lost = True
        else:
            if not self.record.get("ended") and not alive(self.pid):
                self.lost = True
        return self.record

    def job(self, number: int) -> dict:
        for record in self.refresh().get("jobs", []):
            if record.get("id") == number:
                return record
        return {}

    def cancel(self, number: int) -> None:
        with open(self.path.with_name(f"{self.pid}.cancel"), "a") as control:
            control.write(f"{number}\n")

    def forget(self) -> None:
        """The run was shown ended: its file goes (the next start does not show it again)."""
        self.path.unlink(missing_ok=True)


class RemoteJob:
    """A job of a detached run, shown in the jobs panel as a job of this session is.

    Cancel works (through the run's control file); Retry of one that ended
    cancelled or failed starts it again in this session from the journal it kept.
    """

    def __init__(self, run: Run, record: dict, resume: Callable | None = None):
        self.run = run
        #: ``resume(journal record)``: starts the job again here (JobQueue.resume), for Retry.
        self._resume = resume
        self.number = int(record["id"])
        self.id = f"{run.pid}-{self.number}"
        self.kind = str(record.get("kind", "copy"))
        self.title = str(record.get("title", self.kind))
        self._callbacks: list[Callable] = []
        self._told = False

    def _record(self) -> dict:
        return self.run.job(self.number)

    @property
    def state(self) -> JobState:
        record = self._record()
        try:
            state = JobState(record.get("state", "failed"))
        except ValueError:
            state = JobState.FAILED
        if not state.finished and self.run.ended:
            state = JobState.FAILED  # the process went away before its job ended
        if state.finished and not self._told:
            self._told = True
            callbacks, self._callbacks = self._callbacks, []
            for callback in callbacks:
                callback(self)
        return state

    @property
    def progress(self) -> Progress:
        record = self._record()
        finished = self.state.finished
        return Progress(
            files_done=int(record.get("files_done", 0)), files_total=int(record.get("files_total", 0)),
            files_failed=int(record.get("files_failed", 0)), files_skipped=int(record.get("files_skipped", 0)),
            bytes_done=int(record.get("bytes_done", 0)), bytes_total=int(record.get("bytes_total", 0)),
            rate=float(record.get("rate") or 0.0), eta=0.0 if finished else record.get("eta"),
            planning=bool(record.get("planning")) and not finished,
        )

    @property
    def failures(self) -> list[Failure]:
        found = [Failure(str(f.get("source")), f.get("destination"), str(f.get("reason")))
                 for f in self._record().get("failures", [])]
        if not found and self.state is JobState.FAILED and not JobState(self._record().get("state", "failed")).finished:
            found = [Failure(self.title, None, "the process running it ended before the job did")]
        return found

    @property
    def skipped(self) -> list:
        return []

    @property
    def touched(self) -> set[str]:
        return set()

    @property
    def cancelled(self) -> bool:
        return self.state is JobState.CANCELLED

    def cancel(self) -> None:
        if not self.state.finished:
            self.run.cancel(self.number)

    def journal(self):
        """The journal the detached job kept when it did not finish (None: none to retry from)."""
        from .jobs import journal

        path = self._record().get("journal")
        if not path or self.state is JobState.DONE or not path.endswith(journal.ENDED):
            return None
        try:
            return journal.read(Path(path))
        except (OSError, ValueError, TypeError):
            return None

    def retry(self):
        """Start the job again in this session from its journal: what it completed is skipped."""
        record = self.journal()
        if record is None or self._resume is None:
            return None
        return self._resume(record)

    rerun = retry

    def discard(self) -> None:
        """Forget the journal kept for a Retry (the session ends without one)."""
        record = self.journal()
        if record is not None:
            record.path.unlink(missing_ok=True)

    def add_done_callback(self, callback: Callable) -> None:
        if self._told:
            callback(self)
        else:
            self._callbacks.append(callback)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self.state.finished:
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(INTERVAL)
        return True

    def __repr__(self) -> str:
        return f"<RemoteJob {self.id} {self.kind}>"


def read_runs(directory: Path | None = None) -> list[Run]:
    """The user's detached runs, other than this process's own; unreadable files are dropped."""
    directory = directory or runs_dir()
    found = []
    for path in sorted(directory.glob("*.json")):
        try:
            record = json.loads(path.read_bytes())
            pid = int(record["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            path.unlink(missing_ok=True)
            continue
        if pid == os.getpid():
            continue
        run = Run(path, record)
        if not run.record.get("ended") and not alive(pid):
            run.lost = True
        found.append(run)
    return found
