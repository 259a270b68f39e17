"""The rest of the keys: help, command palette, jobs panel (cancel, retry), mkdir, rename, viewer."""

from __future__ import annotations

import pytest
from textual.command import CommandPalette
from textual.widgets import Button

from stowtui.app import StowApp
from stowtui.screens.dialogs import InputDialog, TransferDialog
from stowtui.screens.help import HelpScreen
from stowtui.screens.viewer import ViewerScreen
from stowtui.widgets.jobs_panel import JobRow
from uikit import (
    entry_names,
    ready,
    screen_text,
    select,
    toasts_text,
    wait_entry,
    wait_for,
    wait_jobs_done,
    widget_text,
)

SIZE = (120, 40)


@pytest.fixture
def two_dirs(tmp_path):
    left, right = tmp_path / "l", tmp_path / "r"
    left.mkdir()
    right.mkdir()
    (left / "a.txt").write_bytes(b"alpha\n")
    return left, right


async def test_question_mark_opens_the_help_with_every_key(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=(120, 70)) as pilot:  # tall enough for the whole list
        screen = await ready(pilot)
        await pilot.press("question_mark")
        help_screen = await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen) and app.screen, "the help")
        text = screen_text(app)
        for keys, what in [("F5 / c", "Copy"), ("F6 / m", "Move"), ("F7 / n", "MkDir"), ("F8 / d / Del", "Delete"),
                           ("F2 / r", "Rename"), ("F3 / v", "View"), ("Ctrl+R", "Refresh"), ("Tab", "Switch pane"),
                           ("F10 / q", "Quit"), ("w", "Jobs"), ("F1 / ?", "Help"), ("Space / Insert", "Mark"),
                           ("Drag with the mouse", "Drop entries")]:
            assert keys in text and what in text, (keys, what)
        # Only keys that do something here, each once, as mc names them.
        assert "Page Left" not in text and "Copy selected text" not in text and "pgup" not in text
        assert text.count("Space / Insert") == 1 and text.count("Enter / double click") == 1
        assert "Ctrl+U" in text and "Esc 0" in text and "Ctrl+P" in text
        assert help_screen is app.screen
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the help to close")
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), "the help again, with F1")


async def test_the_command_palette_lists_copy_and_runs_it(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("ctrl+p")
        palette = await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette) and app.screen, "the palette")
        await pilot.press(*"copy")

        def options():
            from textual.widgets import OptionList

            found = palette.query(OptionList)
            return [str(o.prompt) for o in found.first().options] if found else []

        await wait_for(pilot, lambda: any("Copy" in o for o in options()), "Copy among the commands")
        assert any("F5" in o or "f5" in o for o in options())  # the key is shown with it
        await pilot.press("enter")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog) and app.screen, "the copy dialog")
        assert dialog.kind == "copy"
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert (right / "a.txt").read_bytes() == b"alpha\n"


async def test_the_command_palette_has_every_action(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        titles = {command.title for command in app.get_system_commands(screen)}
        for title in ("Copy", "Move", "MkDir", "Delete", "Rename", "View", "Refresh", "Jobs", "Help",
                      "Open URL", "Filter", "Sort", "Hidden files", "Switch pane", "Parent"):
            assert title in titles, title


async def test_w_toggles_the_jobs_panel_and_a_job_opens_it(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        panel = screen.jobs_panel
        assert not panel.display
        await pilot.press("w")
        assert panel.display
        assert "Jobs" in screen_text(app)
        await pilot.press("w")
        assert not panel.display
        # A job opens it by itself, with a row for the job.
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert panel.display
        row = await wait_for(pilot, lambda: panel.query(JobRow).first() if panel.query(JobRow) else None, "a row")
        await wait_for(pilot, lambda: "done" in widget_text(row), "the row to say done")
        assert "1/1 files" in widget_text(row)
        # (read from the widget: the end-of-job toast covers the right half of the panel)
        assert str(row.query_one(".job-title").render()).startswith("Copy " + str(left / "a.txt") + " to ")
        await wait_for(pilot, lambda: "Copy done" in toasts_text(app), "the end notification")


async def test_the_jobs_panel_shows_progress_and_cancels_a_job(two_dirs, gated_transfers):
    gate, started = gated_transfers
    left, right = two_dirs
    (left / "big.bin").write_bytes(b"x" * 4096)
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "big.bin")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.click("#copy")
        await wait_for(pilot, started.is_set, "the transfer to start")
        row = await wait_for(pilot, lambda: screen.jobs_panel.query(JobRow).first() if screen.jobs_panel.query(JobRow) else None, "a row")
        await wait_for(pilot, lambda: "2.0K/4.0K" in widget_text(row), "half the bytes in the row")
        assert "0/1 files" in widget_text(row)
        assert "ETA" in widget_text(row)
        await pilot.click(row.query_one(".job-cancel", Button))
        await wait_jobs_done(pilot)
        job = app.jobs.jobs[0]
        assert job.state.value == "cancelled"
        await wait_for(pilot, lambda: "cancelled" in widget_text(row), "the row to say cancelled")
        await wait_for(pilot, lambda: "Copy cancelled" in toasts_text(app), "the notification")
        assert not (right / "big.bin").exists()


async def test_a_failed_job_is_reported_and_retried(tmp_path, s3, bucket):
    (tmp_path / "up.txt").write_bytes(b"upload me")
    s3.fail(op="PutObject", status=403, times=None)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "up.txt")
        await pilot.press("f5")
        await wait_for(pilot, lambda: isinstance(app.screen, TransferDialog), "the dialog")
        await pilot.click("#copy")
        await wait_jobs_done(pilot)
        assert app.jobs.jobs[0].state.value == "failed"
        await wait_for(pilot, lambda: "1 failed" in toasts_text(app), "the failure notification")
        toasts = toasts_text(app)
        assert "up.txt" in toasts and "denied" in toasts.lower()  # names the failure and why
        row = screen.jobs_panel.query_one(JobRow)
        await wait_for(pilot, lambda: "failed" in widget_text(row), "the row to say failed")
        retry = row.query_one(".job-retry", Button)
        assert retry.display and not retry.has_class("hidden")
        s3.clear_faults()
        # The error toast sits over the jobs panel's buttons for its 10 s: click it away first.
        for toast in app.screen.query("Toast"):
            await pilot.click(toast)
        await wait_for(pilot, lambda: not toasts_text(app), "the toast to go")
        assert await pilot.click(retry)
        await wait_for(pilot, lambda: len(app.jobs.jobs) == 2, "the retry job")
        await wait_jobs_done(pilot)
        assert app.jobs.jobs[1].state.value == "done"
        assert bytes(s3.backend.get_object("bucket", "up.txt").value) == b"upload me"
        await wait_entry(pilot, screen.right, "up.txt")


async def test_f7_makes_a_directory(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        screen.right.tree.focus()
        await pilot.press("f7")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the name prompt")
        await pilot.press(*"new dir")
        assert dialog.query_one("#value").value == "new dir"
        await pilot.press("enter")
        await wait_entry(pilot, screen.right, "new dir")
        assert (right / "new dir").is_dir()
        assert "new dir/" in widget_text(screen.right.tree)


async def test_f7_in_the_bucket_and_a_name_with_a_slash_is_refused(tmp_path, s3, bucket):
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        screen.right.tree.focus()
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), "the name prompt")
        await pilot.press(*"folder")
        await pilot.press("enter")
        await wait_entry(pilot, screen.right, "folder")
        assert "folder/" in s3.backend.get_bucket("bucket").keys
        await pilot.press("f7")
        await wait_for(pilot, lambda: isinstance(app.screen, InputDialog), "the name prompt")
        await pilot.press(*"a/b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "contains '/'" in toasts_text(app), "the refusal")
        assert sorted(s3.backend.get_bucket("bucket").keys) == ["folder/"]
        assert app.is_running


async def test_f2_renames(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("f2")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the prompt")
        box = dialog.query_one("#value")
        assert box.value == "a.txt"  # the old name to edit
        box.value = ""
        await pilot.press(*"renamed.txt")
        await pilot.press("enter")
        await wait_entry(pilot, screen.left, "renamed.txt")
        assert entry_names(screen.left.tree.root) == ["renamed.txt"]
        assert (left / "renamed.txt").read_bytes() == b"alpha\n"
        assert not (left / "a.txt").exists()


async def test_f2_refuses_an_existing_name(two_dirs):
    left, right = two_dirs
    (left / "b.txt").write_bytes(b"b")
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("r")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the prompt")
        dialog.query_one("#value").value = "b.txt"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "already exists" in toasts_text(app), "the refusal")
        assert (left / "a.txt").read_bytes() == b"alpha\n"
        assert (left / "b.txt").read_bytes() == b"b"
        assert app.jobs.jobs == []


async def test_f3_shows_the_head_of_a_file(tmp_path, s3, bucket):
    body = "".join(f"line {i}\n" for i in range(20_000)).encode()  # ~200 KB: more than the head
    s3.backend.put_object("bucket", "big.log", body)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "big.log")
        s3.clear_counts()
        await pilot.press("f3")
        viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
        text = viewer.query_one("#viewer-text")
        await wait_for(pilot, lambda: "line 0" in widget_text(text), "the head of the file")
        assert "line 1" in widget_text(text)
        assert "s3://bucket/big.log" in widget_text(viewer.query_one("#viewer-title"))
        rendered = str(text.render())
        assert "line 19999" not in rendered  # only the head was read...
        assert "showing the first 64K" in rendered
        gets = [r for r in s3.requests if r.op == "GetObject"]
        assert len(gets) == 1 and gets[0].range is not None  # ...with one ranged GET
        await pilot.press("q")
        await wait_for(pilot, lambda: app.screen is screen, "back to the panes")
        assert app.is_running


async def test_f3_on_a_binary_file_shows_a_hex_dump(tmp_path):
    (tmp_path / "blob.bin").write_bytes(bytes(range(64)))
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "blob.bin")
        await pilot.press("v")
        viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
        text = viewer.query_one("#viewer-text")
        await wait_for(pilot, lambda: "00000000" in widget_text(text), "the hex dump")
        assert "00 01 02 03" in widget_text(text)


async def test_q_quits(two_dirs):
    app = StowApp(*map(str, two_dirs))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running, "the app to end")
    assert app.return_code == 0


async def test_a_job_that_ends_before_its_row_is_composed_does_not_crash_the_panel(two_dirs):
    left, right = two_dirs
    app = StowApp(str(left), str(right))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        job = app.jobs.copy([str(left / "a.txt")], str(right))
        assert job.wait(10)
        panel = screen.jobs_panel
        panel.display = True
        panel.add_job(job)
        panel.update_rows()  # in the same tick as the mount: the row has no children yet
        row = await wait_for(pilot, lambda: panel.query(JobRow).first() if panel.query(JobRow) else None, "the row")
        await wait_for(pilot, lambda: "done" in widget_text(row), "the row to say done")
        assert app.is_running


def test_local_panes_do_not_import_boto3(tmp_path):
    """Start-up stays quick over SSH: boto3 is imported only when an S3 pane needs it."""
    import subprocess
    import sys

    script = f"""
import asyncio, sys
from stowtui.app import StowApp
async def main():
    async with StowApp({str(tmp_path)!r}, {str(tmp_path)!r}).run_test() as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
asyncio.run(main())
print(sorted(m for m in ("boto3", "botocore", "s3transfer", "moto") if m in sys.modules))
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
