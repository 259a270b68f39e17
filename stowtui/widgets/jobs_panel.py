"""The jobs panel: every job with a progress bar, counts, rate and ETA; cancel or retry, by mouse or keys.

Jobs run on the engine's threads (stowtui/jobs/). Their end comes back as
one message, :class:`JobsPanel.JobFinished`, posted from the job's done
callback; their progress is a cheap snapshot that the panel reads four times a
second (a callback per chunk of every file would flood the event loop).

Progress is told as it is known: while the planner is still walking the
sources the row says how much it has found ("≥ 1,209 files so far"), and
once the total is known (the sources are listed ahead of the transfers, see
jobs/survey.py) "N/total files", a percentage and an ETA; a finished row says
what became of the files (done, skipped, failed), a job cut short against its
total ("cancelled: 1,143 of 3,000 files").
"""

from __future__ import annotations

from dataclasses import dataclass

from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Button, ProgressBar, Static

from ..jobs import Job, JobState, Progress
from ..text import count, duration, human_size, visible

#: Starts the same job again (a cancelled job has no failures for ``Job.retry`` to take up).
Rerun = Callable[[], "Job | None"]


def _outcome(job: Job, progress: Progress) -> list[str]:
    """What became of the files of a finished job: done, skipped, failed."""
    total = max(progress.files_total, progress.files_planned or 0)
    found = f"{total:,}{'+' if progress.planning else ''}"
    if total or progress.planning:
        # A job cut short counts against what it was to do: "cancelled: 1,143 of 3,000 files".
        of = " of " if job.state is not JobState.DONE else "/"
        parts = [f"{job.state.value}: {progress.files_done:,}{of}{found} files"]
    else:
        verb = {"move": "moved", "delete": "deleted"}.get(getattr(job, "kind", ""), "copied")
        parts = [f"{job.state.value}: no files {verb}" if progress.files_skipped else job.state.value]
    if progress.bytes_done:
        parts.append(human_size(progress.bytes_done))
    if progress.files_skipped:
        parts.append(f"{progress.files_skipped:,} skipped")
    if progress.files_failed:
        parts.append(f"{progress.files_failed:,} failed")  # why: the row's next line (``failure_reasons``)
    return parts


def failure_reasons(job: Job, most: int = 2) -> Text:
    """Why a finished job's files failed, whole (the row wraps it): the first reasons (they name
    what failed), then how many more there are."""
    failures = job.failures
    lines = [f"⚠ {visible(f.reason)}" for f in failures[:most]]
    if len(failures) > most:
        lines.append(f"… and {len(failures) - most:,} more (r retries them)")
    return Text("\n".join(lines), style="red")


def describe(job: Job) -> Text:
    """One line: what is known of a job's progress, or its outcome."""
    progress = job.progress
    if job.state.finished:
        parts = _outcome(job, progress)
    elif progress.planning:
        # The total is still growing: no percentage, no ETA, only what has been found.
        parts = [f"≥ {count(progress.files_total, 'file')} so far, {human_size(progress.bytes_total)}"]
        if progress.files_done:
            parts.append(f"{progress.files_done:,} done")
    else:
        parts = [f"{progress.files_done:,}/{progress.files_total:,} files"]
        if progress.bytes_total:
            parts.append(f"{human_size(progress.bytes_done)}/{human_size(progress.bytes_total)}")
        if progress.rate:
            parts.append(f"{human_size(progress.rate)}/s")
        parts.append(f"ETA {duration(progress.eta)}")
    if not job.state.finished and progress.files_skipped:
        parts.append(f"{progress.files_skipped:,} skipped")
    if not job.state.finished and progress.files_failed:
        parts.append(f"{progress.files_failed:,} failed")
    return Text("  ".join(parts), no_wrap=True, overflow="ellipsis")


def summary(jobs: list[Job]) -> str:
    """One line for the footer area when the panel is closed: ``1 job running · 43 %``."""
    running = [job for job in jobs if not job.state.finished]
    if not running:
        return ""
    progresses = [job.progress for job in running]
    line = f"{count(len(running), 'job')} running"
    if any(p.planning for p in progresses):
        return line + f" · ≥ {count(sum(p.files_total for p in progresses), 'file')} so far"
    total = sum(p.bytes_total for p in progresses)
    fraction = (sum(p.bytes_done for p in progresses) / total) if total else (
        sum(p.fraction for p in progresses) / len(progresses))
    return line + f" · {int(min(fraction, 1.0) * 100 + 0.5)} %"  # rounded as the progress bars are


class JobRow(Vertical):
    """One job: its title, then a progress bar, the numbers and its buttons."""

    def __init__(self, job: Job, rerun: Rerun | None = None):
        super().__init__(classes="job-row", id=f"job-{job.id}")
        self.job = job
        self.rerun = rerun

    def compose(self) -> ComposeResult:
        yield Static(Text(visible(self.job.title), no_wrap=True, overflow="ellipsis"), classes="job-title")
        with Horizontal(classes="job-line"):
            planning = self.job.progress.planning  # as update_from_job has it, from the first frame
            yield ProgressBar(total=None if planning else 1.0, show_eta=False,
                              classes="job-bar planning" if planning else "job-bar")
            yield Static(describe(self.job), classes="job-stats")
            # Not focusable: the keyboard reaches them through the panel (x, r), the mouse by a click.
            for label, classes in (("Cancel", "job-cancel"), ("Retry", "job-retry hidden")):
                button = Button(label, classes=classes, compact=True)
                button.can_focus = False
                yield button
        yield Static(classes="job-reasons hidden", markup=False)  # a failed job's reasons, wrapped

    def on_mount(self) -> None:
        self.update_from_job()

    @property
    def can_retry(self) -> bool:
        job = self.job
        return job.state is JobState.CANCELLED and (self.rerun is not None or hasattr(job, "rerun")) or (
            job.state.finished and bool(job.failures))

    def update_from_job(self) -> None:
        job = self.job
        bars = self.query(ProgressBar)
        if not bars:  # mounted but not composed yet (a job that ends at once): the next poll updates it
            return
        progress = job.progress
        finished = job.state.finished
        bar = bars.first()
        # A finished row gives its bar's room to the outcome; a percentage only once the total is known.
        bar.set_class(finished, "hidden")
        bar.set_class(progress.planning, "planning")  # (its percentage hidden: see app.tcss)
        if progress.planning:
            bar.update(total=None)  # no percentage yet: the bar only says something is happening
        else:
            bar.update(total=1.0, progress=progress.fraction)
        self.query_one(".job-stats", Static).update(describe(job))
        failures = job.failures if finished else []
        reasons = self.query_one(".job-reasons", Static)
        if failures:
            reasons.update(failure_reasons(job))
            if reasons.has_class("hidden"):  # just failed: its reasons scrolled into view, once
                self.call_after_refresh(reasons.scroll_visible, animate=False)
        reasons.set_class(not failures, "hidden")
        self.query_one(".job-cancel", Button).set_class(finished, "hidden")
        self.query_one(".job-retry", Button).set_class(not self.can_retry, "hidden")
        self.set_class(job.state is JobState.FAILED, "failed")
        self.set_class(job.state is JobState.DONE, "done")


class JobsPanel(VerticalScroll):
    """All jobs of the session, newest last. Polls each job's cheap progress snapshot.

    With the keyboard focus (``J`` on the main screen), Up/Down choose a job, ``x`` cancels
    it and ``r`` retries it; Escape or Tab goes back to the panes.
    """

    BINDINGS = [
        Binding("up,k", "move(-1)", "Previous job", show=False),
        Binding("down,j", "move(1)", "Next job", show=False),
        Binding("x,delete", "cancel_job", "Cancel job", key_display="x"),
        Binding("r", "retry_job", "Retry job", key_display="r"),
        Binding("escape,tab", "leave", "Back to panes", key_display="Esc"),
    ]

    @dataclass
    class JobFinished(Message):
        """A job ended (done, failed or cancelled): posted from the engine's thread, bubbles to the screen."""

        job: Job

    class Left(Message):
        """Escape or Tab: the keyboard goes back to the panes."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.border_title = "Jobs"
        self.current = -1  # the row the keys act on

    def on_mount(self) -> None:
        self.set_interval(0.25, self.update_rows)

    @property
    def rows(self) -> list[JobRow]:
        return list(self.query(JobRow))

    @property
    def jobs(self) -> list[Job]:
        return [row.job for row in self.rows]

    def add_job(self, job: Job, rerun: Rerun | None = None) -> None:
        """Show a job, and say when it ends (the one bridge from the engine's threads)."""
        self.mount(JobRow(job, rerun))
        self.scroll_end(animate=False)
        job.add_done_callback(lambda finished: self.post_message(self.JobFinished(finished)))
        self.call_after_refresh(self._select, len(self.rows) - 1)

    def update_rows(self) -> None:
        for row in self.rows:
            if not row.has_class("done") or not row.job.state.finished:
                row.update_from_job()

    @on(JobFinished)
    def _finished(self) -> None:
        self.update_rows()

    # Keys ----------------------------------------------------------------

    def current_row(self) -> JobRow | None:
        rows = self.rows
        return rows[self.current] if 0 <= self.current < len(rows) else None

    def _select(self, index: int) -> None:
        rows = self.rows
        if not rows:
            return
        self.current = max(0, min(index, len(rows) - 1))
        for number, row in enumerate(rows):
            row.set_class(number == self.current, "-current")
        rows[self.current].scroll_visible(animate=False)

    def action_move(self, step: int) -> None:
        self._select(self.current + step)

    def action_cancel_job(self) -> None:
        row = self.current_row()
        if row is None:
            self.notify("No job to cancel", severity="warning", timeout=3)
        elif row.job.state.finished:
            self.notify(f"That job has already {_ended(row.job)}", severity="warning", timeout=3)
        else:
            self.cancel(row)

    def action_retry_job(self) -> None:
        row = self.current_row()
        if row is None:
            self.notify("No job to retry", severity="warning", timeout=3)
        elif not row.job.state.finished:
            self.notify("That job is still running", severity="warning", timeout=3)
        elif not row.can_retry:
            self.notify("Nothing to retry: that job is done", severity="warning", timeout=3)
        else:
            self.retry(row)

    def action_leave(self) -> None:
        self.post_message(self.Left())

    # Mouse and keys --------------------------------------------------------

    def cancel(self, row: JobRow) -> None:
        row.job.cancel()
        row.update_from_job()

    def retry(self, row: JobRow) -> None:
        job = row.job
        if job.state is JobState.CANCELLED and hasattr(job, "rerun"):
            # The same job again, skipping (without a question) what it completed.
            again = job.rerun()
            if again is not None:
                self.add_job(again, row.rerun)
            else:
                self.notify("That job cannot be started again", severity="warning", timeout=3)
            return
        if job.state is JobState.CANCELLED and row.rerun is not None:
            row.rerun()  # starts the job again (and adds its row through the screen)
            return
        again = job.retry()
        if again is not None:
            self.add_job(again, row.rerun)

    @on(Button.Pressed, ".job-cancel")
    def _cancel(self, event: Button.Pressed) -> None:
        self.cancel(event.button.query_ancestor(JobRow))

    @on(Button.Pressed, ".job-retry")
    def _retry(self, event: Button.Pressed) -> None:
        self.retry(event.button.query_ancestor(JobRow))


def _ended(job: Job) -> str:
    return {JobState.DONE: "finished", JobState.FAILED: "failed"}.get(job.state, "been cancelled")
