"""Jobs the way an mc user over SSH expects them: quitting asks while jobs run,
the keyboard reaches the jobs panel, progress says only what is known, the focus stays on a pane."""

from __future__ import annotations

import pytest
from textual.widgets import Button

from stowtui.app import StowApp
from stowtui.jobs import Failure, JobState, Progress
from stowtui.screens.dialogs import ConfirmDialog, TransferDialog
from stowtui.screens.help import HelpScreen
from stowtui.widgets.jobs_panel import JobRow, describe, failure_reasons, summary
from uikit import (
    ready,
    screen_text,
    select,
    toasts_text,
    unwrapped,
    wait_for,
    wait_jobs_done,
    widget_text,
)

SIZE = (80, 24)


@pytest.fixture
def two_dirs(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "big.bin").write_bytes(b"x" * 4096)
    (left / "small.txt").write_bytes(b"small\n")
    (right / "theirs.txt").write_bytes(b"theirs\n")
    return left, right


async def copy_with_f5(pilot, screen, name: str):
    await select(pilot, screen.left, name)
    await pilot.press("f5")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, TransferDialog), "the copy dialog")
    await pilot.press("enter")  # the Copy button has the focus
    await wait_for(pilot, lambda: pilot.app.screen is screen, "the dialog to close")


# 1. Quitting with running jobs ------------------------------------------------


async def test_quitting_while_a_job_runs_asks_and_staying_is_the_default(two_dirs, gated_transfers):
    gate, started = gated_transfers
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await copy_with_f5(pilot, screen, "big.bin")
        await wait_for(pilot, started.is_set, "the transfer to start")
        await pilot.press("q")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen, "the question")
        assert "1 job running — quit and cancel them?" in unwrapped(dialog)
        assert isinstance(dialog.focused, Button) and str(dialog.focused.label) == "Stay"
        await pilot.press("enter")  # the default: stay
        await wait_for(pilot, lambda: app.screen is screen, "the question to close")
        assert app.is_running and not app.jobs.jobs[0].state.finished
        await pilot.press("f10")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen, "the question")
        await pilot.press("escape")  # Escape stays too
        await wait_for(pilot, lambda: app.screen is screen, "the question to close")
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the question")
        await pilot.press("right", "enter")  # Right moves to Quit
    job = app.jobs.jobs[0]
    assert job.wait(5) and job.state is JobState.CANCELLED
    assert not (right / "big.bin").exists()  # nothing half-written


async def test_quitting_with_no_job_running_does_not_ask(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to quit")
    assert not app.is_running  # quit at once: no question was put


# 2. Focus ---------------------------------------------------------------------


async def test_after_a_click_in_the_jobs_panel_f5_copies_from_the_highlighted_pane(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "theirs.txt")
        await pilot.press("w")  # the jobs panel, empty
        assert screen.jobs_panel.display
        assert await pilot.click("#jobs", offset=(10, 1))
        await wait_for(pilot, lambda: screen.focused is screen.right.tree, "the focus back on the right pane")
        assert screen.right.has_pseudo_class("focus-within") and not screen.left.has_pseudo_class("focus-within")
        await pilot.press("f5")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the dialog")
        assert [s.basename for s in dialog.sources] == ["theirs.txt"]
        assert dialog.query_one("#target").value == str(left)


async def test_closing_a_dialog_or_the_help_gives_the_keys_back_to_the_pane(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await pilot.press("tab")
        assert screen.focused is screen.right.tree
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen and screen.focused is screen.right.tree, "the right pane")
        # The jobs panel focused with the keys, then closed: the pane has the keys again.
        await copy_with_f5(pilot, screen, "small.txt")
        await wait_jobs_done(pilot)
        await pilot.press("J")
        await wait_for(pilot, lambda: screen.focused is screen.jobs_panel, "the jobs panel focused")
        await pilot.press("w")
        await wait_for(pilot, lambda: screen.focused is screen.left.tree, "the left pane again")


# 3. Jobs by keyboard ----------------------------------------------------------


async def test_the_keyboard_cancels_and_retries_a_job_in_the_jobs_panel(two_dirs, gated_transfers):
    gate, started = gated_transfers
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await pilot.press("J")  # nothing to focus yet: says so
        await wait_for(pilot, lambda: "No jobs yet" in toasts_text(app), "the notice")
        await copy_with_f5(pilot, screen, "big.bin")
        await wait_for(pilot, started.is_set, "the transfer to start")
        titles = {command.title for command in app.get_system_commands(screen)}
        assert {"Jobs panel: Cancel job", "Jobs panel: Retry job"} <= titles  # the palette has them too
        await pilot.press("J")
        panel = screen.jobs_panel
        await wait_for(pilot, lambda: screen.focused is panel, "the panel focused")
        footer = screen_text(app).splitlines()[-1]
        assert "Cancel job" in footer and "Retry job" in footer, footer
        await pilot.press("x")
        await wait_jobs_done(pilot)
        first = app.jobs.jobs[0]
        assert first.state is JobState.CANCELLED and not (right / "big.bin").exists()
        row = panel.query_one(JobRow)
        await wait_for(pilot, lambda: not row.query_one(".job-retry").has_class("hidden"), "Retry on the cancelled row")
        gate.set()
        await pilot.press("r")  # a cancelled job is started again
        await wait_for(pilot, lambda: len(app.jobs.jobs) == 2, "the job started again")
        await wait_jobs_done(pilot)
        assert (right / "big.bin").read_bytes() == b"x" * 4096
        await wait_for(pilot, lambda: panel.current == 1, "the new row chosen")
        await pilot.press("up")
        assert panel.current == 0 and panel.rows[0].has_class("-current")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen.focused is screen.left.tree, "back to the pane")


async def test_help_and_palette_list_the_job_keys(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=(100, 80)) as pilot:
        screen = await ready(pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        assert {"Jobs", "Jobs: cancel, retry (keys)", "Invert marks", "Mark all"} <= titles
        helps = {command.help for command in app.get_system_commands(screen)}
        assert "Keys: ?, F1" in helps or "Keys: F1, ?" in helps  # readable key names, not question_mark
        assert not any("question_mark" in h or "slash" in h or "asterisk" in h for h in helps), helps
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help")
        text = screen_text(app)
        for what in ("Cancel the chosen job", "Retry the chosen job", "J", "Quick view"):
            assert what in text, what


async def test_only_the_first_job_of_a_session_opens_the_panel_then_a_summary_line(two_dirs, gated_transfers):
    gate, started = gated_transfers
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        gate.set()
        await copy_with_f5(pilot, screen, "small.txt")
        await wait_jobs_done(pilot)
        assert screen.jobs_panel.display
        await pilot.press("w")
        assert not screen.jobs_panel.display
        gate.clear()
        started.clear()
        await copy_with_f5(pilot, screen, "big.bin")
        await wait_for(pilot, started.is_set, "the transfer to start")
        assert not screen.jobs_panel.display
        line = screen.query_one("#jobs-summary")
        await wait_for(pilot, lambda: "1 job running · 50 %" in widget_text(line), "the summary line")
        gate.set()
        await wait_jobs_done(pilot)
        await wait_for(pilot, lambda: not line.display, "the summary line to go")


# 4. Honest progress -----------------------------------------------------------


class Fake:
    """Stands in for a Job: its progress is what the test says."""

    def __init__(self, state: JobState, progress: Progress, failures=(), id: int = 900):
        self.state, self.progress, self.failures = state, progress, list(failures)
        self.id, self.kind, self.title = id, "copy", f"Copy {id}"

    def add_done_callback(self, callback) -> None:
        pass


async def test_a_row_says_counting_until_the_total_is_known_then_a_percentage(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=SIZE) as pilot:
        app.animation_level = "none"
        screen = await ready(pilot)
        job = Fake(JobState.RUNNING, Progress(files_total=1209, bytes_total=12 << 20, planning=True))
        panel = screen.jobs_panel
        panel.add_job(job)
        screen.show_jobs_panel(True)
        row = await wait_for(pilot, lambda: panel.query(JobRow).first() if panel.query(JobRow) else None, "a row")
        await wait_for(pilot, lambda: "≥ 1,209 files so far" in widget_text(row), "counting")
        assert "%" not in widget_text(row) and "ETA" not in widget_text(row)
        job.progress = Progress(files_done=10, files_total=1209, bytes_done=6 << 20, bytes_total=12 << 20,
                                rate=1 << 20, eta=6, planning=False)
        await wait_for(pilot, lambda: "50%" in widget_text(row) and "ETA 00:06" in widget_text(row), "50% and ETA")
        job.state = JobState.CANCELLED
        await wait_for(pilot, lambda: "cancelled: 10 of 1,209 files" in widget_text(row), "the outcome")
        assert "%" not in widget_text(row)  # a finished row says what became of the files, not a bar


def test_while_the_planner_walks_only_what_is_known_is_shown():
    walking = Fake(JobState.RUNNING, Progress(files_done=177, files_total=1209, bytes_done=10 << 20,
                                              bytes_total=12 << 20, rate=1e6, eta=None, planning=True))
    text = describe(walking).plain
    assert text.startswith("≥ 1,209 files so far, 12M"), text
    assert "%" not in text and "ETA" not in text and "177 done" in text
    assert summary([walking]) == "1 job running · ≥ 1,209 files so far"
    known = Fake(JobState.RUNNING, Progress(files_done=177, files_total=209, bytes_done=5 << 20,
                                            bytes_total=10 << 20, rate=1 << 20, eta=5, planning=False))
    assert "177/209 files" in describe(known).plain and "ETA 00:05" in describe(known).plain
    assert summary([known]) == "1 job running · 50 %"


def test_finished_rows_show_done_skipped_and_failed_counts():
    cancelled = Fake(JobState.CANCELLED, Progress(files_done=100, files_total=1475, planning=True))
    assert describe(cancelled).plain.startswith("cancelled: 100 of 1,475+ files")
    assert "%" not in describe(cancelled).plain
    skipped = Fake(JobState.DONE, Progress(files_done=0, files_total=0, files_skipped=1, planning=False))
    assert describe(skipped).plain == "done: no files copied  1 skipped"
    failed = Fake(JobState.FAILED, Progress(files_done=2, files_total=3, files_failed=1, planning=False),
                  [Failure("a", "b", "access denied")])
    assert describe(failed).plain == "failed: 2 of 3 files  1 failed"  # why: on the row's next line
    assert failure_reasons(failed).plain == "⚠ access denied"
    many = Fake(JobState.FAILED, Progress(files_done=0, files_total=5, files_failed=5, planning=False),
                [Failure(str(n), None, f"reason {n}") for n in range(5)])
    assert failure_reasons(many).plain == "⚠ reason 0\n⚠ reason 1\n… and 3 more (r retries them)"
