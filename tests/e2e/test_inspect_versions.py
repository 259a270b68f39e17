"""Versions of an object in a versioned bucket: listed, the latest marked, an older one viewed or copied."""

from __future__ import annotations

from stowtui.app import StowApp
from stowtui.screens.dialogs import ConflictDialog, InputDialog
from stowtui.screens.versions import VersionsScreen
from stowtui.screens.viewer import ViewerScreen
from uikit import ready, select, toasts_text, wait_entry, wait_for, widget_text

SIZE = (120, 40)


async def test_versions_are_listed_viewed_and_copied(tmp_path, s3, s3_client, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    old = s3_client.put_object(Bucket="bucket", Key="notes.txt", Body=b"the FIRST version\n")["VersionId"]
    new = s3_client.put_object(Bucket="bucket", Key="notes.txt", Body=b"the second, longer version\n")["VersionId"]
    s3_client.put_object(Bucket="bucket", Key="notes.txt.bak", Body=b"another key")  # same prefix, not listed
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "notes.txt")
        s3.clear_counts()
        await pilot.press("V")
        versions = await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and app.screen, "the versions")
        await wait_for(pilot, lambda: versions.table.row_count == 2, "two versions")
        assert s3.counts == {"GetBucketVersioning": 1, "ListObjectVersions": 1}
        assert [v.version_id for v in versions.versions] == [new, old]
        assert [v.is_latest for v in versions.versions] == [True, False]
        assert [v.size for v in versions.versions] == [27, 18]
        rows = [[str(cell) for cell in versions.table.get_row_at(i)] for i in range(2)]
        assert rows[0][0] == "★ latest" and rows[0][4] == new
        assert rows[1][0] == "" and rows[1][4] == old
        assert "2 versions" in widget_text(versions.status)
        assert "★ latest" in widget_text(versions.table)

        # View the older one: a ranged GET of that version.
        await pilot.press("down", "enter")
        viewer = await wait_for(pilot, lambda: isinstance(app.screen, ViewerScreen) and app.screen, "the viewer")
        await wait_for(pilot, lambda: "the FIRST version" in widget_text(viewer.preview.body), "the old bytes")
        assert f"version {old}" in widget_text(viewer.query_one("#viewer-title"))
        get = [r for r in s3.requests if r.op == "GetObject"]
        assert len(get) == 1 and get[0].query.get("versionId") == old and get[0].range == "bytes=0-65535"
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is versions, "back to the versions")

        # Copy it to the other pane's directory.
        await pilot.press("c")
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the copy dialog")
        assert dialog.query_one("#value").value == f"{tmp_path}/notes.txt"
        dialog.query_one("#value").value = f"{tmp_path}/notes-old.txt"
        s3.clear_counts()
        await pilot.press("enter")
        # A job like any copy: in the jobs panel, one GET of that version (no HeadObject).
        await wait_for(pilot, lambda: "Copy done" in toasts_text(app), "the job's end")
        assert (tmp_path / "notes-old.txt").read_bytes() == b"the FIRST version\n"
        assert [(r.op, r.query.get("versionId")) for r in s3.requests] == [("GetObject", old)]
        assert "notes.txt" in widget_text(screen.jobs_panel)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen, "the panes")
        await wait_entry(pilot, screen.left, "notes-old.txt")  # the pane was refreshed

        # A copy onto an existing name asks first; skipping leaves the file as it was.
        await select(pilot, screen.right, "notes.txt")
        await pilot.press("V")
        versions = await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and app.screen, "the versions")
        await wait_for(pilot, lambda: versions.table.row_count == 2, "two versions")
        await pilot.press("c")  # the latest version this time
        dialog = await wait_for(pilot, lambda: isinstance(app.screen, InputDialog) and app.screen, "the copy dialog")
        dialog.query_one("#value").value = f"{tmp_path}/notes-old.txt"
        await pilot.press("enter")
        question = await wait_for(pilot, lambda: isinstance(app.screen, ConflictDialog) and app.screen, "the question")
        assert "notes-old.txt" in widget_text(question)
        await pilot.click("#skip")
        await wait_for(pilot, lambda: all(j.state.finished for j in app.jobs.jobs), "the job's end")
        assert (tmp_path / "notes-old.txt").read_bytes() == b"the FIRST version\n"


async def test_versions_in_a_bucket_without_versioning_say_so_at_once(tmp_path, s3, s3_client, bucket):
    s3_client.put_object(Bucket="bucket", Key="notes.txt", Body=b"one")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "notes.txt")
        s3.clear_counts()
        await pilot.press("V")
        versions = await wait_for(pilot, lambda: isinstance(app.screen, VersionsScreen) and app.screen, "the versions")
        await wait_for(pilot, lambda: "Versioning is off in s3://bucket" in widget_text(versions.status), "said")
        assert s3.counts == {"GetBucketVersioning": 1}  # no listing of the keys under the name


async def test_versions_are_refused_on_local_disk(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"x")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await pilot.press("V")
        await wait_for(pilot, lambda: "Versions are listed for objects in S3 buckets" in toasts_text(app), "the refusal")
        assert app.screen is screen
