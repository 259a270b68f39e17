"""Links to the clipboard (OSC 52, so it works over SSH): the URL, and a presigned GET link on S3.

The app's clipboard is read here (``App.clipboard``); that it reaches the terminal as OSC 52 is
checked in tmux over ssh (test_demo_over_ssh.py).
"""

from __future__ import annotations

import time
import urllib.parse
import urllib.request

from stowtui.app import StowApp
from stowtui.screens.dialogs import InputDialog
from uikit import ready, select, toasts_text, wait_for

SIZE = (120, 40)


async def test_y_copies_the_url_through_the_terminal(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "dir/report [1].csv", b"x")
    app = StowApp(str(tmp_path), "s3://bucket/dir/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "report [1].csv")
        s3.clear_counts()
        await pilot.press("y")
        assert app.clipboard == "s3://bucket/dir/report [1].csv"
        await wait_for(pilot, lambda: "s3://bucket/dir/report [1].csv" in toasts_text(app), "the toast")
        assert sum(s3.counts.values()) == 0
        # On disk, the absolute path.
        (tmp_path / "local.txt").write_bytes(b"x")
        await pilot.press("tab")
        screen.left.refresh_directory()
        await wait_for(pilot, lambda: any(c.artefact.basename == "local.txt" for c in screen.left.tree.root.children),
                       "local.txt")
        await select(pilot, screen.left, "local.txt")
        await pilot.press("y")
        assert app.clipboard == str(tmp_path / "local.txt")


async def test_shift_y_copies_a_presigned_link_that_downloads_the_object(tmp_path, s3, bucket):
    body = bytes(range(256)) * 100
    s3.backend.put_object("bucket", "data/blob.bin", body)
    app = StowApp(str(tmp_path), "s3://bucket/data/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "blob.bin")
        await pilot.press("Y")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the expiry dialog")
        field = dialog.query_one("#value")
        assert field.value == "3600"  # the default
        field.value = "120"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.clipboard.startswith(s3.endpoint_url), "the link in the clipboard")
        link = app.clipboard
        await wait_for(pilot, lambda: "Presigned link, valid 120 s" in toasts_text(app), "the toast")
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        if "X-Amz-Expires" in query:
            assert query["X-Amz-Expires"] == "120"
        else:
            assert abs(int(query["Expires"]) - (time.time() + 120)) < 30
        s3.clear_counts()
        with urllib.request.urlopen(link, timeout=10) as response:  # a plain HTTP client, no AWS keys
            assert response.read() == body
        assert s3.counts == {"GetObject": 1}


async def test_a_presigned_link_is_refused_where_there_is_none(tmp_path):
    (tmp_path / "local.txt").write_bytes(b"x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "local.txt")
        await pilot.press("Y")
        await wait_for(pilot, lambda: "Presigned links are for S3 objects" in toasts_text(app), "the refusal")
        assert app.clipboard == ""
        assert app.screen is screen


async def test_a_bad_expiry_is_refused(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "f.txt", b"x")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "f.txt")
        await pilot.press("Y")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the dialog")
        dialog.query_one("#value").value = "forever"
        await pilot.press("enter")
        await wait_for(pilot, lambda: "Give a number of seconds" in toasts_text(app), "the refusal")
        assert app.clipboard == ""
