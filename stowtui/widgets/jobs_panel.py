"""The jobs panel: every job with a progress bar, counts, rate and ETA; cancel or retry."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static

from ..jobs import Job, JobState
from ..text import duration, human_size, visible


def _bytes(count: float) -> str:
    shown = human_size(count)
    return shown + "B" if shown.isdigit() else shown


def describe(job: Job) -> Text:
    """One line: files and bytes done of total, rate and ETA, or the outcome and first failure."""
    progress = job.progress
    parts = [f"{progress.files_done:,}/{progress.files_total:,}{'+' if progress.planning else ''} files"]
    if progress.bytes_total:
        parts.append(f"{_bytes(progress.bytes_done)}/{_bytes(progress.bytes_total)}")
    if not job.state.finished:
        parts.append(f"{_bytes(progress.rate)}/s" if progress.rate else "")
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

    class RetryStarted(Message):
        def __init__(self, job: Job):
            super().__init__()
            self.job = job

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.border_title = "Jobs"

    def on_mount(self) -> None:
        self.set_interval(0.25, self.update_rows)

    def add_job(self, job: Job) -> None:
        self.mount(JobRow(job))
        self.scroll_end(animate=False)

    def update_rows(self) -> None:
        for row in self.query(JobRow):
            if not row.has_class("done") or not row.job.state.finished:
                row.update_from_job()

    @on(Button.Pressed, ".job-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        row = next((a for a in event.button.ancestors if isinstance(a, JobRow)), None)
        if row is not None:
            row.job.cancel()
            row.update_from_job()

    @on(Button.Pressed, ".job-retry")
    def _retry(self, event: Button.Pressed) -> None:
        row = next((a for a in event.button.ancestors if isinstance(a, JobRow)), None)
        if row is not None:
            job = row.job.retry()
            if job is not None:
                self.post_message(self.RetryStarted(job))
