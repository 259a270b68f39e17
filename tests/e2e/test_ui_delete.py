"""F8 asks first, listing what will go; it deletes exactly that, and nothing when cancelled."""

from __future__ import annotations

import pytest

from stowtui.app import StowApp
from stowtui.screens.dialogs import ConfirmDialog
from uikit import ready, select, unwrapped, wait_entry, wait_for, wait_jobs_done

SIZE = (120, 40)


def make_tree(root):
    (root / "docs").mkdir()
    (root / "docs" / "inner.txt").write_bytes(b"i")
    (root / "a.txt").write_bytes(b"a")
    (root / "b.txt").write_bytes(b"b")
    return root


async def open_confirm(pilot, key: str = "f8") -> ConfirmDialog:
    app = pilot.app
    await pilot.press(key)
    return await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog) and app.screen, "the confirmation")


async def test_delete_lists_what_will_go_and_obeys(tmp_path):
    make_tree(tmp_path)
    app = StowApp(str(tmp_path), str(tmp_path / "docs"))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        left = screen.left
        await select(pilot, left, "docs")
        await pilot.press("space")
        await select(pilot, left, "b.txt")
        await pilot.press("space")
        dialog = await open_confirm(pilot)
        items = unwrapped(dialog.query_one("#items"))
        assert str(tmp_path / "docs") + "/" in items
        assert str(tmp_path / "b.txt") in items
        assert str(tmp_path / "a.txt") not in items
        assert "2 items" in unwrapped(dialog)
        assert dialog.focused.id == "cancel"  # Enter alone would not delete
        await pilot.click("#confirm")
        await wait_jobs_done(pilot)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]
        await wait_entry(pilot, left, "b.txt", present=False)
        await wait_entry(pilot, left, "docs", present=False)
        assert left.tree.marked == {}


@pytest.mark.parametrize("how", ["escape", "cancel-button", "enter-on-default"])
async def test_cancelling_the_confirmation_deletes_nothing(tmp_path, how):
    make_tree(tmp_path)
    app = StowApp(str(tmp_path), str(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.left, "a.txt")
        await open_confirm(pilot, "delete")
        if how == "escape":
            await pilot.press("escape")
        elif how == "cancel-button":
            await pilot.click("#cancel")
        else:
            await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is screen, "the confirmation to close")
        await pilot.pause()
        assert app.jobs.jobs == []
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt", "docs"]


async def test_delete_in_the_bucket(tmp_path, s3, bucket):
    s3.backend.put_object("bucket", "keep.txt", b"k")
    s3.backend.put_object("bucket", "drop/one.txt", b"1")
    s3.backend.put_object("bucket", "drop/two.txt", b"2")
    app = StowApp(str(tmp_path), "s3://bucket/")
    async with app.run_test(size=SIZE) as pilot:
        screen = await ready(pilot)
        await select(pilot, screen.right, "drop")
        dialog = await open_confirm(pilot, "d")
        assert "s3://bucket/drop/" in unwrapped(dialog.query_one("#items"))
        # What is under the prefix, counted while the question is open (not "Delete 1 item?").
        await wait_for(pilot, lambda: "Delete 2 objects (2 bytes) under s3://bucket/drop" in unwrapped(dialog),
                       "the count in the question")
        await pilot.click("#confirm")
        await wait_jobs_done(pilot)
        assert sorted(s3.backend.get_bucket("bucket").keys.keys()) == ["keep.txt"]
        await wait_entry(pilot, screen.right, "drop", present=False)


async def test_delete_with_nothing_selected_asks_nothing(tmp_path):
    app = StowApp(str(tmp_path), str(tmp_path))  # an empty directory
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await ready(pilot)
        screen.left.tree.focus()
        await pilot.press("f8")
        await pilot.pause()
        assert app.screen is screen
        assert app.jobs.jobs == []
