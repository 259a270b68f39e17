"""The next start after the terminal went away: the jobs of detached runs (ended or still
running) in the jobs panel, and the jobs cut short by a crash offered to resume."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from stowtui import runs
from stowtui.app import StowApp
from stowtui.jobs import JobQueue, journal
from stowtui.screens.dialogs import ResumeDialog
from stowtui.widgets.jobs_panel import JobRow
from uikit import ready, toasts_text, wait_for, widget_text

SIZE = (100, 30)


def job(number, state, done, total, failures=()):
    return {"id": number, "title": f"Copy /data/{number} to s3://b/", "kind": "copy", "state": state,
            "files_done": done, "files_total": total, "files_failed": len(failures), "files_skipped": 0,
            "bytes_done": done * 10, "bytes_total": total * 10, "rate": 0.0, "eta": None, "planning": False,
            "failures": [{"source": s, "destination": None, "reason": r} for s, r in failures]}


def said(app) -> str:
    """The notifications' words, their lines joined again (a toast wraps)."""
    return " ".join(toasts_text(app).replace("▌", " ").split())


def write_run(pid, jobs, ended):
    path = runs.runs_dir() / f"{pid}.json"
    runs.write_private(path, json.dumps({"pid": pid, "uid": os.getuid(), "started": 0, "updated": 0,
                                         "ended": ended, "jobs": jobs}).encode())
    return path


@pytest.fixture
def sleeper():
    """A live process standing for a detached stowtui still running its job."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait()


@pytest.fixture
def no_runs():
    yield
    for path in runs.runs_dir().iterdir():
        path.unlink()


async def test_jobs_that_ran_while_away_are_shown_once_with_their_outcome(tmp_path, no_runs):
    gone = write_run(999_999_991, [job(1, "done", 300, 300),
                                   job(2, "failed", 2, 3, [("/data/2/x", "access denied")])], ended=True)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        panel = screen.jobs_panel
        await wait_for(pilot, lambda: len(panel.query(JobRow)) == 2, "the two jobs' rows")
        rows = list(panel.query(JobRow))
        await wait_for(pilot, lambda: "done: 300/300 files" in widget_text(rows[0]), "the done job's count")
        assert "failed: 2 of 3 files" in widget_text(rows[1]) and "access denied" in widget_text(rows[1])
        await wait_for(pilot, lambda: "2 jobs ran while you were away: 1 done, 1 failed" in said(app), "the summary")
    assert not gone.exists()  # shown once


async def test_a_job_still_running_in_a_detached_process_is_followed_and_cancelled(tmp_path, sleeper, no_runs):
    path = write_run(sleeper, [job(1, "running", 10, 100)], ended=False)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        panel = screen.jobs_panel
        row = await wait_for(pilot, lambda: panel.query(JobRow).first() if panel.query(JobRow) else None, "its row")
        await wait_for(pilot, lambda: "10/100 files" in widget_text(row), "its progress")
        write_run(sleeper, [job(1, "running", 60, 100)], ended=False)
        await wait_for(pilot, lambda: "60/100 files" in widget_text(row), "its progress, read again")
        panel.cancel(row)
        control = path.with_name(f"{sleeper}.cancel")
        assert control.read_text().split() == ["1"]  # the detached process reads it (detach.serve)
        write_run(sleeper, [job(1, "cancelled", 61, 100)], ended=True)
        await wait_for(pilot, lambda: "cancelled: 61 of 100 files" in widget_text(row), "its end")
        await wait_for(pilot, lambda: not path.exists(), "the run file to go once it is shown ended")


async def test_a_job_cut_short_is_offered_and_resumed(tmp_path):
    source, destination = tmp_path / "src", tmp_path / "dst"
    (source / "tree").mkdir(parents=True)
    destination.mkdir()
    for number in range(5):
        (source / "tree" / f"f{number}").write_bytes(b"%d" % number)
    (destination / "tree").mkdir()
    (destination / "tree" / "f0").write_bytes(b"0")  # completed by the first run
    header = journal.Header("copy", [str(source / "tree")], str(destination), "ask", "Copy tree",
                            token=journal.new_token())
    cut = journal.Journal(header, completed={journal.key(str(source / "tree" / "f0"))})
    cut.abandon()  # as kill -9 leaves it
    app = StowApp(str(tmp_path), str(tmp_path), jobs=JobQueue(workers=2, journal=True))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ResumeDialog), "the offer to resume")
        await pilot.click("#resume")
        await wait_for(pilot, lambda: app.jobs.jobs and app.jobs.jobs[0].state.finished, "the resumed job")
        (resumed,) = app.jobs.jobs
        assert resumed.state.value == "done", resumed.failures
        assert resumed.progress.files_done == 5
    assert sorted(p.name for p in (destination / "tree").iterdir()) == [f"f{n}" for n in range(5)]
    assert not cut.path.exists() and journal.interrupted() == []


def test_another_users_directory_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    (tmp_path / "stowtui").mkdir(mode=0o700)
    os.chown(tmp_path / "stowtui", 12345, 12345)  # as another user's (the tests run as root)
    with pytest.raises(PermissionError, match="not a directory of yours"):
        runs.runs_dir()


async def test_a_job_that_failed_while_away_is_retried_here_from_its_kept_journal(tmp_path, no_runs):
    source, destination = tmp_path / "src", tmp_path / "dst"
    (source / "tree").mkdir(parents=True)
    (destination / "tree").mkdir(parents=True)
    for number in range(4):
        (source / "tree" / f"f{number}").write_bytes(b"%d" % number)
    (destination / "tree" / "f0").write_bytes(b"0")  # the detached run copied f0, then failed
    header = journal.Header("copy", [str(source / "tree")], str(destination), "ask", "Copy tree",
                            token=journal.new_token())
    kept = journal.Journal(header, completed={journal.key(str(source / "tree" / "f0"))})
    kept.end("failed", keep=True)  # as a detached process leaves it
    record = job(1, "failed", 1, 4, [(str(source / "tree" / "f1"), "the link went down")])
    record["journal"] = str(kept.path)
    write_run(999_999_992, [record], ended=True)
    app = StowApp(str(tmp_path), str(tmp_path), jobs=JobQueue(workers=2, journal=True))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = screen.jobs_panel
        row = await wait_for(pilot, lambda: panel.query(JobRow).first() if panel.query(JobRow) else None, "its row")
        await wait_for(pilot, lambda: "the link went down" in widget_text(row), "its failure")
        panel.retry(row)
        await wait_for(pilot, lambda: app.jobs.jobs and app.jobs.jobs[0].state.finished, "the retried job")
        (again,) = app.jobs.jobs
        assert again.state.value == "done", again.failures
        assert again.progress.files_done == 4
    assert sorted(p.name for p in (destination / "tree").iterdir()) == [f"f{n}" for n in range(4)]
    assert not kept.path.exists()
