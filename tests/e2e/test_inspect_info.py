"""The info panel: the listing's facts at once with no request; one HeadObject for the rest."""

from __future__ import annotations

import os

from stowtui.app import StowApp
from uikit import child, ready, select, wait_for, widget_text

SIZE = (120, 40)


def panel_text(screen) -> str:
    return widget_text(screen.info_panel)


def ask_at_once(screen) -> None:
    """The info panel asks as soon as the cursor lands, rather than after it rests there a moment.

    Then whatever a cursor move asks for is asked by a worker started there and then,
    and "nothing was asked" can be read from the request counts once the workers are
    done (:func:`workers_done`), without waiting out the delay. (The cursor then asks
    about every entry it passes: move it one entry at a time.)
    """
    screen.info_panel.settle = 0


async def workers_done(pilot) -> None:
    await pilot.pause()  # the cursor's messages handled: any request is in a worker by now
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_info_shows_the_listing_at_once_and_costs_one_head_object(tmp_path, s3, s3_client, bucket, gate):
    s3_client.put_object(
        Bucket="bucket", Key="report.csv", Body=b"a,b\n1,2\n" * 200, ContentType="text/csv",
        ContentEncoding="identity", Metadata={"owner": "[red]x[/red]", "click": "[@click=app.quit]q"},
        ServerSideEncryption="AES256", StorageClass="STANDARD_IA",
    )
    s3.backend.put_object("bucket", "dir/inner.txt", b"x")
    s3.backend.put_object("bucket", "other.txt", b"other")
    held = gate(lambda op, key, query: op == "HeadObject")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        panel = screen.info_panel
        await select(pilot, screen.right, "dir")
        s3.clear_counts()
        await pilot.press("i")
        assert screen.info_open
        # A prefix: all there is to know came with the listing.
        await wait_for(pilot, lambda: panel.details_of(panel.artefact) is not None, "the details of dir/")
        text = panel_text(screen)
        assert "s3://bucket/dir" in text and "directory" in text
        assert sum(s3.counts.values()) == 0, s3.counts

        # An object: the listing's facts show at once, while the HeadObject is still held.
        # (Straight there, as a click would: with Down the cursor passes other.txt, and on a
        # busy machine it may rest there past the settle delay and ask about it too.)
        tree = screen.right.tree
        tree.move_cursor(child(tree.root, "report.csv"))
        await wait_for(pilot, held.arrived.is_set, "the HeadObject to reach the server")
        await pilot.pause()
        text = panel_text(screen)
        assert "s3://bucket/report.csv" in text
        assert "1,600 bytes (1.6K)" in text
        assert "STANDARD_IA" in text  # the storage class, from the listing
        assert "ETag" in text and "Modified" in text
        assert "text/csv" not in text and "AES256" not in text  # not known before the HeadObject
        assert s3.counts == {"HeadObject": 1}

        held.release()
        await wait_for(pilot, lambda: "AES256" in panel_text(screen), "the HeadObject's details")
        text = panel_text(screen)
        for expected in ("Content type", "text/csv", "Content encoding", "identity", "Encryption", "AES256",
                         "User metadata", "owner: [red]x[/red]", "click: [@click=app.quit]q"):
            assert expected in text, expected
        assert s3.counts == {"HeadObject": 1}
        lines = panel_text(screen).split("\n")
        row = next(i for i, line in enumerate(lines) if "[@click=app.quit]q" in line)
        await pilot.click(panel, offset=(lines[row].index("[@click") + 2, row))
        assert app.is_running and app.return_code is None  # the metadata is text, not an action

        # Going away and back costs nothing more: the details are kept per artefact.
        await select(pilot, screen.right, "other.txt")
        await wait_for(pilot, lambda: panel.details_of(panel.artefact) is not None, "other.txt's details")
        assert s3.counts == {"HeadObject": 2}
        ask_at_once(screen)
        await pilot.press("down")  # back on report.csv
        assert screen.right.tree.cursor_node.artefact.basename == "report.csv"
        await workers_done(pilot)  # it must not ask at all
        assert "AES256" in panel_text(screen)
        assert s3.counts == {"HeadObject": 2}

        # Closed, the panel asks for nothing while the cursor moves.
        await pilot.press("i")
        assert not screen.info_open
        s3.clear_counts()
        await select(pilot, screen.right, "dir")
        await select(pilot, screen.right, "other.txt")
        await workers_done(pilot)
        assert sum(s3.counts.values()) == 0


async def test_info_shows_a_version_id_in_a_versioned_bucket_and_an_error_without_failing(
        tmp_path, s3, s3_client, bucket):
    s3_client.put_bucket_versioning(Bucket="bucket", VersioningConfiguration={"Status": "Enabled"})
    version = s3_client.put_object(Bucket="bucket", Key="v.txt", Body=b"v1")["VersionId"]
    s3.backend.put_object("bucket", "denied.txt", b"x")
    s3.fail(op="HeadObject", key="denied.txt", status=403, times=None)
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "v.txt")
        await pilot.press("i")
        await wait_for(pilot, lambda: version in panel_text(screen), "the version id")
        assert "Version id" in panel_text(screen)
        await select(pilot, screen.right, "denied.txt")
        await wait_for(pilot, lambda: "access denied" in panel_text(screen), "the refusal, in the panel")
        assert "s3://bucket/denied.txt" in panel_text(screen) and "1 byte" in panel_text(screen) and "1 bytes" not in panel_text(screen)
        assert app.is_running


async def test_the_bucket_list_shows_creation_dates_and_the_info_panel_asks_for_the_region(
        tmp_path, s3, s3_client, stow):
    s3_client.create_bucket(Bucket="here-bucket")
    s3_client.create_bucket(Bucket="eu-bucket", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    app = StowApp(str(tmp_path), "s3://")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        ask_at_once(screen)
        right = screen.right
        eu = child(right.tree.root, "eu-bucket")
        assert eu.artefact.createdTime is not None
        from stowtui.text import short_time

        stamp = short_time(eu.artefact.createdTime)
        assert stamp and stamp in widget_text(right.tree)  # the creation date, from ListBuckets
        s3.clear_counts()
        await select(pilot, right, "eu-bucket")
        await pilot.press("i")
        await wait_for(pilot, lambda: "eu-west-1" in panel_text(screen), "the region")
        text = panel_text(screen)
        assert "bucket" in text and "Created" in text
        assert s3.counts == {"GetBucketLocation": 1}
        await pilot.pause()
        assert "eu-west-1" in widget_text(right.tree)  # and the bucket's row shows it from now on
        await select(pilot, right, "here-bucket")
        await wait_for(pilot, lambda: "us-east-1" in panel_text(screen), "the other region")
        await select(pilot, right, "eu-bucket")
        await workers_done(pilot)
        assert s3.counts == {"GetBucketLocation": 2}  # one per bucket, once


async def test_info_on_local_disk_shows_mode_owner_and_link_target(tmp_path):
    (tmp_path / "file.txt").write_bytes(b"x" * 2048)
    os.symlink("file.txt", tmp_path / "link")
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "file.txt")
        await pilot.press("i")
        await wait_for(pilot, lambda: "Mode" in panel_text(screen), "the lstat details")
        text = panel_text(screen)
        assert "2,048 bytes (2.0K)" in text and "-rw" in text and str(tmp_path / "file.txt") in text
        await select(pilot, screen.left, "link")
        await wait_for(pilot, lambda: "lrwx" in panel_text(screen), "the link's details")
        assert "Link target" in panel_text(screen) and "file.txt" in panel_text(screen)
