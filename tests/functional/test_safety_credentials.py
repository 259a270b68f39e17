"""A URL's password is never shown: job titles, failures, errors, notifications."""

from __future__ import annotations

from stowtui.app import StowApp
from stowtui.jobs import JobQueue, JobState
from uikit import ready, toasts_text, wait_for


def test_a_job_from_a_url_with_a_password_shows_none(tmp_path):
    queue = JobQueue(workers=1)
    try:
        job = queue.copy(["sftp://user:hunter2@127.0.0.1:1/x"], str(tmp_path))
        assert job.wait(30)
    finally:
        queue.shutdown()
    assert job.state is JobState.FAILED
    shown = [job.title] + [f.reason for f in job.failures] + [f.source for f in job.failures]
    assert job.title == f"Copy sftp://user@127.0.0.1:1/x to {tmp_path}"
    assert not any("hunter2" in text for text in shown), shown


async def test_notifications_never_show_the_password(tmp_path):
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await ready(pilot)
        app.notify("Cannot read sftp://user:hunter2@box/x", title="sftp://user:hunter2@box")
        said = await wait_for(pilot, lambda: "box/x" in toasts_text(app) and toasts_text(app), "the notification")
        assert "sftp://user@box/x" in said and "hunter2" not in said
