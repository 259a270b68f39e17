"""The jobs panel: every job with a progress bar, counts, rate and ETA; cancel or retry.

Jobs run on the engine's threads (stowtui/jobs.py). Their end comes back as
one message, :class:`JobsPanel.JobFinished`, posted from the job's done
callback; their progress is a cheap snapshot that the panel reads four times a
second (a callback per chunk of every file would flood the event loop).
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static

from ..jobs import Job, JobState
from ..text import duration, human_size, visible


def describe(job: Job) -> Text:
    """One line: files and bytes done of total, rate and ETA, or the outcome and first failure."""
    progress = job.progress
    parts = [f"{progress.files_done:,}/{progress.files_total:,}{'+' if progress.planning else ''} files"]
    if progress.bytes_total:
        parts.append(f"{human_size(progress.bytes_done, 'B')}/{human_size(progress.bytes_total, 'B')}")
    if not job.state.finished:
        parts.append(f"{human_size(progress.rate, 'B')}/s" if progress.rate else "")
        parts.append(f"ETA {duration(progress.eta)}")
    elif not progress.files_failed:
        parts.append(job.state.value)
    if progress.files_skipped:
        parts.append(f"{progress.files_skipped} skipped")
    if progress.files_failed:
        failures = job.failures
        reason = visible(failures[0].reason) if failures else ""
        parts.append(f"{progress.files_failed} failed: {reason}")
    return Text("  ".join(p for p in parts if p), no_wrap=True, overflow="ellipsis")


class JobRow(Vertical):
    """One job: its title, then a progress bar, the numbers and its buttons."""

    def __init__(self, job: Job):
        super().__init__(classes="job-row", id=f"job-{job.id}")
        self.job = job

    def compose(self) -> ComposeResult:
        yield Static(Text(visible(self.job.title), no_wrap=True, overflow="ellipsis"), classes="job-title")
        with Horizontal(classes="job-line"):
            yield ProgressBar(total=1.0, show_eta=False, classes="job-bar")
            yield Static(describe(self.job), classes="job-stats")
            yield Button("Cancel", classes="job-cancel", compact=True)
            yield Button("Retry", classes="job-retry hidden", compact=True)

    def update_from_job(self) -> None:
        job = self.job
        bars = self.query(ProgressBar)
        if not bars:  # mounted but not composed yet (a job that ends at once): the next poll updates it
            return
        bars.first().update(progress=job.progress.fraction)
        self.query_one(".job-stats", Static).update(describe(job))
        finished = job.state.finished
        self.query_one(".job-cancel", Button).set_class(finished, "hidden")
        self.query_one(".job-retry", Button).set_class(not (finished and job.failures), "hidden")
        self.set_class(job.state is JobState.FAILED, "failed")
        self.set_class(job.state is JobState.DONE, "done")


class JobsPanel(VerticalScroll):
    """All jobs of the session, newest last. Polls each job's cheap progress snapshot."""

    class JobFinished(Message):
        """A job ended (done, failed or cancelled): posted from the engine's thread, bubbles to the screen."""

        def __init__(self, job: Job):
            super().__init__()
            self.job = job

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.border_title = "Jobs"

    def on_mount(self) -> None:
        self.set_interval(0.25, self.update_rows)

    def add_job(self, job: Job) -> None:
        """Show a job, and say when it ends (the one bridge from the engine's threads)."""
        self.mount(JobRow(job))
        self.scroll_end(animate=False)
        job.add_done_callback(lambda finished: self.post_message(self.JobFinished(finished)))

    def update_rows(self) -> None:
        for row in self.query(JobRow):
            if not row.has_class("done") or not row.job.state.finished:
                row.update_from_job()

    @on(JobFinished)
    def _finished(self) -> None:
        self.update_rows()

    @on(Button.Pressed, ".job-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        row = event.button.query_ancestor(JobRow)
        row.job.cancel()
        row.update_from_job()

    @on(Button.Pressed, ".job-retry")
    def _retry(self, event: Button.Pressed) -> None:
        job = event.button.query_ancestor(JobRow).job.retry()
        if job is not None:
            self.add_job(job)
