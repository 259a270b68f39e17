"""SVG snapshots (pytest-textual-snapshot): the main screen, the jobs panel mid-copy and the
delete confirmation, at 80×24 and 120×40; at 80×24 (as over SSH) long names, marks with their
count, the quick view, the quit question and the jobs panel with the keyboard focus.

Everything that moves is frozen: the folders live at a fixed path
(/tmp/stowtui-snap, rebuilt for each test under a lock, so two test runs on
one machine take turns), every mtime is fixed and shown in UTC, and the jobs
panel shows jobs whose progress (rate and ETA included) is set by the test.

Regenerate with ``pytest tests/e2e/test_snapshots.py --snapshot-update`` and look
at the pictures in tests/e2e/__snapshots__/test_snapshots/ before committing them.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time

import pytest

from stowtui.app import StowApp
from stowtui.jobs import Failure, JobState, Progress
from stowtui.screens.dialogs import ConfirmDialog
from uikit import as_tree, ready, screen_text, select, wait_for, wait_loaded

ROOT = "/tmp/stowtui-snap"
STAMP = 1_709_294_400  # 2024-03-01 12:00 UTC: an earlier year, so times show as "Mar  1  2024"
SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]

LEFT = {
    "docs/guide.md": 2_345,
    "docs/api.md": 18_000,
    "photos/2023/beach.jpg": 2_400_000,
    "README.md": 1_234,
    "data.csv": 48_213,
    "notes.txt": 12,
    ".hidden": 5,
}
RIGHT = {
    "archive/old.tar": 10_000,
    "backup.tar.gz": 3_600_000,
    "report.pdf": 250_000,
}
LONG = {  # names of 24 characters and more, as an mc user's directories have
    "empty-folder-for-later-use/keep": 0,
    "quarterly-report-final-version-2.pdf": 250_000,
    "file-0000-with-a-rather-long-name.txt": 12,
    "pyproject.toml": 1_234,
    "日本語のファイル名と長い説明.txt": 2_048,
    "short.txt": 5,
}


def build(root: str, files: dict[str, int]) -> str:
    for rel, size in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.truncate(size)  # sparse: big sizes cost nothing
    for folder, dirs, names in os.walk(root, topdown=False):
        for name in dirs + names:
            os.utime(os.path.join(folder, name), (STAMP, STAMP))
    os.utime(root, (STAMP, STAMP))
    return root


@pytest.fixture
def snap_dirs(monkeypatch):
    """/tmp/stowtui-snap/{left,right}, rebuilt; times in UTC; no manager cache from other tests."""
    from stowtui.managers import registry

    os.makedirs(os.path.dirname(ROOT), exist_ok=True)
    with open(ROOT + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.rmtree(ROOT, ignore_errors=True)
        left = build(os.path.join(ROOT, "left"), LEFT)
        right = build(os.path.join(ROOT, "right"), RIGHT)
        build(os.path.join(ROOT, "long"), LONG)
        monkeypatch.setenv("TZ", "UTC")
        time.tzset()
        registry.forget_instances()
        try:
            yield left, right
        finally:
            registry.forget_instances()
            monkeypatch.undo()
            time.tzset()
            shutil.rmtree(ROOT, ignore_errors=True)


class FrozenQueue:
    """Stands in for the app's JobQueue: jobs that run as long as the picture needs."""

    def __init__(self, jobs):
        self.jobs = list(jobs)

    def shutdown(self, cancel: bool = True) -> None:
        pass


class FrozenJob:
    """Stands in for a stowtui.jobs.Job in the jobs panel: its progress is whatever the test says."""

    def __init__(self, id: int, kind: str, title: str, state: JobState, progress: Progress, failures=()):
        self.id = id
        self.kind = kind
        self.title = title
        self.state = state
        self.progress = progress
        self.failures = list(failures)

    def cancel(self) -> None:
        pass

    def retry(self):
        return None

    def add_done_callback(self, callback) -> None:
        pass


def frozen_jobs(left: str, right: str) -> list[FrozenJob]:
    return [
        FrozenJob(
            1, "copy", f"Copy {left}/docs to {right}", JobState.DONE,
            Progress(files_done=2, files_total=2, bytes_done=20_345, bytes_total=20_345, planning=False),
        ),
        FrozenJob(
            2, "copy", f"Copy 3 items to {right}", JobState.RUNNING,
            Progress(files_done=41, files_total=120, bytes_done=157_286_400, bytes_total=419_430_400,
                     rate=12_582_912.0, eta=20.8, planning=False),
        ),
        FrozenJob(
            3, "move", f"Move {left}/data.csv to s3://bucket/in/", JobState.FAILED,
            Progress(files_done=0, files_total=1, files_failed=1, bytes_done=0, bytes_total=48_213, planning=False),
            failures=[Failure(f"{left}/data.csv", "s3://bucket/in/data.csv",
                              "Cannot upload data.csv to s3://bucket/in/data.csv: access denied")],
        ),
    ]


async def main_screen(pilot):
    screen = await ready(pilot)
    await as_tree(pilot, screen.left)  # the tree mode (t), a directory open in place
    docs = await select(pilot, screen.left, "docs")
    await pilot.press("right")
    await wait_loaded(pilot, screen.left, docs)
    await select(pilot, screen.left, "api.md", node=docs)


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, snap_dirs, size):
    """Both panes listed, docs/ expanded on the left, the cursor on docs/api.md."""
    assert snap_compare(StowApp(*snap_dirs), terminal_size=size, run_before=main_screen)


@pytest.mark.parametrize("size", SIZES)
def test_jobs_panel_mid_copy(snap_compare, snap_dirs, size):
    """The jobs panel with a finished copy, a copy at 37.5% (12M/s, ETA 00:20) and a failed move
    (its reason wrapped under it)."""
    left, right = snap_dirs

    async def run_before(pilot):
        pilot.app.animation_level = "none"  # progress bars jump to their value: a stable picture
        screen = await ready(pilot)
        await select(pilot, screen.left, "README.md")
        panel = screen.jobs_panel
        jobs = frozen_jobs(left, right)
        move, failures = jobs[2], jobs[2].failures
        move.state, move.failures = JobState.RUNNING, []  # it fails once shown
        for job in jobs:
            panel.add_job(job)
        panel.display = True
        await wait_for(pilot, lambda: len(panel.query("JobRow")) == 3, "three job rows")
        move.state, move.failures = JobState.FAILED, failures
        panel.update_rows()
        # The failed move's reason, whole, under it: scrolled into view as it failed.
        await wait_for(pilot, lambda: "access denied" in screen_text(pilot.app), "the failure's reason in view")

    assert snap_compare(StowApp(left, right), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_delete_confirmation(snap_compare, snap_dirs, size):
    """F8 on two marked entries (a directory and a file): the dialog lists both and says how many
    objects that is once counted, Cancel focused."""

    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, "photos")
        await pilot.press("space")
        await select(pilot, screen.left, "notes.txt")
        await pilot.press("space")
        assert set(n.artefact.basename for n in screen.left.tree.marked.values()) == {"photos", "notes.txt"}
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the confirmation")
        await wait_for(pilot, lambda: "in 2 items?" in screen_text(pilot.app), "what is under photos/, counted")

    assert snap_compare(StowApp(*snap_dirs), terminal_size=size, run_before=run_before)


def test_snapshot_folders_are_what_the_pictures_expect(snap_dirs):
    """Guards the fixture itself: fixed names, sizes and times (a changed fixture changes every picture)."""
    left, right = snap_dirs
    assert left == "/tmp/stowtui-snap/left"
    assert os.stat(os.path.join(left, "data.csv")).st_size == 48_213
    assert os.stat(os.path.join(left, "docs")).st_mtime == STAMP
    assert time.strftime("%Z") == "UTC"


# At 80×24, as over SSH -----------------------------------------------


def test_long_names_at_80x24(snap_compare, snap_dirs):
    """mc's panel: `..`, then Name | Size | Modify time, long names cut in the middle with `~`; the
    mini-status under the pane shows the whole name under the cursor."""

    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, "quarterly-report-final-version-2.pdf")

    assert snap_compare(StowApp(ROOT + "/long", snap_dirs[1]), terminal_size=(80, 24), run_before=run_before)


def test_marks_with_their_count_at_80x24(snap_compare, snap_dirs):
    """Three marked entries (a directory, two files): a `*` beside each, their count and size."""

    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, "data.csv")
        await pilot.press("space", "space")  # data.csv, notes.txt
        await select(pilot, screen.left, "photos")
        await pilot.press("space")
        assert len(screen.left.tree.marked) == 3

    assert snap_compare(StowApp(*snap_dirs), terminal_size=(80, 24), run_before=run_before)


def test_quick_view_at_80x24(snap_compare, snap_dirs):
    """Ctrl+Q: the preview of the file under the cursor in place of the other pane."""
    left, right = snap_dirs
    with open(os.path.join(left, "notes.txt"), "w") as handle:
        handle.write("buy milk\n")
    os.utime(os.path.join(left, "notes.txt"), (STAMP, STAMP))

    async def run_before(pilot):
        screen = await ready(pilot)
        await select(pilot, screen.left, "notes.txt")
        await pilot.press("ctrl+q")
        await wait_for(pilot, lambda: "buy milk" in screen_text(pilot.app), "the preview")

    assert snap_compare(StowApp(left, right), terminal_size=(80, 24), run_before=run_before)


def test_quit_question_at_80x24(snap_compare, snap_dirs):
    """q with two jobs running: the question, Stay focused."""
    left, right = snap_dirs
    jobs = [job for job in frozen_jobs(left, right) if job.state is JobState.RUNNING]
    jobs.append(FrozenJob(4, "delete", "Delete 2 items", JobState.PLANNING, Progress(files_total=12)))

    async def run_before(pilot):
        await ready(pilot)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmDialog), "the question")

    app = StowApp(left, right, jobs=FrozenQueue(jobs))
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_jobs_panel_focused_at_80x24(snap_compare, snap_dirs):
    """J: the jobs panel has the keys (its border, the chosen job, its keys in the footer)."""
    left, right = snap_dirs

    async def run_before(pilot):
        pilot.app.animation_level = "none"
        screen = await ready(pilot)
        panel = screen.jobs_panel
        for job in frozen_jobs(left, right):
            panel.add_job(job)
        screen.show_jobs_panel(True)
        await wait_for(pilot, lambda: len(panel.query("JobRow")) == 3, "three job rows")
        panel.update_rows()
        await pilot.press("J", "up")
        await wait_for(pilot, lambda: screen.focused is panel and panel.current == 1, "the panel focused")

    assert snap_compare(StowApp(left, right), terminal_size=(80, 24), run_before=run_before)
